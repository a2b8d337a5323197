"""The semantic map in the window (issue #9): clusters named from their papers, a click
selects the paper, a lasso filters the table, the search lights papers up."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from tests.conftest import TEST_DATA

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path
    from typing import Any

    from PySide6.QtCore import QPoint
    from pytestqt.qtbot import QtBot

    from paperscope.core.tasks import CancelToken, Progress
    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.map.map_pane import MapPane
    from paperscope.gui.map.map_view import MapView
    from paperscope.library.store import Store
    from paperscope.library.store.maps import StoredMap


def _demo_vectors(window: MainWindow) -> tuple[np.ndarray, np.ndarray]:
    """The real vectors of the demo library's 79 papers, stored as model "test-minilm"."""
    from tests.mapping.corpus import load_corpus

    keys, _texts, titles = load_corpus()
    data = np.load(TEST_DATA / "map_vectors.npz", allow_pickle=False)
    by_title = {
        t: data["vectors"][i]
        for i, (k, t) in enumerate(zip(keys, titles, strict=True))
        if k.startswith("hfpage:")
    }
    ids = window.store.paper_ids()
    rows = window.store.table_rows(ids, ["title"])
    matrix = np.stack([by_title[rows[int(i)][0]] for i in ids])
    window.store.put_vectors("test-minilm", ids, ["from-test"] * len(ids), matrix)
    return ids, matrix


@pytest.fixture
def mapped(window: MainWindow) -> MainWindow:
    """The demo library laid out from the real vectors of its 79 papers
    (tests/data/map_vectors.npz: all-MiniLM-L6-v2 embeddings, see its README)."""
    from paperscope.workflows.map import build_map

    ids, matrix = _demo_vectors(window)
    build_map(window.store, vectors=(ids, matrix), model_id="test-minilm", method="umap", seed=0,
              min_cluster_size=5)  # fmt: skip
    assert window.map_pane.load()
    view = window.map_pane.view
    view.resize(600, 500)
    view.render_now()
    return window


def test_map_shows_every_paper_with_named_clusters(mapped: MainWindow) -> None:
    stored = mapped.map_pane._map
    view = mapped.map_pane.view
    assert view.ids.size == 79 and view.mode == "points"
    assert len(stored.clusters) >= 2
    store = mapped.store
    from paperscope.mapping.clusters import finest_under

    assert {c.level for c in stored.clusters} == {0, 1}  # 9 clusters, 3 broader ones
    for cluster in stored.clusters:  # every level's label is made of its papers' words
        inside = list(finest_under(stored.clusters, cluster.id))
        members = stored.paper_ids[np.isin(stored.clusters_of, inside)]
        text = " ".join(
            (store.paper_row(int(p))["title"] + " " + store.paper_row(int(p))["abstract"]).lower()
            for p in members
        )  # fmt: skip
        for word in cluster.label.replace(",", " ").split():
            assert word.lower() in text, (word, cluster.label)
    assert view.visible_labels(), "no cluster label is drawn"
    assert mapped.map_pane.colour_box.currentText() == "Cluster"


def test_the_info_line_shows_what_the_map_is_and_how_it_was_built(
    mapped: MainWindow, qtbot: QtBot
) -> None:
    """At 1280 x 800 in the default layout the map dock is narrow; the line saying what
    the map is and where it was built (kNN, layout path, the SGD's cores) sits under
    the buttons with the dock's width (beside them it once got no width at all), the
    whole text in its tooltip."""
    mapped.resize(1280, 800)
    qtbot.waitUntil(lambda: mapped.map_pane.info.width() > 200, timeout=5000)
    info = mapped.map_pane.info
    assert info.isVisible() and info.height() > 0
    text = info.text()
    assert text == "79 papers · kNN exact · UMAP on all papers on 1 core", text
    assert info.toolTip() == text
    assert info.geometry().bottom() < mapped.map_pane.stack.geometry().top()


