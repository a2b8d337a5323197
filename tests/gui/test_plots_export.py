"""Aggregate view (rliable) and publication export from a plot pane (issue #5)."""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.core.records import Run
from tests.conftest import RUNS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.task_runner import TaskRunner

SCORES = RUNS / "iris" / "results" / "data"


@pytest.fixture
def runner(qtbot: QtBot) -> Iterator[object]:
    from paperscope.gui.task_runner import TaskRunner

    r = TaskRunner()
    yield r
    assert r.shutdown(10000)


def test_aggregate_view_shows_the_iqm_of_results_aggregate(
    qtbot: QtBot, runner: TaskRunner
) -> None:
    from paperscope.gui.plots.aggregate_view import AggregateDialog
    from paperscope.readers.runs import rliable_scores as S
    from paperscope.results import aggregate as agg

    dialog = AggregateDialog(runner)
    qtbot.addWidget(dialog)
    files = [SCORES / "SPR.json", SCORES / "DrQ(eps).json"]
    dialog.add_score_files(files)
    dialog.set_references(SCORES / "RANDOM.json", SCORES / "HUMAN.json")
    dialog.reps.setValue(500)
    with qtbot.waitSignal(dialog.computed, timeout=20000) as done:
        dialog.compute()  # through the task runner
    report = done.args[0].report
    assert list(report.methods) == ["SPR", "DrQ(eps)"]
    assert len(report.tasks) == 26  # Atari 100k
    random = S.load_reference(SCORES / "RANDOM.json")
    human = S.load_reference(SCORES / "HUMAN.json")
    for path in files:
        m = agg.score_matrix(path.stem, S.load_scores(path), random, human)
        assert m.scores.shape == (m.runs, 26)
        expected = agg.interval_estimates(m.scores, reps=500, seed=0)
        shown = report.methods[path.stem]
        for metric in agg.METRICS:
            assert shown[metric].point == pytest.approx(expected[metric].point, rel=1e-12)
            assert shown[metric].lower == pytest.approx(expected[metric].lower, rel=1e-12)
        iqm = float(agg.iqm(m.scores))
        cell = dialog.cell_text(path.stem, "IQM")
        assert cell.startswith(f"{iqm:.3f} [")
    # the published Atari 100k IQMs (Agarwal et al. 2021): SPR 0.337, DrQ(eps) 0.280
    assert dialog.cell_text("SPR", "IQM").startswith("0.337")
    assert dialog.cell_text("DrQ(eps)", "IQM").startswith("0.280")
    # table, P(improvement), interval plot, performance profiles
    assert dialog.tabs.count() == 4
    poi = done.args[0].improvement[("SPR", "DrQ(eps)")]
    spr, drq = (agg.score_matrix(p.stem, S.load_scores(p), random, human).scores for p in files)
    assert poi.point == pytest.approx(agg.probability_of_improvement(spr, drq), rel=1e-12)
    assert poi.lower <= poi.point <= poi.upper and poi.point > 0.5
    assert dialog.improvement.item(0, 1).text().startswith(f"{poi.point:.3f}")
    prof = done.args[0].profiles["SPR"]
    assert prof.fraction[0] <= 1.0 and np.all(np.diff(prof.fraction) <= 0)
    assert np.all(prof.lower <= prof.fraction + 1e-12) and np.all(
        prof.fraction <= prof.upper + 1e-12
    )


def test_the_aggregate_view_and_the_cli_give_the_same_numbers(
    qtbot: QtBot, runner: TaskRunner, capsys: pytest.CaptureFixture[str]
) -> None:
    """One verb (workflows/aggregate.py) behind both: every estimate and P(X > Y) of the
    dialog equals what ``paperscope aggregate --json`` prints for the same files."""
    import json

    from paperscope.cli import main
    from paperscope.gui.plots.aggregate_view import AggregateDialog

    files = [SCORES / "IRIS.json", SCORES / "SimPLe.json"]
    refs = [SCORES / "RANDOM.json", SCORES / "HUMAN.json"]
    dialog = AggregateDialog(runner)
    qtbot.addWidget(dialog)
    dialog.add_score_files(files)
    dialog.set_references(*refs)
    dialog.reps.setValue(1000)  # the view's P(X > Y) takes at most 1000 resamples
    with qtbot.waitSignal(dialog.computed, timeout=20000) as done:
        dialog.compute()
    gui = done.args[0]
    argv = ["aggregate", *map(str, files), "--reference", *map(str, refs), "--json"]
    assert main([*argv, "--reps", "1000", "--improvement"]) == 0
    cli = json.loads(capsys.readouterr().out)
    assert cli["tasks"] == list(gui.report.tasks) and len(cli["tasks"]) == 26
    assert cli["normalisation"] == gui.report.normalisation
    for name, ests in gui.report.methods.items():
        assert cli["methods"][name]["runs"] == gui.report.runs[name] == 5
        for metric, est in ests.items():
            assert cli["methods"][name][metric] == est.as_dict()
    assert len(cli["improvement"]) == len(gui.improvement) == 2
    for row in cli["improvement"]:
        assert gui.improvement[(row["x"], row["y"])].as_dict() == {
            k: row[k] for k in ("point", "ci_low", "ci_high")
        }
    # IRIS's own paper (Table 1): IQM 0.501
    assert dialog.cell_text("IRIS", "IQM").startswith("0.501 [")
    # the "Atari table" button: rliable's shipped scores, the same numbers as the files
    dialog.atari_button.click()
    assert (dialog.random.text(), dialog.human.text()) == ("atari", "atari")
    with qtbot.waitSignal(dialog.computed, timeout=20000) as done:
        dialog.compute()
    assert done.args[0].report.methods == gui.report.methods
    assert dialog.cell_text("IRIS", "IQM").startswith("0.501 [")


