"""Curves from runs, groups of runs, and a group's centre line with a band.

A :class:`Curve` is one run's metric against a chosen x (step, wall time, relative time
or any other series of the run), raw and smoothed. Runs are grouped by a config key, by
a regular expression on their names, or explicitly (:func:`group_by_config`,
:func:`group_by_regex`, :func:`group_explicit`). :func:`aggregate_group` puts a group's
curves on one x grid (their own x when all runs share it, otherwise by linear
interpolation on the union of their x, never beyond a run's own first and last point),
counts ``n`` runs per point, drops points where fewer than ``min_runs`` runs remain and
draws the mean or median with a band: ±std, ±SEM, min–max or a bootstrap CI.

Qt-free and matplotlib-free: the GUI draws these arrays, :mod:`.figure` exports them.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from paperscope.core.records import FloatArray, IntArray, Run, Series
from paperscope.core.tasks import CancelToken
from paperscope.results.smoothing import (
    DEFAULT_WEIGHT,
    reference_spacing,
    smoothed,
)

Center = Literal["mean", "median"]
Band = Literal["std", "sem", "minmax", "ci95", "none"]
SmoothingMode = Literal["ema", "time", "centred", "trailing", "gaussian", "none"]
X_BUILTINS = ("step", "wall", "relative")
CENTERS: tuple[Center, ...] = ("mean", "median")
BANDS: tuple[Band, ...] = ("std", "sem", "minmax", "ci95", "none")


class CurveError(ValueError):
    """A curve cannot be made (the run lacks the metric or the x series)."""


@dataclass(frozen=True, slots=True)
class Curve:
    """One run's metric: ``x`` ascending and finite, ``raw`` as logged, ``y`` smoothed."""

    run_id: str
    label: str
    metric: str
    x: FloatArray
    raw: FloatArray
    y: FloatArray

    def __len__(self) -> int:
        return int(self.x.shape[0])


@dataclass(frozen=True, slots=True)
class Group:
    """A named set of runs drawn as one centre line with a band."""

    label: str
    run_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class GroupCurve:
    """What a group draws: ``center`` (smoothed) with ``lower``/``upper`` band bounds and
    ``n`` runs per point, on ``x``; ``raw_center`` is the same statistic of the raw
    values (drawn faint behind). Points with fewer than ``min_runs`` runs are dropped."""

    label: str
    run_ids: tuple[str, ...]
    x: FloatArray
    center: FloatArray
    lower: FloatArray
    upper: FloatArray
    n: IntArray
    raw_center: FloatArray
    center_kind: Center
    band_kind: Band

    def __len__(self) -> int:
        return int(self.x.shape[0])


# --------------------------------------------------------------------------- curves


def x_label(x: str) -> str:
    return {"step": "step", "wall": "wall time (s)", "relative": "relative time (s)"}.get(x, x)


def series_x(run: Run, series: Series, x: str = "step") -> FloatArray:
    """The x values of ``series``: its steps, wall times, seconds since its first point,
    or the values of another series of the same run at the same steps (``x`` = that
    series' tag; linear in step between its points, NaN outside its range)."""
    if x == "step":
        return series.steps.astype(np.float64)
    if x == "wall":
        return np.asarray(series.wall_times, dtype=np.float64)
    if x == "relative":
        wall = np.asarray(series.wall_times, dtype=np.float64)
        finite = wall[np.isfinite(wall)]
        if finite.size == 0:
            return np.full(wall.shape, np.nan)
        return np.asarray(wall - finite[0], dtype=np.float64)
    other = run.series.get(x)
    if other is None:
        raise CurveError(f"run {run.name!r} has no series {x!r} to use as x")
    ok = np.isfinite(other.values)
    osteps = other.steps[ok].astype(np.float64)
    ovals = np.asarray(other.values[ok], dtype=np.float64)
    if osteps.size == 0:
        return np.full(series.steps.shape, np.nan)
    steps = series.steps.astype(np.float64)
    out = np.interp(steps, osteps, ovals)
    out[(steps < osteps[0]) | (steps > osteps[-1])] = np.nan
    return out


def smooth(
    x: FloatArray,
    y: FloatArray,
    weight: float,
    mode: SmoothingMode = "ema",
    dx_ref: float | None = None,
) -> FloatArray:
    """Smooth ``y`` (ordered by ``x``) with TensorBoard's EMA, its time-weighted form, a
    centred or trailing moving average, a Gaussian kernel or none (``smoothing.smoothed``);
    ``weight`` is the smoother's parameter (a weight, a window or a sigma in points)."""
    return smoothed(mode, weight, x, y, dx_ref)


