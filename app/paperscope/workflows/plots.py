"""Plotting runs: the verb the plot panes and ``paperscope plot`` share.

``runs → curves (smoothed) → groups (centre + band) → figure/CSV``:

* :func:`compute_plot` turns loaded runs and a :class:`PlotSpec` into :class:`PlotData`
  (plain arrays; the GUI draws them with pyqtgraph, :func:`export_plot` with matplotlib);
* :func:`export_plot` writes the publication figure (PDF/SVG/PNG) and the CSV of exactly
  what is drawn;
* :func:`plot_paths` does both from files and folders (read by
  :func:`paperscope.workflows.runs.load_runs`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from paperscope.core.records import ReadIssue, Run
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.core.text import count
from paperscope.results.align import (
    Band,
    Center,
    Curve,
    CurveError,
    Group,
    GroupCurve,
    SmoothingMode,
    aggregate_group,
    band_description,
    group_by_config,
    group_by_regex,
    group_explicit,
    make_curve,
    shared_spacing,
)
from paperscope.results.decimate import Pyramid
from paperscope.results.figure import FigureInfo, FigureStyle, render_figure, write_csv
from paperscope.results.references import Reference
from paperscope.results.smoothing import DEFAULT_WEIGHT

MERGE_ABOVE = 40  # more run curves than this: a pane draws one item per colour
DECIMATE_ABOVE = 20_000  # curves longer than this are drawn from a min/max pyramid


class PlotError(ValueError):
    """Nothing can be plotted (no run has the metric, bad grouping…)."""


@dataclass(frozen=True, slots=True)
class PlotSpec:
    """What to plot. At most one of ``group_by`` (a config key, dotted for nested),
    ``group_regex`` (on run names) and ``groups`` (label → run ids or names) is used;
    with none, every run is its own curve. Groups of one run are drawn as that run's
    curve, labelled with the group. ``references``: reported results drawn beside the
    runs (found in the library by :mod:`paperscope.workflows.references`)."""

    metric: str
    x: str = "step"
    smoothing: float = DEFAULT_WEIGHT
    smoothing_mode: SmoothingMode = "ema"
    group_by: str | None = None
    group_regex: str | None = None
    groups: Mapping[str, Sequence[str]] | None = None
    center: Center = "mean"
    band: Band = "std"
    min_runs: int | None = 2
    max_points: int = 2000
    reps: int = 1000
    confidence: float = 0.95
    seed: int = 0
    references: tuple[Reference, ...] = ()

    @property
    def grouped(self) -> bool:
        return bool(self.group_by or self.group_regex or self.groups)


@dataclass(slots=True)
class PlotData:
    """What one pane (or figure) draws: ``groups`` (centre + band, with their member
    curves in ``members``), ``curves`` (runs drawn alone) and ``references`` (reported
    lines and curves, from the spec)."""

    spec: PlotSpec
    curves: list[Curve] = field(default_factory=list)
    groups: list[GroupCurve] = field(default_factory=list)
    members: dict[str, list[Curve]] = field(default_factory=dict)
    issues: list[ReadIssue] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)

    @property
    def run_count(self) -> int:
        return len(self.curves) + sum(len(g.run_ids) for g in self.groups)

    def note(self) -> str:
        """One line for the pane: the groups drawn and the runs left out."""
        notes = []
        if self.groups:
            k = len(self.groups)
            notes.append(f"{k} group{'s' if k != 1 else ''}")
        if self.issues:
            k, metric = len(self.issues), self.spec.metric
            notes.append(f"{k} run{'s' if k != 1 else ''} without {metric!r}")
        if self.references:
            notes.append(count(len(self.references), "reference"))
        return "; ".join(notes)

    def info(self) -> FigureInfo:
        s = self.spec
        grouped = bool(self.groups)
        return FigureInfo(
            metric=s.metric,
            x=s.x,
            smoothing=s.smoothing,
            smoothing_mode=s.smoothing_mode,
            band=band_description(s.center, s.band, s.reps, s.confidence) if grouped else "",
            band_kind=s.band if grouped else "",
            center=s.center if grouped else "",
            min_runs=s.min_runs if grouped else None,
            runs=self.run_count,
        )


def metric_names(runs: Iterable[Run]) -> list[tuple[str, int]]:
    """Every series tag over ``runs`` with the number of runs logging it, by tag."""
    counts: dict[str, int] = {}
    for run in runs:
        for tag in run.series:
            counts[tag] = counts.get(tag, 0) + 1
    return sorted(counts.items())


def make_groups(runs: Sequence[Run], spec: PlotSpec) -> list[Group]:
    """The groups ``spec`` asks for (empty when it asks for none)."""
    chosen = [bool(spec.group_by), bool(spec.group_regex), bool(spec.groups)]
    if sum(chosen) > 1:
        raise PlotError("group by one of: a config key, a name regex, or a selection")
    if spec.group_by:
        return group_by_config(runs, spec.group_by)
    if spec.group_regex:
        return group_by_regex(runs, spec.group_regex)
    if spec.groups:
        return group_explicit(runs, spec.groups)
    return []


def compute_plot(
    runs: Sequence[Run],
    spec: PlotSpec,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> PlotData:
    """Curves and group bands for ``spec.metric`` over ``runs``.

    Runs without the metric (or without the x series) are left out with a note in
    ``issues``; :class:`PlotError` when no run is left."""
    cancel = cancel or CancelToken()
    data = PlotData(spec, references=list(spec.references))
    curves: dict[str, Curve] = {}
    n = max(len(runs), 1)
    dx_ref = shared_spacing(runs, spec.metric, spec.x) if spec.smoothing_mode == "time" else None
    for k, run in enumerate(runs):
        cancel.check()
        try:
            curves[run.id] = make_curve(
                run, spec.metric, spec.x, spec.smoothing, spec.smoothing_mode, dx_ref=dx_ref
            )
        except CurveError as exc:
            data.issues.append(ReadIssue(run.source[0] if run.source else run.name, "", str(exc)))
        progress(0.6 * (k + 1) / n, f"smoothing {run.name}")
    if not curves:
        raise PlotError(_no_metric_message(runs, spec.metric))
    try:
        groups = make_groups(runs, spec)
    except ValueError as exc:
        raise PlotError(str(exc)) from exc
    grouped: set[str] = set()
    for i, group in enumerate(groups):
        cancel.check()
        members = [curves[r] for r in group.run_ids if r in curves]
        grouped.update(group.run_ids)
        if not members:
            continue
        if len(members) == 1:
            c = members[0]
            data.curves.append(Curve(c.run_id, group.label, c.metric, c.x, c.raw, c.y))
            continue
        data.groups.append(
            aggregate_group(
                group.label,
                members,
                spec.center,
                spec.band,
                spec.min_runs,
                spec.max_points,
                spec.reps,
                spec.confidence,
                spec.seed,
                cancel,
            )
        )
        data.members[group.label] = members
        progress(0.6 + 0.4 * (i + 1) / len(groups), f"group {group.label}")
    data.curves.extend(c for rid, c in curves.items() if rid not in grouped)
    progress(1.0, f"{count(len(data.groups), 'group')}, {count(len(data.curves), 'curve')}")
    return data


def compute_pane(
    runs: Sequence[Run],
    spec: PlotSpec,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[PlotData, dict[int, Pyramid]]:
    """:func:`compute_plot`, plus the min/max pyramids of the long curves (keyed by
    ``id`` of the array they decimate), so the worker that computes a pane's curves
    builds them too."""
    data = compute_plot(runs, spec, progress, cancel)
    pyramids: dict[int, Pyramid] = {}
    many = len(data.curves) > MERGE_ABOVE  # then every smoothed curve gets a pyramid
    for c in data.curves:
        for arr in (c.y, c.raw):
            if len(arr) > DECIMATE_ABOVE or (many and arr is c.y):
                if cancel is not None:
                    cancel.check()
                pyramids[id(arr)] = Pyramid(c.x, arr)
    for g in data.groups:  # group lines too (a band is cheap: see band_envelope)
        for arr in (g.center, g.raw_center):
            if len(arr) > DECIMATE_ABOVE:
                if cancel is not None:
                    cancel.check()
                pyramids[id(arr)] = Pyramid(g.x, arr)
    return data, pyramids


def _no_metric_message(runs: Sequence[Run], metric: str) -> str:
    if not runs:
        return "no run to plot"
    names = [t for t, _ in metric_names(runs)]
    close = difflib.get_close_matches(metric, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    some = ", ".join(repr(t) for t in names[:12]) + (" …" if len(names) > 12 else "")
    return f"no run has a series {metric!r}{hint} (metrics: {some or 'none'})"


def export_plot(
    data: PlotData,
    out: Path | str,
    style: FigureStyle | None = None,
    csv_path: Path | str | None = None,
) -> list[Path]:
    """Write the figure (format from ``out``'s suffix) and, if asked, the CSV."""
    refs = data.references
    written = [render_figure(out, data.curves, data.groups, style, data.info(), refs)]
    if csv_path is not None:
        written.append(write_csv(csv_path, data.curves, data.groups, refs))
    return written


def export_grid(
    datas: Sequence[PlotData],
    out: Path | str,
    style: FigureStyle | None = None,
    csv_path: Path | str | None = None,
    cols: int | None = None,
    share_y: bool = False,
) -> list[Path]:
    """Every plot in one grid figure (a shared legend) and, if asked, one CSV of all."""
    from paperscope.results.figure import render_grid, write_grid_csv

    panels = [(d.curves, d.groups, d.info()) for d in datas]
    written = [render_grid(out, panels, style, cols, share_y)]
    if csv_path is not None:
        written.append(write_grid_csv(csv_path, panels))
    return written


def plot_paths(
    paths: Sequence[Path],
    spec: PlotSpec,
    out: Path | str,
    style: FigureStyle | None = None,
    csv_path: Path | str | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    references: Callable[[Sequence[Run]], Sequence[Reference]] | None = None,
) -> tuple[PlotData, list[ReadIssue]]:
    """Load the runs under ``paths``, plot ``spec`` and export it; returns what was drawn
    and every problem met (unreadable files, runs without the metric). ``references``:
    the reference lines for the loaded runs (the library's, see
    :mod:`paperscope.workflows.references`)."""
    from paperscope.workflows.runs import load_runs

    cancel = cancel or CancelToken()
    runs, issues = load_runs(paths, sub_progress(progress, 0.0, 0.6), cancel)
    if not runs:
        detail = "; ".join(str(i) for i in issues[:3])
        raise PlotError(f"no run could be read{': ' + detail if detail else ''}")
    if references is not None:
        spec = replace(spec, references=tuple(references(runs)))
    data = compute_plot(runs, spec, sub_progress(progress, 0.6, 0.9), cancel)
    export_plot(data, out, style, csv_path)
    progress(1.0, f"wrote {out}")
    return data, [*issues, *data.issues]
