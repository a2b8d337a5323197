"""Reference lines for a plot: the results the linked papers report, for the plotted
metric and the runs' task, as :class:`~paperscope.results.references.Reference` items.

Which papers: those linked to any of the pane's runs (a link to a folder covers the runs
in it) plus the ones the user adds. Which results: those of the *reported* metric the
run metric maps to (remembered per library, else suggested from the names:
``eval/mean_reward`` ↔ ``Score``) and, when the runs name a task or env id in their
config (``env_id``, ``game``…), of the datasets those map to (``pong`` ↔
``Atari 2600 Pong``; one Atari game's spellings match each other). A result the user
picks by id is always shown. On request, the human and random scores of the runs'
Atari games (rliable's table, ``results/atari.py``) are lines too; reported curves' x
is scaled by the factor remembered with the metric mapping (Dopamine's iterations →
agent steps).

Also here: attaching runs that are really a paper's reported numbers — rliable / Atari
score files (``{game: [score per run]}``) as per-task results, Dopamine's baseline
curves as reported *curves* (the mean over seeds with its ± std band, in the result's
``extra["curve"]``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from paperscope.core.records import Paper, ReportedResult, Run
from paperscope.library.store import Store
from paperscope.library.store.results import StoredResult
from paperscope.results.atari import KINDS, SOURCE, AtariGame, atari_game
from paperscope.results.references import Reference, band_of, suggest
from paperscope.workflows.results import resolve_paper
from paperscope.workflows.table import linked_papers, run_dataset

MAX_REFERENCES = 40  # more lines than this: the first ones, and a note


def paper_short_name(paper: Paper) -> str:
    """``Mnih et al. 2015``, ``Hessel & Modayil 2018``; the title's start without authors."""
    people = [c for c in paper.creators if c.role == "author" and not c.is_others]
    names = [c.family or c.literal for c in people if c.family or c.literal]
    if not names and paper.authors:
        names = [a.split()[-1] for a in paper.authors if a.strip()]
    year = f" {paper.year}" if paper.year else ""
    if names:
        more = len(names) > 2 or any(c.is_others for c in paper.creators)
        who = f"{names[0]} et al." if more else " & ".join(names)
        return who + year
    title = paper.title.strip()
    return (title[:24].rstrip() + "…" if len(title) > 25 else title) + year


def run_task_ids(runs: Iterable[Run]) -> list[str]:
    """The task / env ids the runs' configs name (``env_id``, ``game``, …), in order."""
    return list(dict.fromkeys(t for t in (run_dataset(r, None) for r in runs) if t))


@dataclass(slots=True)
class ReferenceSet:
    """What :func:`find_references` found, and how it decided."""

    references: list[Reference] = field(default_factory=list)
    papers: list[int] = field(default_factory=list)  # the papers looked at
    linked: list[int] = field(default_factory=list)  # of them, those linked to the runs
    reported_metric: str | None = None
    metric_remembered: bool = False
    metrics: list[str] = field(default_factory=list)  # the papers' reported metrics
    datasets: list[str] = field(default_factory=list)  # their datasets for that metric
    task_ids: list[str] = field(default_factory=list)
    dataset_of: dict[str, str] = field(default_factory=dict)  # task id → dataset
    available: list[StoredResult] = field(default_factory=list)  # matching, hidden included
    notes: list[str] = field(default_factory=list)
    games: dict[str, AtariGame] = field(default_factory=dict)  # task id → its Atari game
    x_scale: float | None = None  # the remembered scale of reported curves' x
    x_unit: str = ""  # what the reported curves' x counts ("iteration"), when one says
    has_curves: bool = False  # some matching result is a curve


def atari_games_of(task_ids: Sequence[str], dataset_of: Mapping[str, str],
                   remembered: Mapping[str, str]) -> dict[str, AtariGame]:  # fmt: skip
    """The Atari game of each task id: through its remembered dataset mapping, its
    suggested dataset, or its own name (``PongNoFrameskip-v4``)."""
    out: dict[str, AtariGame] = {}
    for t in task_ids:
        for name in (remembered.get(t), dataset_of.get(t), t):
            game = atari_game(name) if name else None
            if game is not None:
                out[t] = game
                break
    return out


