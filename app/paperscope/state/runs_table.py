"""The runs table without Qt: its columns, their values, the filter and the sort order.

:class:`TableSettings` is what the user chose (the column set: summary columns per
metric and the config columns; the filter expression and the name regex; the sort
column; a step pinned from a pane's crosshair) and is saved with the workspace.
:class:`RunsTableState` holds it over a :class:`~paperscope.state.runs.RunsState` and
answers, without a widget: which columns there are (:meth:`~RunsTableState.columns`),
each cell's value (``None``: no value, an empty cell, never a 0), which runs the filter
keeps and in what order (:meth:`~RunsTableState.order`), and the table as CSV/Markdown.

**Columns are declared in one place**: :data:`FIXED_COLUMNS` lists the fixed ones as
:class:`Column` values (key, header, whether numeric, how to get a run's value); a new
column (a linked paper, say) is one more entry there. Summary, pinned-step and config
columns are made by :meth:`RunsTableState.columns` from the settings.

:class:`RunSelection` is the runs the user selected — in the table, by brushing a
hyperparameter view — shared by every view that shows runs.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from paperscope.core.records import Run
from paperscope.results.summaries import (
    MISSING,
    Filter,
    FilterError,
    SummarySpec,
    format_value,
    parse_filter,
    spec_from_column,
    summarise,
)
from paperscope.state.events import StateError
from paperscope.state.model import Model, check
from paperscope.state.runs import RunsState, config_text, shown_path

# -- columns ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` (unique: ``name``, ``summary:loss.min``, ``config:lr``…),
    ``header``, ``numeric`` (sorted as numbers, right-aligned) and ``get(run, table)``:
    the run's value (``None``: no value)."""

    key: str
    header: str
    numeric: bool
    get: Callable[[Run, RunsTableState], Any]
    tooltip: str = ""


def _series_length(run: Run, table: RunsTableState) -> int:
    series = run.series.get(table.value.metric)
    if series is None:
        return max((len(s) for s in run.series.values()), default=0)
    return len(series)


def _last_finite(run: Run, table: RunsTableState) -> float | None:
    series = run.series.get(table.value.metric)
    if series is None or len(series) == 0:
        return None
    finite = series.values[series.values == series.values]
    return float(finite[-1]) if finite.size else None


FIXED_COLUMNS: tuple[Column, ...] = (
    Column("name", "Run", False, lambda r, t: r.name),
    Column("colour", "", False, lambda r, t: t.runs.colour(r.id)),
    Column("format", "Format", False, lambda r, t: r.format),
    Column("source", "Source", False, lambda r, t: shown_path(r.source[0]) if r.source else ""),
    Column("length", "Points", True, _series_length, "Points of the current metric"),
    Column("last", "Last value", True, _last_finite, "The current metric's last finite value"),
    Column(
        "paper",
        "Paper",
        False,
        lambda r, t: t.paper_labels.get(r.id) or None,
        "The papers the run is linked to (drag runs onto a paper to link them)",
    ),
)
"""The fixed columns, in order (add a column here)."""

SUMMARY = "summary:"
CONFIG = "config:"
PINNED = "pinned"


def summary_column(spec: SummarySpec) -> Column:
    def get(run: Run, _table: RunsTableState) -> float | None:
        return summarise(run.series.get(spec.metric), spec)

    return Column(SUMMARY + spec.column, spec.column, True, get, _STAT_HELP.get(spec.stat, ""))


def config_column(key: str) -> Column:
    def get(run: Run, table: RunsTableState) -> Any:
        return table.runs.config_of(run.id).get(key)

    return Column(CONFIG + key, key, False, get, f"config: {key}")


_STAT_HELP = {
    "last": "the last point's value",
    "first": "the first point's value",
    "min": "the smallest value (NaN left out)",
    "max": "the largest value (NaN left out)",
    "mean": "the mean (of the last N points with meanN)",
    "count": "the number of points",
    "at": "the value at the point nearest the step",
    "interp": "interpolated at the step",
    "smoothed": "the last value of the EMA-smoothed series",
}


