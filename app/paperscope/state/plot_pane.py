"""The state of one plot pane: what it plots and how, without a widget.

:class:`PlotSettings` is the value (frozen, validated in ``__post_init__``);
:class:`PlotPaneState` holds it and tells its pane when it changes. ``to_spec()`` is
what :func:`paperscope.workflows.plots.compute_plot` takes; ``to_json()`` /
``from_json()`` are the pane's part of a workspace file.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from paperscope.results.align import BANDS, CENTERS, Band, Center, SmoothingMode
from paperscope.results.atari import KINDS
from paperscope.results.figure import Note
from paperscope.results.references import Reference
from paperscope.results.smoothing import DEFAULT_WEIGHT, SMOOTHERS
from paperscope.state.events import StateError
from paperscope.state.model import Model, check
from paperscope.workflows.plots import PlotSpec

GroupMode = Literal["none", "config", "regex", "selection"]
GROUP_MODES: tuple[GroupMode, ...] = ("none", "config", "regex", "selection")
SMOOTHING_MODES: tuple[SmoothingMode, ...] = (
    "ema", "time", "centred", "trailing", "gaussian", "none",
)  # fmt: skip
Groups = tuple[tuple[str, tuple[str, ...]], ...]
"""Explicit groups (label → run ids), as a tuple of pairs so the value stays hashable."""
ViewRange = tuple[float, float, float, float]
"""x0, x1, y0, y1 in view coordinates (log10 of the data on a log axis)."""


def make_groups(groups: Mapping[str, Iterable[str]]) -> Groups:
    return tuple((str(k), tuple(str(i) for i in v)) for k, v in groups.items())


@dataclass(frozen=True, slots=True)
class PlotSettings:
    """Everything a pane's controls set, and the runs it shows (by id)."""

    metric: str = ""
    x: str = "step"
    smoothing: float = DEFAULT_WEIGHT
    smoothing_mode: SmoothingMode = "ema"
    smoothing_window: int = int(SMOOTHERS["centred"])
    smoothing_sigma: float = SMOOTHERS["gaussian"]
    show_raw: bool = True
    grouping: GroupMode = "none"
    group_key: str = ""
    group_regex: str = ""
    groups: Groups = ()
    center: Center = "mean"
    band: Band = "std"
    min_runs: int = 2
    log_x: bool = False
    log_y: bool = False
    robust_y: bool = False
    view_range: ViewRange | None = None
    hidden_runs: frozenset[str] = field(default_factory=frozenset)
    run_ids: tuple[str, ...] = ()
    mark_extrema: bool = False
    notes: tuple[Note, ...] = ()
    # reference lines: the linked papers' results are shown unless ``show_references``
    # is off; ``reference_papers`` / ``reference_results`` are added by the user (paper
    # and reported-result ids), ``hidden_references`` result ids turned off
    show_references: bool = True
    reference_papers: tuple[int, ...] = ()
    reference_results: tuple[int, ...] = ()
    hidden_references: frozenset[int] = field(default_factory=frozenset)
    # the human / random scores of the runs' Atari games, as lines ("human", "random")
    normalisation_lines: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        o = "PlotPaneState"
        for name in ("metric", "x", "group_key", "group_regex"):
            v = getattr(self, name)
            check(isinstance(v, str), o, name, v, "text")
        check(bool(self.x), o, "x", self.x, "an x axis (step, wall, relative or a series)")
        s = self.smoothing
        ok = isinstance(s, int | float) and not isinstance(s, bool) and 0.0 <= s < 1.0
        check(ok, o, "smoothing", s, "a weight in [0, 1)")
        check(self.smoothing_mode in SMOOTHING_MODES, o, "smoothing_mode", self.smoothing_mode,
              "one of " + ", ".join(SMOOTHING_MODES))  # fmt: skip
        k = self.smoothing_window
        check(isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 100_000, o,
              "smoothing_window", k, "a whole number of points from 1 to 100000")  # fmt: skip
        sg = self.smoothing_sigma
        ok = isinstance(sg, int | float) and not isinstance(sg, bool) and 0 < sg <= 100_000
        check(ok, o, "smoothing_sigma", sg, "a positive number of points")
        check(isinstance(self.notes, tuple) and all(isinstance(n, Note) for n in self.notes),
              o, "notes", self.notes, "notes")  # fmt: skip
        check(self.grouping in GROUP_MODES, o, "grouping", self.grouping,
              "one of " + ", ".join(GROUP_MODES))  # fmt: skip
        check(self.center in CENTERS, o, "center", self.center, "one of " + ", ".join(CENTERS))
        check(self.band in BANDS, o, "band", self.band, "one of " + ", ".join(BANDS))
        k = self.min_runs
        check(isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 999, o, "min_runs",
              k, "a whole number from 1 to 999")  # fmt: skip
        for name in ("show_raw", "log_x", "log_y", "robust_y", "mark_extrema", "show_references"):
            v = getattr(self, name)
            check(isinstance(v, bool), o, name, v, "true or false")
        g = self.groups
        ok = isinstance(g, tuple) and all(
            isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
            and isinstance(p[1], tuple) and all(isinstance(i, str) for i in p[1])
            for p in g
        )  # fmt: skip
        check(ok, o, "groups", g, "pairs of a label and run ids")
        check(len({label for label, _ in g}) == len(g), o, "groups", g, "labelled uniquely")
        r = self.view_range
        ok = r is None or (
            isinstance(r, tuple) and len(r) == 4
            and all(isinstance(v, int | float) and math.isfinite(v) for v in r)
            and r[0] < r[1] and r[2] < r[3]
        )  # fmt: skip
        check(ok, o, "view_range", r, "None or finite x0 < x1, y0 < y1")
        check(isinstance(self.hidden_runs, frozenset)
              and all(isinstance(i, str) for i in self.hidden_runs), o, "hidden_runs",
              self.hidden_runs, "a set of run ids")  # fmt: skip
        ids = self.run_ids
        check(isinstance(ids, tuple) and all(isinstance(i, str) for i in ids), o, "run_ids",
              ids, "run ids")  # fmt: skip
        check(len(set(ids)) == len(ids), o, "run_ids", ids, "free of repeats")
        for name in ("reference_papers", "reference_results"):
            v = getattr(self, name)
            ok = (
                isinstance(v, tuple)
                and len(set(v)) == len(v)
                and all(isinstance(i, int) and not isinstance(i, bool) for i in v)
            )
            check(ok, o, name, v, "ids (whole numbers) free of repeats")
        h = self.hidden_references
        ok = isinstance(h, frozenset) and all(
            isinstance(i, int) and not isinstance(i, bool) for i in h
        )
        check(ok, o, "hidden_references", h, "a set of result ids")
        n = self.normalisation_lines
        ok = isinstance(n, tuple) and len(set(n)) == len(n) and all(k in KINDS for k in n)
        check(ok, o, "normalisation_lines", n, "some of " + ", ".join(KINDS))

    @property
    def grouped(self) -> bool:
        return self.grouping != "none"

    @property
    def smoother_param(self) -> float:
        """The parameter of the chosen smoother: the EMA weight, the window in points
        (moving averages), the Gaussian's sigma in points, or 0 (none)."""
        mode = self.smoothing_mode
        if mode in ("centred", "trailing"):
            return float(self.smoothing_window)
        if mode == "gaussian":
            return float(self.smoothing_sigma)
        return 0.0 if mode == "none" else float(self.smoothing)

    def to_spec(
        self, shown: Collection[str] | None = None, references: Sequence[Reference] = ()
    ) -> PlotSpec:
        """The :class:`PlotSpec` for :func:`~paperscope.workflows.plots.compute_plot`.

        ``shown``: the ids of the runs drawn (visible); explicit groups keep only those
        (default: every run of the pane that is not hidden). ``references``: the
        reference lines found for this pane (:func:`paperscope.workflows.references.
        find_references` with :meth:`reference_query`); dropped when they are off, or
        hidden."""
        mode = self.grouping
        if shown is None:
            shown = [i for i in self.run_ids if i not in self.hidden_runs]
        shown_set = set(shown)
        groups: dict[str, list[str]] | None = None
        if mode == "selection":
            picked = {k: [r for r in v if r in shown_set] for k, v in self.groups}
            groups = {k: v for k, v in picked.items() if v} or None
        return PlotSpec(
            metric=self.metric,
            x=self.x,
            smoothing=self.smoother_param,
            smoothing_mode=self.smoothing_mode,
            group_by=(self.group_key.strip() or None) if mode == "config" else None,
            group_regex=(self.group_regex or None) if mode == "regex" else None,
            groups=groups,
            center=self.center,
            band=self.band,
            min_runs=self.min_runs,
            references=tuple(
                r for r in references if r.result_id not in self.hidden_references
            ) if self.show_references else (),
        )  # fmt: skip

    def reference_query(self) -> dict[str, Any]:
        """The keyword arguments of ``find_references`` for this pane (what to look for;
        the finder is given every match, hidden ones too, so a menu can list them)."""
        return {
            "metric": self.metric,
            "paper_ids": self.reference_papers,
            "result_ids": self.reference_results,
            "normalisation": self.normalisation_lines,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "x": self.x,
            "smoothing": self.smoothing,
            "smoothing_mode": self.smoothing_mode,
            "smoothing_window": self.smoothing_window,
            "smoothing_sigma": self.smoothing_sigma,
            "show_raw": self.show_raw,
            "mark_extrema": self.mark_extrema,
            "notes": [n.to_json() for n in self.notes],
            "log_x": self.log_x,
            "log_y": self.log_y,
            "robust_y": self.robust_y,
            "grouping": {
                "mode": self.grouping,
                "key": self.group_key,
                "regex": self.group_regex,
                "groups": {k: list(v) for k, v in self.groups},
                "center": self.center,
                "band": self.band,
                "min_runs": self.min_runs,
            },
            "view_range": None if self.view_range is None else list(self.view_range),
            "hidden_runs": sorted(self.hidden_runs),
            "run_ids": list(self.run_ids),
            "references": {
                "show": self.show_references,
                "papers": list(self.reference_papers),
                "results": list(self.reference_results),
                "hidden": sorted(self.hidden_references),
                "normalisation": list(self.normalisation_lines),
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlotSettings:
        """The inverse of :meth:`to_json`; missing keys take their defaults, wrong values
        raise :class:`StateError` naming the field."""
        if not isinstance(data, Mapping):
            raise StateError(f"PlotPaneState: {data!r} is not an object")
        g = data.get("grouping") or {}
        if not isinstance(g, Mapping):
            raise StateError(f"PlotPaneState.grouping: {g!r} is not an object")
        d = cls()
        groups = g.get("groups", {})
        if not isinstance(groups, Mapping) or not all(
            isinstance(v, list | tuple) for v in groups.values()
        ):
            raise StateError(f"PlotPaneState.groups: {groups!r} is not label → run ids")
        view = data.get("view_range")
        if view is not None and not isinstance(view, list | tuple):
            raise StateError(f"PlotPaneState.view_range: {view!r} is not a list")
        hidden = data.get("hidden_runs", [])
        ids = data.get("run_ids", [])
        notes = data.get("notes", [])
        if not isinstance(notes, list | tuple) or not all(isinstance(n, Mapping) for n in notes):
            raise StateError(f"PlotPaneState.notes: {notes!r} is not a list of notes")
        try:
            parsed = tuple(Note(n.get("x"), n.get("text", ""), n.get("x1")) for n in notes)
        except ValueError as exc:
            raise StateError(f"PlotPaneState.notes: {exc}") from None
        for name, v in (("hidden_runs", hidden), ("run_ids", ids)):
            if not isinstance(v, list | tuple):
                raise StateError(f"PlotPaneState.{name}: {v!r} is not a list")
        refs = data.get("references", {})
        refs = {} if refs is None else refs
        if not isinstance(refs, Mapping):
            raise StateError(f"PlotPaneState.references: {refs!r} is not an object")
        ref_lists = {}
        for name in ("papers", "results", "hidden", "normalisation"):
            v = refs.get(name, [])
            if not isinstance(v, list | tuple):
                raise StateError(f"PlotPaneState.references.{name}: {v!r} is not a list")
            ref_lists[name] = v
        return cls(
            metric=data.get("metric", d.metric),
            x=data.get("x", d.x),
            smoothing=data.get("smoothing", d.smoothing),
            smoothing_mode=data.get("smoothing_mode", d.smoothing_mode),
            smoothing_window=data.get("smoothing_window", d.smoothing_window),
            smoothing_sigma=data.get("smoothing_sigma", d.smoothing_sigma),
            show_raw=data.get("show_raw", d.show_raw),
            mark_extrema=data.get("mark_extrema", d.mark_extrema),
            notes=parsed,
            log_x=data.get("log_x", d.log_x),
            log_y=data.get("log_y", d.log_y),
            robust_y=data.get("robust_y", d.robust_y),
            grouping=g.get("mode", d.grouping),
            group_key=g.get("key", d.group_key),
            group_regex=g.get("regex", d.group_regex),
            groups=tuple((k, tuple(v)) for k, v in groups.items()),
            center=g.get("center", d.center),
            band=g.get("band", d.band),
            min_runs=g.get("min_runs", d.min_runs),
            view_range=None if view is None else cast(ViewRange, tuple(view)),
            hidden_runs=frozenset(hidden),
            run_ids=tuple(ids),
            show_references=refs.get("show", d.show_references),
            reference_papers=tuple(ref_lists["papers"]),
            reference_results=tuple(ref_lists["results"]),
            hidden_references=frozenset(ref_lists["hidden"]),
            normalisation_lines=tuple(ref_lists["normalisation"]),
        )


# fields whose change asks for new curves: at once, or after a short pause (a slider)
NOW = frozenset({"metric", "run_ids", "hidden_runs", "show_references", "reference_papers",
                 "reference_results", "hidden_references", "normalisation_lines"})  # fmt: skip
SOON = frozenset({"x", "smoothing", "smoothing_mode", "smoothing_window", "smoothing_sigma",
                  "grouping"})  # fmt: skip
OVERLAYS = frozenset({"show_raw", "mark_extrema", "notes"})  # drawn again, not recomputed
IF_GROUPED = frozenset({"group_key", "group_regex", "groups", "center", "band", "min_runs"})


@dataclass(frozen=True, slots=True)
class PanePlan:
    """What a pane does about a change of its state (:func:`plan`): the pane's
    controller logic, decided without a widget."""

    choices: bool = False  # rebuild the metric / x / config-key lists
    metric: bool = False  # tell the window the metric changed
    compute: Literal["now", "soon"] | None = None  # new curves
    redraw: bool = False  # draw the last curves again (raw lines on or off)
    axes: Literal["log", "fit"] | None = None  # log axes changed / fit the y range again
    view: bool = False  # show the state's view range


def plan(fields: frozenset[str], value: PlotSettings) -> PanePlan:
    compute: Literal["now", "soon"] | None = None
    if fields & NOW:
        compute = "now"
    elif fields & SOON or (fields & IF_GROUPED and value.grouped):
        compute = "soon"
    axes: Literal["log", "fit"] | None = None
    if fields & {"log_x", "log_y"}:
        axes = "log"
    elif "robust_y" in fields:
        axes = "fit"
    return PanePlan(
        choices="run_ids" in fields,
        metric="metric" in fields,
        compute=compute,
        redraw=compute is None and bool(fields & OVERLAYS),
        axes=axes,
        view="view_range" in fields and value.view_range is not None,
    )


class PlotPaneState(Model[PlotSettings]):
    """One pane's observable state. ``changed(frozenset of field names)``.

    The helpers below are the pane's verbs (what a control, a drop or the runs panel
    asks for); each ends in one :meth:`update`, so it validates and notifies once."""

    def __init__(self, value: PlotSettings | None = None) -> None:
        super().__init__(value if value is not None else PlotSettings())

    # a few verbs that need more than one field
    def add_runs(self, ids: Iterable[str]) -> frozenset[str]:
        have = self.value.run_ids
        new = tuple(dict.fromkeys(i for i in ids if i not in have))
        return self.update(run_ids=have + new) if new else frozenset()

    def remove_runs(self, ids: Iterable[str]) -> frozenset[str]:
        drop = set(ids)
        v = self.value
        return self.update(
            run_ids=tuple(i for i in v.run_ids if i not in drop),
            hidden_runs=v.hidden_runs - drop,
        )

    def group_selection(self, ids: Sequence[str], label: str | None = None) -> frozenset[str]:
        """The runs ``ids`` become one explicit group (taken from any other group) and
        join the pane; grouping switches to "selection"."""
        if not ids:
            return frozenset()
        v = self.value
        taken = set(ids)
        groups = {k: [r for r in m if r not in taken] for k, m in v.groups}
        groups = {k: m for k, m in groups.items() if m}
        label = label or f"group {len(groups) + 1}"
        groups[label] = list(ids)  # an existing label keeps its place
        run_ids = v.run_ids + tuple(i for i in dict.fromkeys(ids) if i not in v.run_ids)
        return self.update(run_ids=run_ids, groups=make_groups(groups), grouping="selection")

    def set_grouping(
        self,
        mode: str,
        key: str = "",
        regex: str = "",
        groups: Mapping[str, Sequence[str]] | None = None,
    ) -> frozenset[str]:
        """``mode``: none | config (``key``) | regex (``regex``) | selection (``groups``);
        an empty ``key`` or ``regex`` keeps the one set before."""
        changes: dict[str, Any] = {"grouping": mode}
        if key:
            changes["group_key"] = key
        if regex:
            changes["group_regex"] = regex
        if groups is not None:
            changes["groups"] = make_groups(groups)
        return self.update(**changes)

    def set_band(
        self, band: str, center: str | None = None, min_runs: int | None = None
    ) -> frozenset[str]:
        changes: dict[str, Any] = {"band": band}
        if center is not None:
            changes["center"] = center
        if min_runs is not None:
            changes["min_runs"] = min_runs
        return self.update(**changes)

    def add_note(self, x: float, text: str, x1: float | None = None) -> frozenset[str]:
        """Pin a text note at ``x`` (or over ``x``…``x1``)."""
        try:
            note = Note(float(x), text, x1)
        except ValueError as exc:
            raise StateError(f"PlotPaneState.notes: {exc}") from None
        return self.update(notes=(*self.value.notes, note))

    def remove_note(self, index: int) -> frozenset[str]:
        notes = self.value.notes
        return self.update(notes=notes[:index] + notes[index + 1 :])

    def add_reference_papers(self, ids: Iterable[int]) -> frozenset[str]:
        have = self.value.reference_papers
        new = tuple(dict.fromkeys(int(i) for i in ids if int(i) not in have))
        return self.update(reference_papers=have + new) if new else frozenset()

    def remove_reference_paper(self, paper_id: int) -> frozenset[str]:
        papers = self.value.reference_papers
        return self.update(reference_papers=tuple(p for p in papers if p != paper_id))

    def set_reference_shown(self, result_id: int, on: bool) -> frozenset[str]:
        """Show or hide one reference line (a reported result) in this pane."""
        hidden = self.value.hidden_references
        return self.update(hidden_references=hidden - {result_id} if on else hidden | {result_id})

    def set_normalisation_line(self, kind: str, on: bool) -> frozenset[str]:
        """Show or hide the ``human`` or ``random`` score lines of the runs' games."""
        have = self.value.normalisation_lines
        want = {*have, kind} if on else set(have) - {kind}
        return self.update(normalisation_lines=tuple(k for k in KINDS if k in want))

    def to_spec(
        self, shown: Collection[str] | None = None, references: Sequence[Reference] = ()
    ) -> PlotSpec:
        return self.value.to_spec(shown, references)

    def to_json(self) -> dict[str, Any]:
        return self.value.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlotPaneState:
        return cls(PlotSettings.from_json(data))
