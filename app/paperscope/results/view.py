"""Small numeric helpers for an interactive plot view (Qt-free): the crosshair read-out
and an auto-range that ignores outliers, and tick labels."""

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


_SI = ((1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k"))


def tick_text(values: Sequence[float], spacing: float) -> list[str]:
    """Tick labels as a TensorBoard user reads them: ``200k``, ``1M``, ``1.5G`` (not
    ``1e+06``); as many decimals as the tick ``spacing`` needs, trailing zeros dropped."""
    out = []
    for v in values:
        v = float(v)
        if not math.isfinite(v):
            out.append(str(v))
            continue
        scale, suffix = next(((s, p) for s, p in _SI if abs(v) >= s), (1.0, ""))
        step = abs(spacing) / scale if spacing else 0.0
        if suffix == "" and 0 < abs(v) < 1e-3 and (step == 0 or step < 1e-3):
            out.append(f"{v:.3g}")  # tiny values (learning rates): 1e-05
            continue
        decimals = 0 if step <= 0 or step >= 1 else min(6, -math.floor(math.log10(step) + 1e-9))
        text = f"{v / scale:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if text in ("-0", ""):
            text = "0"
        out.append(text + suffix)
    return out
