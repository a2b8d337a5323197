"""Crosshair read-out, outlier-robust auto-range, and compute_plot on arbitrary runs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from paperscope.core.records import Run, Series
from paperscope.results.align import aggregate_group, make_curve
from paperscope.results.view import robust_range, values_at
from paperscope.workflows.plots import PlotError, PlotSpec, compute_plot

TAG = "strict/foo"


def test_values_at_nearest_point_sorted_by_cursor(reducer_runs: list[Run]) -> None:
    curves = [make_curve(r, TAG, smoothing=0.0) for r in reducer_runs]
    group = aggregate_group("mean", curves)
    out = values_at([*curves, group], 12.4)
    assert [r.label for r in out] == ["run_1", "run_2", "run_3", "mean"]
    assert all(r.x == 10.0 for r in out)
    assert out[0].y == reducer_runs[0].series[TAG].values[2]
    assert out[3].n == 3 and out[0].n == 1
    # sorted by distance to the cursor's y: near 3.5 the third run (values in [3, 4]) leads
    out = values_at([*curves, group], 12.4, y=3.5)
    assert out[0].label == "run_3" and out[-1].label == "run_1"
    assert [r.distance for r in out] == sorted(r.distance for r in out)
    # beyond a curve's end (more than half a spacing): nothing
    assert values_at(curves, 600.0) == []
    assert len(values_at(curves, 497.0)) == 3


def test_robust_range_ignores_spikes(all_event_runs: list[Run]) -> None:
    sb3 = next(r for r in all_event_runs if "warp-mujoco" in r.id)
    rew = sb3.series["rollout/ep_rew_mean"].values.copy()
    clean = robust_range([rew], 0, 100, pad=0)
    assert clean == (float(rew.min()), float(rew.max()))
    rew[40] = 1e9
    rew[41] = np.nan
    lo, hi = robust_range([rew], 1, 99, pad=0.0)  # type: ignore[misc]
    assert (lo, hi) == clean  # the spike is left out, the real extremes kept
    assert robust_range([np.array([np.nan])]) is None
    assert robust_range([np.array([2.0, 2.0])], pad=0.5) == (1.0, 3.0)


def _runs(draw: st.DrawFn) -> list[Run]:
    runs = []
    for i in range(draw(st.integers(0, 5))):
        series = {}
        for tag in draw(st.lists(st.sampled_from(["loss", "acc", "steps"]), unique=True)):
            n = draw(st.integers(0, 30))
            steps = np.sort(draw(arrays(np.int64, n, elements=st.integers(0, 50))))
            vals = draw(arrays(np.float64, n, elements=st.one_of(
                st.floats(-1e6, 1e6), st.just(np.nan), st.just(np.inf))))  # fmt: skip
            wall = draw(arrays(np.float64, n, elements=st.one_of(
                st.floats(0, 1e9), st.just(np.nan))))  # fmt: skip
            series[tag] = Series(tag, steps, wall, vals)
        value = st.one_of(st.integers(0, 2), st.text(max_size=2))
        config = draw(st.dictionaries(st.sampled_from(["lr", "seed"]), value))
        runs.append(Run(f"id{i}", draw(st.sampled_from(["a_1", "a_2", "b_1", "x"])), "t", (),
                        series, config))  # fmt: skip
    return runs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.composite(_runs)(),
    st.sampled_from(["step", "wall", "relative", "steps", "acc"]),
    st.sampled_from([None, "lr", "seed"]),
    st.sampled_from([None, r"^(\w)_", "("]),
    st.sampled_from(["std", "sem", "minmax", "ci95", "none"]),
    st.sampled_from(["ema", "time"]),
    st.floats(0, 1),
)
def test_compute_plot_only_raises_plot_error(
    runs: list[Run], x: str, key: str | None, regex: str | None, band: str, mode: str, w: float
) -> None:
    spec = PlotSpec("loss", x=x, smoothing=w, smoothing_mode=mode, group_by=key,  # type: ignore[arg-type]
                    group_regex=regex, band=band, reps=20, min_runs=2)  # type: ignore[arg-type]  # fmt: skip
    try:
        data = compute_plot(runs, spec)
    except PlotError:
        return
    for g in data.groups:
        assert len(g.x) == len(g.center) == len(g.lower) == len(g.n)
        assert np.all(g.n >= 2)
    for c in data.curves:
        assert len(c.x) == len(c.y) == len(c.raw)
        assert np.all(np.isfinite(c.x))


def test_compute_plot_reports_progress_and_cancels(reducer_runs: list[Run]) -> None:
    from paperscope.core.tasks import Cancelled, CancelToken

    seen: list[float | None] = []
    compute_plot(reducer_runs, PlotSpec(TAG, group_regex="run"), lambda f, m="": seen.append(f))
    assert seen[-1] == 1.0 and seen == sorted(s for s in seen if s is not None)
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        compute_plot(reducer_runs, PlotSpec(TAG), cancel=token)
