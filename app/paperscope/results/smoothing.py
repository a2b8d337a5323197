"""Smoothing of logged curves: TensorBoard's debiased EMA, exactly, on every point.

:func:`ema` reproduces TensorBoard's ``classicSmoothing`` (``line_chart_v2``):

* the weight is clamped to ``[0, 1]`` (a non-finite weight counts as 0);
* a series whose values are all equal is returned untouched;
* ``last = last * w + (1 - w) * y`` starting from ``last = 0``, divided by the debias
  weight ``1 - w ** n`` where ``n`` counts the finite values seen so far (``w == 1``
  divides by 1);
* non-finite values (NaN, ±inf) are passed through and neither update ``last`` nor ``n``.

TensorBoard smooths the (at most) 1,000 points it sampled; here every point is smoothed.
The recursion is a first-order IIR filter, run by ``scipy.signal.lfilter`` on the finite
values, which gives the same floating-point operations as the loop, in C.

:func:`time_weighted_ema` is the variant for unevenly spaced x: the decay between two
points is ``w ** (dx / dx_ref)``, so a gap twice the reference spacing forgets twice as
much. On an even grid with ``dx_ref`` equal to the spacing it equals :func:`ema`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from paperscope.core.records import FloatArray

DEFAULT_WEIGHT = 0.6


def clamp_weight(weight: float) -> float:
    """TensorBoard's handling of the weight: non-finite → 0, then clamp to [0, 1]."""
    w = float(weight)
    if not math.isfinite(w):
        return 0.0
    return min(max(w, 0.0), 1.0)


def _is_constant(y: FloatArray) -> bool:
    # JS ``point.y == initialYVal`` for every point: NaN never equals anything, so a
    # series holding a NaN is never constant.
    return bool(y.size == 0 or np.all(y == y[0]))


def ema(values: npt.ArrayLike, weight: float = DEFAULT_WEIGHT) -> FloatArray:
    """TensorBoard's debiased exponential moving average of ``values`` (a new array)."""
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"ema expects a 1-D series, got shape {y.shape}")
    w = clamp_weight(weight)
    if _is_constant(y):
        return y.copy()
    finite = np.isfinite(y)
    all_finite = bool(finite.all())
    yf = y if all_finite else y[finite]
    n = yf.shape[0]
    if n == 0:
        return y.copy()
    if w == 1.0:
        smoothed_f = np.zeros(n)  # last stays 0 and the debias weight is 1
    elif w == 0.0:
        smoothed_f = yf.copy()
    else:
        from scipy.signal import lfilter

        smoothed_f = np.asarray(lfilter(np.array([1.0 - w]), np.array([1.0, -w]), yf))
        # Debias by 1 - w**k. Once w**k < 2**-54, 1 - w**k rounds to exactly 1.0, so
        # only the first k points need the (slow, elementwise) power and division.
        k = min(n, _debias_length(w))
        smoothed_f[:k] /= 1.0 - np.power(w, np.arange(1, k + 1, dtype=np.float64))
    if all_finite:
        return np.asarray(smoothed_f, dtype=np.float64)
    out = y.copy()
    out[finite] = smoothed_f
    return out


def _debias_length(w: float) -> int:
    """The number of leading points whose debias weight ``1 - w**k`` differs from 1."""
    return math.ceil(-54.0 * math.log(2.0) / math.log(w)) + 2


def reference_spacing(x: npt.ArrayLike, max_samples: int = 1_000_000) -> float:
    """The median positive spacing of ``x`` (non-finite x ignored); 1.0 when there is none.

    Series longer than ``max_samples`` use every k-th spacing, which keeps this fast on
    10M points and is exact for evenly spaced x.
    """
    xs = np.asarray(x, dtype=np.float64)
    if xs.size > max_samples:
        step = -(-xs.size // max_samples)
        dx = xs[step::step] - xs[step - 1 : -1 : step][: xs[step::step].size]
    else:
        dx = np.diff(xs)
    dx = dx[np.isfinite(dx) & (dx > 0)]
    return float(np.median(dx)) if dx.size else 1.0


def time_weighted_ema(
    x: npt.ArrayLike,
    values: npt.ArrayLike,
    weight: float = DEFAULT_WEIGHT,
    dx_ref: float | None = None,
) -> FloatArray:
    """Debiased EMA for uneven x: the decay between points is ``w ** (dx / dx_ref)``.

    ``s = a*s + y``, ``d = a*d + 1``, output ``s / d`` with ``a = w ** (dx / dx_ref)``;
    with constant spacing this is TensorBoard's debiased EMA. ``dx_ref`` defaults to
    the median spacing of ``x``; pass one value for all runs of a group so they are
    smoothed alike whatever their logging interval. Points whose value or x is not
    finite are passed through (and the gap across them decays as time passes);
    constant series are untouched, as in :func:`ema`. ``w == 1`` gives the running mean.
    """
    xs = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(values, dtype=np.float64)
    if xs.shape != y.shape or y.ndim != 1:
        raise ValueError(f"x and values must be 1-D of the same length, got {xs.shape}, {y.shape}")
    w = clamp_weight(weight)
    if w == 0.0 or _is_constant(y):
        return y.copy()
    ref = reference_spacing(xs) if dx_ref is None else float(dx_ref)
    if not (math.isfinite(ref) and ref > 0):
        raise ValueError(f"dx_ref must be a positive number, got {dx_ref!r}")
    return _time_weighted(xs, y, math.log(w) / ref)


def _time_weighted(x: FloatArray, y: FloatArray, rate: float) -> FloatArray:
    try:
        from numba import njit
    except ImportError:  # pragma: no cover - numba ships with umap-learn
        return _time_weighted_py(x, y, rate)
    global _time_weighted_jit
    if _time_weighted_jit is None:
        _time_weighted_jit = njit(cache=False, nogil=True)(_time_weighted_py)
    return np.asarray(_time_weighted_jit(x, y, rate), dtype=np.float64)


_time_weighted_jit: Any = None


def _time_weighted_py(x: FloatArray, y: FloatArray, rate: float) -> FloatArray:
    """The loop (compiled by numba when available): ``a = exp(rate * dx)``."""
    out = np.empty_like(y)
    s = 0.0
    d = 0.0
    x_prev = 0.0
    seen = False
    for i in range(y.shape[0]):
        xi = x[i]
        yi = y[i]
        if not (math.isfinite(xi) and math.isfinite(yi)):
            out[i] = yi
            continue
        a = 0.0
        if seen:
            dx = xi - x_prev
            a = math.exp(rate * dx) if dx > 0.0 else 1.0
        s = a * s + yi
        d = a * d + 1.0
        out[i] = s / d
        x_prev = xi
        seen = True
    return out
