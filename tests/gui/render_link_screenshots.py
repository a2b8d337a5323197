"""Render the papers-meet-runs screenshots committed under ``resources/screenshots/``
(not a test):

    PYTHONPATH=app python tests/gui/render_link_screenshots.py

``details-results-runs.png``: the details pane of the DQN Nature paper (Mnih et al.
2015, from ``shared/data/results/latex/rl_thesis_refs.bib``) with reported Atari scores
typed in from the paper's Extended Data Table 2, the three demo tensorboard-reducer runs
linked to it and one link whose folder was moved away (shown as missing).
``comparison-table.png``: the comparison table dialog for those runs beside a
hand-entered baseline, as LaTeX.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PAPERSCOPE_HOME", tempfile.mkdtemp(prefix="paperscope-shots-"))
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
SHARED = Path(os.environ.get("PAPERSCOPE_SHARED", ROOT.parent / "shared"))
REFS = SHARED / "data/results/latex/rl_thesis_refs.bib"

# Mnih et al. 2015, Extended Data Table 2 (DQN, mean ± std over 30 evaluation episodes)
DQN_SCORES = (
    ("Breakout", "401.2 ± 26.9"), ("Pong", "18.9 ± 1.3"), ("Seaquest", "5286 ± 1310"),
    ("Space Invaders", "1976 ± 893"), ("Enduro", "301.8 ± 24.6"),
)  # fmt: skip


def main() -> int:
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication.instance() or QApplication([])
    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store
    from paperscope.workflows import results as wf
    from paperscope.workflows.open import create_demo_library, demo_runs
    from paperscope.workflows.papers import import_paths

    tmp = Path(tempfile.mkdtemp(prefix="paperscope-links-"))
    store = Store(create_demo_library(tmp / "demo.duckdb"))
    import_paths(store, [REFS])
    (pid,) = [int(r[0]) for r in store.cursor().execute(
        "SELECT id FROM papers WHERE citation_key = 'Mnih2015'").fetchall()]  # fmt: skip
    for game, value in DQN_SCORES:
        wf.add_manual_result(store, pid, task="Atari Games", dataset=game, metric="Score",
                             value=value, method="DQN", n_runs=30)  # fmt: skip
    strict = demo_runs() / "tensorboard-reducer/strict"
    runs = tmp / "strict"
    shutil.copytree(strict, runs)
    wf.link_runs(store, [runs / f"run_{i}" for i in (1, 2, 3)], pid, note="seed sweep")
    gone = tmp / "old-runs" / "dqn_breakout_seed0"
    shutil.copytree(strict / "run_1", gone)
    wf.link_runs(store, [gone], pid, role="baseline", note="moved to the cluster")
    shutil.rmtree(gone)
    wf.add_manual_result(store, pid, dataset="Synthetic", metric="strict/foo", value="1.8 ± 0.1",
                         method="hand-entered baseline")  # fmt: skip

    win = MainWindow(store)
    win.persist_layout = False
    win.resize(1400, 900)
    win.show()
    while win.runner.running():
        app.processEvents()
    win.load_runs([runs], watch=False)
    while win.runner.running() or not win.plots.catalog.runs():
        app.processEvents()
    win.state.set_current_paper(pid)
    win.detail_pane.tabs.setCurrentIndex(1)
    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    pane = win.detail_pane
    win.details_split.replaceWidget(0, QWidget())  # the pane alone, at a dock's width
    pane.setParent(None)
    pane.resize(600, 860)
    pane.show()
    app.processEvents()
    pane.grab().save(str(out / "details-results-runs.png"))

    dialog = win.links.show_table_dialog()
    dialog.dataset.setText("Synthetic")
    dialog.update_preview()
    while win.runner.running() or dialog.built is None:
        app.processEvents()
    app.processEvents()
    dialog.grab().save(str(out / "comparison-table.png"))
    print(f"wrote {out / 'details-results-runs.png'} and {out / 'comparison-table.png'}")
    win.runner.shutdown(10000)
    win.close()
    store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
