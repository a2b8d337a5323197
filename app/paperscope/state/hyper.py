"""A hyperparameter pane's state without Qt: parallel coordinates or a scatter over the
runs table's columns, its brushes, and the pure functions that turn them into data.

Axes are column keys of the runs table (``config:lr``, ``summary:eval/return.last``).
:func:`axis_data` reads one axis for a list of runs: numeric (NaN: no value) or
categorical (texts, in sorted order; ``-1``: no value). :func:`brushed` is the brushing
rule, a pure function: a run is selected when, on every brushed axis, it has a value
and the value lies in the brush (``lo ≤ v ≤ hi``, or one of the brushed categories).
:func:`trend` is the least-squares line of a scatter group (in log space on log axes).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from paperscope.core.records import Run
from paperscope.results.summaries import spec_from_column
from paperscope.state.events import StateError
from paperscope.state.model import Model, check
from paperscope.state.runs_table import (
    CONFIG,
    SUMMARY,
    Column,
    RunsTableState,
    cell_text,
    config_column,
    summary_column,
)

HyperKind = Literal["parallel", "scatter"]
KINDS: tuple[HyperKind, ...] = ("parallel", "scatter")


@dataclass(frozen=True, slots=True)
class Brush:
    """A brushed range on one axis: ``lo``…``hi`` (numeric axes) or ``categories``."""

    axis: str
    lo: float = -math.inf
    hi: float = math.inf
    categories: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        o = "HyperState"
        check(
            isinstance(self.axis, str) and bool(self.axis),
            o,
            "brush.axis",
            self.axis,
            "a column key",
        )
        ok = (
            all(
                isinstance(v, int | float) and not isinstance(v, bool) and not math.isnan(v)
                for v in (self.lo, self.hi)
            )
            and self.lo <= self.hi
        )
        check(ok, o, "brush", (self.lo, self.hi), "a range lo <= hi")
        c = self.categories
        check(
            isinstance(c, tuple) and all(isinstance(t, str) for t in c),
            o,
            "brush.categories",
            c,
            "texts",
        )

    def to_json(self) -> dict[str, Any]:
        if self.categories:
            return {"axis": self.axis, "categories": list(self.categories)}
        return {"axis": self.axis, "lo": _finite_or_text(self.lo), "hi": _finite_or_text(self.hi)}


def _finite_or_text(v: float) -> float | str:
    return v if math.isfinite(v) else ("Infinity" if v > 0 else "-Infinity")


def _from_text(v: Any, default: float) -> float:
    if v is None:
        return default
    if v == "Infinity":
        return math.inf
    if v == "-Infinity":
        return -math.inf
    if isinstance(v, int | float) and not isinstance(v, bool):
        return float(v)
    raise StateError(f"HyperState.brush: {v!r} is not a number")


@dataclass(frozen=True, slots=True)
class HyperSettings:
    """What a hyperparameter pane shows: ``kind``, the parallel axes (in order), the
    brushes, the scatter's ``x``/``y`` columns, log axes and the config key whose
    values colour the scatter's groups (one trend line each)."""

    kind: HyperKind = "parallel"
    axes: tuple[str, ...] = ()
    brushes: tuple[Brush, ...] = ()
    x: str = ""
    y: str = ""
    log_x: bool = False
    log_y: bool = False
    group_by: str = ""

    def __post_init__(self) -> None:
        o = "HyperState"
        check(self.kind in KINDS, o, "kind", self.kind, "parallel or scatter")
        a = self.axes
        check(
            isinstance(a, tuple) and all(isinstance(k, str) and k for k in a),
            o,
            "axes",
            a,
            "column keys",
        )
        check(len(set(a)) == len(a), o, "axes", a, "free of repeats")
        b = self.brushes
        check(
            isinstance(b, tuple) and all(isinstance(x, Brush) for x in b),
            o,
            "brushes",
            b,
            "brushes",
        )
        check(len({x.axis for x in b}) == len(b), o, "brushes", b, "one per axis")
        for name in ("x", "y", "group_by"):
            v = getattr(self, name)
            check(isinstance(v, str), o, name, v, "text")
        for name in ("log_x", "log_y"):
            v = getattr(self, name)
            check(isinstance(v, bool), o, name, v, "true or false")

    def brush(self, axis: str) -> Brush | None:
        return next((b for b in self.brushes if b.axis == axis), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "axes": list(self.axes),
            "brushes": [b.to_json() for b in self.brushes],
            "x": self.x,
            "y": self.y,
            "log_x": self.log_x,
            "log_y": self.log_y,
            "group_by": self.group_by,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HyperSettings:
        if not isinstance(data, Mapping):
            raise StateError(f"HyperState: {data!r} is not an object")
        d = cls()
        axes, brushes = data.get("axes", []), data.get("brushes", [])
        for name, v in (("axes", axes), ("brushes", brushes)):
            if not isinstance(v, list | tuple):
                raise StateError(f"HyperState.{name}: {v!r} is not a list")
        parsed = []
        for b in brushes:
            if not isinstance(b, Mapping):
                raise StateError(f"HyperState.brushes: {b!r} is not an object")
            cats = b.get("categories") or []
            if not isinstance(cats, list | tuple):
                raise StateError(f"HyperState.brush.categories: {cats!r} is not a list")
            parsed.append(
                Brush(
                    b.get("axis", ""),
                    _from_text(b.get("lo"), -math.inf),
                    _from_text(b.get("hi"), math.inf),
                    tuple(cats),
                )
            )
        return cls(
            kind=data.get("kind", d.kind),
            axes=tuple(axes),
            brushes=tuple(parsed),
            x=data.get("x", d.x),
            y=data.get("y", d.y),
            log_x=data.get("log_x", d.log_x),
            log_y=data.get("log_y", d.log_y),
            group_by=data.get("group_by", d.group_by),
        )


class HyperState(Model[HyperSettings]):
    """One hyperparameter pane's observable state."""

    def __init__(self, value: HyperSettings | None = None) -> None:
        super().__init__(value if value is not None else HyperSettings())

    def set_brush(self, brush: Brush) -> frozenset[str]:
        others = tuple(b for b in self.value.brushes if b.axis != brush.axis)
        return self.update(brushes=(*others, brush))

    def clear_brush(self, axis: str | None = None) -> frozenset[str]:
        """Remove the brush of ``axis`` (None: every brush)."""
        keep = () if axis is None else tuple(b for b in self.value.brushes if b.axis != axis)
        return self.update(brushes=keep)

    def move_axis(self, axis: str, by: int) -> frozenset[str]:
        axes = list(self.value.axes)
        if axis not in axes:
            return frozenset()
        i = axes.index(axis)
        j = min(max(i + by, 0), len(axes) - 1)
        axes.insert(j, axes.pop(i))
        return self.update(axes=tuple(axes))

    def to_json(self) -> dict[str, Any]:
        return self.value.to_json()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HyperState:
        return cls(HyperSettings.from_json(data))


# -- the data of an axis ------------------------------------------------------------------


def axis_column(key: str) -> Column | None:
    """The runs-table column an axis key names (config or summary columns)."""
    if key.startswith(CONFIG) and len(key) > len(CONFIG):
        return config_column(key[len(CONFIG) :])
    if key.startswith(SUMMARY):
        spec = spec_from_column(key[len(SUMMARY) :])
        return summary_column(spec) if spec is not None else None
    return None


def axis_label(key: str) -> str:
    for prefix in (CONFIG, SUMMARY):
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


@dataclass(frozen=True)
class Axis:
    """One axis over a list of runs: ``values`` (float, NaN: no value) for a numeric
    axis; for a categorical one ``categories`` (sorted texts) and ``values`` holding
    each run's category index (NaN: no value)."""

    key: str
    values: np.ndarray
    categories: tuple[str, ...] | None = None

    @property
    def categorical(self) -> bool:
        return self.categories is not None

    def span(self) -> tuple[float, float]:
        """The drawn range: min…max of the values (categories: 0…n-1)."""
        if self.categories is not None:
            return 0.0, float(max(len(self.categories) - 1, 1))
        finite = self.values[np.isfinite(self.values)]
        if finite.size == 0:
            return 0.0, 1.0
        lo, hi = float(finite.min()), float(finite.max())
        return (lo - 0.5, hi + 0.5) if lo == hi else (lo, hi)

    def normalised(self) -> np.ndarray:
        """Positions in 0…1 (NaN: no value; ±inf clipped to the ends)."""
        lo, hi = self.span()
        with np.errstate(invalid="ignore"):
            out = (self.values - lo) / (hi - lo)
        return np.clip(out, 0.0, 1.0, where=~np.isnan(out), out=out)

    def value_at(self, position: float) -> float:
        """The data value at a normalised position."""
        lo, hi = self.span()
        return lo + position * (hi - lo)


def axis_data(table: RunsTableState, key: str, runs: Sequence[Run]) -> Axis:
    """Axis ``key`` for ``runs``: numeric when every value present is a number."""
    column = axis_column(key)
    raw = [None] * len(runs) if column is None else [table.value_of(r, column) for r in runs]
    numbers = []
    numeric = True
    for v in raw:
        if v is None or v == "":
            numbers.append(math.nan)
        elif isinstance(v, int | float) and not isinstance(v, bool):
            numbers.append(float(v))
        else:
            numeric = False
            break
    if numeric:
        return Axis(key, np.asarray(numbers, dtype=np.float64))
    texts = [None if v is None or v == "" else cell_text(v) for v in raw]
    categories = tuple(sorted({t for t in texts if t is not None}))
    index = {c: float(i) for i, c in enumerate(categories)}
    values = np.asarray([math.nan if t is None else index[t] for t in texts], dtype=np.float64)
    return Axis(key, values, categories)


def brushed(axes: Mapping[str, Axis], brushes: Iterable[Brush], count: int) -> np.ndarray:
    """Which of ``count`` runs every brush keeps (a bool array); brushes on axes not in
    ``axes`` are ignored; no brush keeps nothing (the selection is empty)."""
    keep = np.ones(count, dtype=bool)
    used = False
    for b in brushes:
        axis = axes.get(b.axis)
        if axis is None:
            continue
        used = True
        v = axis.values
        if axis.categories is not None:
            wanted = [i for i, c in enumerate(axis.categories) if c in set(b.categories)]
            keep &= np.isin(v, np.asarray(wanted, dtype=np.float64))
        else:
            with np.errstate(invalid="ignore"):
                keep &= (v >= b.lo) & (v <= b.hi)  # NaN (no value) compares false
    return keep if used else np.zeros(count, dtype=bool)


def brush_from_positions(axis: Axis, p0: float, p1: float) -> Brush:
    """The brush a drag from normalised position ``p0`` to ``p1`` on ``axis`` makes."""
    lo, hi = sorted((min(max(p0, 0.0), 1.0), min(max(p1, 0.0), 1.0)))
    if axis.categories is not None:
        n = len(axis.categories)
        span = max(n - 1, 1)
        chosen = tuple(c for i, c in enumerate(axis.categories) if lo <= i / span <= hi)
        if not chosen and n:  # a short drag between two categories: the nearer one
            chosen = (axis.categories[min(round((lo + hi) / 2 * span), n - 1)],)
        return Brush(axis.key, categories=chosen)
    return Brush(axis.key, axis.value_at(lo), axis.value_at(hi))


def trend(
    x: np.ndarray, y: np.ndarray, log_x: bool = False, log_y: bool = False
) -> tuple[float, float] | None:
    """Least-squares ``(slope, intercept)`` of y on x, in log10 space on a log axis
    (non-positive values left out there); ``None`` with fewer than two distinct x."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(xs) & np.isfinite(ys)
    if log_x:
        ok &= xs > 0
    if log_y:
        ok &= ys > 0
    xs, ys = xs[ok], ys[ok]
    if log_x:
        xs = np.log10(xs)
    if log_y:
        ys = np.log10(ys)
    if xs.size < 2 or np.unique(xs).size < 2:
        return None
    slope, intercept = np.polyfit(xs, ys, 1)
    return float(slope), float(intercept)


def inside_rect(
    x: np.ndarray,
    y: np.ndarray,
    rect: tuple[float, float, float, float],
    log_x: bool = False,
    log_y: bool = False,
) -> np.ndarray:
    """Which points lie in ``rect`` = (x0, x1, y0, y1), given in view coordinates
    (log10 of the data on a log axis); points without a value never do."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        vx = np.log10(np.where(xs > 0, xs, np.nan)) if log_x else xs
        vy = np.log10(np.where(ys > 0, ys, np.nan)) if log_y else ys
        x0, x1, y0, y1 = rect
        return np.asarray((vx >= x0) & (vx <= x1) & (vy >= y0) & (vy <= y1), dtype=bool)
