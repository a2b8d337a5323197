"""The comparison table dialog (issue #15, item 4 in the GUI): the three
tensorboard-reducer runs (one seed group) in the current pane beside the reported
baseline of the paper they are linked to; the preview holds the expected LaTeX cells,
bold marks and ``\\cite`` key, the statistic and format switch, and Save writes the
table and the ``.bib`` that imports back."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from tests.conftest import RUNS, SHARED_DATA

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"
REFS = SHARED_DATA / "results/latex/rl_thesis_refs.bib"


def _finals() -> list[float]:
    out = []
    for run in sorted(STRICT.iterdir()):
        (events,) = run.iterdir()
        res = registry.get("tensorboard-file").read(events, no_progress, CancelToken())
        out.append(float(res.runs[0].series["strict/foo"].values[-1]))
    return out


def test_table_dialog_preview_and_save(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    store = window.store
    import_paths(store, [REFS])
    (pid,) = [int(r[0]) for r in store.cursor().execute(
        "SELECT id FROM papers WHERE citation_key = 'Mnih2015'").fetchall()]  # fmt: skip
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    wf.link_runs(store, [runs], pid, role="baseline")
    wf.add_manual_result(store, pid, dataset="Synthetic", metric="strict/foo", value="1.8 ± 0.1",
                         method="DQN")  # fmt: skip
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        window.load_runs([runs], watch=False)
    dialog = window.links.show_table_dialog()
    qtbot.addWidget(dialog)
    assert dialog.metric_box.currentText() == "strict/foo"
    assert dialog.group_by.currentText() == "name"
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        dialog.dataset.setText("Synthetic")
        dialog.update_preview()
    finals = _finals()
    mean, std = np.mean(finals), np.std(finals, ddof=1)
    lines = dialog.preview.toPlainText().splitlines()
    assert f"run & $\\mathbf{{{mean:.2f} \\pm {std:.2f}}}$ \\\\" in lines
    assert "DQN~\\cite{Mnih2015} & $1.80 \\pm 0.10$ \\\\" in lines
    assert "2 rows × 1 column, 1 cited paper" in dialog.message.text()
    # lower is better: the baseline is bold now
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        dialog.best_box.setCurrentIndex(dialog.best_box.findText("lower is better"))
    assert "DQN~\\cite{Mnih2015} & $\\mathbf{1.80 \\pm 0.10}$ \\\\" in (
        dialog.preview.toPlainText().splitlines()
    )
    # IQM with its bootstrap CI, as Markdown: the format changes without recomputing
    with qtbot.waitSignal(dialog.previewed, timeout=60000):
        dialog.stat.setCurrentIndex(dialog.stat.findData("iqm-ci"))
    dialog.format.setCurrentIndex(dialog.format.findData("markdown"))
    md = dialog.preview.toPlainText()
    assert md.startswith("| Method |") and "[" in md.splitlines()[2]
    dialog.format.setCurrentIndex(dialog.format.findData("latex"))
    out, bib = dialog.save(tmp_path / "table.tex")
    assert out.read_text() == dialog.text()
    back = registry.get("bibtex").read(bib, no_progress, CancelToken())
    assert [(p.citation_key, p.year) for p in back.papers] == [("Mnih2015", 2015)]
    # a metric no run has and no paper reports: said, nothing to save
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        dialog.metric_box.setCurrentText("no/such")
    assert not dialog.save_button.isEnabled()
    assert "no/such" in dialog.message.text()


def test_table_dialog_human_normalised_scores(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """Dopamine's Pong runs beside the EFF table's Nature DQN score, as human-normalised
    scores (rliable's Pong: human 14.6, random -20.7)."""
    from tests.workflows.test_references import PONG, build_library

    ids = build_library(window.store)
    with qtbot.waitSignal(window.runs_loaded, timeout=30000):
        window.load_runs([PONG], watch=False)
    dialog = window.links.show_table_dialog()
    qtbot.addWidget(dialog)
    dialog.metric_box.setCurrentText("return")
    dialog.group_by.setCurrentText("agent")
    dialog.format.setCurrentIndex(dialog.format.findData("markdown"))
    dialog.reported.setText("Score")
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        dialog.update_preview()
    assert dialog.built is not None and dialog.built.normalised == []
    assert "| Nature DQN [anonhuman] | 18.90 |" in dialog.preview.toPlainText()
    with qtbot.waitSignal(dialog.previewed, timeout=30000):
        dialog.normalise.setCurrentIndex(dialog.normalise.findData("human"))
        dialog.update_preview()
    text = dialog.preview.toPlainText()
    assert "pong / Score (human-normalised)" in text
    assert f"| Nature DQN [anonhuman] | {(18.9 + 20.7) / 35.3:.2f} |" in text
    assert "human-normalised: pong" in dialog.message.text()
    assert ids["dqn"] in {r.paper_id for r in dialog.built.table.rows}
