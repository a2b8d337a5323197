"""Recommendations in the window (issue #16 item 1): rating papers retrains the
recommender in the background; the sidebar's For you shows the unread papers it ranks,
each score's tooltip says why; Library → Sort by recommendation orders the table; a
tag's More like entry; after an import the status bar says how many are for you. On the
demo library with the real vectors of its 79 papers (tests/data/map_vectors.npz)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import Qt

from paperscope.gui.papers.table_model import COLUMN_INDEX
from tests.gui.test_map import _demo_vectors

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtGui import QAction
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow


def _retrained(qtbot: QtBot, window: MainWindow, change: Callable[[], object]) -> object:
    rec = window.papers.recommend
    with qtbot.waitSignal(rec.trained, timeout=60000) as blocker:
        change()
    return blocker.args[0]


def _menu_action(window: MainWindow, text: str) -> QAction:
    for menu_action in window.menuBar().actions():
        for a in menu_action.menu().actions():
            if a.text().replace("&", "") == text:
                return a
    raise AssertionError(f"no menu item {text!r}")


def test_for_you_collection_sort_and_why(qtbot: QtBot, window: MainWindow) -> None:
    _demo_vectors(window)
    store, actions = window.store, window.paper_actions
    liked = store.paper_ids(contains="reinforcement learning")[:8].tolist()
    assert len(liked) == 8
    window.state.set_selection(liked)
    rec = _retrained(qtbot, window, lambda: actions.set_rating(5))
    assert rec is not None and sorted(rec.liked_ids.tolist()) == sorted(liked)
    assert len(rec.ids) == 79 - 8 and len(rec.for_you) > 0
    # the sidebar's For you entry: its count, and a click shows the ranking
    item = window.sidebar.item_for("For you")
    assert item is not None and item.text(1) == f"{len(rec.for_you):,}"
    # under a section of its own name, not a second "For you" (the screenshot showed
    # "For you" inside "For you")
    assert item.parent() is not None and item.parent().text(0) == "Recommended"
    window.sidebar._on_item(item)
    shown = window.session.papers.value.shown
    assert shown is not None and shown.origin == "recommended"
    assert list(shown.ids) == rec.for_you.tolist()
    model = window.papers_view.model
    assert model.ids().tolist() == rec.for_you.tolist()
    assert "for you, learnt from 8 liked papers" in window.papers_view.count_label.text()
    # the score column: the decision value, and why in its tooltip
    score = model.index(0, COLUMN_INDEX["score"])
    assert model.data(score) == f"{rec.scores[0]:.2f}"
    why = model.data(score, Qt.ItemDataRole.ToolTipRole)
    titles = {t for (t,) in store.table_rows(liked, ["title"]).values()}
    assert why.startswith("like “") and any(t[:40] in why for t in titles)
    window.state.set_current_paper(int(rec.ids[0]))
    assert window.similar_list.why.text() == f"Recommended: {why}"
    # Library → Sort by recommendation: the whole library, ranked papers first
    window.sidebar._on_item(window.sidebar.item_for("Library"))
    _menu_action(window, "Sort by recommendation").trigger()
    order = model.ids().tolist()
    assert window.session.papers.value.sort == ("Recommended", False)
    assert order[: len(rec.ids)] == rec.ids.tolist() and sorted(order[len(rec.ids) :]) == sorted(
        liked
    )
    # marking the top paper read retrains: it leaves the ranking, the sort follows
    top = int(rec.ids[0])
    window.state.set_selection([top])
    again = _retrained(qtbot, window, lambda: actions.set_status("read"))
    assert top in again.liked_ids and top not in again.ids
    assert model.ids().tolist()[: len(again.ids)] == again.ids.tolist()


def test_more_like_a_tag_and_after_an_import(qtbot: QtBot, window: MainWindow) -> None:
    from paperscope.workflows.open import demo_page

    _demo_vectors(window)
    store, actions = window.store, window.paper_actions
    tagged = store.paper_ids(contains="reward")[:6].tolist()
    tid = store.create_tag("reward models")
    window.state.set_selection(tagged)
    _retrained(qtbot, window, lambda: actions.toggle_tag(tid))
    # (the sidebar recounts on the task runner after the change)
    qtbot.waitUntil(lambda: window.sidebar.item_for("More like reward") is not None, timeout=20000)
    item = window.sidebar.item_for("More like reward models")
    window.sidebar._on_item(item)
    qtbot.waitUntil(lambda: window.session.papers.value.shown is not None, timeout=20000)
    shown = window.session.papers.value.shown
    assert shown.origin == "recommended" and not set(shown.ids) & set(tagged)
    assert len(shown.ids) == 79 - len(tagged)
    assert np.all(np.diff(np.asarray(shown.scores)) <= 0)
    assert "like your tag reward models" in window.papers_view.count_label.text()
    # the same page imported again: its 79 papers are "today's"
    rec = _retrained(qtbot, window, lambda: window.import_papers([demo_page()]))
    n = int((rec.scores_of(rec.ids) > 0).sum())
    verb = "is" if n == 1 else "are"
    qtbot.waitUntil(
        lambda: window.status.label.text() == f"{n} of today's 79 papers {verb} for you",
        timeout=20000,
    )
