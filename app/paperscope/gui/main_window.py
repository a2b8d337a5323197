"""The main window: a switchboard of docks, menus, the status bar and drag-drop routing.

No logic lives here: work goes to ``workflows`` through the task runner, and the panes
talk through :class:`AppState`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from paperscope import __version__
from paperscope.core import paths as app_paths
from paperscope.core.records import ReadIssue
from paperscope.core.text import count
from paperscope.gui import workspace
from paperscope.gui.dialogs.export_dialog import ExportDialog
from paperscope.gui.dialogs.merge_dialog import MergeDialog
from paperscope.gui.map.map_pane import MapPane
from paperscope.gui.papers.actions import PaperActions
from paperscope.gui.papers.detail_pane import PaperDetailPane
from paperscope.gui.papers.papers_view import PapersView
from paperscope.gui.papers.sidebar import Sidebar, sidebar_data
from paperscope.gui.papers.similar_list import SimilarList
from paperscope.gui.papers.welcome import WelcomePage
from paperscope.gui.plots.plot_pane import PlotPane
from paperscope.gui.plots.plots_view import PlotsView
from paperscope.gui.plots.watch import FolderWatch
from paperscope.gui.state import AppState
from paperscope.gui.task_runner import TaskRunner
from paperscope.library.store import Store
from paperscope.workflows import open as open_flow
from paperscope.workflows.papers import ImportPreview, add_previewed, import_paths, preview_import

PAPER_FILTER = "Papers (*.txt *.json *.jsonl *.bib *.ris *.xml *.atom);;All files (*)"
LAYOUT_VERSION = 1


def settings() -> QSettings:
    return QSettings(str(app_paths.settings_file()), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Signals: ``import_finished(summary)``, ``runs_loaded(list)``, ``error_shown(str)``."""

    import_finished = Signal(object)
    runs_loaded = Signal(list)
    error_shown = Signal(str)
    library_switched = Signal(str)
    preview_shown = Signal(object)
    embeddings_changed = Signal()
    map_selection_shown = Signal(list)
    semantic_results_shown = Signal(list)
    runs_updated = Signal(object)  # a WatchUpdate from a watched folder, once applied

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.persist_layout = True
        self.run_paths: list[Path] = []  # what was opened as runs, for the workspace
        self.state = AppState(self)
        self.runner = TaskRunner(self)
        self._quiet_tasks: set[int] = set()
        self._index_task: Any = None
        self.setWindowTitle(f"PaperScope — {store.path.name}")
        self.setAcceptDrops(True)
        self.resize(1400, 900)

        self.papers_view = PapersView(store, self.state)
        self.welcome = WelcomePage()
        self.welcome.demo_requested.connect(self.open_demo_library)
        self.welcome.import_requested.connect(self._on_import_papers)
        self.welcome.runs_requested.connect(self._on_open_runs)
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.central.addWidget(self.papers_view)
        self.setCentralWidget(self.central)
        self.detail_pane = PaperDetailPane(store)
        self.map_pane = self._new_map_pane(store)
        self.plots = PlotsView(self.runner, self.load_runs)
        self.plots.area.publication_requested.connect(self.publication_figure)
        self.watch = FolderWatch(self.runner, self._apply_watch_update, self)
        self.watch.failed.connect(
            lambda message, details: self._on_runner_error_raised(
                "Watching run folders", message, details
            )
        )
        self.sidebar = Sidebar()
        self.sidebar.query_chosen.connect(self._on_sidebar_query)
        self.sidebar.refine_chosen.connect(self._on_sidebar_refine)
        self.sidebar_dock = self._dock(
            "Library", "sidebar", self.sidebar, Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.paper_actions = PaperActions(self, self)
        self.paper_actions.message.connect(self._show_message)
        self.addActions(self.paper_actions.all_actions())
        self.similar_list = SimilarList()
        self.similar_list.paper_chosen.connect(self.state.set_current_paper)
        self.details_split = QSplitter(Qt.Orientation.Vertical)
        self.details_split.addWidget(self.detail_pane)
        self.details_split.addWidget(self.similar_list)
        self.details_split.setSizes([360, 130])
        self.details_dock = self._dock(
            "Details", "details", self.details_split, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.map_dock = self._dock(
            "Map", "map", self.map_pane, Qt.DockWidgetArea.RightDockWidgetArea
        )
        self.plots_dock = self._dock(
            "Plots", "plots", self.plots, Qt.DockWidgetArea.BottomDockWidgetArea
        )
        # the right column (details over the map) runs the full height of the window;
        # the plots sit under the table and the sidebar
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.splitDockWidget(self.details_dock, self.map_dock, Qt.Orientation.Vertical)
        self.resizeDocks(
            [self.sidebar_dock, self.details_dock], [190, 470], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.details_dock, self.map_dock], [470, 390], Qt.Orientation.Vertical)
        self.resizeDocks([self.plots_dock], [340], Qt.Orientation.Vertical)
        self._default_state = self.saveState(LAYOUT_VERSION)

        self._build_status_bar()
        self._build_menus()
        self.state.current_paper_changed.connect(self._on_state_current_paper_changed)
        self.state.library_changed.connect(self._update_central)
        self.state.search_changed.connect(self._on_state_search_changed)
        self.state.library_changed.connect(self._on_library_changed)
        self._sidebar_timer = QTimer(self, singleShot=True, interval=400)
        self._sidebar_timer.timeout.connect(self.refresh_sidebar)
        self._wire_papers()
        self._update_central()
        self.runner.task_started.connect(self._on_runner_task_started)
        self.runner.task_progressed.connect(self._on_runner_task_progressed)
        self.runner.task_ended.connect(self._on_runner_task_ended)
        self.runner.error_raised.connect(self._on_runner_error_raised)
        self.restore_layout()
        self.prepare_library()

    # -- construction ----------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = QLabel()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(240)
        self.progress_bar.setRange(0, 1000)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(lambda: self.runner.cancel())
        self.embedding_label = QLabel("Embeddings: —")
        self.embedding_label.setToolTip("Where the embedding model runs (Library → Embed papers)")
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.watch.label)
        bar.addPermanentWidget(self.embedding_label)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.cancel_button)
        self.progress_bar.hide()
        self.cancel_button.hide()

    def _action(self, text: str, slot: Any, shortcut: QKeySequence | str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        self.open_action = self._action("&Open…", self._on_open, QKeySequence.StandardKey.Open)
        file_menu.addAction(self.open_action)
        file_menu.addAction(self._action("&Import papers…", self._on_import_papers, "Ctrl+I"))
        file_menu.addAction(self._action("Open &runs…", self._on_open_runs, "Ctrl+Shift+O"))
        self.watch_action = QAction("&Watch run folders for new data", self, checkable=True)
        self.watch_action.setToolTip(
            "Pick up new records and new runs in opened run folders while training writes them"
        )
        self.watch_action.setChecked(settings().value("runs/watch", True, type=bool))
        self.watch_action.toggled.connect(self._on_watch_toggled)
        self.watch.set_enabled(self.watch_action.isChecked())
        file_menu.addAction(self.watch_action)
        file_menu.addAction(
            self._action("Save &workspace as…", lambda: self.save_workspace_as(), "Ctrl+Shift+S")
        )
        file_menu.addSeparator()
        self.export_papers_action = self._action(
            "Export &papers…", self.show_export_dialog, "Ctrl+Shift+E"
        )
        file_menu.addAction(self.export_papers_action)
        file_menu.addAction(self._action("&Export plot…", self._on_export_plot, "Ctrl+E"))
        file_menu.addAction(
            self._action("&Publication figure…", self.publication_figure, "Ctrl+Alt+E")
        )
        file_menu.addAction(self._action("&Aggregate scores (rliable)…", self.aggregate_scores))
        file_menu.addSeparator()
        file_menu.addAction(self._action("&Quit", self.close, QKeySequence.StandardKey.Quit))

        edit_menu = menu.addMenu("&Edit")
        self.merge_action = self._action("&Merge duplicates…", self.show_merge_dialog)
        edit_menu.addAction(self.merge_action)
        edit_menu.addAction(self._action("&Save search…", self._on_save_search_menu))
        self.paper_menu = menu.addMenu("&Paper")
        self.paper_menu.aboutToShow.connect(lambda: self.paper_actions.fill_menu(self.paper_menu))
        self.paper_actions.fill_menu(self.paper_menu)

        view_menu = menu.addMenu("&View")
        for dock in (self.sidebar_dock, self.details_dock, self.map_dock, self.plots_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        view_menu.addAction(self._action("New plot &tab", lambda: self.plots.area.add_tab()))
        view_menu.addAction(
            self._action(
                "Split plot left | right",
                lambda: self.plots.area.split(self.plot_pane, Qt.Orientation.Horizontal),
            )
        )
        view_menu.addAction(
            self._action(
                "Split plot top / bottom",
                lambda: self.plots.area.split(self.plot_pane, Qt.Orientation.Vertical),
            )
        )
        view_menu.addSeparator()
        view_menu.addAction(self._action("&Reset layout", self.reset_layout))
        find = self._action("&Find", self.focus_search, QKeySequence.StandardKey.Find)
        view_menu.addAction(find)
        slash = self._action("Find (/)", self.focus_search, "/")
        slash.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.addAction(slash)

        library_menu = menu.addMenu("&Library")
        library_menu.addAction(self._action("&Embed papers", self.embed_papers, "Ctrl+Shift+M"))
        library_menu.addAction(self._action("Choose embedding &model…", self._on_choose_model))
        library_menu.addAction(
            self._action("&Delete this model's embeddings", self._on_delete_vectors)
        )
        library_menu.addAction(self._action("More &like these", self.more_like_these, "Ctrl+L"))
        library_menu.addSeparator()
        library_menu.addAction(self._action("Build &map", lambda: self.map_pane.build_map()))
        library_menu.addAction(
            self._action("Build map (&PCA, instant)", lambda: self.map_pane.build_map("pca"))
        )

        help_menu = menu.addMenu("&Help")
        help_menu.addAction(self._action("&Keyboard shortcuts", self._on_shortcuts))
        help_menu.addAction(self._action("&About PaperScope", self._on_about))

    # -- layout ----------------------------------------------------------------------
    def save_layout(self) -> None:
        s = settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(LAYOUT_VERSION))
        s.sync()

    def restore_layout(self) -> bool:
        s = settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        ok = False
        if isinstance(geometry, QByteArray):
            ok = self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            ok = self.restoreState(state, LAYOUT_VERSION) and ok
        return ok

    def reset_layout(self) -> None:
        for dock in (self.sidebar_dock, self.details_dock, self.map_dock, self.plots_dock):
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)

    # -- the library -----------------------------------------------------------------
    def _update_central(self) -> None:
        empty = self.store.paper_count() == 0
        self.central.setCurrentWidget(self.welcome if empty else self.papers_view)

    def _on_state_current_paper_changed(self, paper_id: int) -> None:
        self.detail_pane.show_paper(paper_id)
        self._show_similar(paper_id)
        if paper_id >= 0:
            self.papers_view.select_paper(paper_id)  # e.g. clicked on the map

    def _wire_papers(self) -> None:
        """Connect the (new) papers view and detail pane to the window."""
        view = self.papers_view
        view.table.tag_number_pressed.connect(self.paper_actions.toggle_tag_number)
        view.context_menu_requested.connect(self._on_table_context_menu)
        view.save_search_requested.connect(self.save_search)
        # the facets follow the results once typing pauses (not at every keystroke)
        view.searched.connect(lambda _q: self._sidebar_timer.start())
        view.semantic_query.connect(self.semantic_search)
        self.detail_pane.edited.connect(lambda _pid: self.state.library_changed.emit())
        self.detail_pane.link_opened.connect(self.paper_actions.link_opened)

    def _show_similar(self, paper_id: int) -> None:
        """The current paper's nearest papers (stored with the map: about a millisecond)."""
        from paperscope.workflows.map import MapError, similar_papers

        if paper_id < 0:
            self.similar_list.show_note("")
            return
        try:
            hits = similar_papers(self.store, paper_id, 10)
        except MapError:
            self.similar_list.show_note(
                "Build the map (Library → Build map) to see similar papers here."
            )
            return
        self.similar_list.show_results(hits)

    def more_like_these(self) -> None:
        """Papers like the selected ones (the mean of their vectors), in the table."""
        from paperscope.workflows.map import more_like_these

        ids = self.state.selection
        if not ids:
            return
        self.runner.submit(
            lambda progress, cancel: more_like_these(self.store, ids, k=200),
            title="Finding papers like these", key="semantic",
            on_result=self._on_semantic_results, on_error=self._on_semantic_failed,
        )  # fmt: skip

    def semantic_search(self, text: str) -> None:
        """``~free text`` in the search box: rank the embedded papers by meaning."""
        from paperscope.workflows.map import semantic_search

        if not text.strip():
            return
        self.runner.submit(
            semantic_search, self.store, text.strip(), 200, model_path=self.model_path(),
            title=f"Searching by meaning: {text.strip()}", key="semantic",
            on_result=self._on_semantic_results, on_error=self._on_semantic_failed,
        )  # fmt: skip

    def _on_semantic_results(self, hits: list[Any]) -> None:
        ids = np.array([h.id for h in hits], dtype=np.int64)
        self.papers_view.model.set_ids(ids, np.array([h.score for h in hits]))
        self.papers_view.count_label.setText(f"{count(len(ids), 'paper')} ranked by meaning")
        self.map_pane.highlight(ids[:50])
        self.semantic_results_shown.emit([int(i) for i in ids])

    def _on_semantic_failed(self, message: str, _details: str) -> None:
        self.papers_view.count_label.setText(
            f"{message.split(': ', 1)[-1]} (Library → Embed papers, or Build map)"
        )

    def prepare_library(self) -> None:
        """Build the text index and the sort ranks in the background (else the first
        search or sort of a big library waits for them), then count the sidebar."""
        store = self.store
        self.papers_view.set_index_busy(True)
        self._index_task = self.runner.submit(
            store.ensure_text_index, title="Preparing the search index", key="text-index",
            on_result=lambda _r: self.runner.submit(
                store.warm_sort_cache, title="Preparing to sort", key="sort-cache",
                on_result=lambda _r: self._show_message(
                    f"{count(store.paper_count(), 'paper')} ready"
                ),
            ),
        )  # fmt: skip
        self.refresh_sidebar()

    def refresh_sidebar(self) -> None:
        """Recount the sidebar (facets over the current results) on the task runner."""
        self._sidebar_timer.stop()
        model = self.papers_view.model
        scope = model.matching_ids() if model.query.strip() else None
        self.runner.submit(
            sidebar_data, self.store, scope, title="", key="sidebar",
            on_result=self.sidebar.show_data,
        )  # fmt: skip

    def _on_library_changed(self) -> None:
        if self.state.current_paper >= 0:
            self.detail_pane.show_paper(self.state.current_paper)
        self.refresh_sidebar()

    def _show_message(self, text: str) -> None:
        self.status_label.setText(text)

    def _on_sidebar_query(self, query: str) -> None:
        self.central.setCurrentWidget(self.papers_view)
        self.papers_view.set_query(query)

    def _on_sidebar_refine(self, condition: str) -> None:
        current = self.papers_view.search.text().strip()
        if condition in current.split():
            return
        self.papers_view.set_query(f"{current} {condition}".strip() + " ")

    def context_menu(self) -> QMenu:
        """The table's context menu for the selection (freed when it closes)."""
        menu = QMenu(self)
        menu.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.paper_actions.fill_menu(menu)
        return menu

    def _on_table_context_menu(self, pos: Any) -> None:
        self.context_menu().popup(pos)

    def save_search(self, query: str, name: str | None = None) -> int | None:
        """Keep ``query`` as a smart collection (asks for a name when none given)."""
        query = query.strip()
        if not query or query.startswith("~"):
            self._show_message("Type a search first, then save it")
            return None
        if name is None:
            name, ok = QInputDialog.getText(self, "Save search", "Name:", text=query[:40])
            if not ok or not name.strip():
                return None
        cid = self.store.save_search(name.strip(), query)
        self._show_message(f"Saved search {name.strip()!r}")
        self.refresh_sidebar()
        return cid

    def _on_save_search_menu(self) -> None:
        self.save_search(self.papers_view.search.text())

    def show_export_dialog(self) -> ExportDialog:
        view = self.papers_view
        dialog = ExportDialog(
            self, self.state.selection, view.model.query, view.model.matching_ids(), self
        )
        dialog.exported.connect(
            lambda n, p: self._show_message(f"Exported {count(n, 'paper')} to {p}")
        )
        self._export_dialog = dialog
        dialog.show()
        return dialog

    def show_merge_dialog(self) -> MergeDialog:
        dialog = MergeDialog(self, self)
        self._merge_dialog = dialog
        dialog.show()
        return dialog

    def switch_library(self, path: Path) -> None:
        """Close this library and show another in the same window."""
        new_store = Store(path)
        self.runner.shutdown()
        old = self.store
        self.store = new_store
        old_view, old_detail = self.papers_view, self.detail_pane
        self.papers_view = PapersView(new_store, self.state)
        self.central.addWidget(self.papers_view)
        self.detail_pane = PaperDetailPane(new_store)
        self.details_split.replaceWidget(0, self.detail_pane)
        old_map = self.map_pane
        self.map_pane = self._new_map_pane(new_store)
        self.map_dock.setWidget(self.map_pane)
        old_map.deleteLater()
        self._wire_papers()
        self.central.removeWidget(old_view)
        old_view.deleteLater()
        old_detail.deleteLater()
        old.close()
        self.state.set_selection([])
        self.state.set_current_paper(-1)
        self.setWindowTitle(f"PaperScope — {path.name}")
        self._update_central()
        self.prepare_library()
        self.library_switched.emit(str(path))

    def _new_map_pane(self, store: Store) -> MapPane:
        pane = MapPane(store, self.state, self.runner, self.model_path)
        pane.selection_filtered.connect(self.show_map_selection)
        pane.map_built.connect(lambda: self._show_similar(self.state.current_paper))
        pane.load()  # the stored map shows at once; nothing is computed
        return pane

    def show_map_selection(self, paper_ids: list[int]) -> None:
        """Papers picked on the map with a box or lasso: the table shows just them."""
        self.central.setCurrentWidget(self.papers_view)
        self.papers_view.model.set_ids(np.asarray(paper_ids, dtype=np.int64))
        self.papers_view.count_label.setText(
            f"{count(len(paper_ids), 'paper')} selected on the map "
            "(Esc in the search box shows all)"
        )
        self.map_pane.highlight(paper_ids)
        self.map_selection_shown.emit(list(paper_ids))

    def _on_state_search_changed(self, text: str) -> None:
        """The table's search lights its papers up on the map (once the table has them)."""
        QTimer.singleShot(
            0, lambda: self.map_pane.highlight(self.papers_view.model.ids() if text.strip() else [])
        )

    def open_demo_library(self) -> None:
        self.switch_library(open_flow.create_demo_library())
        self.load_runs([open_flow.demo_runs()], watch=False)

    # -- opening things --------------------------------------------------------------
    def focus_search(self) -> None:
        self.central.setCurrentWidget(self.papers_view)
        self.papers_view.search.setFocus()
        self.papers_view.search.selectAll()

    def open_paths(self, paths: Sequence[Path], confirm: bool = False) -> None:
        """Route files and folders: papers into the library, logs onto the plot pane.

        ``confirm``: paper files opened from outside (the file manager, a second launch)
        are imported only after the user saw what would be added.
        """
        paths = [Path(p) for p in paths]
        for ws in [p for p in paths if p.suffix == workspace.SUFFIX and p.is_file()]:
            self.open_workspace(ws)
        paths = [p for p in paths if p.suffix != workspace.SUFFIX]
        if not paths:
            return
        routed = open_flow.route_paths(paths)
        if routed.issues:
            self._show_issues("Nothing to open", routed.issues)
        if routed.papers:
            if confirm:
                self.runner.submit(
                    preview_import, self.store, routed.papers,
                    title="Reading " + ", ".join(p.name for p in routed.papers),
                    on_result=self._on_preview_ready,
                )  # fmt: skip
            else:
                self.import_papers(routed.papers)
        if routed.runs:
            self.load_runs(routed.runs)

    def receive_files(self, files: list[Path]) -> None:
        """Files handed over by a second launch of PaperScope."""
        self.show()
        self.raise_()
        self.activateWindow()
        if files:
            self.open_paths(files, confirm=True)

    def _on_preview_ready(self, preview: ImportPreview) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Question, "Import papers", "Import these papers?", parent=self
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(preview.line())
        if preview.issues:
            box.setDetailedText("\n".join(f"{i.severity}: {i}" for i in preview.issues))
        box.setStandardButtons(QMessageBox.StandardButton.Ok | QMessageBox.StandardButton.Cancel)
        box.button(QMessageBox.StandardButton.Ok).setText("Import")
        box.setModal(False)
        box.finished.connect(lambda code: self._on_preview_answered(preview, code))
        self._last_message_box = box
        box.show()
        self.preview_shown.emit(preview)

    def _on_preview_answered(self, preview: ImportPreview, code: int) -> None:
        if code == QMessageBox.StandardButton.Ok:
            self.runner.submit(
                add_previewed, self.store, preview, title="Importing papers",
                on_result=self._on_import_finished,
            )  # fmt: skip

    def import_papers(self, paths: Sequence[Path]) -> None:
        self.runner.submit(
            import_paths, self.store, list(paths),
            title=f"Importing {', '.join(Path(p).name for p in paths)}",
            on_result=self._on_import_finished,
        )  # fmt: skip

    @property
    def plot_pane(self) -> PlotPane:
        """The current plot pane (the one last clicked, in the shown tab)."""
        return self.plots.current_pane()

    def load_runs(
        self,
        paths: Sequence[Path],
        pane: PlotPane | None = None,
        restore_plots: dict[str, Any] | None = None,
        watch: bool = True,
    ) -> None:
        """Load runs in the background; they show in ``pane`` (default: every pane), or
        as the workspace state ``restore_plots`` says. With ``watch`` the paths are then
        watched for new data (see :mod:`paperscope.gui.plots.watch`)."""
        from paperscope.gui.plots.plots_view import watch_runs_for_plots

        for p in paths:
            if Path(p).resolve() not in self.run_paths:
                self.run_paths.append(Path(p).resolve())

        def loaded(result: Any) -> None:
            watcher, runs, issues = result
            self._on_runs_loaded((runs, issues), pane, restore_plots)
            if watch:
                self.watch.add(watcher)

        self.runner.submit(
            watch_runs_for_plots, list(paths),
            title=f"Loading runs from {', '.join(Path(p).name for p in paths)}",
            on_result=loaded,
        )  # fmt: skip

    def _apply_watch_update(self, update: Any) -> None:
        self.plots.apply_watch_update(update)
        self.state.runs_changed.emit()
        self.runs_updated.emit(update)

    def _on_watch_toggled(self, on: bool) -> None:
        settings().setValue("runs/watch", on)
        self.watch.set_enabled(on)

    def _on_import_finished(self, summary: Any) -> None:
        self.state.library_changed.emit()
        self.status_label.setText(f"Import: {summary.line()}")
        if summary.issues:
            self._show_issues(f"Import finished: {summary.line()}", summary.issues, warning=False)
        self.import_finished.emit(summary)

    def _on_runs_loaded(
        self, result: Any, pane: PlotPane | None = None, restore_plots: dict[str, Any] | None = None
    ) -> None:
        runs, issues = result
        if pane is not None and pane not in self.plots.area.panes():
            pane = None  # closed while loading
        if restore_plots:
            self.plots.restore(restore_plots, runs)
        else:
            self.plots.add_runs(runs, pane)
        self.state.runs_changed.emit()
        self.status_label.setText(f"Loaded {count(len(runs), 'run')}")
        if issues:
            self._show_issues(f"Loaded {count(len(runs), 'run')}", issues, warning=False)
        self.runs_loaded.emit(list(runs))

    def _show_issues(self, title: str, issues: Sequence[ReadIssue], warning: bool = True) -> None:
        box = QMessageBox(
            QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information,
            "PaperScope",
            title,
            parent=self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(f"{len(issues)} problem(s); see the details.")
        box.setDetailedText("\n".join(f"{i.severity}: {i}" for i in issues))
        box.setModal(False)
        box.show()
        self._last_message_box = box

    # -- embeddings ------------------------------------------------------------------
    def model_path(self) -> Path | None:
        """The embedding model folder chosen in Settings (None: the bundled model)."""
        value = settings().value("embedding/model")
        return Path(str(value)) if value else None

    def embed_papers(self) -> None:
        from paperscope.workflows.embed import embed_library

        self.runner.submit(
            embed_library, self.store, model_path=self.model_path(), title="Embedding papers",
            key="embed", on_result=self._on_embed_finished,
        )  # fmt: skip

    def _on_embed_finished(self, summary: Any) -> None:
        self.embedding_label.setText(f"Embeddings: {summary.device}")
        self.status_label.setText(summary.line())
        self.embeddings_changed.emit()

    def detect_embedding_device(self) -> None:
        """Fill the status bar's device label (off the UI thread: it may ask the driver)."""
        from paperscope.workflows.embed import query_encoder

        self.runner.submit(
            lambda progress, cancel: query_encoder(self.model_path()).device_label(),
            title="Looking for a GPU",
            on_result=lambda label: self.embedding_label.setText(f"Embeddings: {label}"),
            on_error=lambda message, _d: self.embedding_label.setText("Embeddings: unavailable"),
        )  # fmt: skip

    def _on_choose_model(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose a sentence-transformers model folder"
        )
        if not folder:
            return
        from paperscope.embedding.model import ModelError, load_model_info

        try:
            info = load_model_info(folder)
        except ModelError as exc:
            self._show_issues("Not a model folder", [ReadIssue(folder, "", str(exc), "skipped")])
            return
        s = settings()
        s.setValue("embedding/model", folder)
        s.sync()
        self.status_label.setText(f"Embedding model: {info.name} (vectors are kept per model)")

    def _on_delete_vectors(self) -> None:
        from paperscope.workflows.embed import delete_model_vectors

        answer = QMessageBox.question(
            self, "Delete embeddings", "Delete every vector of the current model from this library?"
        )
        if answer == QMessageBox.StandardButton.Yes:
            n = delete_model_vectors(self.store, self.model_path())
            self.status_label.setText(f"Deleted {n:,} vectors")
            self.embeddings_changed.emit()

    # -- workspace -------------------------------------------------------------------
    def save_workspace_as(self, path: Path | None = None) -> Path | None:
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save workspace", f"workspace{workspace.SUFFIX}",
                f"PaperScope workspace (*{workspace.SUFFIX})",
            )  # fmt: skip
            if not name:
                return None
            path = Path(name)
        if path.suffix != workspace.SUFFIX:
            path = path.with_name(path.name + workspace.SUFFIX)
        workspace.save(workspace.collect(self), path)
        self.status_label.setText(f"Workspace saved to {path}")
        return path

    def open_workspace(self, path: Path) -> bool:
        try:
            state = workspace.load(path)
        except workspace.WorkspaceError as exc:
            self._show_issues(
                "This workspace cannot be opened", [ReadIssue(str(path), "", str(exc), "skipped")]
            )
            return False
        workspace.apply(self, state)
        self.status_label.setText(f"Workspace {path.name} opened")
        return True

    # -- menu slots ------------------------------------------------------------------
    def _on_open(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Open papers or runs", "", "All files (*)")
        if files:
            self.open_paths([Path(f) for f in files])

    def _on_import_papers(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Import papers", "", PAPER_FILTER)
        if files:
            self.import_papers([Path(f) for f in files])

    def _on_open_runs(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of runs")
        if folder:
            self.load_runs([Path(folder)])

    def _on_export_plot(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export plot", "plot.png", "PNG (*.png);;SVG (*.svg)"
        )
        if not path:
            return
        dpi = 200
        if not path.lower().endswith(".svg"):
            dpi, ok = QInputDialog.getInt(self, "Export plot", "Resolution (dpi):", 200, 50, 1200)
            if not ok:
                return
        self.plot_pane.export(Path(path), dpi)

    def publication_figure(self, pane: PlotPane | None = None) -> None:
        """The publication-figure dialog for ``pane`` (default: the current one)."""
        from paperscope.gui.plots.export_dialog import PublicationDialog

        target = pane if isinstance(pane, PlotPane) else self.plot_pane
        dialog = PublicationDialog(target, self.runner, self)
        dialog.setModal(False)
        dialog.show()
        self._publication_dialog = dialog

    def aggregate_scores(self) -> None:
        """The aggregate view (rliable's IQM, median, mean, optimality gap)."""
        from paperscope.gui.plots.aggregate_view import AggregateDialog

        if getattr(self, "_aggregate_dialog", None) is None:
            self._aggregate_dialog = AggregateDialog(self.runner, self)
        self._aggregate_dialog.show()
        self._aggregate_dialog.raise_()

    def _on_shortcuts(self) -> None:
        lines = []
        for action in self.findChildren(QAction):
            seq = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
            if seq and action.text():
                lines.append(f"{seq:<16} {action.text().replace('&', '')}")
        lines += [
            "j / k           next / previous paper",
            "Enter           show details",
            "Esc             clear the search",
            "1 … 9           toggle the first nine tags on the selection",
        ]
        box = QMessageBox(
            QMessageBox.Icon.NoIcon,
            "Keyboard shortcuts",
            "\n".join(sorted(set(lines))),
            parent=self,
        )
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.exec()

    def _on_about(self) -> None:
        QMessageBox.about(
            self, "About PaperScope",
            f"PaperScope {__version__}\n\nYour papers, a semantic map of them, and your experiment "
            f"results in one window.\n\nLibrary: {self.store.path}",
        )  # fmt: skip

    # -- task runner feedback --------------------------------------------------------
    def _on_runner_task_started(self, task_id: int, title: str) -> None:
        if not title:  # a quiet background task (the sidebar's counts)
            self._quiet_tasks.add(task_id)
            return
        self.status_label.setText(title)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.cancel_button.show()

    def _on_runner_task_progressed(self, task_id: int, fraction: object, message: str) -> None:
        if task_id in self._quiet_tasks:
            return
        if isinstance(fraction, float | int):
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(1000 * float(fraction)))
        else:
            self.progress_bar.setRange(0, 0)
        if message:
            self.status_label.setText(message)

    def _on_runner_task_ended(self, task_id: int, outcome: str) -> None:
        if self._index_task is not None and task_id == self._index_task.id:
            self._index_task = None
            self.papers_view.set_index_busy(False)  # built, failed or cancelled
        if not any(t.id not in self._quiet_tasks for t in self.runner.running()):
            self.progress_bar.hide()
            self.cancel_button.hide()
        if task_id in self._quiet_tasks:
            self._quiet_tasks.discard(task_id)
            return
        if outcome == "cancelled":
            self.status_label.setText("Cancelled")

    def _on_runner_error_raised(self, title: str, message: str, details: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Critical, "PaperScope", f"{title} failed", parent=self)
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setInformativeText(message)
        box.setDetailedText(details)
        box.setModal(False)
        box.show()
        self._last_message_box = box
        self.error_shown.emit(message)

    # -- drag and drop ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist_layout:
            self.save_layout()
            workspace.save(workspace.collect(self), workspace.default_path())
        self.runner.shutdown()
        for timer in self.findChildren(QTimer):
            timer.stop()  # nothing may touch the library after its window closed
        super().closeEvent(event)