def cell_text(value: Any) -> str:
    """A value as the table shows it: empty for no value, floats to 6 digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    return config_text(value)


def exact_text(value: Any) -> str:
    """A value as a copy writes it: floats exactly (``repr``), no value empty."""
    if isinstance(value, float):
        return format_value(value)
    return cell_text(value)


# -- sorting ---------------------------------------------------------------------------


def _number(v: Any) -> float | None:
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, int | float):
        try:
            return float(v)
        except OverflowError:
            return math.inf if v > 0 else -math.inf
    return None


def sort_order(values: Sequence[Any], descending: bool = False) -> list[int]:
    """The positions of ``values`` in sorted order: numbers as numbers, then texts
    (case-folded), then NaN; runs without a value (``None`` or ``""``) always last, in
    either direction. Ties keep their order (stable). A column of numbers (and no
    values) is sorted by numpy (10,000 runs in about a millisecond)."""
    fast = _numeric_order(values, descending)
    return fast if fast is not None else _mixed_order(values, descending)


_NUMBER_TYPES = frozenset({float, int, type(None)})


def _numeric_order(values: Sequence[Any], descending: bool) -> list[int] | None:
    if not {type(v) for v in values} <= _NUMBER_TYPES:
        return None
    n = len(values)
    try:
        num = np.fromiter((math.nan if v is None else v for v in values), np.float64, n)
    except OverflowError:  # an int beyond float: the general path clips it to ±inf
        return None
    missing = np.fromiter((v is None for v in values), bool, n)
    nan = np.isnan(num) & ~missing
    present = np.flatnonzero(~(missing | nan))
    keys = num[present]
    order = present[np.argsort(-keys if descending else keys, kind="stable")]
    out: list[int] = np.concatenate([order, np.flatnonzero(nan), np.flatnonzero(missing)]).tolist()
    return out


def _mixed_order(values: Sequence[Any], descending: bool) -> list[int]:
    numbers: list[tuple[float, int]] = []
    texts: list[tuple[str, int]] = []
    nans: list[int] = []
    missing: list[int] = []
    for i, v in enumerate(values):
        n = _number(v)
        if v is None or v == "":
            missing.append(i)
        elif n is not None:
            (nans.append(i) if math.isnan(n) else numbers.append((n, i)))
        else:
            texts.append((cell_text(v).casefold(), i))
    num = [i for _k, i in sorted(numbers, key=lambda p: p[0], reverse=descending)]
    txt = [i for _k, i in sorted(texts, key=lambda p: p[0], reverse=descending)]
    present = txt + num if descending else num + txt
    return present + nans + missing


# -- the settings ------------------------------------------------------------------------

Pinned = tuple[str, float]
"""A step pinned from a pane's crosshair: (metric, step)."""


