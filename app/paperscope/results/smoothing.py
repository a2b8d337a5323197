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

:func:`moving_average` (centred or trailing, TensorBoard #5680), :func:`gaussian` and
``none`` complete the set; :func:`smoothed` applies any of them by name (``SMOOTHERS``)
and :func:`formula` writes each as the formula an export's metadata carries.
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


# --- the other smoothers: moving averages, a Gaussian kernel, none ------------------------
#
# All of them treat non-finite values as the EMA does: such a point is passed through
# unchanged and left out of every other point's average (the smoother runs on the finite
# values in order, and the result is put back in their places). Windows count points,
# not x units, and shrink at the ends of a series (the mean of the points there are).


def _on_finite(y: FloatArray, f: Any) -> FloatArray:
    finite = np.isfinite(y)
    if finite.all():
        return np.asarray(f(y), dtype=np.float64)
    out = y.copy()
    if finite.any():
        out[finite] = f(y[finite])
    return out


def _check_1d(values: npt.ArrayLike) -> FloatArray:
    y = np.asarray(values, dtype=np.float64)
    if y.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {y.shape}")
    return y


def moving_average(values: npt.ArrayLike, window: int, centred: bool = True) -> FloatArray:
    """The mean over a window of ``window`` points: centred (``i − ⌊(k−1)/2⌋ … i + ⌊k/2⌋``)
    or trailing (``i − k + 1 … i``, what a live curve can show)."""
    y = _check_1d(values)
    k = int(window)
    if k < 1 or k != window:
        raise ValueError(f"the window is a whole number of points ≥ 1, got {window!r}")

    def run(v: FloatArray) -> FloatArray:
        n = v.shape[0]
        csum = np.concatenate(([0.0], np.cumsum(v)))
        i = np.arange(n)
        lo = np.maximum(i - (k - 1) // 2, 0) if centred else np.maximum(i - k + 1, 0)
        hi = np.minimum(i + k // 2, n - 1) if centred else i
        return np.asarray((csum[hi + 1] - csum[lo]) / (hi - lo + 1), dtype=np.float64)

    return _on_finite(y, run)


GAUSS_TRUNCATE = 4.0  # the kernel reaches ⌈4σ⌉ points to each side (as scipy's default)


def gaussian(values: npt.ArrayLike, sigma: float) -> FloatArray:
    """A Gaussian kernel over point indices: ``Σ g·y / Σ g`` with ``g = exp(−d²/2σ²)``
    for ``|d| ≤ ⌈4σ⌉``; the weights are renormalised where the series ends."""
    y = _check_1d(values)
    s = float(sigma)
    if not (math.isfinite(s) and s > 0):
        raise ValueError(f"sigma must be a positive number of points, got {sigma!r}")
    r = max(1, math.ceil(GAUSS_TRUNCATE * s))
    d = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (d / s) ** 2)

    def run(v: FloatArray) -> FloatArray:
        n = v.shape[0]
        if g.shape[0] > 64 and n > 64:
            from scipy.signal import fftconvolve

            num = fftconvolve(v, g)[r : r + n]
            den = fftconvolve(np.ones(n), g)[r : r + n]
        else:
            num = np.convolve(v, g)[r : r + n]
            den = np.convolve(np.ones(n), g)[r : r + n]
        return np.asarray(num / den, dtype=np.float64)

    return _on_finite(y, run)


SMOOTHERS: dict[str, float] = {
    "ema": DEFAULT_WEIGHT, "time": DEFAULT_WEIGHT, "centred": 5, "trailing": 5,
    "gaussian": 2.0, "none": 0.0,
}  # fmt: skip
"""Every smoother by name, with its default parameter (a weight, a window in points, or
the Gaussian's sigma in points)."""


def check_smoother(mode: str, param: float) -> None:
    """``ValueError`` saying why ``param`` does not suit ``mode``."""
    if mode not in SMOOTHERS:
        raise ValueError(f"unknown smoother {mode!r} (one of {', '.join(SMOOTHERS)})")
    p = float(param)
    if mode in ("ema", "time") and not 0 <= p <= 1:
        raise ValueError(f"the {mode} weight is in [0, 1], got {param:g}")
    if mode in ("centred", "trailing") and not (p >= 1 and p.is_integer()):
        raise ValueError(f"the {mode} window is a whole number of points ≥ 1, got {param:g}")
    if mode == "gaussian" and not (math.isfinite(p) and p > 0):
        raise ValueError(f"the gaussian sigma is a positive number of points, got {param:g}")


def parse_smoother(text: str) -> tuple[str, float]:
    """``"gaussian:2"`` → ``("gaussian", 2.0)``; ``"trailing"`` → its default window."""
    mode, _, arg = text.strip().partition(":")
    mode = {"centered": "centred", "ma": "centred"}.get(mode.lower(), mode.lower())
    if mode not in SMOOTHERS:
        raise ValueError(f"unknown smoother {mode!r} (one of {', '.join(SMOOTHERS)})")
    try:
        param = float(arg) if arg.strip() else SMOOTHERS[mode]
    except ValueError:
        raise ValueError(f"{text!r}: the parameter after ':' is a number") from None
    check_smoother(mode, param)
    return mode, param


def smoothed(
    mode: str,
    param: float,
    x: npt.ArrayLike,
    values: npt.ArrayLike,
    dx_ref: float | None = None,
) -> FloatArray:
    """``values`` (ordered by ``x``) smoothed by the smoother ``mode`` with ``param``. The
    EMA weights are clamped as TensorBoard does (:func:`clamp_weight`); the other
    parameters are checked (``ValueError``)."""
    if mode not in ("ema", "time"):
        check_smoother(mode, param)
    if mode == "ema":
        return ema(values, param)
    if mode == "time":
        return time_weighted_ema(x, values, param, dx_ref)
    if mode in ("centred", "trailing"):
        return moving_average(values, int(param), centred=mode == "centred")
    if mode == "gaussian":
        return gaussian(values, param)
    return _check_1d(values).copy()


def is_identity(mode: str, param: float) -> bool:
    """Whether the smoother leaves every value as it is (none, or an EMA of weight 0)."""
    return mode == "none" or (mode in ("ema", "time") and clamp_weight(param) == 0.0)


_NON_FINITE = ", NaN/inf points are passed through and left out of the others"


def formula(mode: str, param: float) -> str:
    """The smoother as a formula, for an export's metadata."""
    if mode in ("ema", "time"):
        param = clamp_weight(param)
    check_smoother(mode, param)
    p = float(param)
    if is_identity(mode, p):
        return "none: y'_i = y_i"
    if mode == "ema":
        return (
            f"TensorBoard's debiased EMA, w = {p:g}: s_t = w*s_(t-1) + (1-w)*y_t, s_0 = 0, "
            f"y'_t = s_t / (1 - w^t), t counting finite points, constant series untouched"
            + _NON_FINITE
        )
    if mode == "time":
        return (
            f"time-weighted debiased EMA, w = {p:g}: a_i = w^((x_i - x_(i-1))/dx_ref), "
            "s_i = a_i*s_(i-1) + y_i, d_i = a_i*d_(i-1) + 1, y'_i = s_i / d_i, "
            "dx_ref = the median x spacing" + _NON_FINITE
        )
    if mode == "centred":
        k = int(p)
        return (
            f"centred moving average, k = {k} points: y'_i = mean(y_j, "
            f"i - {(k - 1) // 2} <= j <= i + {k // 2}), fewer points at the ends" + _NON_FINITE
        )
    if mode == "trailing":
        k = int(p)
        return (
            f"trailing moving average, k = {k} points: y'_i = mean(y_j, i - {k - 1} <= j <= i), "
            "fewer points at the start" + _NON_FINITE
        )
    r = max(1, math.ceil(GAUSS_TRUNCATE * p))
    return (
        f"Gaussian kernel, sigma = {p:g} points: y'_i = sum_j g_ij*y_j / sum_j g_ij, "
        f"g_ij = exp(-(i-j)^2 / (2*sigma^2)), |i-j| <= {r}, renormalised at the ends" + _NON_FINITE
    )
