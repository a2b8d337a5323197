"""Min/max per pixel column for long curves, from a precomputed pyramid.

pyqtgraph's peak downsampling reduces every visible point on each frame (O(n) per curve
per frame: ~30 ms for 1M points). Here each curve keeps a pyramid of (min, max) over
blocks of 2, 4, 8, … points, built once (O(n)); a frame picks the level whose blocks
are about a pixel wide and slices the visible blocks (O(pixels)). Each block is drawn
as a vertical stroke from its max to its min at the block's first x, which is what a
peak-decimated line looks like: no spike is lost at any zoom. NaN values are skipped
(``fmin``/``fmax``); a block of only NaN stays NaN (a gap).

:func:`band_envelope` does the same for a band (its filled polygon is the costly part).
"""

from __future__ import annotations

import math

import numpy as np

from paperscope.core.records import FloatArray


class Pyramid:
    """Levels ``k = 0, 1, …``: level 0 is the data; level ``k`` holds ``x`` (first x of
    each block of ``2**k`` points), ``lo`` and ``hi`` (min and max of the block)."""

    def __init__(self, x: FloatArray, y: FloatArray, min_points: int = 256) -> None:
        self.x = [np.ascontiguousarray(x, dtype=np.float64)]
        self.lo = [np.ascontiguousarray(y, dtype=np.float64)]
        self.hi = [self.lo[0]]
        while self.x[-1].shape[0] > min_points:
            x1, lo1, hi1 = self.x[-1], self.lo[-1], self.hi[-1]
            if x1.shape[0] % 2:  # pad an odd tail with its last point
                x1 = np.append(x1, x1[-1])
                lo1 = np.append(lo1, lo1[-1])
                hi1 = np.append(hi1, hi1[-1])
            self.x.append(x1[0::2].copy())
            self.lo.append(np.fmin(lo1[0::2], lo1[1::2]))
            self.hi.append(np.fmax(hi1[0::2], hi1[1::2]))

    def __len__(self) -> int:
        return int(self.x[0].shape[0])

    def view(self, x0: float, x1: float, pixels: int) -> tuple[FloatArray, FloatArray]:
        """The points to draw for the x range ``[x0, x1]`` on ``pixels`` columns: the
        raw points when they are few, else min/max pairs of blocks about one pixel
        wide (one block beyond each edge so the line reaches the border)."""
        xs = self.x[0]
        i0 = int(np.searchsorted(xs, x0, side="left"))
        i1 = int(np.searchsorted(xs, x1, side="right"))
        visible = max(i1 - i0, 1)
        pixels = max(int(pixels), 1)
        if visible <= 2 * pixels:
            a, b = max(i0 - 1, 0), min(i1 + 1, len(self))
            return xs[a:b], self.lo[0][a:b]
        level = min(math.ceil(math.log2(visible / pixels)), len(self.x) - 1)
        block = 1 << level
        a = max(i0 // block - 1, 0)
        b = min(i1 // block + 2, self.x[level].shape[0])
        n = b - a
        x = np.repeat(self.x[level][a:b], 2)
        y = np.empty(2 * n)
        y[0::2] = self.hi[level][a:b]
        y[1::2] = self.lo[level][a:b]
        if b == self.x[level].shape[0]:  # end on the true last point
            x = np.append(x, xs[-1])
            y = np.append(y, self.lo[0][-1])
        return x, y


class Merged:
    """Several curves drawn as one item (one pen): their views joined by NaN gaps, to
    be drawn with ``connect="finite"``. Hundreds of runs in a handful of items cost far
    less per frame than one item each."""

    def __init__(self, pyramids: list[Pyramid]) -> None:
        self.pyramids = pyramids
        self.longest = max((len(p) for p in pyramids), default=0)
        self.points = sum(len(p) for p in pyramids)
        self._full: tuple[FloatArray, FloatArray] | None = None

    def full(self) -> tuple[FloatArray, FloatArray]:
        """Every curve's raw points, joined by NaN gaps (made once): what
        :meth:`view` gives for any range once no curve is longer than twice the
        pixels, less the clipping a drawing does itself."""
        if self._full is None:
            self._full = _joined([(p.x[0], p.lo[0]) for p in self.pyramids])
        return self._full

    def view(self, x0: float, x1: float, pixels: int) -> tuple[FloatArray, FloatArray]:
        return _joined([p.view(x0, x1, pixels) for p in self.pyramids])


def _joined(parts: list[tuple[FloatArray, FloatArray]]) -> tuple[FloatArray, FloatArray]:
    """The non-empty ``(x, y)`` parts as one curve, a NaN between each two."""
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    gap = np.array([np.nan])
    for x, y in parts:
        if x.size:
            if xs:
                xs.append(gap)
                ys.append(gap)
            xs.append(x)
            ys.append(y)
    if not xs:
        return np.empty(0), np.empty(0)
    return np.concatenate(xs), np.concatenate(ys)


BAND_BLOCKS = 4096  # a long band is drawn as the envelope of this many blocks


def band_envelope(
    x: FloatArray, lower: FloatArray, upper: FloatArray, blocks: int = BAND_BLOCKS
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """A band of ``n`` points as ``blocks`` blocks: each block's first x, the min of its
    lower and the max of its upper edge (NaN skipped), then the true last point. The
    filled polygon of a million-point band costs ~10 s to build in Qt; the envelope
    hides nothing (every value lies inside it) and costs milliseconds."""
    n = len(x)
    if n <= 2 * blocks:
        return x, lower, upper
    step = -(-n // blocks)
    starts = np.arange(0, n, step)
    with np.errstate(all="ignore"):
        lo = np.fmin.reduceat(np.asarray(lower, dtype=np.float64), starts)
        hi = np.fmax.reduceat(np.asarray(upper, dtype=np.float64), starts)
    return (np.append(x[starts], x[-1]), np.append(lo, lower[-1]), np.append(hi, upper[-1]))
