"""The map's level of detail (``raster.PointGrid``) on a million synthetic points, and
once on ten million: hover finds the nearest point and box/lasso select exactly the
points inside, each checked against a brute-force search written out here; the density
tiles hold every point. Seeded points, so the verdict is the same on any machine (the
timings are in ``tests/benchmarks/bench_map_10m.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from paperscope.mapping.raster import PointGrid, draw_order, grid_cells, select_lasso

N = 1_000_000


def clustered(n: int, seed: int = 0) -> np.ndarray:
    """A map-like float32 layout: 40 Gaussian clusters of uneven size and spread."""
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, size=(40, 2))
    which = rng.choice(40, size=n, p=rng.dirichlet(np.ones(40) * 0.7))
    spread = rng.uniform(0.2, 2.0, size=40)[which, None]
    return (centres[which] + rng.normal(size=(n, 2)) * spread).astype(np.float32)


@pytest.fixture(scope="module")
def points() -> tuple[np.ndarray, PointGrid]:
    xy = clustered(N)
    return xy, PointGrid(xy, draw_order(N))


def _inside_polygon(xy: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """Even-odd ray casting, independent of matplotlib."""
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    inside = np.zeros(len(xy), dtype=bool)
    j = len(poly) - 1
    for i in range(len(poly)):
        (xi, yi), (xj, yj) = poly[i], poly[j]
        crosses = (yi > y) != (yj > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = (xj - xi) * (y - yi) / (yj - yi) + xi
        inside ^= crosses & (x < at)
        j = i
    return inside


def test_grid_holds_every_row_once(points: tuple[np.ndarray, PointGrid]) -> None:
    _, grid = points
    assert grid.cells == grid_cells(N) and len(grid) == N
    assert np.array_equal(np.sort(grid.rows), np.arange(N))
    assert grid.xy.dtype == np.float32  # the layout stays float32
    assert all(level.sum() == N for level in grid.levels)


def test_hover_finds_the_nearest_point(points: tuple[np.ndarray, PointGrid]) -> None:
    xy, grid = points
    rng = np.random.default_rng(1)
    x64 = xy.astype(np.float64)
    # in dense clusters, in sparse gaps and outside the map
    queries = np.vstack([x64[rng.integers(0, N, 10)] + rng.normal(scale=0.05, size=(10, 2)),
                         rng.uniform(-30, 30, size=(12, 2)), [[100.0, -100.0]]])  # fmt: skip
    for qx, qy in queries:
        d = np.hypot(x64[:, 0] - qx, x64[:, 1] - qy)
        row = grid.nearest(qx, qy)
        assert row >= 0 and d[row] == d.min()
        radius = float(np.sort(d)[0]) * 0.999  # just short of the nearest: nothing
        assert grid.nearest(qx, qy, max_distance=radius) == -1
        assert grid.nearest(qx, qy, max_distance=float(d.min())) == row


def test_box_and_lasso_select_exactly_the_inside(points: tuple[np.ndarray, PointGrid]) -> None:
    xy, grid = points
    rng = np.random.default_rng(2)
    for _ in range(3):
        cx, cy = rng.uniform(-15, 15, size=2)
        t = np.linspace(0, 2 * np.pi, 60, endpoint=False)
        r = rng.uniform(2, 8) * (1 + 0.4 * np.sin(rng.integers(2, 7) * t))  # star-shaped
        poly = np.c_[cx + r * np.cos(t), cy + 0.7 * r * np.sin(t)]
        want = np.flatnonzero(_inside_polygon(xy, poly))
        got = grid.select_lasso(poly)
        assert want.size > 1000 and np.array_equal(got, want)
        assert np.array_equal(got, select_lasso(xy, poly))  # the same as without the grid
        x0, x1 = sorted(rng.uniform(-20, 20, size=2))
        y0, y1 = sorted(rng.uniform(-20, 20, size=2))
        box = np.flatnonzero((xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0)
                             & (xy[:, 1] <= y1))  # fmt: skip
        assert np.array_equal(grid.select_box(x1, x0, y1, y0), box)
    assert grid.select_lasso([(0, 0), (1, 1)]).size == 0  # not a polygon


def test_density_tiles_count_the_points_they_cover(points: tuple[np.ndarray, PointGrid]) -> None:
    xy, grid = points
    whole = (-25.0, 25.0, -20.0, 20.0)
    tile = grid.density_tile(whole, (800, 1000))
    assert tile is not None
    counts, (x0, x1, y0, y1) = tile
    cell_px = (x1 - x0) / counts.shape[1] * 1000 / 50
    assert 1.0 <= cell_px <= 2.0  # cells of about a pixel: nothing lost, nothing blurred
    inside = (xy[:, 0] >= x0) & (xy[:, 0] < x1) & (xy[:, 1] >= y0) & (xy[:, 1] < y1)
    assert counts.sum() == inside.sum()
    # the top row of the image is the top of the rectangle
    top = (xy[:, 1] >= y1 - (y1 - y0) / counts.shape[0]) & inside
    assert counts[0].sum() == top.sum()
    assert grid.density_tile((0.0, 0.5, 0.0, 0.4), (800, 1000)) is None  # zoomed in


def test_non_finite_rows_are_never_found() -> None:
    xy = clustered(5_000, seed=3)
    xy[::7] = np.nan
    grid = PointGrid(xy, draw_order(5_000))
    assert len(grid) == 5_000 - len(range(0, 5_000, 7))
    for qx, qy in np.random.default_rng(4).uniform(-20, 20, size=(30, 2)):
        d = np.hypot(xy[:, 0] - qx, xy[:, 1] - qy)
        assert grid.nearest(qx, qy) == int(np.nanargmin(d))
    assert len(PointGrid(np.zeros((0, 2), np.float32))) == 0
    assert PointGrid(np.zeros((0, 2), np.float32)).nearest(0.0, 0.0) == -1


@pytest.mark.slow
def test_ten_million_points_hover_box_and_lasso_exact() -> None:
    """Issue #17 at its size: ten million points prepared as the map view prepares them
    (``prepare_points``: float32 kept, every row once, the tiles count them all); hover
    finds the nearest point, a box and a lasso select exactly the points inside, each
    against the brute-force search above."""
    from paperscope.mapping.raster import prepare_points

    n = 10_000_000
    xy = clustered(n, seed=5)
    points = prepare_points(np.arange(1, n + 1), xy)
    grid = points.grid
    assert points.coords.dtype == np.float32 and grid.xy.dtype == np.float32
    assert grid.cells == 2048 and len(grid) == n
    assert all(level.sum() == n for level in grid.levels)
    assert np.array_equal(np.bincount(grid.rows, minlength=n), np.ones(n))
    rng = np.random.default_rng(6)
    x, y = xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64)
    queries = np.vstack([np.c_[x[rng.integers(0, n, 4)], y[rng.integers(0, n, 4)]]
                         + rng.normal(scale=0.01, size=(4, 2)),
                         rng.uniform(-30, 30, size=(3, 2))])  # fmt: skip
    for qx, qy in queries:
        d = np.hypot(x - qx, y - qy)
        row = grid.nearest(qx, qy)
        assert row >= 0 and d[row] == d.min()
    del d
    t = np.linspace(0, 2 * np.pi, 40, endpoint=False)
    r = 7 * (1 + 0.4 * np.sin(5 * t))
    poly = np.c_[r * np.cos(t) + 2, 0.7 * r * np.sin(t) - 1]
    want = np.flatnonzero(_inside_polygon(xy, poly))
    got = grid.select_lasso(poly)
    assert want.size > 100_000 and np.array_equal(got, want)
    x0, x1, y0, y1 = -3.0, 9.5, -12.0, 4.0
    box = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
    assert box.size > 100_000 and np.array_equal(grid.select_box(x0, x1, y0, y1), box)
