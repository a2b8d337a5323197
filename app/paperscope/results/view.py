"""Small numeric helpers for an interactive plot view (Qt-free): the crosshair read-out
and an auto-range that ignores outliers."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from paperscope.core.records import FloatArray
from paperscope.results.align import Curve, GroupCurve


@dataclass(frozen=True, slots=True)
class Readout:
    """One curve's value under the crosshair: the point nearest in x."""

    label: str
    x: float
    y: float
    n: int  # runs behind the value (1 for a run's curve)
    distance: float  # |y - cursor y| (0 when no cursor y was given)


def values_at(
    items: Sequence[Curve | GroupCurve], x: float, y: float | None = None
) -> list[Readout]:
    """The value of every curve/group at the point nearest to ``x`` (curves whose x
    range does not reach ``x`` within half a spacing are left out), sorted by distance to
    the cursor's ``y`` when given, else in the order given. NaN values are skipped."""
    out: list[Readout] = []
    for item in items:
        xs = item.x
        ys = item.center if isinstance(item, GroupCurve) else item.y
        if xs.size == 0:
            continue
        i = int(np.searchsorted(xs, x))
        candidates = [j for j in (i - 1, i) if 0 <= j < xs.size]
        j = min(candidates, key=lambda k: abs(xs[k] - x))
        half = 0.5 * (float(xs[-1] - xs[0]) / max(xs.size - 1, 1))
        if x < xs[0] - half or x > xs[-1] + half:
            continue
        value = float(ys[j])
        if math.isnan(value):
            continue
        n = int(item.n[j]) if isinstance(item, GroupCurve) else 1
        dist = abs(value - y) if y is not None else 0.0
        out.append(Readout(item.label, float(xs[j]), value, n, dist))
    if y is not None:
        out.sort(key=lambda r: r.distance)
    return out


def robust_range(
    arrays: Iterable[FloatArray],
    lower: float = 1.0,
    upper: float = 99.0,
    pad: float = 0.05,
) -> tuple[float, float] | None:
    """A y range from the ``lower``–``upper`` percentiles of all finite values (so a few
    spikes do not squash the curves), widened to the true minimum/maximum when those lie
    within half the percentile range, padded by ``pad`` of its span; ``None`` when there
    is no finite value."""
    parts = [a[np.isfinite(a)] for a in arrays]
    parts = [p for p in parts if p.size]
    if not parts:
        return None
    values = np.concatenate(parts)
    lo, hi = (float(v) for v in np.percentile(values, [lower, upper], method="nearest"))
    # the true extremes come back in when they are not far out (half the range)
    reach = 0.5 * (hi - lo)
    vmin, vmax = float(values.min()), float(values.max())
    if vmin >= lo - reach:
        lo = vmin
    if vmax <= hi + reach:
        hi = vmax
    span = hi - lo
    if span == 0:
        span = abs(lo) or 1.0
    return lo - pad * span, hi + pad * span
