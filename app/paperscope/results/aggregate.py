"""Aggregate results over many tasks the way rliable does (Agarwal et al., NeurIPS 2021).

Scores are a ``(runs, tasks)`` matrix per method, usually normalised per task with
reference tables: ``(score - random) / (human - random)``. On it:

* point estimates: interquartile mean (IQM, the 25 %-trimmed mean over all runs and
  tasks), median and mean of the per-task mean scores, optimality gap
  (``gamma - mean(min(score, gamma))``, ``gamma = 1``);
* stratified bootstrap confidence intervals (runs resampled with replacement within each
  task; optionally tasks too), percentile method, as ``rliable.library.get_interval_estimates``;
* performance profiles (fraction of runs, or of task means, scoring above each
  threshold ``tau``) with bootstrap bands;
* probability of improvement ``P(X > Y)`` (Mann–Whitney U / (n_x n_y), averaged over
  tasks), with an independent stratified bootstrap CI.

Every bootstrap is vectorised over chunks of resamples and seeded (numpy ``default_rng``),
so its numbers repeat; they match rliable's within bootstrap noise, and the point
estimates match exactly. Score files (JSON ``{task: [score per run]}`` or a list of
records) are parsed by ``readers/runs/rliable_scores.py``, the one parser of them; the
verb that loads, normalises and bootstraps is ``workflows/aggregate.py``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.records import FloatArray, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress

METRICS = ("IQM", "Median", "Mean", "Optimality Gap")

# --------------------------------------------------------------------------- matrices


@dataclass(frozen=True, slots=True)
class ScoreMatrix:
    """One method's scores: ``scores[run, task]`` for ``tasks`` (sorted)."""

    name: str
    tasks: tuple[str, ...]
    scores: FloatArray
    issues: tuple[ReadIssue, ...] = ()

    @property
    def runs(self) -> int:
        return int(self.scores.shape[0])


def score_matrix(
    name: str,
    scores: Mapping[str, Sequence[float]],
    random: Mapping[str, float] | None = None,
    human: Mapping[str, float] | None = None,
    tasks: Sequence[str] | None = None,
    source: str = "",
) -> ScoreMatrix:
    """Normalise (``(s - random) / (human - random)`` when both tables are given, else
    ``s - random`` or ``s / human`` or the raw score) and stack into ``(runs, tasks)``.

    Tasks missing from a reference table are left out, with an issue; when tasks have
    different numbers of runs the first ``min`` runs of each are kept, with an issue."""
    issues: list[ReadIssue] = []
    src = source or name

    def skip(task: str, message: str) -> None:
        issues.append(ReadIssue(src, f"task {task!r}", message, "skipped"))

    chosen = sorted(scores) if tasks is None else list(tasks)
    cols: list[FloatArray] = []
    kept: list[str] = []
    for task in chosen:
        if task not in scores:
            skip(task, "no scores")
            continue
        values = np.asarray(scores[task], dtype=np.float64)
        lo = 0.0
        scale = 1.0
        if random is not None:
            if task not in random:
                issues.append(
                    ReadIssue(source or name, f"task {task!r}", "no random score", "skipped")
                )
                continue
            lo = random[task]
        if human is not None:
            if task not in human:
                issues.append(
                    ReadIssue(source or name, f"task {task!r}", "no human score", "skipped")
                )
                continue
            scale = human[task] - lo
            if scale == 0 or not math.isfinite(scale):
                issues.append(
                    ReadIssue(
                        source or name, f"task {task!r}", "human equals random score", "skipped"
                    )
                )
                continue
        cols.append((values - lo) / scale)
        kept.append(task)
    if not cols:
        raise ValueError(f"{name}: no task left to aggregate")
    n = min(c.shape[0] for c in cols)
    if n == 0:
        raise ValueError(f"{name}: a task has no runs")
    if any(c.shape[0] != n for c in cols):
        counts = sorted({c.shape[0] for c in cols})
        issues.append(
            ReadIssue(
                source or name, "", f"tasks have {counts} runs; the first {n} of each are used"
            )
        )
    return ScoreMatrix(name, tuple(kept), np.column_stack([c[:n] for c in cols]), tuple(issues))


# --------------------------------------------------------------------------- metrics
# Each takes scores of shape (..., runs, tasks) and reduces the last two axes.