def _screen_pos(view: MapView, x: float, y: float) -> QPoint:
    scene = view.view_box.mapViewToScene(QPointF(x, y))
    return view.plot.mapFromScene(scene)


def test_clicking_a_point_selects_that_paper(mapped: MainWindow, qtbot: QtBot) -> None:
    view = mapped.map_pane.view
    row = 17
    pid = int(view.ids[row])
    x, y = (float(v) for v in view.coords[row])
    assert view.paper_at(x, y) == pid
    qtbot.mouseClick(view.plot.viewport(), Qt.MouseButton.LeftButton, pos=_screen_pos(view, x, y))
    qtbot.waitUntil(lambda: mapped.state.current_paper == pid, timeout=3000)
    table = mapped.papers_view.table
    assert table.model().paper_id(table.currentIndex().row()) == pid
    assert mapped.detail_pane.text().startswith(mapped.store.paper_row(pid)["title"])


def test_lasso_over_a_cluster_filters_the_table_to_it(mapped: MainWindow, qtbot: QtBot) -> None:
    from scipy.spatial import ConvexHull

    stored = mapped.map_pane._map
    biggest = max((c for c in stored.clusters if c.level == 0), key=lambda c: c.size)
    members = stored.paper_ids[stored.clusters_of == biggest.id]
    pts = stored.coords[stored.clusters_of == biggest.id].astype(np.float64)
    hull = pts[ConvexHull(pts).vertices]
    centre = pts.mean(axis=0)
    polygon = centre + (hull - centre) * 1.02  # just around the cluster's points
    expected = {int(p) for p in stored.paper_ids if _inside(polygon, stored, p)}
    assert set(int(m) for m in members) <= expected
    with qtbot.waitSignal(mapped.papers.map_selection_shown) as shown:
        mapped.map_pane.view.select_polygon([tuple(p) for p in polygon])
    assert set(shown.args[0]) == expected
    assert sorted(int(i) for i in mapped.papers_view.model.ids()) == sorted(expected)


def _inside(polygon: np.ndarray, stored: StoredMap, pid: int) -> bool:
    from matplotlib.path import Path

    row = int(np.flatnonzero(stored.paper_ids == pid)[0])
    return bool(Path(polygon).contains_point(stored.coords[row]))


def test_search_lights_up_its_papers_on_the_map(mapped: MainWindow, qtbot: QtBot) -> None:
    mapped.papers_view.search.setText("reward")
    view = mapped.map_pane.view
    qtbot.waitUntil(lambda: len(view.overlay.data) > 0, timeout=3000)
    assert len(view.overlay.data) == mapped.papers_view.model.rowCount() < 79
    # float mode shows every paper, the matches on top: only the matches are lit up
    mapped.papers_view.set_float_mode(True)
    mapped.papers_view.set_query("")
    qtbot.waitUntil(lambda: len(view.overlay.data) == 0, timeout=3000)
    mapped.papers_view.set_query("reward")
    model = mapped.papers_view.model
    assert model.rowCount() == 79 > model.n_matches > 0
    qtbot.waitUntil(lambda: len(view.overlay.data) == model.n_matches, timeout=3000)


def test_colour_by_year_and_export(mapped: MainWindow, tmp_path: Path) -> None:
    pane = mapped.map_pane
    pane.colour_box.setCurrentText("Year")
    legend_names = [label.text for _sample, label in pane.view.legend.items]
    assert any("–" in name for name in legend_names) and "none" in legend_names
    png = pane.view.export(tmp_path / "map.png", width=800)
    svg = pane.view.export(tmp_path / "map.svg")
    assert png.read_bytes()[:4] == b"\x89PNG" and b"<svg" in svg.read_bytes()[:2000]