def make_curve(
    run: Run,
    metric: str,
    x: str = "step",
    smoothing: float = DEFAULT_WEIGHT,
    mode: SmoothingMode = "ema",
    label: str | None = None,
    dx_ref: float | None = None,
) -> Curve:
    """One run's ``metric`` against ``x``, smoothed on all its points.

    Points with a non-finite x are dropped; the rest are put in ascending x (stable,
    so a series logged in step order keeps its order). NaN values stay (and are
    passed through by the smoothing). ``dx_ref``: the time-weighted mode's reference
    spacing (default: this curve's median spacing; see :func:`shared_spacing`)."""
    series = run.series.get(metric)
    if series is None:
        raise CurveError(f"run {run.name!r} has no series {metric!r}")
    xs = series_x(run, series, x)
    ys = np.asarray(series.values, dtype=np.float64)
    keep = np.isfinite(xs)
    if not keep.all():
        xs, ys = xs[keep], ys[keep]
    if xs.size > 1 and bool(np.any(np.diff(xs) < 0)):
        order = np.argsort(xs, kind="stable")
        xs, ys = xs[order], ys[order]
    return Curve(
        run_id=run.id,
        label=label if label is not None else run.name,
        metric=metric,
        x=xs,
        raw=ys,
        y=smooth(xs, ys, smoothing, mode, dx_ref),
    )


def shared_spacing(runs: Sequence[Run], metric: str, x: str = "step") -> float | None:
    """The median of the runs' median x spacings for ``metric``: one reference spacing
    so the time-weighted smoothing treats every run of a pane alike. ``None`` if no
    run has the metric."""
    spacings = []
    for run in runs:
        series = run.series.get(metric)
        if series is None or len(series) < 2:
            continue
        try:
            xs = series_x(run, series, x)
        except CurveError:
            continue
        xs = np.sort(xs[np.isfinite(xs)])
        if xs.size >= 2:
            spacings.append(reference_spacing(xs))
    return float(np.median(spacings)) if spacings else None


# --------------------------------------------------------------------------- groups


