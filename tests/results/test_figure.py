"""Publication export: vector PDF/SVG of the requested size with the smoothing and band
definition in the metadata, PNG at a DPI, and the CSV of what is drawn."""

from __future__ import annotations

import csv
import re
import zlib
from pathlib import Path
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import numpy as np
import pytest

from paperscope.core.records import Run
from paperscope.results.figure import OKABE_ITO, FigureStyle, render_figure, write_csv
from paperscope.workflows.plots import PlotError, PlotSpec, compute_plot, export_plot, metric_names

if TYPE_CHECKING:
    from paperscope.workflows.plots import PlotData

TAG = "strict/foo"


def pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"<<(.*?)>>\s*stream\r?\n", data, re.S):
        start = m.end()
        end = data.index(b"endstream", start)
        body = data[start:end]
        out.append(zlib.decompress(body) if b"/FlateDecode" in m.group(1) else body)
    return out


def pdf_info(data: bytes, key: str) -> str:
    """A literal string from the PDF's Info dictionary (escapes, nesting, UTF-16)."""
    start = data.index(b"/" + key.encode() + b" (") + len(key) + 3
    out = bytearray()
    depth = 0
    i = start
    escapes = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
    while True:
        c = data[i]
        if c == 0x5C:  # backslash
            nxt = data[i + 1]
            if 0x30 <= nxt <= 0x37:
                digits = re.match(rb"[0-7]{1,3}", data[i + 1 : i + 4])
                assert digits
                out.append(int(digits.group(0), 8))
                i += 1 + len(digits.group(0))
                continue
            out.append(escapes.get(nxt, nxt))
            i += 2
            continue
        if c == 0x28:
            depth += 1
        elif c == 0x29:
            if depth == 0:
                break
            depth -= 1
        out.append(c)
        i += 1
    raw = bytes(out)
    return raw[2:].decode("utf-16-be") if raw.startswith(b"\xfe\xff") else raw.decode("latin-1")


@pytest.fixture(scope="module")
def grouped(reducer_runs: list[Run]) -> PlotData:
    return compute_plot(reducer_runs, PlotSpec(TAG, group_regex=r"^(run)_\d$", band="std"))


def test_pdf_is_vector_with_size_and_metadata(
    grouped: PlotData, unet_runs: list[Run], tmp_path: Path
) -> None:
    assert len(grouped.groups) == 1 and grouped.curves == []
    out = export_plot(grouped, tmp_path / "fig.pdf", FigureStyle(size="single"))[0]
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    assert re.search(rb"/MediaBox \[ ?0 0 252 180 ?\]", data)  # 3.5 in × 2.5 in
    assert b"/Subtype /Image" not in data  # no raster anywhere
    streams = pdf_streams(data)
    paths = [s for s in streams if re.search(rb"\d m\b", s) and re.search(rb"\d l\b", s)]
    assert paths, "no vector path in the page"
    assert not any(b" Do" in s and b"/Im" in s for s in streams)
    assert b"/FontFile2" in data  # TrueType embedded, no Type 3
    subject = pdf_info(data, "Subject")
    assert "TensorBoard's debiased EMA, weight 0.6, on every logged point" in subject
    assert "Groups: mean ± sample standard deviation (ddof=1) across runs." in subject
    keywords = pdf_info(data, "Keywords")
    assert "metric=strict/foo; x=step; smoothing=0.6; smoothing_mode=ema" in keywords
    assert "center=mean; band=std; min_runs=2; runs=3" in keywords
    # the band is drawn: the fill's colour is Okabe–Ito blue
    page = b"".join(paths)
    assert re.search(rb"0 0\.44705\d*\s+0\.69803\d*\s+rg", page)

    wide = compute_plot(unet_runs, PlotSpec("Test loss (avg on test)", smoothing=0.0))
    out2 = export_plot(wide, tmp_path / "wide.pdf", FigureStyle(size="double", legend="outside"))[0]
    data2 = out2.read_bytes()
    assert re.search(rb"/MediaBox \[ ?0 0 504 216 ?\]", data2)  # 7 in × 3 in
    assert "Smoothing: none." in pdf_info(data2, "Subject")
    assert b"/Subtype /Image" not in data2


