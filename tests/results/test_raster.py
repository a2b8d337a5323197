"""The numba polyline rasteriser the plot panes paint many runs with
(paperscope.results.raster): every pixel it sets lies on a segment, every segment is
drawn without holes, gaps stay gaps, far-away points are clipped, alpha blends."""

from __future__ import annotations

import numpy as np
import pytest

from paperscope.results.raster import premultiplied, stroke_polylines

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
RED = premultiplied(255, 0, 0, 255)


def _set(img: np.ndarray) -> set[tuple[int, int]]:
    ys, xs = np.nonzero(img)
    return set(zip(xs.tolist(), ys.tolist(), strict=True))


def _distance_to_segment(px: float, py: float, a: np.ndarray, b: np.ndarray) -> float:
    d = b - a
    t = 0.0 if not d.any() else float(np.clip(np.dot([px, py] - a, d) / np.dot(d, d), 0, 1))
    return float(np.hypot(*(a + t * d - [px, py])))


def test_a_horizontal_line_sets_exactly_its_row() -> None:
    img = np.zeros((5, 10), np.uint32)
    n = stroke_polylines(img, [1.2, 8.7], [2.5, 2.5], IDENTITY, RED)
    assert _set(img) == {(x, 2) for x in range(1, 9)}
    assert n == 8 and img[2, 1] == 0xFFFF0000


def test_random_polylines_are_connected_and_stay_on_their_segments() -> None:
    rng = np.random.default_rng(7)
    for _ in range(40):
        pts = rng.uniform(-5, 45, size=(6, 2))
        img = np.zeros((40, 40), np.uint32)
        stroke_polylines(img, pts[:, 0], pts[:, 1], IDENTITY, RED)
        drawn = _set(img)
        # nothing set farther than a pixel's diagonal from the polyline (pixel centres)
        for x, y in drawn:
            d = min(_distance_to_segment(x + 0.5, y + 0.5, pts[i], pts[i + 1]) for i in range(5))
            assert d <= 1.5, (x, y, d)
        # every vertex inside the image is drawn, and each segment is 8-connected
        for px, py in pts:
            if 0 <= px < 40 and 0 <= py < 40:
                assert (int(np.floor(px)), int(np.floor(py))) in drawn
        for i in range(5):
            one = np.zeros((40, 40), np.uint32)
            stroke_polylines(one, pts[i : i + 2, 0], pts[i : i + 2, 1], IDENTITY, RED)
            cells = _set(one)
            if len(cells) > 1:
                for x, y in cells:
                    assert any((x + dx, y + dy) in cells for dx in (-1, 0, 1) for dy in (-1, 0, 1)
                               if (dx, dy) != (0, 0)), (x, y)  # fmt: skip


def test_nan_and_inf_break_the_line_and_a_lone_point_is_a_dot() -> None:
    img = np.zeros((10, 30), np.uint32)
    x = [1.5, 5.5, np.nan, 10.5, 14.5, np.inf, 20.5, np.nan, 25.5, 27.5]
    y = [1.5, 1.5, 1.5, 1.5, 1.5, 1.5, 7.5, np.nan, 4.5, 4.5]
    stroke_polylines(img, x, y, IDENTITY, RED)
    drawn = _set(img)
    assert {(c, 1) for c in range(1, 6)} <= drawn and {(c, 1) for c in range(10, 15)} <= drawn
    assert not any((c, 1) in drawn for c in range(6, 10))  # the NaN gap
    assert (20, 7) in drawn  # a finite point between two gaps
    assert {(c, 4) for c in range(25, 28)} <= drawn
    assert len(drawn) == 5 + 5 + 1 + 3


def test_points_far_outside_are_clipped_not_walked() -> None:
    img = np.zeros((20, 20), np.uint32)
    # a line through the image from a point a trillion pixels away: the visible part only
    n = stroke_polylines(img, [-1e12, 19.5], [10.5, 10.5], IDENTITY, RED)
    assert _set(img) == {(x, 10) for x in range(20)}
    assert n <= 22
    assert stroke_polylines(img, [-1e12, -1e11], [5.0, 5.0], IDENTITY, RED) == 0


def test_the_transform_maps_data_to_pixels() -> None:
    img = np.zeros((100, 200), np.uint32)
    # data x 0..10 -> 0..200 px, y 0..1 -> 100..0 px (y up)
    t = (20.0, 0.0, 0.0, -100.0, 0.0, 100.0)
    stroke_polylines(img, [0.0, 10.0], [0.505, 0.505], t, RED)
    assert _set(img) == {(x, 49) for x in range(200)}


def test_alpha_blends_over_what_is_there_and_joints_are_blended_once() -> None:
    img = np.full((3, 10), premultiplied(255, 255, 255, 255), np.uint32)
    faint = premultiplied(0, 0, 255, 70)
    stroke_polylines(img, [0.5, 4.5, 8.5], [1.5, 1.5, 1.5], IDENTITY, faint)
    row = img[1, :9]
    assert len(set(row.tolist())) == 1  # the joint at x = 4 not blended twice
    px = int(row[0])
    a, r, g, b = (px >> 24) & 255, (px >> 16) & 255, (px >> 8) & 255, px & 255
    assert a == 255 and b == 255 and r == g == round(255 * (255 - 70) / 255)
    assert img[0, 0] == premultiplied(255, 255, 255, 255)


def test_a_wide_pen_sets_squares() -> None:
    img = np.zeros((10, 10), np.uint32)
    stroke_polylines(img, [5.5], [5.5], IDENTITY, RED, width=3)
    assert _set(img) == {(x, y) for x in range(4, 7) for y in range(4, 7)}


def test_bad_arrays_are_refused() -> None:
    img = np.zeros((4, 4), np.uint32)
    with pytest.raises(ValueError, match="shape"):
        stroke_polylines(img, [1.0, 2.0], [1.0], IDENTITY, RED)
    with pytest.raises(ValueError, match="uint32"):
        stroke_polylines(np.zeros((4, 4)), [1.0], [1.0], IDENTITY, RED)


def test_a_faint_polyline_blends_each_pixel_once_even_where_it_crosses_itself() -> None:
    white = premultiplied(255, 255, 255, 255)
    faint = premultiplied(0, 0, 255, 70)
    img = np.full((12, 12), white, np.uint32)
    # one polyline: along row 2 and back over it, then an X across it
    x = [1.5, 10.5, 1.5, 1.5, 10.5, 1.5, 10.5]
    y = [2.5, 2.5, 2.5, 1.5, 10.5, 10.5, 1.5]
    stroke_polylines(img, x, y, IDENTITY, faint)
    once = np.full((1, 1), white, np.uint32)
    stroke_polylines(once, [0.5], [0.5], IDENTITY, faint)
    drawn = img[img != white]
    assert drawn.size > 15 and set(drawn.tolist()) == {int(once[0, 0])}
