"""Polylines rasterised by numba into an ARGB32 image: what the plot panes draw when a
thousand runs are overlaid.

Qt's raster engine strokes a path of a million one-pixel segments in 31 ms on 2 cores,
and building that path from arrays (pyqtgraph's ``arrayToQPath``) costs 15 ms more, every
frame of a pan or zoom. :func:`stroke_polylines` draws the same lines as Qt's cosmetic,
non-antialiased pen (one pixel, or a square of ``width`` pixels on a high-DPI screen) in
a few milliseconds: each segment is clipped to the image (Liang-Barsky) and walked one
pixel along its longer axis, as a DDA; NaN or infinite points break the line (pyqtgraph's
``connect="finite"``) and a finite point between two gaps is drawn as a dot. A colour
with alpha is blended over what is there (source-over, premultiplied), every pixel of a
polyline once, even where it crosses itself (as Qt blends one stroked path).

This module imports numba: import it lazily. The kernel is cached by numba on disk.
"""

from __future__ import annotations

import numba  # noqa: TID253 - this module is only imported lazily
import numpy as np
import numpy.typing as npt

U32 = npt.NDArray[np.uint32]


def premultiplied(r: int, g: int, b: int, a: int) -> int:
    """An ARGB32-premultiplied pixel (``QImage.Format_ARGB32_Premultiplied``)."""

    def pm(c: int) -> int:
        return (c * a + 127) // 255

    return (a << 24) | (pm(r) << 16) | (pm(g) << 8) | pm(b)


@numba.njit(cache=True, nogil=True, inline="always")
def _blend(d: int, colour: int, inv: int) -> int:
    """Source-over of a premultiplied ``colour`` on ``d``: ``colour + d * inv / 255``
    per channel, two channels at a time (Qt's ``BYTE_MUL``, rounded)."""
    rb = (d & 0xFF00FF) * inv
    ag = ((d >> 8) & 0xFF00FF) * inv
    rb = ((rb + ((rb >> 8) & 0xFF00FF) + 0x800080) >> 8) & 0xFF00FF
    ag = ((ag + ((ag >> 8) & 0xFF00FF) + 0x800080) >> 8) & 0xFF00FF
    return colour + (rb | (ag << 8))


@numba.njit(cache=True, nogil=True, inline="always")
def _plot(img: U32, px: int, py: int, colour: int, half: int, size: int) -> None:
    """A ``size`` × ``size`` square of ``colour`` around ``(px, py)``, clipped."""
    h, w = img.shape
    y0 = py - half
    x0 = px - half
    for yy in range(max(y0, 0), min(y0 + size, h)):
        for xx in range(max(x0, 0), min(x0 + size, w)):
            img[yy, xx] = colour


@numba.njit(cache=True, nogil=True, inline="always")
def _edge(p: float, q: float, t0: float, t1: float) -> tuple[bool, float, float]:
    if p == 0.0:
        return q >= 0.0, t0, t1
    r = q / p
    if p < 0.0:
        return r <= t1, max(t0, r), t1
    return r >= t0, t0, min(t1, r)


@numba.njit(cache=True, nogil=True)
def _clip(
    x0: float, y0: float, x1: float, y1: float, lo_x: float, lo_y: float, hi_x: float, hi_y: float
) -> tuple[bool, float, float, float, float]:
    """Liang-Barsky: the part of the segment inside the box (``False``: none)."""
    if lo_x <= x0 <= hi_x and lo_x <= x1 <= hi_x and lo_y <= y0 <= hi_y and lo_y <= y1 <= hi_y:
        return True, x0, y0, x1, y1
    dx = x1 - x0
    dy = y1 - y0
    ok, t0, t1 = _edge(-dx, x0 - lo_x, 0.0, 1.0)
    if ok:
        ok, t0, t1 = _edge(dx, hi_x - x0, t0, t1)
    if ok:
        ok, t0, t1 = _edge(-dy, y0 - lo_y, t0, t1)
    if ok:
        ok, t0, t1 = _edge(dy, hi_y - y0, t0, t1)
    if not ok or t0 > t1:
        return False, 0.0, 0.0, 0.0, 0.0
    return True, x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy


