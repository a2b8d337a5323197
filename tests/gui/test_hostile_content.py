"""Hostile content is shown literally (issue #7): HTML, javascript: links, control
characters, right-to-left overrides and a 1 MB abstract in titles, notes and tag names."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from paperscope.core.records import Paper

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

TITLE = "Click <a href='javascript:alert(1)'>here</a> \u202eevil\u202c \x07bell\x1b[31m"
TAG = "<b>to-read</b>\u202e"
NOTES = "<script>alert('notes')</script> javascript:alert(2)"


def test_hostile_strings_are_displayed_literally(window: MainWindow, qtbot: QtBot) -> None:
    store = window.store
    huge = "A" * 1_000_000
    summary = store.add_papers([
        Paper(title=TITLE, authors=("Mallory <i>Evil</i>",), abstract=huge, year=2024,
              url="javascript:alert(3)"),
    ])  # fmt: skip
    (pid,) = summary.paper_ids
    store.create_tag(TAG)
    store.add_tag([pid], TAG)
    store.set_notes(pid, NOTES)
    window.state.library_changed.emit()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)

    view = window.papers_view
    view.set_query("author:mallory")
    assert view.model.n_matches == 1
    assert view.model.index(0, 0).data() == TITLE  # the cell holds the text, not markup
    t = time.thread_time()
    window.state.set_current_paper(pid)
    # a 1 MB abstract does not freeze the window: the UI thread's own CPU time (not the
    # wall clock, which a busy machine stretches) stays far below a second or two
    assert time.thread_time() - t < 2.0
    text = window.detail_pane.text()
    assert TITLE in text and "Mallory <i>Evil</i>" in text
    html = window.detail_pane.view.toHtml()
    assert "<a href" not in html and "&lt;a href=" in html  # escaped text, never an anchor
    # a javascript: URL is never offered as a link
    from paperscope.library.links import paper_links

    links = paper_links(store.papers([pid])[0])
    assert all(link.url.startswith(("http://", "https://")) for link in links)
    pane = window.detail_pane
    assert not pane.open_button.isEnabled() and not pane.pdf_button.isEnabled()
    assert window.detail_pane.notes.toPlainText() == NOTES
    # the tag name shows as its characters in the sidebar
    window.papers.refresh_sidebar()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=20000)
    shown = []
    stack = [window.sidebar.tree.invisibleRootItem()]
    while stack:
        node = stack.pop()
        for i in range(node.childCount()):
            shown.append(node.child(i).text(0))
            stack.append(node.child(i))
    assert TAG in shown
