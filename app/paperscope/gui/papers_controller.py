"""The papers controller: the table, the sidebar and the similar-papers list, bound to
the session's :class:`~paperscope.state.views.PapersViewState` and
:class:`~paperscope.state.views.MapViewState`.

What the table shows lives in the state: the search, the sort, the mode and, when the
rows are not the search's matches, the shown ids with where they came from (a ``~``
search by meaning, "more like these", a box or lasso on the map). Writing
``state.shown`` is the one way rows get into the table; the handler of the state's
``changed`` puts them there. The verbs here are the window's Library and Edit menu
items about papers and the map.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QInputDialog, QMenu, QStackedWidget, QWidget

from paperscope.core.tasks import CancelToken, Progress
from paperscope.core.text import count
from paperscope.gui.map.map_pane import MapPane
from paperscope.gui.papers.actions import PaperActions
from paperscope.gui.papers.papers_view import PapersView
from paperscope.gui.papers.sidebar import Sidebar, sidebar_data
from paperscope.gui.papers.similar_list import NO_PAPER, SimilarList
from paperscope.gui.papers.table_model import RECOMMENDED
from paperscope.gui.recommend_controller import RecommendController
from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.state.session import Session
from paperscope.state.views import Origin

_NO_IDS = np.zeros(0, dtype=np.int64)

SHOWN_TEXT: dict[Origin, str] = {
    "semantic": "{n} ranked by meaning",
    "similar": "{n} ranked by meaning",
    "map": "{n} selected on the map (Esc in the search box shows all)",
    "collection": "{n} in the collection",
    "recommended": "{n} for you",
}


class PapersController(QObject):
    """Signals: ``map_selection_shown(list of ids)``, ``semantic_results_shown(list)``."""

    map_selection_shown = Signal(list)
    semantic_results_shown = Signal(list)

    def __init__(
        self,
        session: Session[AppState],
        status: StatusBar,
        central: QStackedWidget,
        sidebar: Sidebar,
        similar_list: SimilarList,
        actions: PaperActions,
        model_path: Callable[[], Path | None],
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self.session = session
        self.status = status
        self.central = central
        self.sidebar = sidebar
        self.similar_list = similar_list
        self.actions = actions
        self.model_path = model_path
        self._parent = parent
        self._index_task: Any = None
        self._applying = False
        # (store, vector counts, VectorIndex) for similar papers computed on a worker
        self._similar_index: tuple[Any, dict[str, int], Any] | None = None
        self.view: PapersView | None = None
        self.map_pane: MapPane | None = None
        self.recommend = RecommendController(session, status, sidebar, similar_list, parent)
        self._sidebar_timer = QTimer(self, singleShot=True, interval=400)
        self._sidebar_timer.timeout.connect(self.refresh_sidebar)
        # the map lights the search's papers up once typing pauses, as the facets do:
        # a keystroke's turn is the table's (a million ids highlighted took 12 ms)
        self._light_timer = QTimer(self, singleShot=True, interval=150)
        self._light_timer.timeout.connect(self._light_search)
        self._light_text = ""
        sidebar.query_chosen.connect(self._on_sidebar_query)
        sidebar.refine_chosen.connect(self._on_sidebar_refine)
        similar_list.paper_chosen.connect(session.app.set_current_paper)
        session.papers.changed.connect(self._on_papers_state_changed)
        session.map.changed.connect(self._on_map_state_changed)
        session.app.search_changed.connect(self._on_app_search_changed)
        # the word postings are built again once paper text stops changing
        self._words_timer = QTimer(self, singleShot=True, interval=2000)
        self._words_timer.timeout.connect(self._index_words)
        session.app.library_changed.connect(self._on_library_changed)
        status.runner.task_ended.connect(self._on_task_ended)

    # -- binding ---------------------------------------------------------------------
    def bind(self, view: PapersView, map_pane: MapPane) -> None:
        """The (new) table and map of the library shown: user → state, state → them."""
        self.view, self.map_pane = view, map_pane
        self.recommend.bind(view)
        papers = self.session.papers
        view.table.tag_number_pressed.connect(self.actions.toggle_tag_number)
        view.table.files_dropped_on_paper.connect(self.attach_dropped)
        view.context_menu_requested.connect(lambda pos: self.context_menu().popup(pos))
        view.save_search_requested.connect(self.save_search)
        # the facets follow the results once typing pauses (not at every keystroke)
        view.searched.connect(lambda _q: self._sidebar_timer.start())
        view.search.textChanged.connect(self._on_view_typed)
        view.searched.connect(self._on_view_searched)
        view.semantic_query.connect(self.semantic_search)
        view.float_button.toggled.connect(
            lambda on: papers.update(mode="float" if on else "filter")
        )
        view.table.horizontalHeader().sortIndicatorChanged.connect(self._on_sort_changed)
        map_pane.selection_filtered.connect(self.show_map_selection)
        map_pane.map_built.connect(self._after_map_built)
        map_pane.colour_box.currentTextChanged.connect(
            lambda text: self.session.map.update(colour_by=text)
        )
        shown = {"shown"} if papers.value.shown is not None else set()
        self._on_papers_state_changed(frozenset({"query", "mode", "sort", *shown}))
        self._on_map_state_changed(frozenset({"colour_by", "highlighted"}))

    def attach_dropped(self, paper_id: int, paths: list[Path]) -> None:
        """PDFs dropped on a paper's row: attached to it, then their text read."""
        from paperscope.workflows import attachments as flow

        store, runner = self.session.store, self.session.runner

        def attached(_issues: object) -> None:
            self.session.app.notify_library_changed()
            runner.submit(
                flow.extract_fulltext, store, title="Reading the PDFs' text", key="pdf-fulltext",
                on_result=lambda _n: self.session.app.notify_library_changed(),
            )  # fmt: skip

        runner.submit(
            flow.attach_files, store, paper_id, list(paths),
            title=f"Attaching {', '.join(Path(p).name for p in paths)}", on_result=attached,
        )  # fmt: skip

    def unbind(self) -> None:
        """The table and map are about to go (a library switch)."""
        self.view = self.map_pane = None
        self.recommend.unbind()

    def _on_view_typed(self, text: str) -> None:
        if not self._applying:  # the user typed (not the state being shown)
            self.session.papers.update(query=text)

    def _on_view_searched(self, query: str) -> None:
        if not self._applying:  # a search ran: the table shows its matches again
            self.session.papers.update(query=query, shown=None)

    def _on_sort_changed(self, section: int, order: Qt.SortOrder) -> None:
        assert self.view is not None
        if self._applying:  # the state being shown (the Recommended sort clears the header)
            return
        model = self.view.table.model()
        if 0 <= section < model.columnCount():
            name = str(model.headerData(section, Qt.Orientation.Horizontal))
            self.session.papers.update(sort=(name, order == Qt.SortOrder.DescendingOrder))
        else:
            self.session.papers.update(sort=None)

    def _on_papers_state_changed(self, fields: frozenset[str]) -> None:
        view = self.view
        if view is None:
            return
        self._applying = True
        try:
            self._show_papers_state(view, fields)
        finally:
            self._applying = False

    def _show_papers_state(self, view: PapersView, fields: frozenset[str]) -> None:
        v = self.session.papers.value
        if "query" in fields and view.search.text() != v.query:
            view.set_query(v.query)
        if "mode" in fields:
            view.set_float_mode(v.mode == "float")
        if "sort" in fields and v.sort is not None and v.sort[0] == "Recommended":
            view.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            view.model.sort_by(RECOMMENDED)
        elif "sort" in fields and v.sort is not None:
            model, header = view.table.model(), view.table.horizontalHeader()
            order = Qt.SortOrder.DescendingOrder if v.sort[1] else Qt.SortOrder.AscendingOrder
            for col in range(model.columnCount()):
                now = (header.sortIndicatorSection(), header.sortIndicatorOrder())
                same = model.headerData(col, Qt.Orientation.Horizontal) == v.sort[0]
                if same and now != (col, order):
                    view.table.sortByColumn(col, order)
        if "shown" in fields and v.shown is None and not v.query.lstrip().startswith("~"):
            view.refresh()  # the search's own matches again
        elif "shown" in fields and v.shown is not None:
            shown = v.shown
            scores = None if shown.scores is None else np.asarray(shown.scores)
            view.model.set_ids(np.asarray(shown.ids, dtype=np.int64), scores)
            view.count_label.setText(
                SHOWN_TEXT[shown.origin].format(n=count(len(shown.ids), "paper"))
            )

    def _on_map_state_changed(self, fields: frozenset[str]) -> None:
        pane, v = self.map_pane, self.session.map.value
        if pane is None:
            return
        if "colour_by" in fields and pane.colour_box.currentText() != v.colour_by:
            pane.colour_box.setCurrentText(v.colour_by)
        if "highlighted" in fields:
            pane.highlight(list(v.highlighted))

    def _on_app_search_changed(self, text: str) -> None:
        """The table's search lights its matches up on the map once typing pauses."""
        self._light_text = text
        self._light_timer.start()

    def _light_search(self) -> None:
        if self.map_pane is not None and self.view is not None:
            text = self._light_text
            ids = self.view.model.matching_ids() if text.strip() else _NO_IDS
            self.map_pane.highlight(ids)  # the matches only, in float mode too

    # -- verbs -----------------------------------------------------------------------
    def show_papers(self) -> None:
        if self.view is not None:
            self.central.setCurrentWidget(self.view)

    def show_similar(self, paper_id: int) -> None:
        """The current paper's nearest papers: from the table stored with the map when
        it is exact (about a millisecond), else computed exactly from the vectors on a
        worker (a big library's map stores an approximate table, or none), the newest
        paper winning."""
        from paperscope.workflows.map import stored_similar

        if paper_id < 0:
            self.similar_list.show_note(NO_PAPER)
            return
        store = self.session.store
        hits = stored_similar(store, paper_id, 10)
        if hits is not None:
            self.similar_list.show_results(hits)
            return
        self.similar_list.show_note("Finding similar papers…")
        self.session.runner.submit(
            self._similar_task, store, paper_id, title="Finding similar papers",
            key="similar", on_result=self._on_similar, on_error=self._on_similar_failed,
        )  # fmt: skip

    def _similar_task(
        self, store: Any, paper_id: int, progress: Progress, cancel: CancelToken
    ) -> list[Any] | None:
        """On a worker: the library's vectors opened once (memory-mapped, reopened
        when their count changes), the paper's nearest ones exactly; None without any."""
        from paperscope.workflows.map import MapError, VectorIndex, similar_papers

        try:
            counts = store.vector_models()
            index = self._similar_index
            if index is None or index[0] is not store or index[1] != counts:
                self._similar_index = index = (store, counts, VectorIndex.open(store))
            cancel.check()
            return similar_papers(store, paper_id, 10, vectors=index[2])
        except MapError:
            return None

    def _on_similar(self, hits: list[Any] | None) -> None:
        if hits is None:
            self.similar_list.show_note(
                "Build the map (Library → Build map) to see similar papers here."
            )
        else:
            self.similar_list.show_results(hits)

    def _on_similar_failed(self, _title: str, message: str) -> None:
        self.similar_list.show_note(f"Similar papers could not be found: {message}")

    def _after_map_built(self) -> None:
        """A new map: similar papers of the current paper, and, when the map's own
        table is not exact (a big library) or a table was begun, the exact table
        brought up to date in the background (see :meth:`compute_all_similar`)."""
        from paperscope.workflows.similar_table import model_to_follow

        self.show_similar(self.session.app.current_paper)
        model = model_to_follow(self.session.store)
        if model is not None:
            self.compute_all_similar(model)

    def compute_all_similar(self, model_id: str | None = None) -> None:
        """Library → Similar papers for every paper: the exact table of every paper's
        nearest papers, computed on a worker with progress and Cancel (a cancel keeps
        the finished part; the next run goes on from it, and merges papers embedded
        since). The similar list then answers from it in a millisecond."""
        from paperscope.workflows.similar_table import build_exact_similar

        def done(r: Any) -> None:
            parts = [f"{r.computed:,} ranked"] if r.computed else []
            if r.merged:
                parts.append(f"{r.merged:,} updated with new papers")
            what = ", ".join(parts) or "up to date"
            rest = "" if r.complete else "; not complete: run it again to go on"
            self.status.show_message(
                f"Similar papers of {count(r.papers, 'paper')} stored ({what}{rest})"
            )
            self.show_similar(self.session.app.current_paper)  # now from the table

        self.session.runner.submit(
            build_exact_similar, self.session.store, model_id=model_id,
            title="Similar papers for every paper", key="similar-table", on_result=done,
        )  # fmt: skip

    def more_like_these(self) -> None:
        """Papers like the selected ones (the mean of their vectors), in the table."""
        from paperscope.workflows.map import more_like_these

        ids, store = self.session.app.selection, self.session.store
        if not ids:
            return
        self.session.runner.submit(
            lambda progress, cancel: more_like_these(store, ids, k=200),
            title="Finding papers like these", key="semantic",
            on_result=lambda hits: self._on_ranked(hits, "similar"),
            on_error=self._on_semantic_failed,
        )  # fmt: skip

    def semantic_search(self, text: str) -> None:
        """``~free text`` in the search box: rank the embedded papers by meaning."""
        from paperscope.workflows.map import semantic_search

        if not text.strip():
            return
        self.session.runner.submit(
            semantic_search, self.session.store, text.strip(), 200,
            model_path=self.model_path(), title=f"Searching by meaning: {text.strip()}",
            key="semantic", on_result=lambda hits: self._on_ranked(hits, "semantic"),
            on_error=self._on_semantic_failed,
        )  # fmt: skip

    def _on_ranked(self, hits: list[Any], origin: Origin) -> None:
        ids = tuple(int(h.id) for h in hits)
        self.session.papers.show_ids(origin, ids, tuple(float(h.score) for h in hits))
        self.session.map.update(highlighted=ids[:50])
        self.refresh_sidebar()  # the facets are those of the papers shown
        self.semantic_results_shown.emit(list(ids))

    def _on_semantic_failed(self, message: str, _details: str) -> None:
        if self.view is not None:
            self.view.count_label.setText(
                f"{message.split(': ', 1)[-1]} (Library → Embed papers, or Build map)"
            )

    def show_map_selection(self, paper_ids: list[int]) -> None:
        """Papers picked on the map with a box or lasso: the table shows just them."""
        self.show_papers()
        ids = tuple(int(i) for i in paper_ids)
        self.session.papers.show_ids("map", ids)
        self.session.map.update(highlighted=ids)
        self.refresh_sidebar()
        self.map_selection_shown.emit(list(ids))

    def prepare_library(self) -> None:
        """Build the text index and the sort ranks in the background (else the first
        search or sort of a big library waits for them), then count the sidebar."""
        store, runner = self.session.store, self.session.runner
        assert self.view is not None
        self.view.set_index_busy(True)
        self._index_task = runner.submit(
            store.ensure_text_index, title="Preparing the search index", key="text-index",
            on_result=lambda _r: runner.submit(
                store.warm_sort_cache, title="Preparing to sort", key="sort-cache",
                on_result=lambda _r: self._index_words(ready=True),
            ),
        )  # fmt: skip
        self.refresh_sidebar()
        if store.pending_text_count():  # PDFs whose text was not read before the last exit
            from paperscope.workflows.attachments import extract_fulltext

            runner.submit(
                extract_fulltext, store, title="Reading the PDFs' text", key="pdf-fulltext",
                on_result=lambda _n: self.session.app.notify_library_changed(),
            )  # fmt: skip

    def _index_words(self, ready: bool = False) -> None:
        """Build the word postings of a big library in the background when they do not
        reflect it (after opening it, and once paper text changed): until they do, FTS5
        answers, correctly but slower (``library/store/term_index.py``)."""
        from paperscope.library.store.term_index import TERMS_ABOVE

        store, runner = self.session.store, self.session.runner
        n = store.paper_count()
        done = (
            (lambda _r: self.status.show_message(f"{count(n, 'paper')} ready")) if ready else None
        )
        # (on opening, the worker reads the last build from disk and checks it there)
        if n < TERMS_ABOVE or (not ready and store.term_index_current()):
            if done is not None:
                done(None)
            return
        runner.submit(store.ensure_term_index, title="Indexing words for search",
                      key="term-index", on_result=done)  # fmt: skip

    def _on_library_changed(self) -> None:
        self.refresh_sidebar()
        self._words_timer.start()  # after a pause: an import is many changes

    def _on_task_ended(self, task_id: int, _outcome: str) -> None:
        if self._index_task is not None and task_id == self._index_task.id:
            self._index_task = None
            if self.view is not None:
                self.view.set_index_busy(False)  # built, failed or cancelled

    def refresh_sidebar(self) -> None:
        """Recount the sidebar (facets over the current results) on the task runner."""
        self._sidebar_timer.stop()
        if self.view is None:
            return
        model = self.view.model
        shown = self.session.papers.value.shown
        if shown is not None:  # a ~meaning search, more like these, a map selection
            scope: np.ndarray | None = np.asarray(shown.ids, dtype=np.int64)
        else:
            scope = model.matching_ids() if model.query.strip() else None
        self.session.runner.submit(
            sidebar_data, self.session.store, scope, title="", key="sidebar",
            on_result=self.sidebar.show_data,
        )  # fmt: skip

    def _on_sidebar_query(self, query: str) -> None:
        self.show_papers()
        if self.view is not None:
            self.view.set_query(query)

    def _on_sidebar_refine(self, condition: str) -> None:
        if self.view is None:
            return
        current = self.view.search.text().strip()
        if condition not in current.split():
            self.view.set_query(f"{current} {condition}".strip() + " ")

    def context_menu(self) -> QMenu:
        """The table's context menu for the selection (freed when it closes)."""
        menu = QMenu(self._parent)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.actions.fill_menu(menu)
        return menu

    def save_search(self, query: str, name: str | None = None) -> int | None:
        """Keep ``query`` as a smart collection (asks for a name when none given)."""
        query = query.strip()
        if not query or query.startswith("~"):
            self.status.show_message("Type a search first, then save it")
            return None
        if name is None:
            name, ok = QInputDialog.getText(self._parent, "Save search", "Name:", text=query[:40])
            if not ok or not name.strip():
                return None
        cid = self.session.store.save_search(name.strip(), query)
        self.status.show_message(f"Saved search {name.strip()!r}")
        self.refresh_sidebar()
        return cid

    def save_current_search(self) -> None:
        if self.view is not None:
            self.save_search(self.view.search.text())