def test_semantic_query_ranks_the_library_by_meaning(window: MainWindow, qtbot: QtBot) -> None:
    """``~text`` embeds the query with the bundled model (onnxruntime) and ranks the
    library's vectors; here the vectors come from the same model (map_vectors.npz)."""
    from paperscope.embedding.model import load_model_info
    from tests.mapping.corpus import load_corpus

    keys, _texts, titles = load_corpus()
    data = np.load(TEST_DATA / "map_vectors.npz", allow_pickle=False)
    by_title = {
        t: data["vectors"][i]
        for i, (k, t) in enumerate(zip(keys, titles, strict=True))
        if k.startswith("hfpage:")
    }
    store = window.store
    ids = store.paper_ids()
    rows = store.table_rows(ids, ["title"])
    info = load_model_info()
    matrix = np.stack([by_title[rows[int(i)][0]] for i in ids])
    store.put_vectors(info.model_id, ids, ["from-test"] * len(ids), matrix)
    with qtbot.waitSignal(window.papers.semantic_results_shown, timeout=180000) as shown:
        window.papers_view.search.setText("~reward model for RLHF")
    top = [store.paper_row(i)["title"] for i in shown.args[0][:5]]
    assert "Secrets of RLHF in Large Language Models Part II: Reward Modeling" in top
    assert window.papers_view.count_label.text() == "79 papers ranked by meaning"


def test_details_list_similar_papers_and_more_like_these(mapped: MainWindow, qtbot: QtBot) -> None:
    from paperscope.workflows.map import similar_papers

    a = "Secrets of RLHF in Large Language Models Part II: Reward Modeling"
    b = "The Trickle-down Impact of Reward (In-)consistency on RLHF"
    store = mapped.store
    ids = {store.paper_row(int(i))["title"]: int(i) for i in store.paper_ids()}
    mapped.state.set_current_paper(ids[a])
    similar = mapped.similar_list.ids()
    assert len(similar) == 10 and ids[b] in similar[:5]
    # a click on a similar paper shows it
    item = mapped.similar_list.list.item(similar.index(ids[b]))
    mapped.similar_list.list.itemClicked.emit(item)
    assert mapped.state.current_paper == ids[b]
    # "more like these" from a selection ranks the library in the table
    mapped.state.set_selection([ids[a], ids[b]])
    with qtbot.waitSignal(mapped.papers.semantic_results_shown, timeout=20000) as shown:
        mapped.papers.more_like_these()
    found = shown.args[0]
    assert ids[a] not in found and ids[b] not in found  # the selection itself is left out
    near = {h.id for p in (ids[a], ids[b]) for h in similar_papers(store, p, 10)}
    assert found[0] in near
    assert mapped.papers_view.model.paper_id(0) == found[0]


def test_similar_papers_without_an_exact_table_are_found_on_a_worker(
    window: MainWindow, qtbot: QtBot
) -> None:
    """A library with vectors but no exact similar-papers table (no map yet, or a big
    one's approximate table): the paper's nearest papers are computed on the task
    runner, never on the UI thread (which once read every vector there), and they are
    the exact ones."""
    from paperscope.gui.papers.similar_list import NO_PAPER
    from paperscope.workflows.map import similar_papers

    # before any paper is current the list says what it will show, not "build the map"
    assert window.similar_list.note.text() == NO_PAPER
    ids, _matrix = _demo_vectors(window)
    paper = int(ids[3])
    window.state.set_current_paper(paper)
    # asked, not answered, when the selection returns: the UI thread did not compute it
    assert window.similar_list.note.text() == "Finding similar papers…"
    assert window.similar_list.ids() == []
    qtbot.waitUntil(lambda: len(window.similar_list.ids()) == 10, timeout=60000)
    assert window.similar_list.ids() == [h.id for h in similar_papers(window.store, paper, 10)]
    window.state.set_current_paper(-1)  # no paper current again: the same note
    assert window.similar_list.note.text() == NO_PAPER