def test_svg_and_png(grouped: PlotData, tmp_path: Path) -> None:
    svg = export_plot(grouped, tmp_path / "fig.svg", FigureStyle(size="double", font_size=10))[0]
    root = ElementTree.parse(svg).getroot()
    assert root.get("width") == "504pt" and root.get("height") == "216pt"
    text = svg.read_text()
    assert "<image" not in text
    assert "TensorBoard's debiased EMA, weight 0.6" in text
    assert "band=std" in text
    assert OKABE_ITO[0].lower() in text.lower()
    png = export_plot(grouped, tmp_path / "fig.png", FigureStyle(dpi=200))[0]
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (700, 500)
        assert "band=std" in im.text["Keywords"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unsupported figure format 'jpg'"):
        export_plot(grouped, tmp_path / "fig.jpg")


def test_csv_is_what_is_drawn(grouped: PlotData, reducer_runs: list[Run], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "drawn.csv", grouped.curves, grouped.groups)
    with path.open() as fh:
        rows = list(csv.DictReader(fh))
    g = grouped.groups[0]
    assert len(rows) == 100 and {r["kind"] for r in rows} == {"group"}
    np.testing.assert_array_equal([float(r["x"]) for r in rows], g.x)
    np.testing.assert_array_equal([float(r["y"]) for r in rows], g.center)
    np.testing.assert_array_equal([float(r["lower"]) for r in rows], g.lower)
    np.testing.assert_array_equal([float(r["upper"]) for r in rows], g.upper)
    assert {r["n"] for r in rows} == {"3"}
    raw_mean = np.mean([r.series[TAG].values for r in reducer_runs], axis=0)
    np.testing.assert_allclose([float(r["y_raw"]) for r in rows], raw_mean, rtol=1e-14)

    single = compute_plot(reducer_runs[:1], PlotSpec(TAG, smoothing=0.9))
    written = export_plot(single, tmp_path / "one.svg", csv_path=tmp_path / "one.csv")
    assert [p.name for p in written] == ["one.svg", "one.csv"]
    with (tmp_path / "one.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    c = single.curves[0]
    assert [float(r["y"]) for r in rows] == c.y.tolist()
    assert [float(r["y_raw"]) for r in rows] == reducer_runs[0].series[TAG].values.tolist()
    assert rows[0]["lower"] == "" and rows[0]["series"] == "run_1"


def test_compute_plot_groups_and_errors(unet_runs: list[Run], reducer_runs: list[Run]) -> None:
    spec = PlotSpec(
        "IoU (avg on test)", group_regex=r"lr\de_(?P<exp>\d)", band="minmax", min_runs=1
    )
    data = compute_plot(unet_runs, spec)
    # exp=3 holds lr 1e-3 and 2e-3; the other two are single runs drawn as curves
    assert [g.label for g in data.groups] == ["exp=3"]
    assert [c.label for c in data.curves] == ["exp=4", "exp=5"]
    assert len(data.members["exp=3"]) == 2 and data.run_count == 4
    # mixing the reducer runs in: they lack the metric and are reported
    data = compute_plot([*unet_runs, *reducer_runs], PlotSpec("IoU (avg on test)"))
    assert len(data.curves) == 4 and len(data.issues) == 3
    assert "has no series 'IoU (avg on test)'" in str(data.issues[0])
    with pytest.raises(PlotError, match=r"did you mean 'IoU \(avg on test\)'"):
        compute_plot(unet_runs, PlotSpec("IoU (avg on tst)"))
    with pytest.raises(PlotError, match="group by one of"):
        compute_plot(unet_runs, PlotSpec("IoU (avg on test)", group_by="lr", group_regex="x"))
    with pytest.raises(PlotError, match="bad group regex"):
        compute_plot(unet_runs, PlotSpec("IoU (avg on test)", group_regex="("))
    names = dict(metric_names(unet_runs))
    assert len(names) == 5 and names["Epoch time"] == 4


def test_render_options(unet_runs: list[Run], tmp_path: Path) -> None:
    data = compute_plot(unet_runs, PlotSpec("Training loss", group_by="model.arch", band="ci95"))
    style = FigureStyle(legend="below", log_y=True, title="UNet", xlabel="epoch", width_in=5.0)
    out = export_plot(data, tmp_path / "o.pdf", style)[0]
    raw = out.read_bytes()
    assert re.search(rb"/MediaBox \[ ?0 0 360 180 ?\]", raw)
    assert "95% percentile bootstrap confidence interval of the mean" in pdf_info(raw, "Subject")
    with pytest.raises(ValueError, match="unknown legend"):
        render_figure(tmp_path / "x.pdf", data.curves, data.groups, FigureStyle(legend="nowhere"))
    with pytest.raises(ValueError, match="unknown size"):
        render_figure(tmp_path / "x.pdf", data.curves, data.groups, FigureStyle(size="a4"))  # type: ignore[arg-type]


def test_wall_time_axis_draws_dates_and_csv_keeps_seconds(
    unet_runs: list[Run], tmp_path: Path
) -> None:
    data = compute_plot(unet_runs[:2], PlotSpec("Training loss", x="wall", smoothing=0.0))
    svg, table = tmp_path / "wall.svg", tmp_path / "wall.csv"
    export_plot(data, svg, csv_path=table)
    text = svg.read_text()
    # text is drawn as glyph paths; matplotlib keeps each string as a comment
    assert "<!-- wall time -->" in text
    assert "<!-- 2025-Jan-29 -->" in text and "<!-- 14:00 -->" in text  # a date axis (UTC)
    with table.open() as fh:
        rows = list(csv.DictReader(fh))
    first = unet_runs[0].series["Training loss"].wall_times[0]
    assert float(rows[0]["x"]) == first and first > 1.6e9  # epoch seconds, as logged
