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
    print(
        f"\n[no-freeze] {name}: {rep.line()} ({rep.ticks} ticks; limit "
        f"{1000 * dog.limit_s:.0f} ms, speed factor {dog.factor:.2f})"
    )


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


def _clustered_unit_vectors(n: int, dim: int = 384, k: int = 8, seed: int = 3) -> np.ndarray:
    """Real-shaped embeddings: ``k`` topics (random unit centres) with spread, unit rows
    (what the sentence-transformers model gives: 384 dimensions, normalised)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    topic = rng.integers(0, k, size=n)
    m = centres[topic] + rng.normal(scale=0.6 / np.sqrt(dim), size=(n, dim)) * 4
    m /= np.linalg.norm(m, axis=1, keepdims=True)
    return m.astype(np.float32)


def test_building_a_map_never_blocks_the_event_loop(
    window: Any, watchdog: Watchdog, qtbot: Any, tmp_path: Path
) -> None:
    from paperscope.workflows.embed import text_hash
    from paperscope.workflows.papers import import_paths

    n = 3000
    lines = tmp_path / "arxiv-3k.jsonl"
    _bench_library().generate(lines, n, seed=11)
    store = window.store
    summary = import_paths(store, [lines])
    assert summary.added + summary.merged == n, summary.line()
    ids = np.unique(np.asarray(summary.paper_ids, dtype=np.int64))
    assert ids.size == n
    model = "test/real-shaped-384"
    store.put_vectors(model, ids, [text_hash(str(i)) for i in ids.tolist()],
                      _clustered_unit_vectors(n))  # fmt: skip
    window.state.library_changed.emit()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60_000)
    pane = window.map_pane
    frames: list[str] = []
    shown = pane._on_build_partial

    def on_partial(frame: Any) -> None:  # the pane's own slot, counting the frames
        frames.append(frame.method)
        shown(frame)

    pane._on_build_partial = on_partial

    watchdog.start("building the map (PCA, kNN, UMAP frames, clusters)")
    built: list[bool] = []
    pane.map_built.connect(lambda: built.append(True))
    # "Build map" on papers already embedded (the stored vectors of one model)
    pane.build_map("umap", model_id=model)
    qtbot.waitUntil(lambda: bool(built) or not window.runner.running(), timeout=240_000)
    assert built, f"the map was not built: {pane.message.text()}"
    watchdog.phase("after the build: stored map, colours, similar papers")
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60_000)
    for by in ("Year", "Organisation", "Cluster"):
        watchdog.phase(f"colour by {by}")
        pane.colour_box.setCurrentText(by)
        qtbot.wait(50)
    watchdog.stop()
    _report(f"build a map of {n:,} papers", watchdog)

    assert frames[0] == "pca" and "umap" in frames, frames
    assert pane.view is not None and pane.view.ids.size == n
    assert pane._map is not None and len(pane._map.clusters) >= 2
    watchdog.check()


def _runs(n_runs: int, points: int) -> list[Any]:
    from paperscope.core.records import Run, Series

    rng = np.random.default_rng(5)
    steps = np.arange(points, dtype=np.int64)
    wall = 1.7e9 + steps * 0.01
    runs = []
    for k in range(n_runs):
        values = np.exp(-steps / (points / (3 + k))) + rng.normal(scale=0.05, size=points)
        series = {"train/loss": Series("train/loss", steps, wall, values)}
        runs.append(Run(f"big-{k}", f"run {k}", "test", (f"/runs/big-{k}",), series,
                        {"seed": k % 3, "lr": 1e-3 * (1 + k // 3)}))  # fmt: skip
    return runs


def test_loading_10m_points_never_blocks_the_event_loop(
    window: Any, watchdog: Watchdog, qtbot: Any
) -> None:
    from paperscope.gui.plots.plots_view import prepare_plotting

    runs = _runs(10, 1_000_000)
    pane = window.plot_pane

    def loaded(progress: Any, cancel: Any) -> tuple[list[Any], list[Any]]:
        # what File → Open runs does on its worker once the files are read
        # (``watch_runs_for_plots``): here the runs were built in memory
        prepare_plotting()
        return runs, []

    watchdog.start("loading 10 runs x 1M points into the plots")
    with qtbot.waitSignal(window.runs_loaded, timeout=60_000):
        window.runner.submit(loaded, title="Loading runs", on_result=window.show_loaded_runs)
    watchdog.phase("computing and drawing 10M points")
    qtbot.waitUntil(lambda: pane.data is not None and not window.runner.running(),
                    timeout=120_000)  # fmt: skip
    qtbot.wait(100)
    assert len(pane.drawn()) == 10
    vb = pane.plot.getPlotItem().getViewBox()
    watchdog.phase("zooming in")
    vb.setXRange(200_000, 300_000, padding=0)
    qtbot.wait(100)
    watchdog.phase("zooming out")
    vb.setXRange(0, 1_000_000, padding=0)
    qtbot.wait(100)
    watchdog.phase("changing the smoothing (recomputed)")
    pane.set_smoothing(0.9)
    qtbot.waitUntil(lambda: pane.data is not None and pane.data.spec.smoothing == 0.9
                    and not window.runner.running(), timeout=120_000)  # fmt: skip
    qtbot.wait(100)
    watchdog.phase("grouping by seed (bands)")
    pane.set_grouping("config", key="seed")
    qtbot.waitUntil(lambda: pane.data is not None and len(pane.data.groups) == 3
                    and not window.runner.running(), timeout=120_000)  # fmt: skip
    qtbot.wait(100)
    watchdog.stop()
    _report("load 10 runs x 1M points", watchdog)

    assert sum(len(r.series["train/loss"]) for r in pane.runs()) == 10_000_000
    watchdog.check()


def _busy(cpu_seconds: float) -> None:
    """What a slow slot does to the UI thread: ``cpu_seconds`` of its own CPU time,
    however long that takes on a busy machine."""
    import time

    end = time.thread_time() + cpu_seconds
    x = 0
    while time.thread_time() < end:
        x += sum(range(1000))


def test_the_watchdog_sees_a_blocked_event_loop(watchdog: Watchdog, qtbot: Any) -> None:
    # the plain 200 ms, not scaled by the machine's speed factor: the slot below takes
    # 300 ms of this machine's CPU time, whatever the machine
    watchdog.limit_s = 0.2
    watchdog.start("idle")
    qtbot.wait(100)
    watchdog.phase("a slot computing for 300 ms")
    _busy(0.3)
    qtbot.wait(50)
    report = watchdog.stop()
    assert 0.3 <= report.longest < 1.0 and report.phase == "a slot computing for 300 ms"
    assert report.longest_wall >= 0.3  # the wall-clock gap is reported beside it
    assert len(report.stalls) == 1 and report.ticks > 5
    with pytest.raises(AssertionError, match="event loop was blocked"):
        watchdog.check()
