"""The comparison table for your own paper: run groups and the reported methods of the
linked papers, per dataset × metric, as :class:`results.table.ComparisonTable`.

Run rows: each group's runs reduced to one value each (``final``: the last finite
value; ``best``: the max, or min when lower is better; a step: the value at the last
step at or before it), then mean ± std (sample std) or IQM with a stratified-bootstrap
95% CI (``results/aggregate.py``). Reported rows: one per paper and method, its
reported value with its spread. The papers are those named and those linked to any of
the runs; each gets a citation key from the library, and :func:`cited_papers` gives
them for the ``.bib``.

Columns: a run's dataset goes through the library's remembered dataset mapping (``pong``
↔ ``Atari 2600 Pong``), and spellings of one Atari game share a column. With
``normalise="human"`` the cells of Atari columns become human-normalised scores,
``(score - random) / (human - random)`` (rliable's table, ``results/atari.py``): an
affine map with a positive scale, so mean, std, IQM and its bootstrap CI map with it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperscope.core.records import Paper, ReadIssue, Run
from paperscope.library.dedup import fold
from paperscope.library.store import Store
from paperscope.readers.results._values import higher_is_better
from paperscope.results.align import (
    Group,
    config_value,
    group_by_config,
    group_by_regex,
)
from paperscope.results.atari import AtariGame, atari_game
from paperscope.results.table import Cell, Column, ComparisonTable, Row, Stat

NORMALISE = ("human",)
DATASET_KEYS = ("dataset", "env_id", "env", "env_name", "environment", "game", "task")
_SEED_SUFFIX = re.compile(r"[_\-. ]?(?:seed[_\-=]?)?\d+$", re.IGNORECASE)


@dataclass(slots=True)
class TableResult:
    table: ComparisonTable
    papers: list[Paper] = field(default_factory=list)  # cited, with their keys
    issues: list[ReadIssue] = field(default_factory=list)
    normalised: list[str] = field(default_factory=list)  # the columns' datasets normalised


def _norm(text: str) -> str:
    game = atari_game(text) if text else None
    return f"atari:{game.name}" if game is not None else fold(text).replace(" ", "")


def normalise_cell(cell: Cell, game: AtariGame) -> Cell:
    """The cell as a human-normalised score of ``game``."""
    scale = game.human - game.random

    def f(v: float | None) -> float | None:
        return None if v is None else float(game.normalise(v))

    std = None if cell.std is None else cell.std / abs(scale)
    lo, hi = f(cell.ci_low), f(cell.ci_high)
    if scale < 0 and lo is not None and hi is not None:
        lo, hi = hi, lo
    return Cell(float(game.normalise(cell.value)), std, lo, hi, cell.n)


def run_dataset(run: Run, dataset: str | None) -> str:
    if dataset is not None:
        return dataset
    for key in DATASET_KEYS:
        found, value = config_value(run.config, key)
        if found and isinstance(value, str | int) and str(value):
            return str(value)
    return ""


def groups_for(runs: Sequence[Run], group_by: str | None) -> list[Group]:
    """No key: one row per run. ``name``: runs whose names differ only by a trailing
    seed or index (``run_1``, ``ppo-seed3``). ``re:PATTERN``: by a regex on the names.
    Anything else: a config key."""
    if not group_by:
        return [Group(r.name, (r.id,)) for r in runs]
    if group_by == "name":
        buckets: dict[str, list[str]] = {}
        for r in runs:
            buckets.setdefault(_SEED_SUFFIX.sub("", r.name) or r.name, []).append(r.id)
        return [Group(k, tuple(v)) for k, v in buckets.items()]
    if group_by.startswith("re:"):
        return group_by_regex(runs, group_by[3:])
    return group_by_config(runs, group_by)


def run_value(run: Run, metric: str, at: str, higher: bool) -> float | None:
    """The run's one number for the table, or ``None`` (no such metric, no finite
    value, or a step before its first point)."""
    series = run.series.get(metric)
    if series is None:
        return None
    values = np.asarray(series.values, dtype=np.float64)
    steps = np.asarray(series.steps)
    ok = np.isfinite(values)
    if not ok.any():
        return None
    if at == "final":
        return float(values[ok][-1])
    if at == "best":
        return float(values[ok].max() if higher else values[ok].min())
    step = int(at)
    keep = ok & (steps <= step)
    if not keep.any():
        return None
    return float(values[keep][-1])


def _mean_std(values: list[float]) -> Cell:
    """Mean ± sample std (IQM cells are computed together: ``aggregate.iqm_intervals``)."""
    n = len(values)
    a = np.asarray(values, dtype=np.float64)
    std = float(np.std(a, ddof=1)) if n > 1 else None
    return Cell(float(a.mean()), std=std, n=n)


def linked_papers(store: Store, runs: Sequence[Run]) -> list[int]:
    """Papers linked to any of these runs (a link to a folder covers the runs in it)."""
    links = store.run_links()
    if not links:
        return []
    sources = [Path(s).resolve() for r in runs for s in r.source]
    out: list[int] = []
    for link in links:
        base = Path(link.source).resolve()
        hit = any(s == base or s.is_relative_to(base) for s in sources)
        if hit and link.paper_id not in out:
            out.append(link.paper_id)
    return out


def comparison_table(
    store: Store,
    runs: Sequence[Run],
    metric: str,
    *,
    group_by: str | None = None,
    paper_ids: Sequence[int] = (),
    at: str = "final",
    stat: Stat = "mean-std",
    dataset: str | None = None,
    reported_metric: str | None = None,
    lower_is_better: bool | None = None,
    include_linked: bool = True,
    reps: int = 2000,
    seed: int = 0,
    normalise: str | None = None,
) -> TableResult:
    if at not in ("final", "best") and not re.fullmatch(r"-?\d+", at):
        raise ValueError(f"--at must be final, best or a step number, not {at!r}")
    if normalise and normalise not in NORMALISE:
        raise ValueError(f"normalise by one of {', '.join(NORMALISE)}, not {normalise!r}")
    mapped = store.result_mappings("dataset")
    label = reported_metric or metric
    papers = list(
        dict.fromkeys([*paper_ids, *(linked_papers(store, runs) if include_linked else [])])
    )
    reported = store.reported_results(papers, metric=label) if papers else []
    if lower_is_better is not None:
        higher = not lower_is_better
    else:
        votes = [
            s.result.higher_is_better for s in reported if s.result.higher_is_better is not None
        ]
        guess = higher_is_better(label)
        higher = (sum(votes) * 2 >= len(votes)) if votes else (guess if guess is not None else True)
    issues: list[ReadIssue] = []
    columns: list[Column] = []
    col_of: dict[str, int] = {}

    def column(ds: str) -> int:
        key = _norm(ds)
        if key not in col_of:
            col_of[key] = len(columns)
            columns.append(Column(ds, label, higher))
        return col_of[key]

    by_id = {r.id: r for r in runs}
    rows: list[Row] = []
    pending: list[tuple[Row, int, list[float]]] = []  # IQM cells, computed together
    for g in groups_for(runs, group_by):
        per_col: dict[int, list[float]] = {}
        for rid in g.run_ids:
            run = by_id[rid]
            v = run_value(run, metric, at, higher)
            if v is None:
                issues.append(
                    ReadIssue(run.source[0] if run.source else run.name, "",
                              f"run {run.name!r}: no value of {metric!r} at {at}", "skipped")
                )  # fmt: skip
                continue
            ds = run_dataset(run, dataset)
            per_col.setdefault(column(mapped.get(ds, ds)), []).append(v)
        if per_col:
            group_row = Row(g.label, "runs", {})
            for c, vals in per_col.items():
                if stat == "mean-std":
                    group_row.cells[c] = _mean_std(vals)
                else:
                    pending.append((group_row, c, vals))
            rows.append(group_row)
    if pending:
        from paperscope.results.aggregate import iqm_intervals

        estimates = iqm_intervals([vals for _, _, vals in pending], reps=reps, seed=seed)
        for (group_row, c, vals), est in zip(pending, estimates, strict=True):
            group_row.cells[c] = Cell(est.point, ci_low=est.lower, ci_high=est.upper, n=len(vals))
    run_datasets = {_norm(c.dataset) for c in columns}
    if papers:
        store.ensure_citation_keys(papers)
    by_paper = {p_id: p for p_id, p in zip(papers, store.papers(papers), strict=True)}
    reported_rows: dict[tuple[int, str], Row] = {}
    for s in reported:
        r = s.result
        filtered = dataset is not None or bool(run_datasets - {""})
        if filtered and _norm(r.dataset) not in run_datasets:
            continue
        assert s.paper_id is not None
        paper = by_paper[s.paper_id]
        key = (s.paper_id, r.method)
        row = reported_rows.get(key)
        if row is None:
            row = Row(r.method or paper.title, "reported", {}, paper.citation_key, s.paper_id)
            reported_rows[key] = row
        c = column(r.dataset if dataset is None else dataset)
        if c in row.cells:
            issues.append(
                ReadIssue(r.source, r.location,
                          f"{r.method!r} reports {label!r} on {r.dataset!r} twice; first kept")
            )  # fmt: skip
            continue
        row.cells[c] = Cell(r.value, r.std, r.ci_low, r.ci_high, r.n_runs)
    rows.extend(reported_rows.values())
    cited = [by_paper[p] for p in papers if any(r.paper_id == p for r in reported_rows.values())]
    normalised: list[str] = []
    if normalise:
        for c, col in enumerate(columns):
            game = atari_game(col.dataset) if col.dataset else None
            if game is None:
                issues.append(ReadIssue(col.title, "", "no human / random scores: left raw"))
                continue
            for row in rows:
                if c in row.cells:
                    row.cells[c] = normalise_cell(row.cells[c], game)
            columns[c] = Column(col.dataset, f"{label} (human-normalised)", col.higher_is_better)
            normalised.append(col.dataset)
    table = ComparisonTable(columns, rows, stat, at)
    for row in rows:
        for cell in row.cells.values():
            if not math.isfinite(cell.value):
                issues.append(ReadIssue(row.label, "", "a value that is not finite"))
    return TableResult(table, cited, issues, normalised)


FORMATS = ("latex", "markdown", "csv")
SUFFIX = {"latex": ".tex", "markdown": ".md", "csv": ".csv"}


def render_table(built: TableResult, fmt: str, digits: int = 2, caption: str | None = None) -> str:
    """The table as LaTeX (booktabs, ``\\cite``), Markdown or CSV text."""
    from paperscope.results import table as render

    if fmt == "latex":
        return render.to_latex(built.table, digits, caption=caption)
    if fmt == "markdown":
        return render.to_markdown(built.table, digits)
    if fmt == "csv":
        return render.to_csv(built.table)
    raise ValueError(f"unknown table format {fmt!r}; one of {', '.join(FORMATS)}")


def save_table(
    built: TableResult, fmt: str, out: Path, digits: int = 2, caption: str | None = None
) -> tuple[Path, Path | None]:
    """Write the table, and beside it (same name, ``.bib``) every cited paper; returns
    both paths (no ``.bib`` when no paper is cited)."""
    from paperscope.library.export import to_bibtex

    out.write_text(render_table(built, fmt, digits, caption), encoding="utf-8")
    if not built.papers:
        return out, None
    bib = out.with_suffix(".bib")
    bib.write_text(to_bibtex(built.papers), encoding="utf-8")
    return out, bib