def test_aggregate_view_reports_a_bad_file(
    qtbot: QtBot, runner: TaskRunner, tmp_path: Path
) -> None:
    from paperscope.gui.plots.aggregate_view import AggregateDialog

    bad = tmp_path / "broken.json"
    bad.write_text('{"Pong": [1, 2', encoding="utf-8")
    dialog = AggregateDialog(runner)
    qtbot.addWidget(dialog)
    dialog.add_score_files([bad])
    with qtbot.waitSignal(dialog.failed, timeout=10000) as failed:
        dialog.compute()
    assert "broken.json" in failed.args[0]
    assert dialog.compute_button.isEnabled()


def _pdf_streams(data: bytes) -> list[bytes]:
    out = []
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", data, re.S):
        body = m.group(1)
        try:
            out.append(zlib.decompress(body))
        except zlib.error:
            out.append(body)
    return out


def test_publication_pdf_is_vector_with_the_requested_size(qtbot: QtBot, tmp_path: Path) -> None:
    from paperscope.gui.plots.export_dialog import PublicationDialog
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.workflows.open import demo_runs
    from paperscope.workflows.runs import load_runs

    runs: list[Run] = load_runs([demo_runs()])[0]
    view = PlotsView()
    qtbot.addWidget(view)
    view.add_runs(runs)
    pane = view.current_pane()
    pane.set_grouping("regex", regex="run")  # no runner here: computed at once
    pane.refresh()
    assert [g.label for g in pane.data.groups] == ["run"]
    dialog = PublicationDialog(pane)
    qtbot.addWidget(dialog)
    dialog.size_box.setCurrentIndex(dialog.size_box.findData("double"))
    assert dialog.height_box.value() == 3.0 and dialog.font_box.value() == 9.0
    dialog.legend.setCurrentText("lower right")
    out = tmp_path / "figure.pdf"
    written = dialog.export_to(out)
    assert written == [out, tmp_path / "figure.csv"]
    data = out.read_bytes()
    assert data.startswith(b"%PDF")
    m = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert m is not None
    assert (float(m.group(1)), float(m.group(2))) == (504.0, 216.0)  # 7 x 3 in at 72 pt/in
    assert b"/Subtype /Image" not in data  # no raster image XObject
    content = b"\n".join(_pdf_streams(data))
    assert len(re.findall(rb"\d l\b", content)) > 200  # line segments of the curves
    assert re.search(rb"\bf\b|\bf\*", content)  # the filled band
    assert b"EMA" in data or b"smoothing" in data.lower()  # metadata: the smoothing
    # the CSV holds what the pane draws: the group's mean and band, smoothed
    g = pane.data.groups[0]
    with (tmp_path / "figure.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert {r["series"] for r in rows} == {"run"} and len(rows) == len(g.x)
    for col, want in (("x", g.x), ("y", g.center), ("lower", g.lower), ("upper", g.upper)):
        np.testing.assert_array_equal([float(r[col]) for r in rows], want)
    assert {r["n"] for r in rows} == {"3"}
    np.testing.assert_allclose(pane.curves()["run"][1], g.center)


def test_main_window_menus_open_the_export_and_aggregate_dialogs(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from PySide6.QtGui import QAction

    from paperscope.workflows.open import demo_runs

    texts = {a.text().replace("&", "") for a in window.findChildren(QAction)}
    assert {"Export plot…", "Publication figure…", "Aggregate scores (rliable)…"} <= texts
    window.load_runs([demo_runs()])
    qtbot.waitUntil(lambda: window.plot_pane.data is not None, timeout=30000)
    window.publication_figure()
    dialog = window._publication_dialog
    assert dialog.isVisible() and dialog.pane is window.plot_pane
    dialog.path.setText(str(tmp_path / "fig.svg"))
    dialog.csv.setChecked(True)
    from PySide6.QtWidgets import QDialogButtonBox

    dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: bool(dialog.written), timeout=20000)  # written by the task runner
    assert dialog.written == [tmp_path / "fig.svg", tmp_path / "fig.csv"]
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=5000)
    assert window.status.label.text() == "Wrote fig.svg, fig.csv"  # not "writing fig.svg"
    svg = (tmp_path / "fig.svg").read_text(encoding="utf-8")
    assert "<path" in svg and "strict/foo" in svg
    window.aggregate_scores()
    assert window._aggregate_dialog.isVisible()
    window._aggregate_dialog.close()
    dialog.close()
