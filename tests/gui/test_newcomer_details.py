"""The small things a newcomer saw (issue 21, item 15): the empty-library text, the
facets' heading, every year of a long library, facets of the papers shown, a progress
bar that names its task, and a window that stays put when the map arrives."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QApplication, QLabel

from paperscope.core.records import Paper

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.core.tasks import CancelToken, Progress
    from paperscope.gui.main_window import MainWindow


def _settle() -> None:
    for _ in range(5):
        QApplication.processEvents()


def test_empty_library_text_is_not_cut_off(qtbot: QtBot) -> None:
    from paperscope.gui.papers.welcome import WelcomePage

    page = WelcomePage()
    qtbot.addWidget(page)
    for width in (300, 420, 900):
        page.resize(width, 500)
        page.show()
        _settle()
        text = next(lb for lb in page.findChildren(QLabel) if lb.wordWrap())
        assert text.height() >= text.heightForWidth(text.width()), (width, text.height())
        assert text.width() <= page.width()


def test_the_facets_heading_fits_the_sidebar(window: MainWindow, qtbot: QtBot) -> None:
    from PySide6.QtGui import QFont, QFontMetrics

    from paperscope.gui.papers.sidebar import RESULTS_SECTION
    from paperscope.gui.window_fit import fit_to_screen, size_docks

    w = window
    size = fit_to_screen(w, QRect(0, 0, 1280, 800))
    size_docks(w, w.sidebar_dock, w.details_dock, w.map_dock, w.plots_dock, size)
    _settle()
    tree = w.sidebar.tree
    item = tree.findItems(RESULTS_SECTION, Qt.MatchFlag.MatchExactly, 0)[0]
    font = QFont(item.font(0))
    needed = QFontMetrics(font).horizontalAdvance(item.text(0)) + tree.indentation() + 8
    assert needed <= tree.columnWidth(0), (needed, tree.columnWidth(0))


def test_year_facet_shows_every_year_of_a_long_library(qtbot: QtBot, tmp_path: Path) -> None:
    from paperscope.gui.papers.sidebar import Sidebar, sidebar_data
    from paperscope.library.store import Store

    store = Store(tmp_path / "old.duckdb")
    years = [1913, 1936, 1950, 1987, 1999, *range(2010, 2027)]
    store.add_papers([Paper(title=f"Paper of {y}", year=y) for y in years])
    data = sidebar_data(store, None)
    assert sorted(y for y, _n in data["facets"]["year"]) == sorted(years)
    bar = Sidebar()
    qtbot.addWidget(bar)
    bar.show_data(data)
    # decades first, each opening on its years
    for decade in ("1910s", "1930s", "1950s", "1980s", "1990s", "2010s", "2020s"):
        assert bar.item_for(decade) is not None, decade
    flags = Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive
    for y in years:
        found = bar.tree.findItems(str(y), flags, 0)
        assert len(found) == 1 and found[0].text(1) == "1", y
        assert found[0].parent().text(0) == f"{y // 10 * 10}s"  # under its decade
    assert bar.item_for("1910s").toolTip(0) == "year:1910..1919"
    store.close()


def _facet_years(window: MainWindow) -> dict[int, int]:
    return dict(window.sidebar.data["facets"]["year"])


def test_facets_follow_a_meaning_search_and_a_map_selection(
    window: MainWindow, qtbot: QtBot
) -> None:
    from paperscope.workflows.map import ScoredPaper

    store = window.store
    ids = store.paper_ids()
    rows = store.table_rows(ids, ["year"])
    some = [int(i) for i in ids if rows[int(i)][0] == 2022][:3]
    assert some
    hits = [ScoredPaper(i, "", 1.0 - k / 10) for k, i in enumerate(some)]
    with qtbot.waitSignal(window.sidebar.updated, timeout=20000):
        window.papers._on_ranked(hits, "semantic")  # what a ~ search shows
    assert _facet_years(window) == {2022: len(some)}
    other = [int(i) for i in ids if rows[int(i)][0] == 2021][:2]
    with qtbot.waitSignal(window.sidebar.updated, timeout=20000):
        window.papers.show_map_selection(other)
    assert _facet_years(window) == {2021: len(other)}


def test_progress_bar_names_the_running_task(window: MainWindow, qtbot: QtBot) -> None:
    import threading

    go = threading.Event()

    def work(progress: Progress, cancel: CancelToken) -> int:
        progress(0.7, "UMAP 350/500")
        go.wait(20)
        return 1

    task = window.runner.submit(work, title="Building the map")
    bar = window.status.progress_bar
    qtbot.waitUntil(lambda: bar.value() == 700, timeout=20000)
    assert bar.text() == "Building the map 70%"
    go.set()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)
    assert task is not None


def test_window_and_docks_stay_put_when_the_map_arrives(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.gui.window_fit import fit_to_screen, size_docks
    from paperscope.workflows.map import build_map
    from tests.gui.test_map import _demo_vectors

    w = window
    size = fit_to_screen(w, QRect(0, 0, 1280, 800))
    size_docks(w, w.sidebar_dock, w.details_dock, w.map_dock, w.plots_dock, size)
    # the right column as narrow as it goes: a map bar that widens would push it
    w.resizeDocks([w.details_dock], [1], Qt.Orientation.Horizontal)
    _settle()
    before = (w.size(), [d.geometry() for d in w.docks()])
    # what grew the window: the map dock's minimum (378 × 80 → 469 × 120 here) and so
    # the window's, when the map view and its info text replaced the message
    minimums = (w.map_dock.minimumSizeHint(), w.minimumSizeHint())
    ids, matrix = _demo_vectors(w)
    build_map(w.store, vectors=(ids, matrix), model_id="test-minilm", method="pca", seed=0,
              min_cluster_size=5)  # fmt: skip
    assert w.map_pane.load()
    _settle()
    assert (w.map_dock.minimumSizeHint(), w.minimumSizeHint()) == minimums
    assert (w.size(), [d.geometry() for d in w.docks()]) == before
    assert w.map_pane.view is not None and w.map_pane.stack.currentWidget() is w.map_pane.view


def test_the_record_form_of_a_paper_read_from_a_page_shows_its_fields(
    window: MainWindow,
) -> None:
    """A daily-page paper has no record of its own: the Record tab showed every field
    empty ("title —"); it shows what its BibTeX export holds."""
    pane = window.detail_pane
    pid = int(window.store.paper_ids()[0])
    row = window.store.paper_row(pid)
    assert not row.get("fields")
    pane.show_paper(pid)
    form = pane.form
    assert form.edit("title").text() == row["title"]
    assert form.edit("title").cursorPosition() == 0
    assert form.edit("year").text() == str(row["year"])