@numba.njit(cache=True, nogil=True)
def _stroke(
    img: U32,
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    m: npt.NDArray[np.float64],
    colour: int,
    size: int,
) -> int:
    h, w = img.shape
    fast = size == 1
    half = (size - 1) // 2
    margin = float(size)
    lo_x, lo_y = -margin, -margin
    hi_x, hi_y = w - 1 + margin, h - 1 + margin
    n = x.shape[0]
    drawn = 0
    # the last pixel put down (a joint is not drawn twice), and whether the previous
    # point was finite (the line goes on from it)
    last_x, last_y = -(1 << 40), -(1 << 40)
    prev_ok = False
    px0 = 0.0
    py0 = 0.0
    for i in range(n):
        px1 = m[0] * x[i] + m[2] * y[i] + m[4]
        py1 = m[1] * x[i] + m[3] * y[i] + m[5]
        if not (np.isfinite(px1) and np.isfinite(py1)):
            prev_ok = False
            continue
        if not prev_ok:
            next_ok = i + 1 < n and np.isfinite(x[i + 1]) and np.isfinite(y[i + 1])
            if not next_ok and lo_x <= px1 <= hi_x and lo_y <= py1 <= hi_y:
                # a point between two gaps: a dot
                last_x = int(np.floor(px1))
                last_y = int(np.floor(py1))
                _plot(img, last_x, last_y, colour, half, size)
                drawn += 1
            px0, py0 = px1, py1
            prev_ok = True
            continue
        ax, ay, bx, by = px0, py0, px1, py1
        px0, py0 = px1, py1
        if not (
            lo_x <= ax <= hi_x and lo_x <= bx <= hi_x and lo_y <= ay <= hi_y and lo_y <= by <= hi_y
        ):
            inside, ax, ay, bx, by = _clip(ax, ay, bx, by, lo_x, lo_y, hi_x, hi_y)
            if not inside:
                continue
        # Bresenham from (ix, iy) to (ix1, iy1)
        ix = int(np.floor(ax))
        iy = int(np.floor(ay))
        ix1 = int(np.floor(bx))
        iy1 = int(np.floor(by))
        dx = abs(ix1 - ix)
        dy = -abs(iy1 - iy)
        if dx <= 1 and dy >= -1:  # the usual case: the next pixel or the same
            if not (ix == last_x and iy == last_y):
                if not fast:
                    _plot(img, ix, iy, colour, half, size)
                elif 0 <= ix < w and 0 <= iy < h:
                    img[iy, ix] = colour
                drawn += 1
            if ix1 != ix or iy1 != iy:
                if not fast:
                    _plot(img, ix1, iy1, colour, half, size)
                elif 0 <= ix1 < w and 0 <= iy1 < h:
                    img[iy1, ix1] = colour
                drawn += 1
            last_x, last_y = ix1, iy1
            continue
        sx = 1 if ix < ix1 else -1
        sy = 1 if iy < iy1 else -1
        err = dx + dy
        skip = ix == last_x and iy == last_y
        while True:
            if skip:
                skip = False
            elif fast:  # one pixel, written here (a call per pixel costs 2x)
                if 0 <= ix < w and 0 <= iy < h:
                    img[iy, ix] = colour
                drawn += 1
            else:
                _plot(img, ix, iy, colour, half, size)
                drawn += 1
            if ix == ix1 and iy == iy1:
                break
            e2 = 2 * err
            if e2 >= dy:
                err += dy
                ix += sx
            if e2 <= dx:
                err += dx
                iy += sy
        last_x, last_y = ix1, iy1
    return drawn


def stroke_polylines(
    image: U32,
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    transform: tuple[float, float, float, float, float, float],
    colour: int,
    width: int = 1,
) -> int:
    """Draw the polyline ``(x, y)`` (NaN-separated parts) into ``image`` (``h × w``
    ARGB32-premultiplied pixels, changed in place) through the affine ``transform``
    ``(m11, m12, m21, m22, dx, dy)`` (Qt's order: ``x' = m11 x + m21 y + dx``,
    ``y' = m12 x + m22 y + dy``, in pixels) with ``colour`` (:func:`premultiplied`)
    ``width`` pixels wide. Returns how many pixels (or squares) it put down."""
    xs = np.ascontiguousarray(x, dtype=np.float64)
    ys = np.ascontiguousarray(y, dtype=np.float64)
    if xs.shape != ys.shape or xs.ndim != 1:
        raise ValueError(f"x and y differ in shape: {xs.shape} and {ys.shape}")
    if image.dtype != np.uint32 or image.ndim != 2:
        raise ValueError("the image must be a 2-D uint32 array")
    m = np.asarray(transform, dtype=np.float64)
    size = max(int(width), 1)
    if (int(colour) >> 24) & 0xFF == 0xFF:
        return int(_stroke(image, xs, ys, m, int(colour), size))
    # a colour with alpha: the polyline's pixels marked first (opaque, the fast path),
    # then each blended once, as Qt blends one stroked path (even where it crosses itself)
    mask = np.zeros(image.shape, dtype=np.uint32)
    drawn = int(_stroke(mask, xs, ys, m, 0xFFFFFFFF, size))
    _composite(image, mask, int(colour))
    return drawn


@numba.njit(cache=True, nogil=True)
def _composite(img: U32, mask: U32, colour: int) -> None:
    h, w = img.shape
    inv = 255 - ((colour >> 24) & 0xFF)
    for yy in range(h):
        for xx in range(w):
            if mask[yy, xx]:
                img[yy, xx] = _blend(int(img[yy, xx]), colour, inv)


def warm_up() -> None:
    """Load (or compile) the kernel for the types the panes pass it, on a worker."""
    image = np.zeros((2, 2), dtype=np.uint32)
    stroke_polylines(image, [0.0, 1.0], [0.0, 1.0], (1.0, 0.0, 0.0, 1.0, 0.0, 0.0), 0xFF000000)