def iqm(scores: npt.ArrayLike) -> FloatArray:
    """Interquartile mean over all runs and tasks (scipy's ``trim_mean(…, 0.25)``)."""
    a = np.asarray(scores, dtype=np.float64)
    flat = a.reshape((*a.shape[:-2], -1))
    n = flat.shape[-1]
    lo = int(0.25 * n)
    hi = n - lo
    part = np.partition(flat, (lo, hi - 1), axis=-1)
    return np.asarray(np.mean(part[..., lo:hi], axis=-1), dtype=np.float64)


def median_of_means(scores: npt.ArrayLike) -> FloatArray:
    a = np.asarray(scores, dtype=np.float64)
    return np.asarray(np.median(np.mean(a, axis=-2), axis=-1), dtype=np.float64)


def mean_of_means(scores: npt.ArrayLike) -> FloatArray:
    a = np.asarray(scores, dtype=np.float64)
    return np.asarray(np.mean(np.mean(a, axis=-2), axis=-1), dtype=np.float64)


def optimality_gap(scores: npt.ArrayLike, gamma: float = 1.0) -> FloatArray:
    a = np.asarray(scores, dtype=np.float64)
    flat = np.minimum(a, gamma).reshape((*a.shape[:-2], -1))
    return np.asarray(gamma - np.mean(flat, axis=-1), dtype=np.float64)


METRIC_FUNCS: dict[str, Callable[[npt.ArrayLike], FloatArray]] = {
    "IQM": iqm,
    "Median": median_of_means,
    "Mean": mean_of_means,
    "Optimality Gap": optimality_gap,
}


# --------------------------------------------------------------------------- bootstrap


@dataclass(frozen=True, slots=True)
class Estimate:
    """A point estimate with its confidence interval."""

    point: float
    lower: float
    upper: float

    def as_dict(self) -> dict[str, float]:
        return {"point": self.point, "ci_low": self.lower, "ci_high": self.upper}