def normalisation_references(
    games: Mapping[str, AtariGame], kinds: Sequence[str], metric: str = ""
) -> list[Reference]:
    """The human / random lines of the games (one per game and kind, in ``KINDS``'
    order), labelled ``Human (Pong)``."""
    out: list[Reference] = []
    for kind in (k for k in KINDS if k in kinds):
        for game in dict.fromkeys(games.values()):
            out.append(Reference(
                label=f"{kind.capitalize()} ({game.name})", value=game.score(kind),
                method=kind.capitalize(), dataset=game.name, metric=metric, source=SOURCE,
            ))  # fmt: skip
    return out


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


def _curve_of(extra: Mapping[str, Any]) -> dict[str, np.ndarray] | None:
    curve = extra.get("curve") if isinstance(extra, Mapping) else None
    if not isinstance(curve, Mapping):
        return None
    try:
        x = np.asarray(curve.get("x", []), dtype=np.float64)
        y = np.asarray(curve.get("y", []), dtype=np.float64)
        lo = np.asarray(curve.get("lower", []), dtype=np.float64)
        hi = np.asarray(curve.get("upper", []), dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if x.ndim != 1 or len(x) == 0 or y.shape != x.shape:
        return None
    if lo.shape != x.shape or hi.shape != x.shape:
        lo = hi = np.empty(0)
    return {"x": x, "y": y, "lower": lo, "upper": hi}


def make_reference(stored: StoredResult, paper: Paper | None, label: str = "") -> Reference:
    r = stored.result
    short = paper_short_name(paper) if paper is not None else (r.paper_title or "")
    if not label:
        label = " — ".join(p for p in (r.method, short) if p) or r.metric
    lo, hi, kind = band_of(r.value, r.std, r.ci_low, r.ci_high)
    curve = _curve_of(r.extra)
    common: dict[str, Any] = {
        "label": label, "value": r.value, "lower": lo, "upper": hi, "spread": kind,
        "method": r.method, "paper": short, "paper_id": stored.paper_id,
        "result_id": stored.id, "dataset": r.dataset, "metric": r.metric,
        "source": f"{r.source}:{r.location}" if r.location else r.source,
    }  # fmt: skip
    if curve is not None:
        common.update(x=curve["x"], y=curve["y"], y_lower=curve["lower"], y_upper=curve["upper"])
    return Reference(**common)


def find_references(
    store: Store,
    runs: Sequence[Run],
    metric: str,
    *,
    paper_ids: Sequence[int] = (),
    result_ids: Sequence[int] = (),
    hidden: Iterable[int] = (),
    include_linked: bool = True,
    limit: int = MAX_REFERENCES,
    normalisation: Sequence[str] = (),
) -> ReferenceSet:
    """The reference lines for ``metric`` of ``runs`` (see the module's text).

    ``normalisation``: ``human`` and/or ``random``: those scores of the runs' Atari games
    as lines too. Reported curves' x is multiplied by the scale remembered with the
    metric's mapping (:meth:`Store.set_x_scale`: 1 Dopamine iteration = 250,000 steps)."""
    out = ReferenceSet()
    out.linked = linked_papers(store, runs) if include_linked and runs else []
    out.papers = list(dict.fromkeys([*(int(p) for p in paper_ids), *out.linked]))
    results = store.reported_results(out.papers) if out.papers else []
    out.metrics = sorted({s.result.metric for s in results if s.result.metric}, key=str.lower)
    remembered = store.result_mappings("metric").get(metric) if metric else None
    out.task_ids = run_task_ids(runs)
    maps = store.result_mappings("dataset")
    out.metric_remembered = remembered is not None
    out.reported_metric = remembered or (suggest(metric, out.metrics) if metric else None)
    chosen: list[StoredResult] = []
    if out.reported_metric:
        want = _fold(out.reported_metric)
        of_metric = [s for s in results if _fold(s.result.metric) == want]
        out.datasets = sorted({s.result.dataset for s in of_metric if s.result.dataset},
                              key=str.lower)  # fmt: skip
        for t in out.task_ids:
            d = maps.get(t) or suggest(t, out.datasets)
            if d:
                out.dataset_of[t] = d
        if out.task_ids and out.datasets:
            keep = {_fold(d) for d in out.dataset_of.values()}
            # one Atari game's other spellings too ("pong", "Atari 2600 Pong")
            same = {g.name for d in out.dataset_of.values() if (g := atari_game(d))}
            chosen = [s for s in of_metric if _fold(s.result.dataset) in keep
                      or (same and _game_name(s.result.dataset) in same)]  # fmt: skip
            if not keep:
                out.notes.append(
                    f"no reported dataset matches {', '.join(out.task_ids[:3])}: map it"
                )
        else:
            chosen = of_metric
    elif out.papers and metric:
        out.notes.append(f"no reported metric matches {metric!r}: map it")
    if result_ids:
        have = {s.id for s in chosen}
        wanted = {int(i) for i in result_ids}
        chosen += [s for s in store.reported_results() if s.id in wanted and s.id not in have]
    out.available = chosen
    hide = set(hidden)
    shown = [s for s in chosen if s.id not in hide]
    if len(shown) > limit:
        out.notes.append(f"{len(shown)} references: the first {limit} drawn")
        shown = shown[:limit]
    pids = sorted({s.paper_id for s in shown if s.paper_id is not None})
    papers = dict(zip(pids, store.papers(pids), strict=True)) if pids else {}
    refs = [make_reference(s, papers.get(s.paper_id) if s.paper_id else None) for s in shown]
    out.has_curves = any(_curve_of(s.result.extra) is not None for s in chosen)
    out.x_unit = next((u for s in chosen if (u := _x_unit(s.result.extra))), "")
    out.x_scale = store.result_x_scales().get(metric) if metric else None
    if out.x_scale is not None:
        refs = [replace(r, x=r.x * out.x_scale) if r.is_curve else r for r in refs]
    out.games = atari_games_of(out.task_ids, out.dataset_of, maps)
    if normalisation and not out.games and out.task_ids:
        out.notes.append(f"no Atari game for {', '.join(out.task_ids[:3])}: map the task")
    refs += normalisation_references(out.games, normalisation, metric)
    out.references = _unique_labels(refs)
    return out


def _game_name(dataset: str) -> str | None:
    game = atari_game(dataset) if dataset else None
    return game.name if game is not None else None


def _x_unit(extra: Mapping[str, Any]) -> str:
    curve = extra.get("curve") if isinstance(extra, Mapping) else None
    unit = curve.get("x_name") if isinstance(curve, Mapping) else None
    return unit if isinstance(unit, str) else ""


def _unique_labels(refs: list[Reference]) -> list[Reference]:
    seen: dict[str, int] = {}
    for r in refs:
        seen[r.label] = seen.get(r.label, 0) + 1
    out, k = [], dict.fromkeys(seen, 0)
    for r in refs:
        if seen[r.label] > 1:
            k[r.label] += 1
            tail = r.dataset or str(k[r.label])
            r = replace(r, label=f"{r.label} ({tail})")
        out.append(r)
    return out


def suggest_mapping(store: Store, runs: Sequence[Run], metric: str) -> dict[str, str | None]:
    """What :func:`find_references` would use, for a dialog's defaults: ``metric`` →
    the reported metric, each task id → its dataset."""
    found = find_references(store, runs, metric)
    return {metric: found.reported_metric, **{t: found.dataset_of.get(t) for t in found.task_ids}}


# --------------------------------------------------------------------------- runs as results


def results_from_runs(
    runs: Sequence[Run], metric: str = "Score", task: str = ""
) -> list[ReportedResult]:
    """Runs that hold a paper's own numbers, as reported results.

    * rliable / Atari score files (format ``rliable``): one result per game, the mean of
      the per-run scores with their sample std and ``n_runs``;
    * Dopamine baselines (format ``dopamine``): one result per game and agent, the
      final mean over seeds with its std, and the whole curve (mean ± std per
      iteration, over the seeds that reach it) in ``extra["curve"]``.
    Other runs: ``ValueError`` naming the first."""
    out: list[ReportedResult] = []
    dopamine: dict[tuple[str, str], list[Run]] = {}
    for run in runs:
        src = run.source[0] if run.source else run.name
        if run.format == "rliable":
            for game, s in run.series.items():
                v = np.asarray(s.values, dtype=np.float64)
                v = v[np.isfinite(v)]
                if not len(v):
                    continue
                std = float(np.std(v, ddof=1)) if len(v) > 1 else None
                out.append(ReportedResult(
                    task=task, dataset=game, metric=metric, value=float(v.mean()),
                    method=run.name, std=std, n_runs=len(v), higher_is_better=True,
                    raw=f"{len(v)} runs", source=src, location=game,
                ))  # fmt: skip
        elif run.format == "dopamine":
            game = str(run.config.get("game", "")) or run_dataset(run, None)
            agent = str(run.config.get("agent", "")) or run.name
            dopamine.setdefault((game, agent), []).append(run)
        else:
            raise ValueError(
                f"{src}: run {run.name!r} ({run.format}) is not a score file (rliable) or a "
                "Dopamine baseline; only those can be attached as reported results"
            )
    for (game, agent), members in dopamine.items():
        out.append(_dopamine_result(game, agent, members, metric, task))
    return out


def _dopamine_result(
    game: str, agent: str, runs: Sequence[Run], metric: str, task: str
) -> ReportedResult:
    tags = [next(iter(r.series)) for r in runs if r.series]
    steps = np.unique(np.concatenate([np.asarray(r.series[t].steps) for r, t in
                                      zip(runs, tags, strict=False)]))  # fmt: skip
    table = np.full((len(runs), len(steps)), np.nan)
    for i, (r, t) in enumerate(zip(runs, tags, strict=False)):
        s = r.series[t]
        table[i, np.searchsorted(steps, np.asarray(s.steps))] = np.asarray(s.values)
    n = np.isfinite(table).sum(axis=0)
    ok = n > 0
    steps, table, n = steps[ok], table[:, ok], n[ok]
    mean = np.nanmean(table, axis=0)
    std = np.where(n > 1, np.nanstd(table, axis=0, ddof=min(1, len(runs) - 1)), 0.0)
    curve = {
        "x": steps.astype(float).tolist(), "y": mean.tolist(),
        "lower": (mean - std).tolist(), "upper": (mean + std).tolist(), "x_name": "iteration",
    }  # fmt: skip
    final_std = float(std[-1]) if n[-1] > 1 else None
    src = runs[0].source[0] if runs[0].source else runs[0].name
    return ReportedResult(
        task=task, dataset=game, metric=metric, value=float(mean[-1]), method=agent,
        std=final_std, n_runs=int(n[-1]), higher_is_better=True,
        raw=f"final of {len(steps)} iterations, {len(runs)} seeds", source=src,
        location=f"{game}/{agent}", extra={"curve": curve},
    )  # fmt: skip


def attach_runs_as_results(
    store: Store, paper: str | int, runs: Sequence[Run], metric: str = "Score", task: str = ""
) -> list[int]:
    """Store :func:`results_from_runs` as the paper's reported results; their ids."""
    pid = resolve_paper(store, paper)
    results = results_from_runs(runs, metric, task)
    return store.add_reported_results(results, [pid] * len(results))


class ReferenceFinder:
    """A library's reference lines for the plot panes (the GUI's one entry point):
    :meth:`find` per pane, :meth:`set_mapping` to remember a metric or dataset mapping,
    :meth:`resolve` for a paper typed by id, arXiv id or DOI, :meth:`attach` for runs
    that are a paper's numbers."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def find(
        self,
        runs: Sequence[Run],
        metric: str,
        paper_ids: Sequence[int] = (),
        result_ids: Sequence[int] = (),
        normalisation: Sequence[str] = (),
    ) -> ReferenceSet:
        return find_references(
            self.store, runs, metric, paper_ids=paper_ids, result_ids=result_ids,
            normalisation=normalisation,
        )  # fmt: skip

    def set_x_scale(self, run_metric: str, reported_metric: str, scale: float | None) -> None:
        self.store.set_x_scale(run_metric, reported_metric, scale)

    def set_mapping(self, kind: str, run_name: str, reported_name: str) -> None:
        self.store.set_result_mapping(kind, run_name, reported_name)

    def mappings(self, kind: str) -> dict[str, str]:
        return self.store.result_mappings(kind)

    def resolve(self, ref: str) -> int:
        return resolve_paper(self.store, ref)

    def paper_name(self, paper_id: int) -> str:
        found = self.store.papers([paper_id])
        return paper_short_name(found[0]) if found else f"paper {paper_id}"

    def attach(self, paper: str | int, runs: Sequence[Run], metric: str = "Score") -> list[int]:
        return attach_runs_as_results(self.store, paper, runs, metric)
