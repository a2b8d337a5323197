"""No freezes (issue 7, part 4): the Qt event loop is never blocked longer than 200 ms
while the window imports 100,000 papers, builds a map, or loads 10,000,000 points.

Each test starts the event-loop watchdog (``tests/gui/watchdog.py``) once its data is
prepared, drives the window the way the menus do, waits for everything that follows
(table refresh, search index, sidebar counts, redraws), and fails if the UI thread was
unresponsive for more than 200 ms at any point. The longest stall is printed (``-s``).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.conftest import PAPERS, REPO
from tests.gui.watchdog import Watchdog

SNAPSHOT = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"


def _bench_library() -> Any:
    """``tests/benchmarks/bench_library.py`` (its ``generate`` writes Kaggle-format
    arXiv lines re-sampled from the real head-200 snapshot)."""
    name = "_bench_library_for_gui_tests"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, REPO / "tests" / "benchmarks" / "bench_library.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def _report(name: str, dog: Watchdog) -> None:
    rep = dog.report
    print(f"\n[no-freeze] {name}: {rep.line()} ({rep.ticks} ticks)")


def test_importing_100k_papers_never_blocks_the_event_loop(
    window: Any, watchdog: Watchdog, qtbot: Any, tmp_path: Path
) -> None:
    snapshot = tmp_path / "arxiv-100k.jsonl"
    _bench_library().generate(snapshot, 100_000)
    assert snapshot.stat().st_size > 20_000_000  # the bulk path (BULK_MIN_BYTES)
    before = window.store.paper_count()

    watchdog.start("import (File → Import papers)")
    with qtbot.waitSignal(window.import_finished, timeout=180_000) as finished:
        window.import_papers([snapshot])
    summary = finished.args[0]
    watchdog.phase("after the import: table refresh, search index, sidebar counts")
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=180_000)
    qtbot.wait(300)  # the debounced sidebar timer and a repaint
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60_000)
    watchdog.phase("a word search over the new papers")
    window.papers_view.set_query("learning")
    qtbot.wait(100)
    watchdog.phase("clearing the search")
    window.papers_view.set_query("")
    qtbot.wait(100)
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60_000)
    watchdog.stop()
    _report("import 100k papers", watchdog)

    assert summary.added + summary.merged == 100_000, summary.line()
    assert window.store.paper_count() == before + summary.added
    assert window.papers_view.model.rowCount() == before + summary.added
    assert window.store.text_index_current()
    watchdog.check()
