"""The aggregate verb, shared by ``paperscope aggregate`` and the aggregate view:
rliable's IQM, median, mean and optimality gap with stratified bootstrap CIs over tasks,
performance profiles with their bootstrap bands, and P(X > Y) for every ordered pair of
methods, from score files (one per method, parsed by ``readers/runs/rliable_scores``)
or from score tables already in memory (:class:`Method`).

Normalisation: ``(score - random) / (human - random)`` per task when both reference
tables are given (``score - random`` or ``score / human`` with one). A reference named
``atari`` (no such file) is rliable's per-game Atari table shipped in ``results/data``
(``results/atari.py``, the table of the plot panes' Human / Random lines).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperscope.core.records import Run
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.readers.runs.rliable_scores import load_reference, load_scores
from paperscope.results.aggregate import (
    AggregateReport,
    Estimate,
    Profile,
    ScoreMatrix,
    aggregate_methods,
    performance_profile,
    probability_of_improvement_ci,
    score_matrix,
)

PROFILE_TAUS = 81  # thresholds from 0 to tau_max
PROFILE_REPS = 2000  # at most this many resamples for a profile's band
IMPROVEMENT_REPS = 2000  # at most this many for P(X > Y): each resample ranks all runs


@dataclass(frozen=True, slots=True)
class Method:
    """One method's scores per task (``{task: [score per run]}``), named, with the
    file or run they came from (for messages)."""

    name: str
    scores: Mapping[str, Sequence[float]]
    source: str = ""


@dataclass(slots=True)
class AggregateResult:
    report: AggregateReport
    profiles: dict[str, Profile] = field(default_factory=dict)
    matrices: list[ScoreMatrix] = field(default_factory=list)
    # P(X > Y) with its CI for each ordered pair of methods (X, Y)
    improvement: dict[tuple[str, str], Estimate] = field(default_factory=dict)
    improvement_reps: int = 0


def methods_from_files(paths: Sequence[Path], value_key: str | None = None) -> list[Method]:
    """One method per score file, named after the file (its path when two share a
    name); :class:`ReadError` names a file that cannot be parsed."""
    out: list[Method] = []
    names: set[str] = set()
    for path in paths:
        name = path.stem if path.stem not in names else str(path)
        names.add(name)
        out.append(Method(name, load_scores(path, value_key), str(path)))
    return out


def method_from_run(run: Run, value_key: str | None = None) -> Method:
    """A run read by the rliable reader as one method: the per-run layout's series
    are tasks; the long form's ``KEY/task`` series need ``value_key`` (or only one key)."""
    by_key: dict[str, dict[str, list[float]]] = {}
    for tag, s in run.series.items():
        key, sep, task = tag.partition("/")
        if not sep:
            key, task = "", tag
        by_key.setdefault(key, {})[task] = [float(v) for v in s.values]
    if "" in by_key and len(by_key) == 1:
        scores = by_key[""]
    elif value_key is not None and value_key in by_key:
        scores = by_key[value_key]
    elif value_key is None and len(by_key) == 1:
        scores = next(iter(by_key.values()))
    else:
        raise ValueError(
            f"{run.name}: which score? candidates: {', '.join(sorted(k for k in by_key if k))}"
        )
    return Method(run.name, scores, run.source[0] if run.source else run.name)


ATARI = "atari"  # the reference "file" that is rliable's shipped Atari table


def is_builtin(path: Path | None) -> bool:
    return path is not None and str(path).lower() == ATARI and not path.exists()


def reference_table(path: Path, kind: str, methods: Sequence[Method]) -> dict[str, float]:
    """A reference table from its file, or ``atari``: the shipped table, for the tasks
    of ``methods`` that name an Atari game (in any spelling)."""
    if not is_builtin(path):
        return load_reference(path)
    from paperscope.results.atari import atari_game

    out: dict[str, float] = {}
    for task in {t for m in methods for t in m.scores}:
        game = atari_game(task)
        if game is not None:
            out[task] = game.score(kind)
    return out


def normalisation_text(random: Path | None, human: Path | None) -> str:
    if is_builtin(random) and is_builtin(human):
        return "(score - random) / (human - random); rliable's Atari human and random scores"
    if random is not None and human is not None:
        return f"(score - random) / (human - random); random: {random}, human: {human}"
    if random is not None:
        return f"score - random; random: {random}"
    if human is not None:
        return f"score / human; human: {human}"
    return "raw scores"


def aggregate(
    methods: Sequence[Method],
    random: Path | None = None,
    human: Path | None = None,
    *,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    profiles: bool = True,
    tau_max: float = 8.0,
    improvement: bool = True,
    improvement_reps: int = IMPROVEMENT_REPS,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> AggregateResult:
    """Normalise each method by the reference tables, bootstrap the interval estimates
    on the tasks every method shares, then (if asked) the performance profiles and
    P(X > Y) for every ordered pair. :class:`ValueError` names the method or file at
    fault (no task left, the methods share no task, bad settings)."""
    cancel = cancel or CancelToken()
    rnd = reference_table(random, "random", methods) if random is not None else None
    hum = reference_table(human, "human", methods) if human is not None else None
    matrices: list[ScoreMatrix] = []
    for m in methods:
        try:
            matrices.append(score_matrix(m.name, m.scores, rnd, hum, source=m.source))
        except ValueError as exc:
            raise ValueError(f"{m.source or m.name}: {exc}") from None
    end = 1.0 - 0.1 * (int(profiles) + int(improvement))  # their share of the progress
    report = aggregate_methods(
        matrices, reps=reps, confidence=confidence, seed=seed,
        normalisation=normalisation_text(random, human),
        progress=sub_progress(progress, 0.0, end), cancel=cancel,
    )  # fmt: skip
    result = AggregateResult(report, matrices=matrices)
    shared = [m.scores[:, [m.tasks.index(t) for t in report.tasks]] for m in matrices]
    if profiles:
        taus = np.linspace(0.0, tau_max, PROFILE_TAUS)
        for k, (mat, sub) in enumerate(zip(matrices, shared, strict=True)):
            result.profiles[mat.name] = performance_profile(
                sub, taus, reps=min(reps, PROFILE_REPS), confidence=confidence, seed=seed,
                cancel=cancel,
            )  # fmt: skip
            progress(end + 0.1 * (k + 1) / len(matrices), f"profile {mat.name}")
        end += 0.1
    if improvement:
        result.improvement_reps = min(reps, improvement_reps)
        pairs = [(i, j) for i in range(len(matrices)) for j in range(len(matrices)) if i != j]
        for n, (i, j) in enumerate(pairs):
            result.improvement[(matrices[i].name, matrices[j].name)] = (
                probability_of_improvement_ci(
                    shared[i], shared[j], reps=result.improvement_reps,
                    confidence=confidence, seed=seed, cancel=cancel,
                )
            )  # fmt: skip
            progress(end + 0.1 * (n + 1) / len(pairs), "probability of improvement")
    return result


def aggregate_files(
    paths: Sequence[Path],
    random: Path | None = None,
    human: Path | None = None,
    *,
    value_key: str | None = None,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    profiles: bool = True,
    tau_max: float = 8.0,
    improvement: bool = True,
    improvement_reps: int = IMPROVEMENT_REPS,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> AggregateResult:
    """:func:`aggregate` over score files, one method per file."""
    return aggregate(
        methods_from_files(paths, value_key), random, human, reps=reps,
        confidence=confidence, seed=seed, profiles=profiles, tau_max=tau_max,
        improvement=improvement, improvement_reps=improvement_reps, progress=progress,
        cancel=cancel,
    )  # fmt: skip
