"""The search box over the paper table (issue 3): the query language on the demo
library and on a real Hugging Face API file, filter and float modes, problems under
the box, the sidebar (saved searches, tags, facets), correctness after imports."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import Qt

from paperscope.gui.papers.table_model import COLUMNS
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.papers.papers_view import PapersView
    from paperscope.library.store import Store

HF_API = PAPERS / "hf-api" / "daily_papers.json"


def settle(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)


def import_file(window: MainWindow, qtbot: QtBot, path: Path) -> object:
    with qtbot.waitSignal(window.import_finished, timeout=30000) as done:
        window.import_papers([path])
    settle(window, qtbot)
    return done.args[0]


def shown_ids(view: PapersView) -> list[int]:
    return [view.model.paper_id(r) for r in range(view.model.n_matches)]


def words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()) + " "


def every_paper(store: Store) -> dict[int, object]:
    ids = [int(i) for i in store.all_ids()]
    return dict(zip(ids, store.papers(ids), strict=True))


def test_year_filter_phrase_and_negation_on_the_demo(window: MainWindow, qtbot: QtBot) -> None:
    view, papers = window.papers_view, every_paper(window.store)
    view.set_query("year:>=2024")
    want = {i for i, p in papers.items() if p.year is not None and p.year >= 2024}
    assert len(want) == 47 and set(shown_ids(view)) == want
    assert view.count_label.text() == "47 matching papers"
    assert not view.problems_label.isVisible()

    view.set_query('"reward model"')
    got = set(shown_ids(view))
    assert len(got) == 15
    for pid in got:  # a phrase: the two words next to each other (any inflection)
        assert re.search(r"\breward[- ]model", papers[pid].title + " " + papers[pid].abstract, re.I)
    literal = {
        i for i, p in papers.items() if " reward model " in words(p.title + " " + p.abstract)
    }
    assert literal <= got

    view.set_query("reward -reasoning")
    got = set(shown_ids(view))
    text = {i: p.title + " " + p.abstract + " " + " ".join(p.authors) for i, p in papers.items()}
    with_reward = {i for i, t in text.items() if " reward " in words(t)}
    reasoning = {i for i, t in text.items() if re.search(r"\breason", t, re.I)}
    assert len(got) == 32 and not got & reasoning  # "-reasoning" is a prefix while typing
    assert with_reward - reasoning <= got
    # ranked: scores shown in the Score column, best first
    scores = [view.model.score(r) for r in range(view.model.n_matches)]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    score_col = view.model.columnCount() - 1
    assert not view.table.isColumnHidden(score_col)
    assert view.model.index(0, score_col).data() == f"{scores[0]:.2f}"


def test_prefix_while_typing_and_escape(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    window.focus_search()
    qtbot.keyClicks(view.search, "reward mod")
    qtbot.waitUntil(lambda: view.model.query == "reward mod", timeout=3000)
    typing = set(shown_ids(view))
    assert len(typing) == 37  # "mod" as a prefix: model, models, modeling, modern…
    view.set_query("reward mod ")  # a finished word is a word, not a prefix
    assert set(shown_ids(view)) < typing
    qtbot.keyClick(view.search, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: view.model.rowCount() == 79, timeout=3000)
    assert view.count_label.text() == "79 papers"


def test_problems_are_shown_under_the_box(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_query("year:abc reward")
    assert view.problems_label.isVisible()
    assert "year" in view.problems_label.text()
    assert view.model.n_matches == 49  # the bad filter is left out; the words still search
    view.set_query("reward")
    assert not view.problems_label.isVisible()


def test_filter_and_float_modes(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_query("year:2021")
    matches = shown_ids(view)
    assert view.model.rowCount() == len(matches) == 3
    view.set_float_mode(True)
    assert view.model.rowCount() == 79 and view.model.n_matches == 3
    assert [view.model.paper_id(r) for r in range(3)] == matches
    rest = [view.model.paper_id(r) for r in range(3, 79)]
    assert not set(rest) & set(matches) and rest == sorted(rest)
    assert view.count_label.text() == "3 of 79 papers match (on top)"
    view.set_float_mode(False)
    assert view.model.rowCount() == 3


def test_author_search_on_an_imported_hf_api_file(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_query("author:zhang")
    assert view.model.n_matches == 0  # the demo papers carry only author counts
    summary = import_file(window, qtbot, HF_API)
    assert summary.added + summary.merged == 29
    # the box stays correct after the import: the same query now finds the new papers
    assert view.search.text() == "author:zhang"
    papers = every_paper(window.store)
    want = {i for i, p in papers.items() if any(a.split()[-1] == "Zhang" for a in p.authors)}
    assert len(want) == 8 and set(shown_ids(view)) == want
    view.set_query('author:zhang title:"language model"')
    got = set(shown_ids(view))
    assert got == {i for i in want if " language model" in words(papers[i].title)}


def test_sorting_a_search_by_a_column(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_query("year:>=2023")
    view.table.sortByColumn(2, Qt.SortOrder.AscendingOrder)  # date
    dates = [view.model.index(r, 2).data() for r in range(view.model.rowCount())]
    assert view.model.rowCount() == 63
    known = [d for d in dates if d != "—"]
    assert known == sorted(known)
    view.table.sortByColumn(6, Qt.SortOrder.DescendingOrder)  # rating: none yet, all "—"
    assert view.model.rowCount() == 63


def test_sorting_by_tags(window: MainWindow, qtbot: QtBot) -> None:
    store, view = window.store, window.papers_view
    ids = [int(i) for i in store.all_ids()]
    store.add_tag(ids[10:13], "first")
    store.add_tag(ids[40:42], "second")
    store.add_tag(ids[11:12], "second")
    window.state.library_changed.emit()
    col = [c[0] for c in COLUMNS].index("Tags")
    view.table.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    shown = [view.model.paper_id(r) for r in range(view.model.rowCount())]
    assert shown[:5] == [*ids[10:13], *ids[40:42]] and len(shown) == 79
    assert [view.model.index(r, col).data() for r in range(6)] == [
        "first",
        "first, second",
        "first",
        "second",
        "second",
        "—",
    ]
    view.table.sortByColumn(col, Qt.SortOrder.DescendingOrder)
    shown = [view.model.paper_id(r) for r in range(view.model.rowCount())]
    assert shown[:5] == [*ids[40:42], *ids[10:13]] and shown[5:] == sorted(shown[5:])
    view.set_query("year:>=2023")  # within a search, in filter and float modes
    hits = set(view.model.matching_ids().tolist())
    tagged_hits = [i for i in [*ids[40:42], *ids[10:13]] if i in hits]
    assert view.model.matching_ids().tolist()[: len(tagged_hits)] == tagged_hits
    view.set_float_mode(True)
    assert view.model.ids().tolist()[: len(tagged_hits)] == tagged_hits


def test_sidebar_saved_search_tags_and_facets(window: MainWindow, qtbot: QtBot) -> None:
    view, side = window.papers_view, window.sidebar
    assert side.item_for("Library").text(1) == "79"
    assert side.item_for("2025").text(1) == "28"  # the year facet
    window.store.create_tag("to-read")
    window.store.add_tag([int(i) for i in window.store.all_ids()[:5]], "to-read")
    with qtbot.waitSignal(side.updated, timeout=5000):
        window.papers.save_search('"reward model" year:>=2024', name="RM recent")
    item = side.item_for("RM recent")
    assert item.font(0).italic() and "saved search" in item.toolTip(0)
    view.set_query('"reward model" year:>=2024')
    n = view.model.n_matches
    assert n > 0 and item.text(1) == str(n)
    view.set_query("")
    side._on_item(item)
    assert view.search.text() == '"reward model" year:>=2024' and view.model.n_matches == n
    settle(window, qtbot)
    tag = side.item_for("to-read")
    assert tag.text(1) == "5"
    side._on_item(tag)
    assert view.model.n_matches == 5
    # a facet refines the current results
    with qtbot.waitSignal(side.updated, timeout=5000):  # once typing pauses
        view.set_query("reward")
    facet = side.item_for("2025")
    count = int(facet.text(1))
    side._on_item(facet)
    assert view.search.text().strip() == "reward year:2025" and view.model.n_matches == count


def test_ctrl_f_and_slash_focus_the_box(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.search.hasFocus, timeout=2000)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_Slash)
    qtbot.waitUntil(view.search.hasFocus, timeout=2000)


def test_a_tilde_query_is_handed_to_the_semantic_hook(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_query("reward")
    n = view.model.n_matches
    with qtbot.waitSignal(view.semantic_query, timeout=2000) as asked:
        view.set_query("~ papers about preference learning")
    assert asked.args == ["papers about preference learning"]
    assert view.model.n_matches == n and view.model.query == "reward"  # not a text search


def test_word_searches_wait_for_the_index_being_built(window: MainWindow, qtbot: QtBot) -> None:
    view = window.papers_view
    view.set_index_busy(True)  # what the window does while ensure_text_index runs
    view.set_query("year:2021")  # filters alone do not need the text index
    assert view.model.n_matches == 3
    view.set_query("reward")
    assert view.model.query == "year:2021" and "Building the search index" in (
        view.problems_label.text()
    )
    view.set_index_busy(False)
    assert view.model.query == "reward" and view.model.n_matches == 49
    assert not view.problems_label.isVisible()


def test_the_window_marks_the_index_busy_while_building_it(
    window: MainWindow, qtbot: QtBot
) -> None:
    window.papers.prepare_library()
    assert window.papers_view.index_busy
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)
    assert not window.papers_view.index_busy


def test_a_big_library_gets_word_postings_in_the_background(
    window: MainWindow, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``TERMS_ABOVE`` papers (lowered here for the demo library) the window
    builds the word postings after the text index, and again once paper text changed;
    meanwhile FTS5 answers, with the same results."""
    from paperscope.library.store import term_index

    store = window.store
    view = window.papers_view
    view.set_query("reward")
    before = (view.model.n_matches, view.model.index(0, 1).data())
    assert not store.term_index_current()
    monkeypatch.setattr(term_index, "TERMS_ABOVE", 10)
    window.papers.prepare_library()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)
    assert store.term_index_current()
    view.set_query("")
    view.set_query("reward")
    assert (view.model.n_matches, view.model.index(0, 1).data()) == before
    pid = int(store.search_ids("reward")[0][-1])
    store.update_paper(pid, title="Quokka rewards")
    window.state.notify_library_changed()
    assert not store.term_index_current()
    view.set_query("quokka")  # FTS5 answers at once
    assert view.model.n_matches == 1
    qtbot.waitUntil(store.term_index_current, timeout=20000)  # after the pause
    view.set_query("quokk")
    assert view.model.n_matches == 1