@dataclass(frozen=True, slots=True)
class TableSettings:
    """The runs table's column set, filter and sort (saved with the workspace).

    ``summaries``: summary column names (``eval/return.last``); ``config_columns``: the
    config keys shown (``None``: those that tell the runs apart, at most 40);
    ``sort_key``: a column key (``""``: load order); ``metric``: the current pane's
    metric (the Points and Last value columns)."""

    summaries: tuple[str, ...] = ()
    config_columns: tuple[str, ...] | None = None
    filter_text: str = ""
    name_regex: str = ""
    sort_key: str = ""
    descending: bool = False
    pinned: Pinned | None = None
    metric: str = ""

    def __post_init__(self) -> None:
        o = "RunsTableState"
        s = self.summaries
        check(
            isinstance(s, tuple) and all(isinstance(c, str) for c in s),
            o,
            "summaries",
            s,
            "summary column names",
        )
        bad = next((c for c in s if spec_from_column(c) is None), None)
        check(bad is None, o, "summaries", bad, "a summary column like loss.last or loss.mean10")
        check(len(set(s)) == len(s), o, "summaries", s, "free of repeats")
        c = self.config_columns
        check(
            c is None or (isinstance(c, tuple) and all(isinstance(k, str) for k in c)),
            o,
            "config_columns",
            c,
            "None or config keys",
        )
        for name in ("filter_text", "name_regex", "sort_key", "metric"):
            v = getattr(self, name)
            check(isinstance(v, str), o, name, v, "text")
        check(isinstance(self.descending, bool), o, "descending", self.descending, "true or false")
        p = self.pinned
        ok = p is None or (
            isinstance(p, tuple)
            and len(p) == 2
            and isinstance(p[0], str)
            and bool(p[0])
            and isinstance(p[1], int | float)
            and not isinstance(p[1], bool)
            and math.isfinite(p[1])
        )
        check(ok, o, "pinned", p, "None or (metric, finite step)")

    def specs(self) -> list[SummarySpec]:
        return [s for s in map(spec_from_column, self.summaries) if s is not None]

    def to_json(self) -> dict[str, Any]:
        return {
            "summaries": list(self.summaries),
            "config_columns": None if self.config_columns is None else list(self.config_columns),
            "filter": self.filter_text,
            "name_regex": self.name_regex,
            "sort": {"key": self.sort_key, "descending": self.descending},
            "pinned": None if self.pinned is None else list(self.pinned),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TableSettings:
        if not isinstance(data, Mapping):
            raise StateError(f"RunsTableState: {data!r} is not an object")
        d = cls()
        sort = data.get("sort") or {}
        if not isinstance(sort, Mapping):
            raise StateError(f"RunsTableState.sort: {sort!r} is not an object")
        lists = {k: data.get(k) for k in ("summaries", "config_columns", "pinned")}
        for name, v in lists.items():
            if v is not None and not isinstance(v, list | tuple):
                raise StateError(f"RunsTableState.{name}: {v!r} is not a list")
        summaries, config, pinned = lists["summaries"], lists["config_columns"], lists["pinned"]
        return cls(
            summaries=tuple(summaries or ()),
            config_columns=None if config is None else tuple(config),
            filter_text=data.get("filter", d.filter_text),
            name_regex=data.get("name_regex", d.name_regex),
            sort_key=sort.get("key", d.sort_key),
            descending=sort.get("descending", d.descending),
            pinned=None if pinned is None else cast(Pinned, tuple(pinned)),
        )


# -- the state ---------------------------------------------------------------------------


class RunsTableState(Model[TableSettings]):
    """The runs table's settings over the run catalogue ``runs``, with the values,
    filter and order computed from them (cached until the runs or the settings
    change). ``changed(field names)`` as any model."""

    runs: RunsState

    def __init__(self, runs: RunsState, value: TableSettings | None = None) -> None:
        super().__init__(value if value is not None else TableSettings())
        self.runs = runs
        self._values: dict[str, dict[str, Any]] = {}  # column key → run id → value
        self._filter: tuple[str, Filter | None, FilterError | None] | None = None
        self._regex: tuple[str, re.Pattern[str] | None] | None = None
        self._kept: dict[str, bool] | None = None
        self._order: list[str] | None = None
        self._sorted: list[str] | None = None
        self._ranks: dict[str, int] | None = None
        # run id → its linked papers' short names (the "Paper" column; from the library,
        # not a setting: not saved with the workspace)
        self.paper_labels: dict[str, str] = {}
        self.version = 0  # counts the changes that may change the order (a view's cue)
        for callbacks in (runs.added, runs.updated, runs.removed, runs.renamed):
            callbacks.connect(self._on_runs_changed)
        runs.colours_changed.connect(lambda _ids: self._values.pop("colour", None))
        self.changed.connect(self._on_changed)

    def reset(self) -> frozenset[str]:
        return self.set_value(TableSettings(metric=self.value.metric))

    # -- caches ----------------------------------------------------------------------
    def _on_runs_changed(self, _ids: list[str]) -> None:
        self._values.clear()
        self._kept = self._order = self._sorted = self._ranks = None
        self.version += 1

    def _on_changed(self, fields: frozenset[str]) -> None:
        if "metric" in fields:
            self._values.pop("length", None)
            self._values.pop("last", None)
        if fields & {"filter_text", "name_regex", "metric"}:
            self._kept = None
        if fields - {"filter_text", "name_regex"}:  # a filter leaves the sort as it was
            self._sorted = self._ranks = None
        self._order = None
        self.version += 1

    def set_paper_labels(self, labels: Mapping[str, str]) -> bool:
        """The "Paper" column's texts (run id → short names); ``True`` if they changed."""
        new = {k: v for k, v in labels.items() if v}
        if new == self.paper_labels:
            return False
        self.paper_labels = new
        self._values.pop("paper", None)
        self._kept = self._order = self._sorted = self._ranks = None
        self.version += 1
        return True

    # -- columns ---------------------------------------------------------------------
    def config_keys(self) -> list[str]:
        c = self.value.config_columns
        return list(c) if c is not None else self.runs.config_keys()

    def columns(self) -> list[Column]:
        """Fixed columns, the pinned step, the summary columns, then config columns."""
        out = list(FIXED_COLUMNS)
        p = self.value.pinned
        if p is not None:
            spec = SummarySpec(p[0], "at", float(p[1]))

            def at(run: Run, _t: RunsTableState, s: SummarySpec = spec) -> float | None:
                return summarise(run.series.get(s.metric), s)

            out.append(
                Column(
                    PINNED,
                    f"{p[0]} @ step {p[1]:g}",
                    True,
                    at,
                    "Values at the step pinned in a pane (nearest point)",
                )
            )
        out += [summary_column(s) for s in self.value.specs()]
        out += [config_column(k) for k in self.config_keys()]
        return out

    def column(self, key: str) -> Column | None:
        return next((c for c in self.columns() if c.key == key), None)

    def value_of(self, run: Run, column: Column) -> Any:
        cache = self._values.setdefault(column.key, {})
        if run.id not in cache:
            cache[run.id] = column.get(run, self)
        return cache[run.id]

    def values(self, column: Column) -> list[Any]:
        """Every run's value in catalogue order."""
        return [self.value_of(r, column) for r in self.runs.runs()]

    # -- filtering -------------------------------------------------------------------
    def parsed_filter(self) -> tuple[Filter | None, FilterError | None]:
        """The filter expression parsed (``None`` when empty), or the error saying where."""
        text = self.value.filter_text
        if self._filter is None or self._filter[0] != text:
            try:
                self._filter = (text, parse_filter(text) if text.strip() else None, None)
            except FilterError as exc:
                self._filter = (text, None, exc)
        return self._filter[1], self._filter[2]

    def name_pattern(self) -> tuple[re.Pattern[str] | None, bool]:
        """The name regex compiled, and whether it is valid (an invalid one filters
        nothing)."""
        text = self.value.name_regex
        if self._regex is None or self._regex[0] != text:
            try:
                self._regex = (text, re.compile(text, re.IGNORECASE) if text else None)
            except re.error:
                self._regex = (text, None)
        ok = not text or self._regex[1] is not None
        return self._regex[1], ok

    def row(self, run: Run, specs: Iterable[SummarySpec] = ()) -> dict[str, Any]:
        """What the filter sees for a run: its flattened config, ``run.name``/
        ``run.format``/``run.id`` and summary columns (which win over a config key of
        the same name when the run has a value)."""
        out: dict[str, Any] = dict(self.runs.config_of(run.id))
        out.update({"run.name": run.name, "run.format": run.format, "run.id": run.id})
        for spec in specs:
            v = self.value_of(run, summary_column(spec))
            if v is not None or spec.column not in out:
                out[spec.column] = v
        return out

    def kept(self) -> dict[str, bool]:
        """Run id → whether the name regex and the filter keep it. The filter is
        evaluated over whole columns with numpy (:meth:`Filter.mask`) where it can be,
        else run by run (:meth:`row`); both give the same answer."""
        if self._kept is None:
            f, _err = self.parsed_filter()
            regex, _ok = self.name_pattern()
            runs = self.runs.runs()
            keep = [regex is None or regex.search(r.name) is not None for r in runs]
            if f is not None:
                mask = f.mask(self.filter_columns(f, runs), len(runs))
                if mask is not None:
                    keep = [a and b for a, b in zip(keep, mask.tolist(), strict=True)]
                else:
                    specs = f.summary_specs()
                    keep = [
                        k and f.matches(self.row(r, specs)) for k, r in zip(keep, runs, strict=True)
                    ]
            self._kept = {r.id: k for r, k in zip(runs, keep, strict=True)}
        return self._kept

    def filter_columns(self, f: Filter, runs: Sequence[Run]) -> dict[str, list[Any]]:
        """Every run's value of each name ``f`` reads, as :meth:`row` gives it
        (:data:`~paperscope.results.summaries.MISSING`: the run has none)."""
        specs = {s.column: s for s in f.summary_specs()}
        configs = [self.runs.config_of(r.id) for r in runs]
        out: dict[str, list[Any]] = {}
        for name in f.names:
            if name in ("run.name", "run.format", "run.id"):
                out[name] = [getattr(r, name[4:]) for r in runs]
                continue
            in_config = [c.get(name, MISSING) for c in configs]
            spec = specs.get(name)
            if spec is None:
                out[name] = in_config
                continue
            column = summary_column(spec)
            values = [self.value_of(r, column) for r in runs]
            out[name] = [
                v if v is not None or c is MISSING else c
                for v, c in zip(values, in_config, strict=True)
            ]
        return out

    def accepts(self, run_id: str) -> bool:
        return self.kept().get(run_id, False)

    # -- sorting ---------------------------------------------------------------------
    def ranks(self) -> dict[str, int]:
        """Run id → its place under the current sort (load order when none)."""
        if self._ranks is None:
            self._ranks = {rid: k for k, rid in enumerate(self._sorted_ids())}
        return self._ranks

    def _sorted_ids(self) -> list[str]:
        if self._sorted is None:
            runs = self.runs.runs()
            column = self.column(self.value.sort_key) if self.value.sort_key else None
            if column is None:
                self._sorted = [r.id for r in runs]
            else:
                order = sort_order(self.values(column), self.value.descending)
                self._sorted = [runs[i].id for i in order]
        return self._sorted

    def order(self) -> list[str]:
        """The ids the table shows, in order: filtered, then sorted."""
        if self._order is None:
            kept = self.kept()
            self._order = [i for i in self._sorted_ids() if kept.get(i)]
        return list(self._order)

    # -- verbs -----------------------------------------------------------------------
    def add_summaries(self, columns: Iterable[str]) -> frozenset[str]:
        have = self.value.summaries
        new = tuple(c for c in dict.fromkeys(columns) if c not in have)
        return self.update(summaries=have + new) if new else frozenset()

    def remove_summary(self, column: str) -> frozenset[str]:
        v = self.value
        changes: dict[str, Any] = {"summaries": tuple(c for c in v.summaries if c != column)}
        if v.sort_key == SUMMARY + column:
            changes["sort_key"] = ""
        return self.update(**changes)

    def sort_by(self, key: str, descending: bool = False) -> frozenset[str]:
        return self.update(sort_key=key, descending=descending)

    def pin(self, metric: str, step: float | None) -> frozenset[str]:
        """A pane's crosshair pinned at ``step`` (None: unpin)."""
        return self.update(pinned=None if step is None else (metric, float(step)))

    # -- copying ---------------------------------------------------------------------
    def grid(self, ids: Sequence[str] | None = None) -> tuple[list[str], list[list[str]]]:
        """Headers and rows (exact values) of the runs ``ids`` (default: the shown ones, in
        order), without the colour column."""
        columns = [c for c in self.columns() if c.key != "colour"]
        rows = []
        for rid in self.order() if ids is None else ids:
            run = self.runs.run(rid)
            if run is not None:
                rows.append([exact_text(self.value_of(run, c)) for c in columns])
        return [c.header for c in columns], rows

    def to_csv(self, ids: Sequence[str] | None = None) -> str:
        headers, rows = self.grid(ids)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(headers)
        w.writerows(rows)
        return buf.getvalue()

    def to_markdown(self, ids: Sequence[str] | None = None) -> str:
        headers, rows = self.grid(ids)

        def cell(t: str) -> str:
            return t.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")

        lines = [
            "| " + " | ".join(cell(h) for h in headers) + " |",
            "|" + "|".join("---" for _ in headers) + "|",
        ]
        lines += ["| " + " | ".join(cell(t) for t in r) + " |" for r in rows]
        return "\n".join(lines) + "\n"


# -- the shared selection ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Selected:
    """The selected run ids, and which view selected them last (``"table"``,
    ``"hyper"``…; a view does not echo its own selection back)."""

    ids: frozenset[str] = field(default_factory=frozenset)
    origin: str = ""

    def __post_init__(self) -> None:
        check(
            isinstance(self.ids, frozenset) and all(isinstance(i, str) for i in self.ids),
            "RunSelection",
            "ids",
            self.ids,
            "a set of run ids",
        )
        check(isinstance(self.origin, str), "RunSelection", "origin", self.origin, "text")


class RunSelection(Model[Selected]):
    """The runs selected in any view: the runs table, a hyperparameter view, a pane."""

    def __init__(self) -> None:
        super().__init__(Selected())

    def select(self, ids: Iterable[str], origin: str) -> frozenset[str]:
        ids = frozenset(ids)
        if ids == self.value.ids:
            return frozenset()
        return self.update(ids=ids, origin=origin)
