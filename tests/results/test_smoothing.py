"""Smoothing against TensorBoard's own formula on the real event files."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paperscope.core.records import Run
from paperscope.results.smoothing import (
    clamp_weight,
    ema,
    reference_spacing,
    time_weighted_ema,
)

WEIGHTS = [0.0, 0.25, 0.6, 0.9, 0.99, 0.999, 1.0]


def tensorboard_classic_smoothing(ys: list[float], smoothing_weight: float) -> list[float]:
    """TensorBoard's ``classicSmoothing`` (webapp/widgets/line_chart_v2/data_transformer.ts)
    re-implemented statement by statement, JS semantics kept (``==``, ``Number.isFinite``)."""
    if not math.isfinite(smoothing_weight):
        smoothing_weight = 0
    smoothing_weight = max(0, min(smoothing_weight, 1))
    initial_y_val = ys[0] if ys else None
    is_constant = all(y == initial_y_val for y in ys)
    if is_constant:
        return list(ys)
    last = 0 if len(ys) > 0 else math.nan
    num_accum = 0
    smoothed = []
    for next_val in ys:
        if not math.isfinite(next_val):
            smoothed.append(next_val)
        else:
            last = last * smoothing_weight + (1 - smoothing_weight) * next_val
            num_accum += 1
            debias_weight = (
                1 if smoothing_weight == 1 else 1 - math.pow(smoothing_weight, num_accum)
            )
            smoothed.append(last / debias_weight)
    return smoothed


def test_every_real_scalar_series_matches_tensorboard(all_event_runs: list[Run]) -> None:
    n_series = 0
    n_points = 0
    for run in all_event_runs:
        for tag, s in run.series.items():
            n_series += 1
            n_points += len(s)
            for w in WEIGHTS:
                ref = np.array(tensorboard_classic_smoothing(s.values.tolist(), w))
                got = ema(s.values, w)
                assert got.shape == ref.shape
                np.testing.assert_allclose(got, ref, rtol=1e-12, atol=0, err_msg=f"{tag} w={w}")
    # 14 event files; the scalar series (simple_value and tensor-encoded) they hold
    assert len(all_event_runs) == 14
    assert n_series == 48
    assert n_points == 2539


def test_default_weight_is_bit_identical_on_reducer_runs(reducer_runs: list[Run]) -> None:
    for run in reducer_runs:
        y = run.series["strict/foo"].values
        assert len(y) == 100
        ref = tensorboard_classic_smoothing(y.tolist(), 0.6)
        assert ema(y).tolist() == ref  # default 0.6, same operations in the same order


def test_spot_values_by_hand(reducer_runs: list[Run], go_ramp_run: Run) -> None:
    y = reducer_runs[0].series["strict/foo"].values
    s = ema(y, 0.6)
    assert s[0] == pytest.approx(y[0], rel=1e-15)  # the debias makes the first point exact
    assert s[1] == pytest.approx((0.6 * 0.4 * y[0] + 0.4 * y[1]) / (1 - 0.36), rel=1e-14)
    # go-tensorboard logs my_metric = 0.5 * step exactly
    ramp = go_ramp_run.series["my_metric"]
    np.testing.assert_array_equal(ramp.values, 0.5 * ramp.steps)
    sm = ema(ramp.values, 0.5)
    assert sm[:3].tolist() == pytest.approx(
        [0.0, 1 / 3, (0.125 * 0 + 0.25 * 0.5 + 0.5 * 1.0) / 0.875]
    )


def test_constant_series_untouched_and_nan_passed_through(all_event_runs: list[Run]) -> None:
    sb3 = next(r for r in all_event_runs if "warp-mujoco" in r.id)
    lr = sb3.series["train/learning_rate"].values
    assert np.all(lr == lr[0]) and len(lr) == 97  # SB3's constant learning rate
    out = ema(lr, 0.9)
    np.testing.assert_array_equal(out, lr)
    assert out is not lr
    rew = sb3.series["rollout/ep_rew_mean"].values.copy()
    rew[[0, 10, 11, 50]] = [np.nan, np.inf, -np.inf, np.nan]
    out = ema(rew, 0.6)
    assert np.isnan(out[0]) and np.isnan(out[50])
    assert out[10] == np.inf and out[11] == -np.inf
    ref = tensorboard_classic_smoothing(rew.tolist(), 0.6)
    np.testing.assert_allclose(out, ref, rtol=1e-12)
    # the finite points are the EMA of the finite points alone
    finite = np.isfinite(rew)
    np.testing.assert_allclose(out[finite], ema(rew[finite], 0.6), rtol=1e-15)


def test_weight_clamping() -> None:
    assert clamp_weight(float("nan")) == 0.0
    assert clamp_weight(-3) == 0.0
    assert clamp_weight(7) == 1.0
    y = np.array([1.0, 2.0, 4.0])
    np.testing.assert_array_equal(ema(y, float("nan")), y)
    np.testing.assert_array_equal(ema(y, 2.0), [0.0, 0.0, 0.0])  # as TensorBoard: w=1 → 0
    with pytest.raises(ValueError, match="1-D"):
        ema(np.ones((2, 2)))


@settings(max_examples=200, deadline=None)
@given(
    arrays(
        np.float64,
        st.integers(0, 60),
        elements=st.one_of(
            st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf), st.just(-np.inf)
        ),
    ),
    st.one_of(st.floats(-0.5, 1.5), st.just(float("nan"))),
)
def test_matches_reference_on_anything(y: np.ndarray, w: float) -> None:
    ref = np.array(tensorboard_classic_smoothing(y.tolist(), w), dtype=np.float64)
    got = ema(y, w)
    np.testing.assert_allclose(
        got,
        ref,
        rtol=1e-9,
        atol=1e-9 * (1 + np.nanmax(np.abs(np.where(np.isfinite(y), y, 0)), initial=0)),
    )


def test_time_weighted_equals_ema_on_even_grid(all_event_runs: list[Run]) -> None:
    sb3 = next(r for r in all_event_runs if "warp-mujoco" in r.id)
    s = sb3.series["rollout/ep_rew_mean"]
    assert np.all(np.diff(s.steps) == 2048)
    assert reference_spacing(s.steps) == 2048.0
    for w in (0.3, 0.6, 0.95):
        np.testing.assert_allclose(
            time_weighted_ema(s.steps, s.values, w), ema(s.values, w), rtol=1e-12
        )


def test_time_weighted_on_uneven_x_is_the_exponential_kernel(reducer_runs: list[Run]) -> None:
    s = reducer_runs[1].series["strict/foo"]
    keep = np.ones(len(s), bool)
    keep[3::4] = False  # drop every fourth point: a gap of 10 after two gaps of 5
    x, y = s.steps[keep].astype(float), s.values[keep]
    w = 0.6
    got = time_weighted_ema(x, y, w, dx_ref=5.0)
    for i in range(len(x)):
        k = w ** ((x[i] - x[: i + 1]) / 5.0)
        assert got[i] == pytest.approx(np.sum(k * y[: i + 1]) / np.sum(k), rel=1e-12)
    # default reference spacing: the median gap (here 5)
    assert reference_spacing(x) == 5.0
    np.testing.assert_allclose(time_weighted_ema(x, y, w), got, rtol=0)
    # a gap forgets more than the plain EMA, which ignores x
    assert not np.allclose(got, ema(y, w))


def test_time_weighted_edge_cases() -> None:
    x = np.array([0.0, 1.0, np.nan, 3.0, 4.0])
    y = np.array([1.0, np.nan, 5.0, 2.0, 2.0])
    out = time_weighted_ema(x, y, 0.5)
    assert out[0] == 1.0 and np.isnan(out[1]) and out[2] == 5.0
    assert out[3] == pytest.approx((0.5**3 * 1 + 2) / (0.5**3 + 1))
    np.testing.assert_array_equal(time_weighted_ema(x, y, 0.0), y)
    np.testing.assert_array_equal(time_weighted_ema(x[:2], np.array([3.0, 3.0])), [3.0, 3.0])
    np.testing.assert_allclose(
        time_weighted_ema(np.arange(3.0), np.array([1.0, 2.0, 6.0]), 1.0), [1, 1.5, 3]
    )
    with pytest.raises(ValueError, match="same length"):
        time_weighted_ema(np.arange(3.0), np.arange(4.0))
    with pytest.raises(ValueError, match="dx_ref"):
        time_weighted_ema(np.arange(3.0), np.array([1.0, 2.0, 3.0]), dx_ref=0)


def test_time_mode_in_a_pane_uses_one_spacing(reducer_runs: list[Run]) -> None:
    """Runs logged at different intervals are smoothed over the same x distance."""
    from paperscope.results.align import make_curve, shared_spacing
    from paperscope.workflows.plots import PlotSpec, compute_plot

    dense = reducer_runs[0]
    s = reducer_runs[1].series["strict/foo"]
    sparse = Run("sparse", "sparse", "t", (), {"strict/foo": type(s)(
        s.tag, s.steps[::4], s.wall_times[::4], s.values[::4])})  # fmt: skip
    assert shared_spacing([dense, sparse], "strict/foo") == (5 + 20) / 2
    data = compute_plot(
        [dense, sparse], PlotSpec("strict/foo", smoothing=0.6, smoothing_mode="time")
    )
    by_id = {c.run_id: c for c in data.curves}
    expect = make_curve(sparse, "strict/foo", smoothing=0.6, mode="time", dx_ref=12.5)
    np.testing.assert_array_equal(by_id["sparse"].y, expect.y)
    x, y = expect.x, expect.raw
    assert expect.y[1] == pytest.approx(
        (0.6 ** (20 / 12.5) * y[0] + y[1]) / (0.6 ** (20 / 12.5) + 1)
    )
    assert len(x) == 25
