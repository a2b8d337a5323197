"""Moving averages (centred, trailing), the Gaussian kernel and none, against numpy
references; their formulas; ``paperscope plot --smoother``."""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.core.records import Run
from paperscope.results.align import make_curve
from paperscope.results.figure import FigureInfo
from paperscope.results.smoothing import (
    SMOOTHERS,
    check_smoother,
    ema,
    formula,
    gaussian,
    moving_average,
    parse_smoother,
    smoothed,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from paperscope.results.references import Reference
    from paperscope.workflows.plots import PlotData


def _series(n: int, seed: int, holes: bool = True) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y = np.cumsum(rng.normal(size=n)) + 10 * rng.random()
    if holes and n > 8:
        idx = rng.choice(n, size=max(1, n // 7), replace=False)
        y[idx[::3]] = np.nan
        y[idx[1::3]] = np.inf
        y[idx[2::3]] = -np.inf
    return y


def _ref_on_finite(y: np.ndarray, f: Callable[[np.ndarray, int], float]) -> np.ndarray:
    out = y.copy()
    keep = np.isfinite(y)
    v = y[keep]
    out[keep] = [f(v, i) for i in range(v.size)]
    return out


def _ref_ma(y: np.ndarray, k: int, centred: bool) -> np.ndarray:
    def at(v: np.ndarray, i: int) -> float:
        lo, hi = (i - (k - 1) // 2, i + k // 2) if centred else (i - k + 1, i)
        return float(np.mean(v[max(lo, 0) : min(hi, v.size - 1) + 1]))

    return _ref_on_finite(y, at)


def _ref_gauss(y: np.ndarray, sigma: float) -> np.ndarray:
    r = max(1, math.ceil(4 * sigma))

    def at(v: np.ndarray, i: int) -> float:
        j = np.arange(max(i - r, 0), min(i + r, v.size - 1) + 1)
        g = np.exp(-((i - j) ** 2) / (2 * sigma**2))
        return float(np.sum(g * v[j]) / np.sum(g))

    return _ref_on_finite(y, at)


@pytest.mark.parametrize("n", [1, 2, 7, 50, 301])
@pytest.mark.parametrize("k", [1, 2, 5, 10, 400])
@pytest.mark.parametrize("centred", [True, False])
def test_moving_average_against_numpy(n: int, k: int, centred: bool) -> None:
    y = _series(n, seed=n * 31 + k)
    got = moving_average(y, k, centred=centred)
    want = _ref_ma(y, k, centred)
    finite = np.isfinite(y)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(got[~finite], y[~finite])  # passed through, as the EMA does
    mode = "centred" if centred else "trailing"
    np.testing.assert_array_equal(smoothed(mode, k, np.arange(n), y), got)


@pytest.mark.parametrize("n", [1, 3, 40, 500])
@pytest.mark.parametrize("sigma", [0.3, 1.0, 2.5, 20.0])  # 20: the kernel of 161 takes the FFT
def test_gaussian_against_numpy(n: int, sigma: float) -> None:
    y = _series(n, seed=n + int(sigma * 10))
    got = gaussian(y, sigma)
    want = _ref_gauss(y, sigma)
    finite = np.isfinite(y)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(got[~finite], y[~finite])


def test_nan_handling_matches_the_ema() -> None:
    y = _series(200, seed=5)
    finite = np.isfinite(y)
    e = ema(y, 0.6)
    for mode, param in (("centred", 7), ("trailing", 7), ("gaussian", 3.0)):
        s = smoothed(mode, param, np.arange(200), y)
        # non-finite points stay where they are in both, the rest is smoothed over the rest
        np.testing.assert_array_equal(np.isfinite(s), np.isfinite(e))
        np.testing.assert_array_equal(s[~finite], y[~finite])
        alone = smoothed(mode, param, np.arange(finite.sum()), y[finite])
        np.testing.assert_allclose(s[finite], alone, rtol=1e-12)


def test_none_is_identity_and_a_copy() -> None:
    y = _series(30, seed=2)
    out = smoothed("none", 0, np.arange(30), y)
    np.testing.assert_array_equal(out, y)
    assert out is not y


def test_a_constant_series_stays_constant() -> None:
    y = np.full(25, 3.25)
    for mode, param in (("centred", 4), ("trailing", 9), ("gaussian", 2.0)):
        np.testing.assert_allclose(smoothed(mode, param, np.arange(25), y), y, rtol=1e-15)


def test_formulas_name_their_parameters() -> None:
    texts = {m: formula(m, 3 if m in ("centred", "trailing") else 0.5) for m in SMOOTHERS}
    assert len(set(texts.values())) == len(texts)
    assert "k = 3 points" in texts["centred"] and "i - 1 <= j <= i + 1" in texts["centred"]
    assert "i - 2 <= j <= i" in texts["trailing"]
    assert "sigma = 0.5" in texts["gaussian"] and "|i-j| <= 2" in texts["gaussian"]
    assert "w = 0.5" in texts["ema"] and texts["none"].startswith("none")
    assert all("; " not in t for t in texts.values())  # the keywords' separator
    info = FigureInfo("loss", smoothing=5, smoothing_mode="trailing")
    assert info.smoothed and "trailing moving average" in info.smoothing_text()
    assert f"smoothing_formula={formula('trailing', 5)}" in info.keywords()
    assert not FigureInfo("loss", smoothing=0.6, smoothing_mode="none").smoothed


def test_parse_and_check() -> None:
    assert parse_smoother("gaussian:2") == ("gaussian", 2.0)
    assert parse_smoother("trailing") == ("trailing", 5)
    assert parse_smoother("Centered:9") == ("centred", 9.0)
    assert parse_smoother("none") == ("none", 0.0)
    for bad in ("median:3", "centred:2.5", "centred:0", "gaussian:0", "ema:1.5", "ema:x"):
        with pytest.raises(ValueError):
            parse_smoother(bad)
    with pytest.raises(ValueError, match="unknown smoother"):
        check_smoother("box", 3)
    # the EMA's weight keeps TensorBoard's clamping when applied (only parsing refuses it)
    y = _series(40, seed=9)
    np.testing.assert_array_equal(smoothed("ema", 1.5, np.arange(40), y), ema(y, 1.0))
    assert formula("ema", math.nan) == formula("none", 0)


def test_on_a_real_run(unet_runs: list[Run]) -> None:
    run = unet_runs[0]
    y = run.series["Training loss"].values
    for mode, param in (("centred", 5), ("trailing", 3), ("gaussian", 1.5), ("none", 0)):
        c = make_curve(run, "Training loss", "step", param, mode)  # type: ignore[arg-type]
        if mode == "none":
            ref = y.copy()
        elif mode == "gaussian":
            ref = _ref_gauss(y, param)
        else:
            ref = _ref_ma(y, int(param), mode == "centred")
        np.testing.assert_allclose(c.y, ref, rtol=1e-9)


def test_cli_plot_smoother(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paperscope.cli import main
    from tests.results.conftest import UNET

    folder = UNET / "UNet_lr1e_3"
    out, table = tmp_path / "f.svg", tmp_path / "f.csv"
    rc = main(["plot", str(folder), "--metric", "Training loss", "--smoother", "gaussian:1.5",
               "--out", str(out), "--csv", str(table)])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert "smoothing: Gaussian kernel, sigma = 1.5 points" in res.out
    with table.open() as fh:
        rows = list(csv.DictReader(fh))
    raw = np.array([float(r["y_raw"]) for r in rows])
    np.testing.assert_allclose([float(r["y"]) for r in rows], _ref_gauss(raw, 1.5), rtol=1e-9)
    assert "g_ij = exp(-(i-j)^2 / (2*sigma^2))" in out.read_text()  # the formula, in metadata
    rc = main(["plot", str(folder), "--metric", "Training loss", "--smoother", "centred:0",
               "--out", str(out)])  # fmt: skip
    assert rc == 2 and "--smoother: the centred window" in capsys.readouterr().err


def test_cli_plot_notes_and_extrema(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--note X=TEXT`` / ``X0:X1=TEXT`` and ``--mark-extrema`` reach the figure."""
    from paperscope.cli import main
    from paperscope.results.figure import FigureStyle, Note, draw_figure
    from paperscope.workflows.plots import PlotSpec, compute_plot
    from paperscope.workflows.runs import load_runs
    from tests.results.conftest import UNET

    folder = UNET / "UNet_lr1e_3"
    plain, noted = tmp_path / "plain.svg", tmp_path / "noted.svg"
    args = ["plot", str(folder), "--metric", "Training loss"]
    assert main([*args, "--out", str(plain)]) == 0
    assert main([*args, "--out", str(noted), "--mark-extrema", "--note", "5=lr decay",
                 "--note", "2:4=warm-up"]) == 0  # fmt: skip
    assert noted.read_text().count("<path") > plain.read_text().count("<path")
    assert main([*args, "--out", str(noted), "--note", "soon"]) == 2
    assert "--note: 'soon': write X=TEXT or X0:X1=TEXT" in capsys.readouterr().err
    # what the CLI draws: the notes' texts and lines, a mark at each curve's min and max
    runs, _ = load_runs([folder], use_cache=False)
    data = compute_plot(runs, PlotSpec(metric="Training loss"))
    notes = (Note.parse("5=lr decay"), Note.parse("2:4=warm-up"))
    fig = draw_figure(data.curves, data.groups, FigureStyle(mark_extrema=True, notes=notes),
                      data.info())  # fmt: skip
    ax = fig.axes[0]
    assert {t.get_text() for t in ax.texts} >= {"lr decay", "warm-up"}
    y = data.curves[0].y
    marks = sorted(float(line.get_ydata()[0]) for line in ax.get_lines()
                   if line.get_marker() in ("v", "^"))  # fmt: skip
    assert marks == [float(np.nanmin(y)), float(np.nanmax(y))]


def test_cli_plot_grid_of_metrics(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``plot --grid M1,M2``: one figure with a panel per metric, one legend, one CSV."""
    from paperscope.cli import main
    from paperscope.results.figure import draw_grid, grid_shape
    from paperscope.workflows.plots import PlotSpec, compute_plot
    from paperscope.workflows.runs import load_runs
    from tests.results.conftest import UNET

    metrics = ["Training loss", "IoU (avg on test)", "Test loss (avg on test)"]
    out, table = tmp_path / "grid.pdf", tmp_path / "grid.csv"
    rc = main(["plot", str(UNET), "--grid", ",".join(metrics), "--cols", "2",
               "--out", str(out), "--csv", str(table)])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert "3 panels" in res.out and out.stat().st_size > 0
    with table.open() as fh:
        rows = list(csv.DictReader(fh))
    runs, _ = load_runs([UNET], use_cache=False)
    for metric in metrics:
        data = compute_plot(runs, PlotSpec(metric=metric))
        mine = [r for r in rows if r["metric"] == metric]
        assert len(mine) == sum(len(c) for c in data.curves)  # every point drawn, once
        first = data.curves[0]
        got = [float(r["y"]) for r in mine if r["series"] == first.label]
        np.testing.assert_allclose(got, first.y)
    assert grid_shape(3, 2) == (2, 2) and grid_shape(5) == (2, 3)
    panels = [(d.curves, d.groups, d.info())
              for d in (compute_plot(runs, PlotSpec(metric=m)) for m in metrics)]  # fmt: skip
    fig = draw_grid(panels, cols=2)
    shown = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in shown] == metrics and len(fig.legends) == 1
    assert main(["plot", str(UNET), "--grid", " , ", "--out", str(out)]) == 2


def test_reference_lines_with_marks_and_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Reference lines (from main) beside min/max marks and notes: the marks are the
    curves' only, the reference is drawn and labelled, the CSV has its row after the
    curves'; ``--grid`` says reference lines need ``--metric``."""
    from paperscope.cli import main
    from paperscope.results.figure import FigureStyle, Note, draw_figure
    from paperscope.results.references import Reference
    from paperscope.workflows.plots import PlotSpec, compute_plot
    from paperscope.workflows.runs import load_runs
    from tests.results.conftest import UNET

    runs, _ = load_runs([UNET / "UNet_lr1e_3"], use_cache=False)
    data = compute_plot(runs, PlotSpec(metric="Training loss"))
    y = data.curves[0].y
    ref = Reference("U-Net — Ronneberger 2015", float(np.nanmean(y)), lower=0.1, upper=0.2,
                    spread="std", result_id=5)  # fmt: skip
    style = FigureStyle(mark_extrema=True, notes=(Note.parse("5=lr decay"),))
    fig = draw_figure(data.curves, data.groups, style, data.info(), [ref])
    ax = fig.axes[0]
    marks = sorted(float(line.get_ydata()[0]) for line in ax.get_lines()
                   if line.get_marker() in ("v", "^"))  # fmt: skip
    assert marks == [float(np.nanmin(y)), float(np.nanmax(y))]  # none on the reference
    assert any(line.get_gid() == "reference-0" for line in ax.get_lines())
    assert {t.get_text() for t in ax.texts} >= {"lr decay", ref.label}
    table = write_csv_rows(tmp_path / "refs.csv", data, [ref])
    assert table[-1][:2] == [ref.label, "reference"] and table[-1][5:7] == ["0.1", "0.2"]
    assert len(table) == 1 + sum(len(c) for c in data.curves) + 1
    rc = main(["plot", str(UNET), "--grid", "Training loss", "--references",
               "--out", str(tmp_path / "g.pdf")])  # fmt: skip
    assert rc == 2 and "drawn with --metric, not --grid" in capsys.readouterr().err


def write_csv_rows(path: Path, data: PlotData, refs: list[Reference]) -> list[list[str]]:
    from paperscope.results.figure import write_csv

    write_csv(path, data.curves, data.groups, refs)
    with path.open() as fh:
        return list(csv.reader(fh))
