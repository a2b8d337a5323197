"""Shared application state. Panes meet here and never import each other: they carry
paper ids and run ids, not objects (keys cross boundaries)."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

RUNS_MIME = "application/x-paperscope-run-ids"
"""Drags of runs carry a JSON list of run ids."""
PAPERS_MIME = "application/x-paperscope-paper-ids"
"""Drags of papers carry a JSON list of paper ids."""


class AppState(QObject):
    """What the user has chosen, with a signal for each change.

    Signals
    -------
    current_paper_changed(int)      the paper shown in the detail pane (-1: none)
    selection_changed(list)         the selected paper ids
    library_changed()               papers were added, merged or edited
    search_changed(str)             the search box text
    links_changed()                 runs were linked to papers or unlinked, or a paper's
                                    reported results changed
    """

    current_paper_changed = Signal(int)
    # ``object``, not ``list``: a ``list`` signal converts every id to a QVariant and
    # back (200 ms for a select-all of a million papers); ``object`` passes the list
    selection_changed = Signal(object)
    library_changed = Signal()
    search_changed = Signal(str)
    links_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current = -1
        self._selection: list[int] = []
        self._search = ""

    @property
    def current_paper(self) -> int:
        return self._current

    def set_current_paper(self, paper_id: int) -> None:
        if paper_id != self._current:
            self._current = paper_id
            self.current_paper_changed.emit(paper_id)

    @property
    def selection(self) -> list[int]:
        return list(self._selection)

    def set_selection(self, ids: list[int]) -> None:
        if ids != self._selection:
            self._selection = list(ids)
            self.selection_changed.emit(list(ids))

    def notify_library_changed(self) -> None:
        """Papers were added, merged or edited (``library_changed``)."""
        self.library_changed.emit()

    def notify_links_changed(self) -> None:
        self.links_changed.emit()

    @property
    def search(self) -> str:
        return self._search

    def set_search(self, text: str) -> None:
        if text != self._search:
            self._search = text
            self.search_changed.emit(text)
