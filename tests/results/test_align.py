"""Curves, groups and group bands on the real runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paperscope.core.records import Run, Series
from paperscope.results.align import (
    CurveError,
    aggregate_group,
    align,
    band_description,
    column_stats,
    common_grid,
    group_by_config,
    group_by_regex,
    group_explicit,
    make_curve,
    series_x,
)
from paperscope.results.smoothing import ema

TAG = "strict/foo"


def raw_matrix(runs: list[Run], tag: str = TAG) -> np.ndarray:
    return np.vstack([r.series[tag].values for r in runs])


def test_reducer_group_mean_band_equals_numpy(reducer_runs: list[Run]) -> None:
    (group,) = group_by_regex(reducer_runs, r"^(run)_\d+$")
    assert group.label == "run" and len(group.run_ids) == 3
    curves = [make_curve(r, TAG, smoothing=0.0) for r in reducer_runs]
    raw = raw_matrix(reducer_runs)
    steps = reducer_runs[0].series[TAG].steps
    assert steps.tolist() == list(range(0, 500, 5))

    g = aggregate_group(group.label, curves, "mean", "std")
    np.testing.assert_array_equal(g.x, steps)
    assert g.n.tolist() == [3] * 100
    mean, std = np.mean(raw, axis=0), np.std(raw, axis=0, ddof=1)
    np.testing.assert_allclose(g.center, mean, rtol=1e-14)
    np.testing.assert_allclose(g.lower, mean - std, rtol=1e-13)
    np.testing.assert_allclose(g.upper, mean + std, rtol=1e-13)
    np.testing.assert_allclose(g.raw_center, mean, rtol=1e-14)
    # the runs are rand() + run index: their means differ by about 1
    assert np.mean(raw[1]) - np.mean(raw[0]) == pytest.approx(1.0, abs=0.15)
    assert np.mean(g.center) == pytest.approx(np.mean(raw[1]), abs=0.1)

    sem = aggregate_group("g", curves, "mean", "sem")
    np.testing.assert_allclose(sem.upper - sem.center, std / np.sqrt(3), rtol=1e-12)
    mm = aggregate_group("g", curves, "median", "minmax")
    np.testing.assert_array_equal(mm.center, np.median(raw, axis=0))
    np.testing.assert_array_equal(mm.lower, raw.min(axis=0))
    np.testing.assert_array_equal(mm.upper, raw.max(axis=0))


def test_reducer_group_with_smoothing_is_mean_of_smoothed(reducer_runs: list[Run]) -> None:
    curves = [make_curve(r, TAG, smoothing=0.6) for r in reducer_runs]
    g = aggregate_group("g", curves)
    smoothed = np.vstack([ema(r.series[TAG].values, 0.6) for r in reducer_runs])
    np.testing.assert_allclose(g.center, smoothed.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(g.raw_center, raw_matrix(reducer_runs).mean(axis=0), rtol=1e-14)


def test_bootstrap_ci_of_three_runs(reducer_runs: list[Run]) -> None:
    """With 3 runs, the all-same-run resample has probability 1/27 > 2.5%, so the 95%
    percentile CI of the mean is the min and max of the runs; of the median too."""
    curves = [make_curve(r, TAG, smoothing=0.0) for r in reducer_runs]
    raw = raw_matrix(reducer_runs)
    for center in ("mean", "median"):
        g = aggregate_group("g", curves, center, "ci95", reps=4000, seed=1)  # type: ignore[arg-type]
        np.testing.assert_allclose(g.lower, raw.min(axis=0), rtol=1e-12)
        np.testing.assert_allclose(g.upper, raw.max(axis=0), rtol=1e-12)
    # with few resamples the CI is inside the range, and a seed repeats it exactly
    a = aggregate_group("g", curves, "mean", "ci95", reps=30, seed=5)
    b = aggregate_group("g", curves, "mean", "ci95", reps=30, seed=5)
    np.testing.assert_array_equal(a.lower, b.lower)
    assert np.all(a.lower >= raw.min(axis=0) - 1e-12) and np.all(a.upper <= raw.max(axis=0) + 1e-12)
    c = aggregate_group("g", curves, "mean", "ci95", reps=30, seed=6)
    assert not (np.array_equal(a.lower, c.lower) and np.array_equal(a.upper, c.upper))


def test_bootstrap_ci_narrows_with_more_runs() -> None:
    """Many runs: the bootstrap CI of the mean approaches ±1.96·SEM."""
    rng = np.random.default_rng(3)
    data = rng.normal(size=(200, 5))
    st_ = column_stats(data, "mean", "ci95", reps=4000, seed=2)
    sem = data.std(axis=0, ddof=1) / np.sqrt(200)
    np.testing.assert_allclose(st_.upper - st_.lower, 2 * 1.96 * sem, rtol=0.1)
    a = column_stats(data, "mean", "ci95", reps=500, seed=9)
    b = column_stats(data, "mean", "ci95", reps=500, seed=9)
    np.testing.assert_array_equal(a.lower, b.lower)


def test_unequal_lengths_end_where_too_few_runs_remain(unet_runs: list[Run]) -> None:
    tag = "Test loss (avg on test)"
    lengths = sorted(len(r.series[tag]) for r in unet_runs)
    assert lengths == [17, 34, 47, 49]
    curves = [make_curve(r, tag, smoothing=0.0) for r in unet_runs]
    g = aggregate_group("all", curves, min_runs=2)
    steps = [r.series[tag].steps for r in unet_runs]
    x0 = min(int(s[0]) for s in steps)
    assert g.x[0] == x0
    # the band ends at the second-longest run's last point
    ends = sorted(int(s[-1]) for s in steps)
    assert g.x[-1] == ends[-2]
    # n per point steps down 4 → 3 → 2 as runs stop
    assert g.n[0] == 4 and set(g.n.tolist()) == {4, 3, 2}
    assert int(np.sum(g.n == 4)) == 17
    # k=1 keeps the longest run's tail; k=None asks for all runs
    assert aggregate_group("all", curves, min_runs=1).x[-1] == ends[-1]
    assert aggregate_group("all", curves, min_runs=None).n.tolist() == [4] * 17
    # mean where all four exist equals numpy on the raw arrays
    first17 = np.vstack([r.series[tag].values[:17] for r in unet_runs])
    np.testing.assert_allclose(g.center[:17], first17.mean(axis=0), rtol=1e-14)


def test_different_x_grids_are_interpolated(reducer_runs: list[Run]) -> None:
    a = reducer_runs[0]
    b_series = reducer_runs[1].series[TAG]
    b = Run(
        "b", "b", "test", (),
        {TAG: Series(TAG, b_series.steps[::2], b_series.wall_times[::2], b_series.values[::2])},
    )  # fmt: skip
    ca, cb = make_curve(a, TAG, smoothing=0), make_curve(b, TAG, smoothing=0)
    grid = common_grid([ca.x, cb.x])
    np.testing.assert_array_equal(grid, ca.x)  # the union: b's steps are a subset of a's
    m = align([ca.x, cb.x], [ca.y, cb.y], grid)
    yb = b_series.values
    assert m[1, 1] == pytest.approx((yb[0] + yb[2]) / 2)  # step 5 between b's steps 0 and 10
    assert np.isnan(m[1, -1])  # b ends at step 490, a at 495
    g = aggregate_group("ab", [ca, cb], min_runs=2)
    assert g.center[1] == pytest.approx((a.series[TAG].values[1] + (yb[0] + yb[2]) / 2) / 2)
    assert g.x[-1] == 490 and g.n.tolist() == [2] * 99


def test_common_grid_caps_points() -> None:
    xs = [np.arange(0, 10000, 3.0), np.arange(1, 10000, 7.0)]
    grid = common_grid(xs, max_points=500)
    assert grid.shape == (500,) and grid[0] == 0 and grid[-1] == 9999
    assert common_grid([]).shape == (0,)


def test_x_choices(all_event_runs: list[Run]) -> None:
    sb3 = next(r for r in all_event_runs if "warp-mujoco" in r.id)
    s = sb3.series["rollout/ep_rew_mean"]
    assert series_x(sb3, s, "step")[0] == 2048
    rel = series_x(sb3, s, "relative")
    assert rel[0] == 0 and np.all(np.diff(rel) >= 0)
    np.testing.assert_array_equal(series_x(sb3, s, "wall"), s.wall_times)
    # another series as x: time/fps at the same steps
    fps = sb3.series["time/fps"]
    np.testing.assert_array_equal(series_x(sb3, s, "time/fps"), fps.values)
    # train/* starts one step later: the first rollout point lies outside its range
    kl = series_x(sb3, s, "train/approx_kl")
    assert np.isnan(kl[0]) and np.all(np.isfinite(kl[1:]))
    c = make_curve(sb3, "rollout/ep_rew_mean", x="train/approx_kl", smoothing=0)
    assert len(c) == 97 and np.all(np.diff(c.x) >= 0)
    with pytest.raises(CurveError, match="no series 'nope'"):
        make_curve(sb3, "nope")
    with pytest.raises(CurveError, match="no series 'nope' to use as x"):
        make_curve(sb3, "time/fps", x="nope")


def test_groups_by_config_regex_and_selection(unet_runs: list[Run]) -> None:
    by_lr = group_by_config(unet_runs, "lr")
    assert [g.label for g in by_lr] == ["lr=7e-05", "lr=0.0005", "lr=0.001", "lr=0.002"]
    assert all(len(g.run_ids) == 1 for g in by_lr)
    (arch,) = group_by_config(unet_runs, "model.arch")
    assert arch.label == "model.arch=unet" and len(arch.run_ids) == 4
    (missing,) = group_by_config(unet_runs, "seed")
    assert missing.label == "seed=(missing)"
    by_exp = group_by_regex(unet_runs, r"lr\d+e_(?P<exp>\d)")
    assert [(g.label, len(g.run_ids)) for g in by_exp] == [("exp=3", 2), ("exp=4", 1), ("exp=5", 1)]
    nomatch = group_by_regex(unet_runs, r"lr2e")
    assert [g.label for g in nomatch] == ["UNet_lr1e_3", "lr2e", "UNet_lr5e_4", "UNet_lr7e_5"]
    with pytest.raises(ValueError, match="bad group regex"):
        group_by_regex(unet_runs, "(")
    sel = group_explicit(unet_runs, {"fast": ["UNet_lr1e_3", "UNet_lr2e_3"]})
    assert sel[0].run_ids == (unet_runs[0].id, unet_runs[1].id)
    with pytest.raises(ValueError, match="no loaded run 'x'"):
        group_explicit(unet_runs, {"g": ["x"]})


def test_band_descriptions() -> None:
    assert "ddof=1" in band_description("mean", "std")
    assert "sqrt(n)" in band_description("mean", "sem")
    assert "95% percentile bootstrap" in band_description("median", "ci95", reps=2000)
    with pytest.raises(ValueError, match="unknown band"):
        column_stats(np.ones((2, 2)), "mean", "iqr")  # type: ignore[arg-type]


@settings(max_examples=100, deadline=None)
@given(
    arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(0, 12)),
           elements=st.one_of(st.floats(-1e6, 1e6), st.just(np.nan))),
    st.sampled_from(["mean", "median"]),
    st.sampled_from(["std", "sem", "minmax", "ci95", "none"]),
)  # fmt: skip
def test_column_stats_never_warns_and_brackets(m: np.ndarray, center: str, band: str) -> None:
    s = column_stats(m, center, band, reps=50)  # type: ignore[arg-type]
    n = np.isfinite(m).sum(axis=0)
    assert s.n.tolist() == n.tolist()
    has = n > 0
    assert np.all(np.isnan(s.center[~has]))
    assert np.all(np.isfinite(s.center[has]))
    tol = 1e-6 * (1 + np.abs(s.center[has]))
    assert np.all(s.lower[has] <= s.center[has] + tol) or band == "ci95"
    assert np.all(s.lower[has] <= s.upper[has] + tol)