def config_value(config: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    """Look ``key`` up in a run's config: the key itself, else a dotted path into
    nested mappings (``optimizer.lr``). Returns ``(found, value)``."""
    if key in config:
        return True, config[key]
    node: Any = config
    for part in key.split("."):
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        else:
            return False, None
    return True, node


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _sort_key(value: Any) -> tuple[int, Any]:
    if isinstance(value, bool):
        return (1, int(value))
    if isinstance(value, int | float) and not (isinstance(value, float) and math.isnan(value)):
        return (0, float(value))
    return (2, str(value))


def group_by_config(runs: Sequence[Run], key: str) -> list[Group]:
    """One group per value of config ``key`` (sorted by value); runs without the key
    form the group ``key=(missing)``, last."""
    buckets: dict[Any, list[str]] = {}
    missing: list[str] = []
    for run in runs:
        found, value = config_value(run.config, key)
        if not found:
            missing.append(run.id)
            continue
        hashable = value if isinstance(value, str | int | float | bool | None) else repr(value)
        buckets.setdefault(hashable, []).append(run.id)
    groups = [
        Group(f"{key}={_format_value(v)}", tuple(ids))
        for v, ids in sorted(buckets.items(), key=lambda kv: _sort_key(kv[0]))
    ]
    if missing:
        groups.append(Group(f"{key}=(missing)", tuple(missing)))
    return groups


def group_by_regex(runs: Sequence[Run], pattern: str) -> list[Group]:
    """Group runs whose names give the same match of ``pattern`` (``re.search``).

    The group's label is the text of the capture groups (joined by ``,``; named groups
    as ``name=value``), or the whole match when the pattern has no groups. A run whose
    name does not match is a group of its own, labelled by its name. Groups keep the
    order of their first run."""
    try:
        regex = re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad group regex {pattern!r}: {exc}") from exc
    names = {v: k for k, v in regex.groupindex.items()}
    buckets: dict[str, list[str]] = {}
    for run in runs:
        m = regex.search(run.name)
        if m is None:
            label = run.name
        elif regex.groups:
            parts = [
                f"{names[i]}={g}" if i in names else g
                for i, g in enumerate(m.groups(), start=1)
                if g is not None
            ]
            label = ",".join(parts) if parts else m.group(0)
        else:
            label = m.group(0)
        buckets.setdefault(label, []).append(run.id)
    return [Group(label, tuple(ids)) for label, ids in buckets.items()]


def group_explicit(runs: Sequence[Run], selection: Mapping[str, Iterable[str]]) -> list[Group]:
    """Groups chosen by hand: label → run ids (or names). Unknown runs are an error."""
    by_id = {r.id: r.id for r in runs}
    by_id.update({r.name: r.id for r in runs if r.name not in by_id})
    groups = []
    for label, members in selection.items():
        ids = []
        for m in members:
            if m not in by_id:
                raise ValueError(f"group {label!r}: no loaded run {m!r}")
            ids.append(by_id[m])
        groups.append(Group(label, tuple(ids)))
    return groups


# --------------------------------------------------------------------------- alignment


def common_grid(xs: Sequence[FloatArray], max_points: int = 2000) -> FloatArray:
    """The x grid a group is drawn on: the runs' own x when they all share it exactly,
    else the sorted union of their x, or ``max_points`` evenly spaced points over the
    union's range when the union is longer."""
    if not xs:
        return np.empty(0)
    first = xs[0]
    if all(a.shape == first.shape and np.array_equal(a, first) for a in xs[1:]):
        return np.asarray(first, dtype=np.float64).copy()
    union = np.unique(np.concatenate([a[np.isfinite(a)] for a in xs]))
    if union.size <= max_points:
        return union
    return np.linspace(union[0], union[-1], max_points)


def align(xs: Sequence[FloatArray], ys: Sequence[FloatArray], grid: FloatArray) -> FloatArray:
    """A ``(runs, len(grid))`` matrix: each run's y linearly interpolated at ``grid``,
    NaN outside its own x range. Non-finite y are left out of the interpolation; a run
    logging the same x twice keeps the last value."""
    out = np.full((len(xs), grid.shape[0]), np.nan)
    for i, (x, y) in enumerate(zip(xs, ys, strict=True)):
        if x.shape == grid.shape and np.array_equal(x, grid):
            out[i] = y
            continue
        ok = np.isfinite(x) & np.isfinite(y)
        xo, yo = x[ok], y[ok]
        if xo.size == 0:
            continue
        if xo.size > 1 and not bool(np.all(xo[1:] > xo[:-1])):
            # keep the last of repeated x (np.unique keeps the first: look at the reverse)
            rev_u, rev_idx = np.unique(xo[::-1], return_index=True)
            xo, yo = rev_u, yo[::-1][rev_idx]
        inside = (grid >= xo[0]) & (grid <= xo[-1])
        out[i, inside] = np.interp(grid[inside], xo, yo)
    return out


# --------------------------------------------------------------------------- statistics


def band_description(center: Center, band: Band, reps: int = 1000, confidence: float = 0.95) -> str:
    """The band definition in words, as written into exported files."""
    c = "mean" if center == "mean" else "median"
    if band == "std":
        return f"{c} ± sample standard deviation (ddof=1) across runs"
    if band == "sem":
        return f"{c} ± standard error of the mean (std ddof=1 / sqrt(n)) across runs"
    if band == "minmax":
        return f"{c}; band from the minimum to the maximum across runs"
    if band == "ci95":
        return (
            f"{c}; band is the {100 * confidence:g}% percentile bootstrap confidence interval "
            f"of the {c} (runs resampled with replacement, {reps} resamples)"
        )
    return f"{c}; no band"


@dataclass(frozen=True, slots=True)
class Stats:
    center: FloatArray
    lower: FloatArray
    upper: FloatArray
    n: IntArray


def column_stats(
    matrix: FloatArray,
    center: Center = "mean",
    band: Band = "std",
    reps: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> Stats:
    """Centre and band of each column of ``(runs, points)``, NaN = run absent there.

    Columns with no run are NaN. ``std``/``sem`` use ddof=1 and collapse onto the
    centre where only one run is present; ``ci95`` is the percentile bootstrap CI of
    the centre, resampling whole runs (all columns share each resample's runs)."""
    if center not in CENTERS:
        raise ValueError(f"unknown centre {center!r} (mean or median)")
    if band not in BANDS:
        raise ValueError(f"unknown band {band!r} ({', '.join(BANDS)})")
    m = np.asarray(matrix, dtype=np.float64)
    present = np.isfinite(m)
    n = present.sum(axis=0).astype(np.int64)
    cols = n > 0
    t = m.shape[1]
    c_out = np.full(t, np.nan)
    lo = np.full(t, np.nan)
    hi = np.full(t, np.nan)
    if not cols.any():
        return Stats(c_out, lo, hi, n)
    sub = m[:, cols]
    sub_present = present[:, cols]
    nn = n[cols].astype(np.float64)
    filled = np.where(sub_present, sub, 0.0)
    mean = filled.sum(axis=0) / nn
    if center == "mean":
        cen = mean
    else:
        cen = np.nanmedian(sub, axis=0)
    if band in ("std", "sem"):
        dev = np.where(sub_present, sub - mean, 0.0)
        ss = (dev * dev).sum(axis=0)
        std = np.zeros_like(ss)
        many = nn > 1
        std[many] = np.sqrt(ss[many] / (nn[many] - 1))
        half = std if band == "std" else std / np.sqrt(nn)
        lo_s, hi_s = cen - half, cen + half
    elif band == "minmax":
        lo_s = np.where(sub_present, sub, np.inf).min(axis=0)
        hi_s = np.where(sub_present, sub, -np.inf).max(axis=0)
    elif band == "ci95":
        lo_s, hi_s = bootstrap_band(sub, center, reps, confidence, seed, cancel)
    else:
        lo_s, hi_s = cen.copy(), cen.copy()
    c_out[cols], lo[cols], hi[cols] = cen, lo_s, hi_s
    return Stats(c_out, lo, hi, n)


def bootstrap_band(
    matrix: FloatArray,
    center: Center = "mean",
    reps: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    cancel: CancelToken | None = None,
    chunk: int = 128,
) -> tuple[FloatArray, FloatArray]:
    """Percentile bootstrap CI of the column mean/median, resampling rows (runs)."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    if reps < 1:
        raise ValueError(f"reps must be positive, got {reps}")
    rng = np.random.default_rng(seed)
    k, t = matrix.shape
    present = np.isfinite(matrix)
    filled = np.where(present, matrix, 0.0)
    pres_f = present.astype(np.float64)
    complete = bool(present.all())
    stats = np.empty((reps, t))
    if center == "median":  # each resample materialises (k, t) values: bound the memory
        chunk = max(1, min(chunk, 4_000_000 // max(k * t, 1)))
    for start in range(0, reps, chunk):
        if cancel is not None:
            cancel.check()
        r = min(chunk, reps - start)
        idx = rng.integers(0, k, size=(r, k))
        if center == "mean":
            flat = (np.arange(r)[:, None] * k + idx).ravel()
            counts = np.bincount(flat, minlength=r * k).reshape(r, k).astype(np.float64)
            num = counts @ filled
            den = counts @ pres_f
            with np.errstate(invalid="ignore", divide="ignore"):
                stats[start : start + r] = np.where(den > 0, num / den, np.nan)
        else:
            sample = matrix[idx]  # (r, k, t)
            if complete:
                stats[start : start + r] = np.median(sample, axis=1)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN resampled column
                    stats[start : start + r] = np.nanmedian(sample, axis=1)
    q = [50 * (1.0 - confidence), 100 - 50 * (1.0 - confidence)]
    lo, hi = np.percentile(stats, q, axis=0)
    gaps = np.isnan(stats).any(axis=0)  # a resample without any run at that point
    if gaps.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo[gaps], hi[gaps] = np.nanpercentile(stats[:, gaps], q, axis=0)
    return np.asarray(lo), np.asarray(hi)


def aggregate_group(
    label: str,
    curves: Sequence[Curve],
    center: Center = "mean",
    band: Band = "std",
    min_runs: int | None = 2,
    max_points: int = 2000,
    reps: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    cancel: CancelToken | None = None,
) -> GroupCurve:
    """A group's centre line and band from its members' (already smoothed) curves.

    ``min_runs`` (default 2, never more than the group's size; ``None`` = all runs):
    points where fewer runs remain are dropped, so the band ends where runs stop."""
    if not curves:
        raise ValueError(f"group {label!r} has no curve")
    k = len(curves) if min_runs is None else max(1, min(int(min_runs), len(curves)))
    grid = common_grid([c.x for c in curves], max_points)
    smoothed = align([c.x for c in curves], [c.y for c in curves], grid)
    stats = column_stats(smoothed, center, band, reps, confidence, seed, cancel)
    if all(np.array_equal(c.y, c.raw, equal_nan=True) for c in curves):  # no smoothing
        raw_center = stats.center
    else:
        raw = align([c.x for c in curves], [c.raw for c in curves], grid)
        raw_center = column_stats(raw, center, "none").center
    keep = stats.n >= k
    return GroupCurve(
        label=label,
        run_ids=tuple(c.run_id for c in curves),
        x=grid[keep],
        center=stats.center[keep],
        lower=stats.lower[keep],
        upper=stats.upper[keep],
        n=stats.n[keep],
        raw_center=raw_center[keep],
        center_kind=center,
        band_kind=band,
    )