def test_similar_papers_for_every_paper_from_the_library_menu(
    window: MainWindow, qtbot: QtBot
) -> None:
    """Library → Similar papers for every paper computes the exact table on the task
    runner (issue #17: "computed in the background"); the similar list then answers
    from it at once, on the UI thread, with the exact nearest papers."""
    from PySide6.QtGui import QAction

    from paperscope.mapping import neighbours

    ids, matrix = _demo_vectors(window)
    (action,) = [
        a for a in window.findChildren(QAction) if a.text() == "&Similar papers for every paper"
    ]
    action.trigger()

    def stored() -> bool:
        state = window.store.exact_similar_state("test-minilm")
        return state is not None and state.current and state.rows == len(ids)

    qtbot.waitUntil(stored, timeout=60000)
    qtbot.waitUntil(lambda: "Similar papers of 79 papers stored" in window.status.label.text(),
                    timeout=20000)  # fmt: skip
    paper = int(ids[3])
    window.state.set_current_paper(paper)
    want = neighbours.similar(ids, neighbours.normalise(matrix), paper, 10)
    assert window.similar_list.ids() == want.ids.tolist()  # no worker: from the table


def test_a_map_on_approximate_neighbours_brings_the_exact_table_up_to_date(
    window: MainWindow, qtbot: QtBot
) -> None:
    """After a map whose own similar-papers table is not exact (a big library's map is
    laid out on NN-descent's graph; its params say so), the window computes the exact
    table in the background; after an exact map of a library without a table, not."""
    from paperscope.mapping.projection import pca_layout

    ids, matrix = _demo_vectors(window)
    coords = pca_layout(matrix).coords
    window.store.save_layout("test-minilm", "pca", {}, ids, coords)
    window.map_pane.map_built.emit()
    assert not window.store.exact_similar_begun("test-minilm")
    window.store.save_layout("test-minilm", "pca", {"knn": "nndescent"}, ids, coords)
    window.map_pane.map_built.emit()

    def stored() -> bool:
        state = window.store.exact_similar_state("test-minilm")
        return state is not None and state.current and state.rows == len(ids)

    qtbot.waitUntil(stored, timeout=60000)


