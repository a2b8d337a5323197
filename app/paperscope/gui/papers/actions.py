"""What the user does to the selected papers: tags, reading status, rating, links,
BibTeX to the clipboard, collections, deletion.

One :class:`PaperActions` per window serves the Paper menu, the table's context menu
and the keys of the table (1–9 toggle the first nine tags). Every change goes through
the store and ends with ``state.library_changed`` so the table, the sidebar and the
detail pane re-read what they show.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDesktopServices,
    QGuiApplication,
    QIcon,
    QKeySequence,
    QPixmap,
)
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QWidget

from paperscope.gui.state import AppState
from paperscope.library.links import paper_links
from paperscope.library.store.organize import STATUSES
from paperscope.state.session import Session
from paperscope.workflows.papers import bibtex_of


def color_icon(color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(QColor(color))
    return QIcon(pix)


class PaperActions(QObject):
    """``session``: the store, the runner and the shared selection (``session.app``).

    Signals: ``message(str)`` for the status bar, ``link_opened(url)``,
    ``bibtex_copied(str)``.
    """

    message = Signal(str)
    link_opened = Signal(str)
    bibtex_copied = Signal(str)

    def __init__(self, session: Session[AppState], parent_widget: QWidget) -> None:
        super().__init__(parent_widget)
        self._session = session
        self._widget = parent_widget
        # replaced in tests; asks the user before deleting papers
        self.confirm: Callable[[str], bool] = self._ask
        # actions other parts of the window add to the menu (e.g. "Link selected runs")
        self.extra_actions: list[QAction] = []
        self.copy_bibtex_action = self._make("Copy &BibTeX", self.copy_bibtex, "Ctrl+Shift+C")
        self.delete_action = self._make("&Delete papers…", self.delete_selected)
        self.delete_action.setShortcut(QKeySequence(QKeySequence.StandardKey.Delete))
        self.new_tag_action = self._make("New tag…", self.new_tag)
        self.rating_actions = [
            self._make(stars_label(r), lambda _c=False, r=r: self.set_rating(r), f"Ctrl+{r}")
            for r in range(1, 6)
        ]
        self.clear_rating_action = self._make("No rating", lambda: self.set_rating(None), "Ctrl+0")
        self.status_actions = [
            self._make(s.capitalize(), lambda _c=False, s=s: self.set_status(s)) for s in STATUSES
        ]
        self.status_actions[0].setShortcut(QKeySequence("Ctrl+Alt+U"))
        self.status_actions[1].setShortcut(QKeySequence("Ctrl+Alt+R"))
        self.status_actions[2].setShortcut(QKeySequence("Ctrl+Alt+D"))
        session.app.selection_changed.connect(self._update_enabled)
        self._update_enabled()

    def all_actions(self) -> list[QAction]:
        """The actions with shortcuts (the window adds them so the keys work anywhere)."""
        return [
            self.copy_bibtex_action, self.delete_action, *self.rating_actions,
            self.clear_rating_action, *self.status_actions,
        ]  # fmt: skip

    def _update_enabled(self, *_args: Any) -> None:
        has = bool(self.selection())
        for act in self.all_actions():
            act.setEnabled(has)

    def _make(self, text: str, slot: Any, shortcut: str | None = None) -> QAction:
        action = QAction(text, self._widget)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    @property
    def store(self) -> Any:
        return self._session.store

    def selection(self) -> list[int]:
        return list(self._session.app.selection)

    def _changed(self, text: str) -> None:
        self._session.app.notify_library_changed()
        self.message.emit(text)

    # -- tags ------------------------------------------------------------------------
    def toggle_tag_number(self, number: int) -> bool | None:
        ids = self.selection()
        if not ids:
            return None
        tags = self.store.tags()
        on = self.store.toggle_tag_number(ids, number)
        if on is None:
            self.message.emit(f"No tag number {number}: make one with Paper → Tags → New tag…")
            return None
        name = tags[number - 1].name
        self._changed(f"{'Tagged' if on else 'Untagged'} {len(ids)} paper(s): {name}")
        return bool(on)

    def toggle_tag(self, tag_id: int) -> None:
        ids = self.selection()
        if ids:
            on = self.store.toggle_tag(ids, tag_id)
            self._changed(f"{'Tagged' if on else 'Untagged'} {len(ids)} paper(s)")

    def new_tag(self) -> None:
        name, ok = QInputDialog.getText(self._widget, "New tag", "Tag name:")
        if ok and name.strip():
            tid = self.store.create_tag(name.strip())
            if self.selection():
                self.store.add_tag(self.selection(), tid)
            self._changed(f"Tag {name.strip()!r} created")

    # -- status, rating --------------------------------------------------------------
    def set_status(self, status: str) -> None:
        ids = self.selection()
        if ids:
            self.store.set_status(ids, status)
            self._changed(f"{len(ids)} paper(s) marked {status}")

    def set_rating(self, rating: int | None) -> None:
        ids = self.selection()
        if ids:
            self.store.set_rating(ids, rating)
            self._changed(f"Rated {len(ids)} paper(s): {stars_label(rating)}")

    # -- collections -----------------------------------------------------------------
    def add_to_collection(self, collection_id: int) -> None:
        ids = self.selection()
        if ids:
            self.store.add_to_collection(collection_id, ids)
            self._changed(f"Added {len(ids)} paper(s) to the collection")

    def new_collection(self) -> None:
        name, ok = QInputDialog.getText(self._widget, "New collection", "Collection name:")
        if ok and name.strip():
            cid = self.store.create_collection(name.strip())
            if self.selection():
                self.store.add_to_collection(cid, self.selection())
            self._changed(f"Collection {name.strip()!r} created")

    # -- links, clipboard, deletion --------------------------------------------------
    def links(self) -> list[Any]:
        ids = self.selection()
        if len(ids) != 1:
            return []
        papers = self.store.papers(ids)
        return paper_links(papers[0]) if papers else []

    def open_url(self, url: str) -> None:
        if url.startswith(("http://", "https://")):
            self.link_opened.emit(url)
            QDesktopServices.openUrl(QUrl(url))

    def copy_bibtex(self) -> None:
        ids = self.selection()
        if not ids:
            return
        self._session.runner.submit(
            _bibtex_task, self.store, ids, title="Copying BibTeX", on_result=self._on_bibtex
        )

    def _on_bibtex(self, text: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self.bibtex_copied.emit(text)
        self.message.emit(f"Copied BibTeX of {text.count('@')} paper(s)")

    def delete_selected(self) -> None:
        ids = self.selection()
        if not ids or not self.confirm(f"Delete {len(ids)} paper(s) from the library?"):
            return
        n = self.store.delete_papers(ids)
        self._session.app.set_selection([])
        self._session.app.set_current_paper(-1)
        self._changed(f"Deleted {n} paper(s)")

    def _ask(self, text: str) -> bool:
        answer = QMessageBox.question(self._widget, "PaperScope", text)
        return answer == QMessageBox.StandardButton.Yes

    # -- menus -----------------------------------------------------------------------
    def fill_menu(self, menu: QMenu) -> None:
        """The Paper menu and the table's context menu (rebuilt each time it opens)."""
        for sub in menu.findChildren(QMenu):  # the submenus of the last time
            sub.deleteLater()
        menu.clear()
        for link in self.links():
            menu.addAction(link.label, functools.partial(self.open_url, link.url))
        if self.links():
            menu.addSeparator()
        menu.addAction(self.copy_bibtex_action)
        tags_menu = menu.addMenu("&Tags")
        for i, tag in enumerate(self.store.tags()):
            key = f"\t{i + 1}" if i < 9 else ""
            act = tags_menu.addAction(color_icon(tag.color), f"{tag.name}{key}")
            act.triggered.connect(lambda _c=False, t=tag.id: self.toggle_tag(t))
            act.setEnabled(bool(self.selection()))
        tags_menu.addSeparator()
        tags_menu.addAction(self.new_tag_action)
        status_menu = menu.addMenu("Reading &status")
        for act in self.status_actions:
            status_menu.addAction(act)
        rating_menu = menu.addMenu("&Rating")
        for act in [*self.rating_actions, self.clear_rating_action]:
            rating_menu.addAction(act)
        coll_menu = menu.addMenu("Add to &collection")
        for c in self.store.collections():
            if not c.smart:
                act = coll_menu.addAction(c.name)
                act.triggered.connect(lambda _c=False, cid=c.id: self.add_to_collection(cid))
                act.setEnabled(bool(self.selection()))
        coll_menu.addSeparator()
        coll_menu.addAction("New collection…", self.new_collection)
        menu.addSeparator()
        for act in self.extra_actions:
            menu.addAction(act)
        menu.addAction(self.delete_action)
        self._update_enabled()


def _bibtex_task(store: Any, ids: list[int], progress: Any = None, cancel: Any = None) -> str:
    """:func:`bibtex_of` as a runner task (it takes no progress or cancel)."""
    return bibtex_of(store, ids)


def stars_label(rating: int | None) -> str:
    return "no rating" if not rating else "★" * rating