def test_typing_searches_on_each_keystroke_while_searches_keep_up(
    window: MainWindow, qtbot: QtBot
) -> None:
    """A keystroke searches at once while the last search took at most LIVE_SEARCH_S;
    after a slower one typing waits for a pause (the debounce), and a ~meaning query
    always waits. The view's clock is a fake one here: each search "takes" ``cost``."""
    from paperscope.gui.papers import papers_view

    view = window.papers_view
    now, cost = [0.0], [0.01]
    view.clock = lambda: now[0]
    real = view.model.set_query

    def timed_set_query(text: str) -> None:
        real(text)
        now[0] += cost[0]

    view.model.set_query = timed_set_query  # type: ignore[method-assign]
    semantic: list[str] = []
    view.semantic_query.connect(semantic.append)
    window.focus_search()
    qtbot.keyClick(view.search, "r")
    assert view.model.query == "r"  # at once: no event loop ran
    qtbot.keyClick(view.search, "e")
    assert view.model.query == "re"
    cost[0] = papers_view.LIVE_SEARCH_S * 4
    qtbot.keyClick(view.search, "w")  # searches at once, and is slow
    assert view.model.query == "rew"
    qtbot.keyClick(view.search, "a")  # so this one waits for the pause
    assert view.model.query == "rew"
    qtbot.waitUntil(lambda: view.model.query == "rewa", timeout=3000)
    cost[0] = 0.0
    qtbot.keyClick(view.search, "r")  # the slow search was the last: still the pause
    qtbot.waitUntil(lambda: view.model.query == "rewar", timeout=3000)
    qtbot.keyClick(view.search, "d")  # and the one after a fast one is at once again
    assert view.model.query == "reward" and view.model.n_matches == 49
    view.set_query("")
    qtbot.keyClicks(view.search, "~a")
    assert semantic == []  # a meaning query embeds: it waits for the pause
