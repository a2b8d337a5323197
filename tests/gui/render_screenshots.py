"""Render the plot screenshots committed under ``resources/screenshots/`` (not a test):

    PYTHONPATH=app python tests/gui/render_screenshots.py

``plot-pane.png``: the plots dock on the demo runs, two panes side by side (the runs
smoothed with their raw curves faint behind; the same runs as one group, mean ± std),
crosshair read-outs shown. ``publication-figure.png``: the right pane's publication PDF
(double column) rendered by ``pdftoppm`` (poppler-utils). ``plot-pane-references.png``:
Dopamine's Pong baselines (grouped by agent) with the reference lines of the linked
Nature DQN and C51 papers (EFF's table) and the JAT card's Pong score with its ± std band
(``--references`` renders only this one, and the two below).
``plot-pane-human-random.png``: the same pane with the Human and Random lines of
rliable's Pong scores switched on beside the linked papers' lines;
``comparison-table-normalised.png``: the comparison table dialog for those runs and
Dopamine's Breakout baselines beside the linked papers' EFF scores, as human-normalised
IQM [95% CI] (Markdown preview).

    PYTHONPATH=app python tests/gui/render_screenshots.py --compare

``runs-table-summaries.png``: the runs table on the Dopamine baselines with summary
columns (sorted by ``return.max``, filtered by an expression) beside the plot pane;
``parallel-coordinates.png``: a hyperparameter pane over agent, game, seed and two
summaries with a brush on ``return.max`` (the brushed runs drawn on top, also in the
runs table); ``scatter.png``: ``return.max`` against the seed, a trend line per agent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAPERSCOPE_HOME", tempfile.mkdtemp(prefix="paperscope-shots-"))
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(1, str(ROOT))


def references(out: Path) -> Path:
    from PySide6.QtWidgets import QApplication

    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.library.store import Store
    from paperscope.workflows.references import ReferenceFinder
    from tests.workflows.test_references import build_library, pong_runs

    app = QApplication.instance() or QApplication([])
    store = Store(Path(tempfile.mkdtemp()) / "library.duckdb")
    ids = build_library(store)
    view = PlotsView(references=ReferenceFinder(store))
    view.resize(1400, 640)
    view.show()
    view.add_runs(pong_runs())
    pane = view.current_pane()
    pane.state.update(metric="return", grouping="config", group_key="agent", show_raw=False,
                      reference_results=(ids["jat_pong"],))  # fmt: skip
    pane.refresh()
    while pane.data is None or not pane.data.groups:
        app.processEvents()
    for _ in range(5):
        app.processEvents()
    path = out / "plot-pane-references.png"
    view.grab().save(str(path))
    store.close()
    return path


def normalisation(out: Path) -> list[Path]:
    """The Human / Random lines of the Pong pane, and the human-normalised table."""
    from PySide6.QtWidgets import QApplication

    from paperscope.gui.dialogs.table_dialog import TableDialog
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.gui.task_runner import TaskRunner
    from paperscope.library.store import Store
    from paperscope.workflows.references import ReferenceFinder
    from tests.workflows.test_references import build_library, pong_runs

    app = QApplication.instance() or QApplication([])
    store = Store(Path(tempfile.mkdtemp()) / "library.duckdb")
    build_library(store)
    view = PlotsView(references=ReferenceFinder(store))
    view.resize(1400, 640)
    view.show()
    runs = pong_runs()
    view.add_runs(runs)
    pane = view.current_pane()
    pane.state.update(metric="return", grouping="config", group_key="agent", show_raw=False,
                      normalisation_lines=("human", "random"))  # fmt: skip
    pane.refresh()
    qtbot_wait(app, lambda: pane.data is not None and len(pane.data.references) == 4)
    for _ in range(5):
        app.processEvents()
    lines = out / "plot-pane-human-random.png"
    view.grab().save(str(lines))
    from paperscope.workflows.runs import load_runs
    from tests.workflows.test_references import PONG

    breakout, _ = load_runs([PONG.with_name("breakout.json")], use_cache=False)
    runner = TaskRunner()
    dialog = TableDialog(store, runner, lambda _which: [*runs, *breakout])
    dialog.resize(1100, 520)
    dialog.show()
    dialog.metric_box.setCurrentText("return")
    dialog.group_by.setCurrentText("agent")
    dialog.reported.setText("Score")
    dialog.stat.setCurrentIndex(dialog.stat.findData("iqm-ci"))
    dialog.normalise.setCurrentIndex(dialog.normalise.findData("human"))
    dialog.format.setCurrentIndex(dialog.format.findData("markdown"))
    dialog.built = None
    dialog.update_preview()
    qtbot_wait(app, lambda: dialog.built is not None and not runner.running(), 120.0)
    for _ in range(5):
        app.processEvents()
    table = out / "comparison-table-normalised.png"
    dialog.grab().save(str(table))
    runner.shutdown(10000)
    store.close()
    return [lines, table]


def qtbot_wait(app: Any, done: Callable[[], bool], timeout: float = 30.0) -> None:
    import time

    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        app.processEvents()
        time.sleep(0.02)


def compare_shots() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QSplitter

    app = QApplication.instance() or QApplication([])
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.state.hyper import brush_from_positions
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([ROOT.parent / "shared" / "data" / "runs" / "dopamine"])
    view = PlotsView()
    view.resize(1500, 640)
    view.show()
    view.add_runs(runs)
    view.splitter.setSizes([760, 740])
    pane = view.current_pane()
    pane.set_metric("return")
    table = view.catalog.table
    table.add_summaries(["return.last", "return.max", "return.mean10"])
    table.update(filter_text='game == "breakout" and `return.max` > 20',
                 config_columns=("agent", "game", "seed"))  # fmt: skip
    table.sort_by("summary:return.max", descending=True)
    app.processEvents()
    pane.set_grouping("config", key="agent")
    view.splitter.setSizes([900, 600])
    panel = view.runs_panel
    panel.table.resizeColumnsToContents()
    for key, width in (("name", 190), ("source", 90), ("format", 70)):
        panel.table.setColumnWidth(view.catalog.column_of(key), width)
    left = view.splitter.widget(0)
    assert isinstance(left, QSplitter)
    left.setSizes([60, 580])  # the metric list small
    qtbot_wait(app, lambda: pane.data is not None)
    pane.canvas.auto_range()
    app.processEvents()
    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    view.grab().save(str(out / "runs-table-summaries.png"))
    table.update(filter_text="")
    hyper = view.area.add_hyper(pane, Qt.Orientation.Vertical)
    hyper.state.update(axes=("config:agent", "config:game", "config:seed",
                             "summary:return.max", "summary:return.last"))  # fmt: skip
    hyper.refresh()
    hyper.state.set_brush(brush_from_positions(hyper.axes["summary:return.max"], 0.55, 1.0))
    view.resize(1500, 900)
    app.processEvents()
    hyper.grab().save(str(out / "parallel-coordinates.png"))
    hyper.state.update(kind="scatter", x="config:seed", y="summary:return.max",
                       group_by="config:agent", log_y=True)  # fmt: skip
    app.processEvents()
    hyper.grab().save(str(out / "scatter.png"))
    print(f"wrote {out / 'runs-table-summaries.png'}, parallel-coordinates.png, scatter.png")
    return 0


def main() -> int:
    if "--compare" in sys.argv:
        return compare_shots()
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from paperscope.gui.plots.export_dialog import PublicationDialog
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.workflows.open import demo_runs
    from paperscope.workflows.runs import load_runs

    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    if "--references" in sys.argv:
        print(f"wrote {references(out)}, " + ", ".join(map(str, normalisation(out))))
        return 0
    runs, _ = load_runs([demo_runs()])
    view = PlotsView()
    view.resize(1400, 520)
    view.show()
    view.add_runs(runs)
    left = view.current_pane()
    right = view.area.split(left, Qt.Orientation.Horizontal)
    right.set_grouping("regex", regex="run")
    right.refresh()
    app.processEvents()
    right.show_readout_at(240.0, 2.5)
    left.show_readout_at(300.0, 2.4)
    app.processEvents()
    view.grab().save(str(out / "plot-pane.png"))
    dialog = PublicationDialog(right)
    dialog.size_box.setCurrentIndex(dialog.size_box.findData("double"))
    dialog.legend.setCurrentText("upper right")
    dialog.title.setText("strict/foo: mean ± std over 3 runs")
    pdf = Path(tempfile.mkdtemp()) / "publication-figure.pdf"
    dialog.export_to(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", "-singlefile", str(pdf), str(out / "publication-figure")],
        check=True,
    )
    print(f"wrote {out / 'plot-pane.png'}, {out / 'publication-figure.png'} and "
          f"{references(out)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