def _chunks(reps: int, per_rep: int, budget: int = 4_000_000) -> list[int]:
    size = max(1, min(reps, budget // max(per_rep, 1)))
    out = [size] * (reps // size)
    if reps % size:
        out.append(reps % size)
    return out


def stratified_resamples(
    scores: FloatArray,
    reps: int,
    rng: np.random.Generator,
    task_bootstrap: bool = False,
    cancel: CancelToken | None = None,
) -> Any:
    """Yield chunks of stratified bootstrap resamples, shape ``(chunk, runs, tasks)``:
    runs drawn with replacement within each task (and tasks too if asked)."""
    n, m = scores.shape
    cols = np.arange(m)
    for size in _chunks(reps, n * m):
        if cancel is not None:
            cancel.check()
        idx = rng.integers(0, n, size=(size, n, m))
        if task_bootstrap:
            tidx = rng.integers(0, m, size=(size, 1, m))
            yield scores[idx, tidx]
        else:
            yield scores[idx, cols]


def _percentile_ci(samples: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    alpha = 100 * (1 - confidence) / 2
    lo, hi = np.percentile(samples, [alpha, 100 - alpha], axis=0)
    return np.asarray(lo), np.asarray(hi)


def _check_args(reps: int, confidence: float) -> None:
    if reps < 1:
        raise ValueError(f"reps must be positive, got {reps}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")


def interval_estimates(
    scores: FloatArray,
    metrics: Sequence[str] = METRICS,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    task_bootstrap: bool = False,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Estimate]:
    """Point estimates and stratified bootstrap percentile CIs of ``metrics`` (names in
    :data:`METRICS`) for one ``(runs, tasks)`` matrix. All metrics share the resamples."""
    _check_args(reps, confidence)
    unknown = [m for m in metrics if m not in METRIC_FUNCS]
    if unknown:
        raise ValueError(f"unknown metric(s) {unknown}; known: {', '.join(METRICS)}")
    a = np.asarray(scores, dtype=np.float64)
    rng = np.random.default_rng(seed)
    samples: dict[str, list[FloatArray]] = {m: [] for m in metrics}
    done = 0
    for chunk in stratified_resamples(a, reps, rng, task_bootstrap, cancel):
        for m in metrics:
            samples[m].append(METRIC_FUNCS[m](chunk))
        done += chunk.shape[0]
        progress(done / reps, f"bootstrap {done}/{reps}")
    out: dict[str, Estimate] = {}
    for m in metrics:
        lo, hi = _percentile_ci(np.concatenate(samples[m]), confidence)
        out[m] = Estimate(float(METRIC_FUNCS[m](a)), float(lo), float(hi))
    return out


# --------------------------------------------------------------------------- profiles


@dataclass(frozen=True, slots=True)
class Profile:
    """A performance profile: ``fraction[i]`` of scores above ``taus[i]``, with a CI."""

    taus: FloatArray
    fraction: FloatArray
    lower: FloatArray
    upper: FloatArray


def _profile(scores: FloatArray, taus: FloatArray, use_score_distribution: bool) -> FloatArray:
    """Fraction > tau for each tau, batched over leading axes."""
    vals = scores if use_score_distribution else np.mean(scores, axis=-2, keepdims=True)
    flat = np.sort(vals.reshape((*vals.shape[:-2], -1)), axis=-1)
    n = flat.shape[-1]
    if flat.ndim == 1:
        return np.asarray(1.0 - np.searchsorted(flat, taus, side="right") / n, dtype=np.float64)
    out = np.empty(flat.shape[:-1] + taus.shape)
    for i in np.ndindex(flat.shape[:-1]):
        out[i] = 1.0 - np.searchsorted(flat[i], taus, side="right") / n
    return np.asarray(out, dtype=np.float64)


def performance_profile(
    scores: FloatArray,
    taus: npt.ArrayLike,
    use_score_distribution: bool = True,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    task_bootstrap: bool = False,
    cancel: CancelToken | None = None,
) -> Profile:
    """rliable's ``create_performance_profile``: the score distribution (fraction of all
    runs' scores ``> tau``) or, with ``use_score_distribution=False``, the fraction of
    task mean scores ``> tau``, with stratified bootstrap percentile CIs."""
    _check_args(reps, confidence)
    a = np.asarray(scores, dtype=np.float64)
    t = np.asarray(taus, dtype=np.float64)
    rng = np.random.default_rng(seed)
    parts = [
        _profile(chunk, t, use_score_distribution)
        for chunk in stratified_resamples(a, reps, rng, task_bootstrap, cancel)
    ]
    lo, hi = _percentile_ci(np.concatenate(parts), confidence)
    return Profile(t, _profile(a, t, use_score_distribution), lo, hi)


# --------------------------------------------------------------------------- improvement


def _poi_batched(x: FloatArray, y: FloatArray) -> FloatArray:
    """Mean over tasks of U/(n_x n_y), for x (..., n_x, tasks) and y (..., n_y, tasks)."""
    from scipy.stats import rankdata

    nx, ny = x.shape[-2], y.shape[-2]
    both = np.concatenate([x, y], axis=-2)
    ranks = rankdata(both, axis=-2)  # average ranks for ties
    u = ranks[..., :nx, :].sum(axis=-2) - nx * (nx + 1) / 2.0
    return np.asarray(np.mean(u / (nx * ny), axis=-1), dtype=np.float64)


def probability_of_improvement(x: FloatArray, y: FloatArray) -> float:
    """``P(X > Y)`` averaged over tasks (ties count one half), as rliable computes it
    with the Mann–Whitney U statistic. ``x`` and ``y`` are ``(runs, tasks)`` over the
    same tasks; their numbers of runs may differ."""
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"different numbers of tasks: {a.shape[1]} and {b.shape[1]}")
    return float(_poi_batched(a, b))


def probability_of_improvement_ci(
    x: FloatArray,
    y: FloatArray,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> Estimate:
    """:func:`probability_of_improvement` with a CI from resampling the runs of ``x`` and
    of ``y`` independently within each task (rliable's StratifiedIndependentBootstrap)."""
    _check_args(reps, confidence)
    a, b = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    point = probability_of_improvement(a, b)
    rng = np.random.default_rng(seed)
    m = a.shape[1]
    cols = np.arange(m)
    parts = []
    for size in _chunks(reps, (a.shape[0] + b.shape[0]) * m * 4):
        if cancel is not None:
            cancel.check()
        ia = rng.integers(0, a.shape[0], size=(size, a.shape[0], m))
        ib = rng.integers(0, b.shape[0], size=(size, b.shape[0], m))
        parts.append(_poi_batched(a[ia, cols], b[ib, cols]))
    lo, hi = _percentile_ci(np.concatenate(parts), confidence)
    return Estimate(point, float(lo), float(hi))


# --------------------------------------------------------------------------- report


@dataclass(slots=True)
class AggregateReport:
    """Everything ``paperscope aggregate`` prints, per method."""

    methods: dict[str, dict[str, Estimate]] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)
    tasks: tuple[str, ...] = ()
    reps: int = 0
    confidence: float = 0.95
    seed: int = 0
    normalisation: str = ""
    issues: list[ReadIssue] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "methods": {
                name: {metric: est.as_dict() for metric, est in ests.items()}
                | {"runs": self.runs.get(name, 0)}
                for name, ests in self.methods.items()
            },
            "tasks": list(self.tasks),
            "bootstrap": {
                "kind": "stratified (runs resampled within each task), percentile",
                "reps": self.reps,
                "confidence": self.confidence,
                "seed": self.seed,
            },
            "normalisation": self.normalisation,
            "issues": [str(i) for i in self.issues],
        }


def aggregate_methods(
    matrices: Sequence[ScoreMatrix],
    metrics: Sequence[str] = METRICS,
    reps: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    normalisation: str = "",
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> AggregateReport:
    """IQM, median, mean and optimality gap with CIs for each method, on the tasks all
    methods share."""
    report = AggregateReport(
        reps=reps, confidence=confidence, seed=seed, normalisation=normalisation
    )
    if not matrices:
        return report
    common = set(matrices[0].tasks)
    for mat in matrices[1:]:
        common &= set(mat.tasks)
    tasks = tuple(sorted(common))
    if not tasks:
        raise ValueError("the methods share no task")
    report.tasks = tasks
    for k, mat in enumerate(matrices):
        report.issues.extend(mat.issues)
        dropped = sorted(set(mat.tasks) - common)
        if dropped:
            report.issues.append(
                ReadIssue(mat.name, "", f"tasks not shared by every method left out: {dropped}")
            )
        cols = [mat.tasks.index(t) for t in tasks]
        sub = mat.scores[:, cols]

        part = sub_progress(progress, k / len(matrices), (k + 1) / len(matrices))

        report.methods[mat.name] = interval_estimates(
            sub, metrics, reps, confidence, seed, progress=part, cancel=cancel
        )
        report.runs[mat.name] = mat.runs
    return report


def iqm_intervals(
    cells: Sequence[npt.ArrayLike], reps: int = 2000, confidence: float = 0.95, seed: int = 0
) -> list[Estimate]:
    """IQM and its bootstrap CI for many cells of one task each (a comparison table's
    column of seeds per group), the same numbers as ``interval_estimates(cell[:, None],
    ("IQM",), reps, confidence, seed)`` cell by cell, computed together: cells with the
    same number of runs share that call's resample indices (the same seed draws the
    same indices), hence how often each run is drawn in each resample. A resample's
    IQM is then a weighting of the cell's values in sorted order: each value counts
    for the part of its copies that falls in the middle half of the sorted resample
    (array ops over all cells at once, no per-resample sort)."""
    _check_args(reps, confidence)
    values = [np.asarray(c, dtype=np.float64).reshape(-1) for c in cells]
    out: list[Estimate | None] = [None] * len(values)
    by_n: dict[int, list[int]] = {}
    for i, v in enumerate(values):
        by_n.setdefault(v.shape[0], []).append(i)
    alpha = 100 * (1 - confidence) / 2
    for n, members in by_n.items():
        rng = np.random.default_rng(seed)
        idx = np.concatenate(
            [rng.integers(0, n, size=(size, n, 1))[..., 0] for size in _chunks(reps, n)]
        )
        flat = idx + n * np.arange(reps)[:, None]
        small = np.int16 if n < 2**15 else np.int64
        counts = np.bincount(flat.ravel(), minlength=n * reps).reshape(reps, n)
        drawn = np.ascontiguousarray(counts.T, dtype=small)  # (n, reps)
        lo_cut = int(0.25 * n)
        hi_cut = n - lo_cut
        step = max(1, 4_000_000 // (reps * n))
        for start in range(0, len(members), step):
            rows = members[start : start + step]
            v = np.stack([values[i] for i in rows])  # (cells, n)
            order = np.argsort(v, axis=1, kind="stable")
            ranked = np.take_along_axis(v, order, axis=1)
            copies = drawn[order]  # (cells, n, reps): draws of each value, in sorted order
            samples = np.zeros((len(rows), reps))
            before = np.zeros((len(rows), reps), dtype=small)  # copies of smaller values
            for p in range(n):  # n is a handful of seeds: one pass per sorted position
                upto = before + copies[:, p]
                inside = np.minimum(upto, hi_cut) - np.maximum(before, lo_cut)
                samples += ranked[:, p : p + 1] * np.maximum(inside, 0)
                before = upto
            samples /= float(hi_cut - lo_cut)
            lows, highs = np.percentile(samples, [alpha, 100 - alpha], axis=1)
            points = iqm(v[:, :, None])
            for j, i in enumerate(rows):
                out[i] = Estimate(float(points[j]), float(lows[j]), float(highs[j]))
    return [e for e in out if e is not None]
