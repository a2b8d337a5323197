"""Plots read as TensorBoard users expect (issue 21, item 14): tick labels ``1M`` and
``200k``, and in a publication figure a legend that covers no line."""

from __future__ import annotations

import numpy as np

from paperscope.results.align import Curve
from paperscope.results.figure import FigureStyle, draw_figure, legend_overlaps_lines
from paperscope.results.view import tick_text


def test_ticks_read_with_si_suffixes() -> None:
    assert tick_text([0, 200_000, 400_000, 1_000_000, 1_200_000], 200_000) == [
        "0", "200k", "400k", "1M", "1.2M",
    ]  # fmt: skip
    assert tick_text([1_000_000, 1_500_000, 2_000_000], 500_000) == ["1M", "1.5M", "2M"]
    assert tick_text([2e9, 3e9], 1e9) == ["2G", "3G"]
    assert tick_text([0, 100, 200, 300], 100) == ["0", "100", "200", "300"]
    assert tick_text([0.5, 1.0, 1.5], 0.5) == ["0.5", "1", "1.5"]
    assert tick_text([-1_000_000, 0.0], 1_000_000) == ["-1M", "0"]
    assert tick_text([1e-5, 2e-5], 1e-5) == ["1e-05", "2e-05"]
    assert not any("e+" in t for t in tick_text([1e6, 2e6, 3e6], 1e6))


def _curve(k: int, y: np.ndarray, x: np.ndarray) -> Curve:
    return Curve(f"r{k}", f"run {k} with a long name", "loss", x, y, y)


def test_publication_legend_covers_no_line() -> None:
    """Curves through every part of the axes (noisy, seeded): ``best`` alone would put
    the legend over some of them; the figure moves it outside."""
    rng = np.random.default_rng(7)
    x = np.arange(400, dtype=np.float64)
    curves = [
        _curve(k, (k / 5) + 0.6 * np.sin(x / 15 + k) + 0.1 * rng.standard_normal(x.size), x)
        for k in range(6)
    ]
    fig = draw_figure(curves, (), FigureStyle(legend="best"))
    assert fig.legends or fig.axes[0].get_legend() is not None
    assert not legend_overlaps_lines(fig)


def test_a_legend_that_fits_inside_stays_inside() -> None:
    x = np.arange(100, dtype=np.float64)
    curves = [_curve(0, 1.0 - x / 200, x)]  # a gently falling loss: the bottom left is empty
    fig = draw_figure(curves, (), FigureStyle(legend="best"))
    assert fig.axes[0].get_legend() is not None and not fig.legends
    assert not legend_overlaps_lines(fig)