def _cancel_at_the_first_umap_frames(pane: MapPane, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Make the next build cancel itself at UMAP epoch 5, once the window has drawn a
    UMAP frame (the build waits for it): deterministic, no timer. The pane's info texts
    while frames came in are collected in the list returned."""
    import threading

    from paperscope.gui.map import map_pane as pane_module

    drawn = threading.Event()
    texts: list[str] = []
    real_partial = pane._on_build_partial

    def on_partial(frame: Any) -> None:
        real_partial(frame)
        texts.append(pane.info.text())
        if frame.method == "umap":
            drawn.set()

    real_task = pane_module._build_task

    def task(
        store: Store,
        progress: Progress,
        cancel: CancelToken,
        method: str,
        on_partial: Callable[[Any], None],
        **kwargs: Any,
    ) -> Any:
        def relay(frame: Any) -> None:
            on_partial(frame)
            if frame.method == "umap" and frame.epoch >= 5 and not cancel.cancelled:
                assert drawn.wait(30), "the window drew no UMAP frame"
                cancel.cancel()  # what the Cancel button does: the task's token

        return real_task(store, progress, cancel, method, relay, **kwargs)

    monkeypatch.setattr(pane, "_on_build_partial", on_partial)
    monkeypatch.setattr(pane_module, "_build_task", task)
    return texts


def _assert_fits_the_bulk(view: MapView) -> None:
    """The view shows the bulk box of the points, and no more than the aspect needs."""
    from paperscope.mapping.raster import bulk_bounds

    x0, x1, y0, y1 = view.current_view()
    b = bulk_bounds(view.coords)
    tol = 1e-6 * (b[1] - b[0])
    assert x0 <= b[0] + tol and x1 >= b[1] - tol and y0 <= b[2] + tol and y1 >= b[3] - tol
    assert (x1 - x0) <= (b[1] - b[0]) * 1.01 or (y1 - y0) <= (b[3] - b[2]) * 1.01


def test_cancel_during_umap_puts_the_previous_map_back(
    mapped: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #21 item 7: Build map, then Cancel while UMAP streams frames into the view:
    the previous map comes back (points, colours, labels, text, view), the button is
    enabled again, and the library still holds the previous map. The cancel is set by
    the build itself at UMAP epoch 5, once the window has drawn a UMAP frame."""
    pane, view, store = mapped.map_pane, mapped.map_pane.view, mapped.store
    stored_before = [(i.id, i.method, i.complete) for i in store.layouts()]
    before = (view.ids.copy(), view.coords.copy(), view.colours(), pane.info.text())
    labels_before = sorted(view.visible_labels())
    assert labels_before and "/" not in pane.info.text()
    texts = _cancel_at_the_first_umap_frames(pane, monkeypatch)
    pane.frame_interval_s = 0.0
    pane.build_map(model_id="test-minilm")
    assert not pane.build_button.isEnabled() and pane.building()
    qtbot.waitUntil(lambda: not mapped.runner.running(), timeout=60000)
    assert any("UMAP" in t and "/500" in t for t in texts)  # frames were on screen
    assert pane.build_button.isEnabled() and not pane.building()
    assert pane.info.text() == before[3]
    np.testing.assert_array_equal(view.ids, before[0])
    np.testing.assert_array_equal(view.coords, before[1])
    np.testing.assert_array_equal(view.colours(), before[2])
    view.render_now()
    assert sorted(view.visible_labels()) == labels_before
    _assert_fits_the_bulk(view)
    assert [(i.id, i.method, i.complete) for i in store.layouts()] == stored_before
    assert mapped.status.label.text() == "Cancelled"


def test_a_build_refits_the_view_and_labels_stay_inside(mapped: MainWindow, qtbot: QtBot) -> None:
    """Issue #21 item 9: after every build the view fits the bulk of the points (the
    user's zoom far away is undone); a label whose cluster centre sits at the view's
    edge is moved inside the view; noise points are shaded by their nearest cluster."""
    from paperscope.mapping import palette

    pane, view = mapped.map_pane, mapped.map_pane.view
    view.view_box.setRange(xRange=(500, 501), yRange=(500, 501), padding=0)
    pane.build_map(model_id="test-minilm")
    qtbot.waitUntil(lambda: not mapped.runner.running(), timeout=60000)
    assert pane.build_button.isEnabled()
    view.render_now()
    _assert_fits_the_bulk(view)
    x0, x1, y0, y1 = view.current_view()
    # the largest cluster's centre at the left edge: its label is drawn, whole, inside
    stored = pane._map
    biggest = stored.clusters[0]
    w = x1 - x0
    cx = biggest.centre[0]
    view.view_box.setRange(xRange=(cx - 0.005 * w, cx + 0.995 * w), yRange=(y0, y1), padding=0)
    view.render_now()
    assert biggest.label in view.visible_labels()
    box = view.view_box.boundingRect()
    for text, rect in view.label_rects():
        assert box.contains(rect), (text, rect, box)
    # colours: every point has its cluster's colour or a lighter shade of its nearest one
    colours = view.colours()
    member = stored.clusters_of >= 0
    assert (~member).any()  # the demo map has noise points: they are not grey
    assert (colours != palette.argb(palette.OTHER)).all()
    for cluster in (c for c in stored.clusters if c.level == 0):  # the points' clusters
        own = colours[stored.clusters_of == cluster.id]
        assert (own == own[0]).all()
        shaded = colours[~member & (stored.nearest_cluster == cluster.id)]
        assert (shaded == palette.lighten(own[:1])[0]).all()


def test_cancelling_the_first_build_leaves_no_map(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first build cancelled during UMAP: nothing stored, the frames leave the
    screen, the pane says how to get a map, and the button works again."""
    _demo_vectors(window)
    pane = window.map_pane
    assert not pane.load()
    texts = _cancel_at_the_first_umap_frames(pane, monkeypatch)
    pane.frame_interval_s = 0.0
    pane.build_map(model_id="test-minilm")
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60000)
    assert any("UMAP" in t for t in texts)
    assert pane.build_button.isEnabled() and not pane.building()
    assert pane.stack.currentWidget() is pane.message and pane.info.text() == ""
    assert pane.view is not None and pane.view.ids.size == 0 and not pane.view.visible_labels()
    assert not pane.colour_box.isEnabled()
    assert window.store.layouts() == [] and not pane.load()


def test_labels_follow_the_zoom_and_never_overlap(mapped: MainWindow) -> None:
    """In a small map view (400 × 320: room for about two labels) the whole demo map
    shows its 3 broad labels, not its 9 specific ones; zoomed in on its biggest cluster,
    specific ones; at every zoom the drawn labels (their real text rectangles) do not
    overlap and all are of one level."""
    view = mapped.map_pane.view
    stored = mapped.map_pane._map
    view.resize(400, 320)
    view.reset_view()
    view.render_now()
    full = view.current_view()
    cx, cy = stored.clusters[0].centre  # the biggest level-0 cluster
    w, h = full[1] - full[0], full[3] - full[2]
    levels_seen = []
    for frac in (None, 0.5, 0.25):
        if frac is not None:
            xs, ys = (cx - w * frac / 2, cx + w * frac / 2), (cy - h * frac / 2, cy + h * frac / 2)
            view.view_box.setRange(xRange=xs, yRange=ys, padding=0)
        view.render_now()
        rects = view.label_rects()
        assert rects, frac
        for i, (a, ra) in enumerate(rects):
            for b, rb in rects[i + 1 :]:
                assert not ra.intersects(rb), (a, b, frac)
        for text, _ in rects:  # each drawn label is one of the shown level's
            assert view.label_level in {c.level for c in stored.clusters if c.label == text}
        levels_seen.append(view.label_level)
    assert levels_seen[0] == 1 and levels_seen[-1] == 0, levels_seen
    assert levels_seen == sorted(levels_seen, reverse=True)


def test_library_menu_exports_and_imports_vectors_and_maps_them(
    mapped: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """Library → Export vectors and map, then Import vectors: the imported model is
    mapped at once, and its map is the map it was exported from."""
    from paperscope.workflows.map import open_map

    menu = next(a.menu() for a in mapped.menuBar().actions() if a.text() == "&Library")
    texts = [a.text() for a in menu.actions()]
    assert "&Import vectors (Parquet, .npy)…" in texts and "E&xport vectors and map…" in texts
    out = tmp_path / "demo-vectors.parquet"
    mapped.embedding.export_vectors(str(out))
    qtbot.waitUntil(lambda: not mapped.runner.running() and out.exists(), timeout=60000)
    mapped.embedding.import_vectors(str(out))
    qtbot.waitUntil(
        lambda: (
            not mapped.runner.running()
            and mapped.map_pane._map.info.model_id == "imported:demo-vectors"
        ),
        timeout=120000,
    )
    before, after = open_map(mapped.store, "test-minilm"), mapped.map_pane._map
    np.testing.assert_allclose(after.coords, before.coords, rtol=0, atol=1e-5)
    assert [c.label for c in after.clusters] == [c.label for c in before.clusters]
    assert mapped.map_pane.view.ids.size == 79


def test_a_big_map_is_prepared_off_the_ui_thread(
    mapped: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue #17: a map above ``prepare_off_thread_above`` points is prepared for the view
    (grid, density tiles) on the task runner, never on the UI thread; the view shows the
    last map meanwhile. Maps asked for while one is prepared are coalesced (the newest
    shown last, what the skipped ones had to do done too), and a small map shown
    meanwhile is not replaced by an older big one arriving late."""
    import dataclasses
    import threading

    from paperscope.mapping import raster

    pane, view = mapped.map_pane, mapped.map_pane.view
    stored = pane._map
    on_ui: list[bool] = []
    real = raster.prepare_points

    def spy(*args: Any, **kwargs: Any) -> raster.PreparedPoints:
        on_ui.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(raster, "prepare_points", spy)
    monkeypatch.setattr(pane, "prepare_off_thread_above", 10)  # the 79 papers count as big
    moved = [dataclasses.replace(stored, coords=stored.coords * 2 + k) for k in (5, 6, 7)]
    order = view.draw_order().copy()
    pane.show_map(moved[0])
    pane.show_map(moved[1])  # waits for the first, then is replaced by the third
    pane.show_map(moved[2])
    assert pane.preparing()
    np.testing.assert_array_equal(view.coords, stored.coords)  # the last map meanwhile
    assert pane._map is stored
    qtbot.waitUntil(lambda: not pane.preparing(), timeout=60000)
    assert on_ui == [False, False]  # the first and the newest, each on a worker
    np.testing.assert_array_equal(view.coords, moved[2].coords)
    assert pane._map is moved[2] and len(view._labels) == len(stored.clusters)
    np.testing.assert_array_equal(view.draw_order(), order)  # the same points: same order
    view.render_now()
    assert view.mode == "points"
    # a small map shown while a big one is prepared wins: the big one arrives, unseen
    pane.show_map(moved[0])
    monkeypatch.setattr(pane, "prepare_off_thread_above", 1000)
    pane.show_map(stored)
    np.testing.assert_array_equal(view.coords, stored.coords)
    qtbot.waitUntil(lambda: not pane.preparing(), timeout=60000)
    np.testing.assert_array_equal(view.coords, stored.coords)
    assert pane._map is stored


def test_a_big_map_is_coloured_off_the_ui_thread_and_the_newest_choice_wins(
    mapped: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Colouring a map above ``prepare_off_thread_above`` points (a column of ten million
    papers read and coloured) runs on the task runner; choosing Year then Organisation
    at once ends with the organisation colours, whatever order the workers finish in."""
    import threading

    from paperscope.gui.map import map_pane as mp

    pane, view = mapped.map_pane, mapped.map_pane.view
    on_ui: list[tuple[str, bool]] = []
    real = mp.map_colours

    def spy(store: Any, stored: Any, by: str) -> Any:
        on_ui.append((by, threading.current_thread() is threading.main_thread()))
        return real(store, stored, by)

    monkeypatch.setattr(mp, "map_colours", spy)
    monkeypatch.setattr(pane, "prepare_off_thread_above", 10)  # the 79 papers count as big
    before = view.colours().copy()
    pane.colour_box.setCurrentText("Year")
    pane.colour_box.setCurrentText("Organisation")
    assert pane.colouring()
    np.testing.assert_array_equal(view.colours(), before)  # the old colours meanwhile
    qtbot.waitUntil(lambda: not pane.colouring(), timeout=30000)
    qtbot.waitUntil(lambda: not mapped.runner.running(), timeout=30000)
    assert ("Organisation", False) in on_ui and all(not ui for _by, ui in on_ui)
    want, legend = real(mapped.store, pane._map, "Organisation")
    np.testing.assert_array_equal(view.colours(), want)
    assert [label.text for _s, label in view.legend.items] == [name for name, _c in legend]


def test_a_big_stored_map_is_read_off_the_ui_thread(
    mapped: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Opening a library whose map has more than ``prepare_off_thread_above`` points
    reads it on the task runner (its size is counted first, without reading it); the
    view keeps what it showed until the map arrives, then shows it whole."""
    import threading

    from paperscope.workflows import map as map_wf

    pane = mapped.map_pane
    stored = pane._map
    assert mapped.store.latest_layout_size() == len(stored) == 79
    on_ui: list[bool] = []
    real = map_wf.open_map

    def spy(*args: Any, **kwargs: Any) -> Any:
        on_ui.append(threading.current_thread() is threading.main_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(map_wf, "open_map", spy)
    monkeypatch.setattr(pane, "prepare_off_thread_above", 10)
    pane._map = None  # as if nothing were shown yet
    assert pane.load() and pane.opening()
    qtbot.waitUntil(lambda: not pane.opening() and not pane.preparing(), timeout=30000)
    qtbot.waitUntil(lambda: not pane.colouring(), timeout=30000)
    assert on_ui == [False]
    assert pane._map is not None and pane._map.info.id == stored.info.id
    np.testing.assert_array_equal(pane.view.coords, stored.coords)
    assert len(pane.view._labels) == len(stored.clusters)


def test_vectorised_colours_match_the_plain_loop() -> None:
    """categorical_colours (pandas factorisation) gives what counting in a dict gives:
    the ``top`` most frequent values, ties to the first seen, missing and the rest grey;
    numeric_colours bins numbers and greys None."""
    from paperscope.gui.map.map_pane import categorical_colours, numeric_colours
    from paperscope.mapping.palette import CATEGORICAL, OTHER, argb

    rng = np.random.default_rng(4)
    values = list(rng.choice(["a", "b", "c", "d", "e", "", None], size=500))
    values += ["z"] * 3 + [2020, 2021, 2020]
    got, legend = categorical_colours(values, top=4)
    keys = ["—" if v is None or v == "" else str(v) for v in values]
    counts: dict[str, int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    ranked = [k for k in sorted(counts, key=lambda k: -counts[k]) if k != "—"][:4]
    lut = {k: argb(CATEGORICAL[i]) for i, k in enumerate(ranked)}
    np.testing.assert_array_equal(got, [lut.get(k, argb(OTHER)) for k in keys])
    assert [n for n, _c in legend] == [f"{k} ({counts[k]:,})" for k in ranked] + ["other / none"]
    nums, nlegend = numeric_colours([1, 2, None, 3, 4.5, None, 6])
    assert nums[2] == nums[5] == argb(OTHER) and len(set(nums.tolist())) > 3
    assert nlegend[-1][0] == "none"


def test_the_frame_puts_each_point_where_the_view_says(qtbot: QtBot) -> None:
    """Issue #17: the frame is one ARGB buffer drawn through a flipped painter; a point
    near the top-left corner of the view is drawn there on screen (not mirrored), in its
    colour, at least 2 × 2 px; zoomed out over many points the frame is density."""
    from PySide6.QtGui import QColor

    from paperscope.gui.map.map_view import MapView

    view = MapView()
    qtbot.addWidget(view)
    view.resize(500, 400)
    view.show()
    coords = np.array([[1.0, 7.0], [9.0, 1.0], [5.0, 4.0]], dtype=np.float32)
    view.set_points([1, 2, 3], coords)
    view.set_colours(np.array([0xFFFF0000, 0xFF0000FF, 0xFF00FF00], dtype=np.uint32))
    view.view_box.setRange(xRange=(0, 10), yRange=(0, 8), padding=0)
    view.render_now()
    assert view.mode == "points"
    shot = view.grab().toImage()
    ratio = shot.devicePixelRatio()
    for (x, y), colour in zip(coords, ("#ff0000", "#0000ff", "#00ff00"), strict=True):
        at = view.plot.mapFromScene(view.view_box.mapViewToScene(QPointF(float(x), float(y))))
        px, py = int(at.x() * ratio), int(at.y() * ratio)
        near = [QColor(shot.pixel(px + dx, py + dy)).name() for dx in range(-2, 3)
                for dy in range(-2, 3)]  # fmt: skip
        assert near.count(colour) >= 4, (colour, near)
    rng = np.random.default_rng(0)
    many = rng.normal(size=(400_000, 2)).astype(np.float32)
    view.set_points(np.arange(1, 400_001), many)
    view.render_now()
    frame = view.image.argb()
    assert view.mode == "density" and frame is not None and (frame != 0).any()
