"""Opening a workspace with 10 plot panes and 100 runs from the parsed-run cache
(issue #6: goal ≤ 2 s). The baseline measured in the same run is the same workspace
opened with the cache emptied (every event file parsed again).

    QT_QPA_PLATFORM=offscreen .venv/bin/python tests/benchmarks/bench_workspace.py [--runs 100]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paperscope.library.store import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def write_runs(root: Path, n_runs: int, tags: int, steps: int) -> None:
    """Real TensorBoard event files, written by tensorboardX."""
    import numpy as np
    from tensorboardX import SummaryWriter

    rng = np.random.default_rng(0)
    for r in range(n_runs):
        w = SummaryWriter(str(root / f"seed{r % 5}_lr{r // 5}"))
        for t in range(tags):
            values = np.cumsum(rng.normal(size=steps))
            for s in range(steps):
                w.add_scalar(f"metric_{t}", float(values[s]), s)
        w.close()


def open_once(store: Store, path: Path, qtbot_timeout: float = 120.0) -> float:
    from PySide6.QtCore import QEventLoop, QTimer

    from paperscope.gui.main_window import MainWindow

    t = time.perf_counter()
    win = MainWindow(store)
    win.persist_layout = False
    loop = QEventLoop()
    win.runs_loaded.connect(lambda _runs: QTimer.singleShot(0, loop.quit))
    QTimer.singleShot(int(qtbot_timeout * 1000), loop.quit)
    assert win.open_workspace(path)
    loop.exec()
    panes = win.plots.area.panes()
    elapsed = time.perf_counter() - t
    drawn = sum(len(p.curves()) for p in panes)
    win.runner.shutdown()
    win.close()
    print(f"    {len(panes)} panes, {drawn} curves drawn")
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--panes", type=int, default=10)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PAPERSCOPE_HOME"] = str(Path(tmp) / "home")
        from paperscope.gui import workspace
        from paperscope.gui.main_window import MainWindow
        from paperscope.library.store import Store
        from paperscope.workflows.runs import clear_cache

        root = Path(tmp) / "runs"
        t = time.perf_counter()
        write_runs(root, args.runs, tags=args.panes, steps=args.steps)
        print(f"wrote {args.runs} runs x {args.panes} tags x {args.steps} steps "
              f"in {time.perf_counter() - t:.1f} s")  # fmt: skip
        store = Store(Path(tmp) / "lib.duckdb")
        # make the workspace: one tab per metric, every run shown
        from PySide6.QtCore import QEventLoop

        win = MainWindow(store)
        win.persist_layout = False
        loop = QEventLoop()
        win.runs_loaded.connect(lambda _r: loop.quit())
        win.load_runs([root])
        loop.exec()
        for k in range(args.panes):
            if k:
                win.plots.area.add_tab()
            win.plot_pane.set_metric(f"metric_{k}")
        path = win.save_workspace_as(Path(tmp) / "ten.paperscope")
        assert path is not None
        win.runner.shutdown()
        win.close()
        state = workspace.load(path)
        print(f"workspace: {len(state['plots']['tabs'])} tabs, runs from {state['runs']}")

        cached = min(open_once(store, path) for _ in range(3))
        clear_cache()
        cold = open_once(store, path)
        store.close()
    print(f"open the workspace from the cache: {cached:.2f} s (goal 2 s: {cached / 2:.2f}x)")
    faster = cold / cached
    print(
        f"baseline, cache emptied (every file parsed): {cold:.2f} s -> cache {faster:.1f}x faster"
    )
    app.quit()


if __name__ == "__main__":
    main()
