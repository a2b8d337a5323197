"""The main window: a switchboard of docks, menus, the status bar and drag-drop routing.

No logic here: papers verbs in :mod:`.papers_controller`, run-paper links in
:mod:`.links_controller`, the model in :mod:`.embedding_menu`, opening files in :mod:`.opener`,
status texts in :mod:`.status`, menus in :mod:`.menus`; the window shows the
:class:`~paperscope.state.session.Session`'s states (a workspace is their JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QMainWindow,
    QMenu,
    QSplitter,
    QStackedWidget,
    QWidget,
)

from paperscope.core import paths as app_paths
from paperscope.core.records import ReadIssue
from paperscope.core.text import count
from paperscope.gui import window_fit, workspace
from paperscope.gui.dialogs.export_dialog import ExportDialog
from paperscope.gui.dialogs.merge_dialog import MergeDialog
from paperscope.gui.embedding_menu import EmbeddingMenu
from paperscope.gui.links_controller import LinksController
from paperscope.gui.map.map_pane import MapPane
from paperscope.gui.menus import build_menus
from paperscope.gui.opener import Opener
from paperscope.gui.papers.actions import PaperActions
from paperscope.gui.papers.detail_pane import PaperDetailPane
from paperscope.gui.papers.papers_view import PapersView
from paperscope.gui.papers.sidebar import Sidebar
from paperscope.gui.papers.similar_list import SimilarList
from paperscope.gui.papers.welcome import WelcomePage
from paperscope.gui.papers_controller import PapersController
from paperscope.gui.plots.plot_pane import PlotPane
from paperscope.gui.plots.plots_view import PlotsView
from paperscope.gui.plots.watch import FolderWatch
from paperscope.gui.state import AppState
from paperscope.gui.status import StatusBar
from paperscope.gui.task_runner import TaskRunner
from paperscope.library.store import Store
from paperscope.state.plots import PlotsState
from paperscope.state.session import Session
from paperscope.workflows import open as open_flow

LAYOUT_VERSION = 1


def settings() -> QSettings:
    return QSettings(str(app_paths.settings_file()), QSettings.Format.IniFormat)


class MainWindow(QMainWindow):
    """Signals: ``runs_loaded``, ``library_switched``, ``runs_updated`` (watched folders)."""

    import_finished = Signal(object)
    runs_loaded = Signal(list)
    error_shown = Signal(str)
    library_switched = Signal(str)
    preview_shown = Signal(object)
    runs_updated = Signal(object)
    # made by menus.build_menus
    open_action: QAction
    watch_action: QAction
    family_first_action: QAction
    export_papers_action: QAction
    merge_action: QAction
    paper_menu: QMenu

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.persist_layout = True
        self.state = AppState(self)
        self.runner = TaskRunner(self)
        self.session: Session[AppState] = Session(store, self.runner, self.state)
        self.setWindowTitle(f"PaperScope — {store.path.name}")
        self.setAcceptDrops(True)
        size = window_fit.fit_to_screen(self)

        self.watch = FolderWatch(self.runner, self._apply_watch_update, self)
        self.status = StatusBar(self, self.runner)
        self.embedding = EmbeddingMenu(self.session, self.status, settings, self)
        for w in (self.embedding.label, self.watch.label):
            self.statusBar().insertPermanentWidget(1, w)  # after the text, before progress
        self.status.error_shown.connect(self.error_shown)
        self.watch.failed.connect(lambda m, d: self.status.show_error("Watching run folders", m, d))
        self.opener = Opener(self.session, self.status, self.load_runs, self.open_workspace, self)
        self.opener.import_finished.connect(self.import_finished)
        self.opener.preview_shown.connect(self.preview_shown)
        self.open_paths, self.import_papers = self.opener.open_paths, self.opener.import_papers
        self.welcome = WelcomePage()
        self.welcome.demo_requested.connect(self.open_demo_library)
        self.welcome.import_requested.connect(self.opener.choose_papers)
        self.welcome.runs_requested.connect(self.opener.choose_runs)
        self.central = QStackedWidget()
        self.central.addWidget(self.welcome)
        self.setCentralWidget(self.central)
        self.plots = PlotsView.for_session(self.session, self.runner, self.load_runs)
        self.plots.area.publication_requested.connect(self.publication_figure)
        self.sidebar = Sidebar()
        self.paper_actions = PaperActions(self.session, self)
        self.paper_actions.message.connect(self.status.show_message)
        self.addActions(self.paper_actions.all_actions())
        self.similar_list = SimilarList()
        self.papers = PapersController(
            self.session, self.status, self.central, self.sidebar, self.similar_list,
            self.paper_actions, self.embedding.model_path, self,
        )  # fmt: skip
        self.import_finished.connect(self.papers.recommend.imported)
        self.details_split = QSplitter(Qt.Orientation.Vertical)
        self.links = LinksController(self)  # papers meet runs: link gestures, their refresh
        self._show_library(store)
        self.details_split.addWidget(self.similar_list)
        self.details_split.setSizes([360, 130])
        area = Qt.DockWidgetArea
        self.sidebar_dock = self._dock("Library", "sidebar", self.sidebar, area.LeftDockWidgetArea)
        self.details_dock = self._dock("Details", "details", self.details_split,
                                       area.RightDockWidgetArea)  # fmt: skip
        self.map_dock = self._dock("Map", "map", self.map_pane, area.RightDockWidgetArea)
        self.plots_dock = self._dock("Plots", "plots", self.plots, area.BottomDockWidgetArea)
        # the right column (details over the map) is full height; plots under the table
        self.setCorner(Qt.Corner.BottomRightCorner, area.RightDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, area.RightDockWidgetArea)
        self.splitDockWidget(self.details_dock, self.map_dock, Qt.Orientation.Vertical)
        window_fit.size_docks(self, self.sidebar_dock, self.details_dock, self.map_dock,
                              self.plots_dock, size)  # fmt: skip
        self._default_state = self.saveState(LAYOUT_VERSION)
        build_menus(self)
        self.state.current_paper_changed.connect(self._on_state_current_paper_changed)
        self.state.library_changed.connect(self._update_central)
        self.state.library_changed.connect(self._on_library_changed)
        self._update_central()
        self.restore_layout()
        self.papers.prepare_library()

    # -- construction ----------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{name}")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def docks(self) -> list[QDockWidget]:
        return [self.sidebar_dock, self.details_dock, self.map_dock, self.plots_dock]

    def _show_library(self, store: Store) -> None:
        """The table, the detail pane and the map of ``store`` (new ones on a switch)."""
        self.papers_view = PapersView(store, self.state)
        self.central.addWidget(self.papers_view)
        self.detail_pane = PaperDetailPane(store, self.runner.submit, lambda: self.state.search)
        self.detail_pane.edited.connect(lambda _pid: self.state.notify_library_changed())
        self.detail_pane.link_opened.connect(self.paper_actions.link_opened)
        if self.details_split.count():
            self.details_split.replaceWidget(0, self.detail_pane)
        else:
            self.details_split.addWidget(self.detail_pane)
        self.map_pane = MapPane(store, self.state, self.runner, self.embedding.model_path)
        self.map_pane.load()  # the stored map shows at once; nothing is computed
        self.papers.bind(self.papers_view, self.map_pane)
        self.links.bind()

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
        window_fit.clamp_to_screen(self)  # saved on a bigger screen
        return ok

    def reset_layout(self) -> None:
        for dock in self.docks():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)

    # -- the library -----------------------------------------------------------------
    def _update_central(self) -> None:
        empty = self.store.paper_count() == 0
        self.central.setCurrentWidget(self.welcome if empty else self.papers_view)

    def _on_state_current_paper_changed(self, paper_id: int) -> None:
        self.detail_pane.show_paper(paper_id)
        self.papers.show_similar(paper_id)
        if paper_id >= 0:
            self.papers_view.select_paper(paper_id)  # e.g. clicked on the map

    def _on_library_changed(self) -> None:
        if self.state.current_paper >= 0:
            self.detail_pane.show_paper(self.state.current_paper)

    def focus_search(self) -> None:
        self.central.setCurrentWidget(self.papers_view)
        self.papers_view.search.setFocus()
        self.papers_view.search.selectAll()

    def show_export_dialog(self) -> ExportDialog:
        model = self.papers_view.model
        dialog = ExportDialog(
            self.session, self.state.selection, model.query, model.matching_ids(), self
        )
        dialog.exported.connect(
            lambda n, p: self.status.show_message(f"Exported {count(n, 'paper')} to {p}")
        )
        self._export_dialog = dialog
        dialog.show()
        return dialog

    def show_merge_dialog(self) -> MergeDialog:
        dialog = MergeDialog(self.session, self)
        self._merge_dialog = dialog
        dialog.show()
        return dialog

    def switch_library(self, path: Path) -> None:
        """Close this library (its workspace saved) and show another in this window."""
        if self.persist_layout:
            workspace.save(workspace.collect(self), workspace.default_path(self.store.path))
        new_store = Store(path)
        self.runner.shutdown()
        old = self.store
        self.store = self.session.store = new_store
        old_widgets = (self.papers_view, self.detail_pane, self.map_pane)
        self.papers.unbind()
        self.session.papers.reset()  # a new library starts without a search
        self._show_library(new_store)
        self.map_dock.setWidget(self.map_pane)
        self.central.removeWidget(old_widgets[0])
        for w in old_widgets:
            w.deleteLater()
        old.close()
        self.state.set_selection([])
        self.state.set_current_paper(-1)
        self.setWindowTitle(f"PaperScope — {path.name}")
        self._update_central()
        self.papers.prepare_library()
        self.library_switched.emit(str(path))

    def open_demo_library(self) -> None:
        self.switch_library(open_flow.create_demo_library())
        self.load_runs([open_flow.demo_runs()], watch=False)

    # -- opening things --------------------------------------------------------------
    def receive_files(self, files: list[Path]) -> None:
        """Files handed over by a second launch of PaperScope."""
        self.show()
        self.raise_()
        self.activateWindow()
        if files:
            self.opener.open_paths(files, confirm=True)

    # -- runs ------------------------------------------------------------------------
    @property
    def plot_pane(self) -> PlotPane:
        """The current plot pane (the one last clicked, in the shown tab)."""
        return self.plots.current_pane()

    def load_runs(
        self,
        paths: Sequence[Path],
        pane: PlotPane | None = None,
        restore_plots: PlotsState | None = None,
        watch: bool = True,
    ) -> None:
        """Load runs in the background; they show in ``pane`` (default: every pane), or
        as ``restore_plots`` (a workspace's plots) says. With ``watch`` the paths are then
        watched for new data (see :mod:`paperscope.gui.plots.watch`)."""
        from paperscope.gui.plots.plots_view import watch_runs_for_plots

        self.session.runs.add_paths([str(Path(p).resolve()) for p in paths], watched=watch)

        def loaded(result: Any) -> None:
            watcher, runs, issues = result
            self.show_loaded_runs((runs, issues), pane, restore_plots)
            if watch:
                self.watch.add(watcher)

        self.runner.submit(
            watch_runs_for_plots, list(paths),
            title=f"Loading runs from {', '.join(Path(p).name for p in paths)}",
            on_result=loaded,
        )  # fmt: skip

    def show_loaded_runs(
        self, result: Any, pane: PlotPane | None = None, restore_plots: PlotsState | None = None
    ) -> None:
        runs, issues = result
        if pane is not None and pane not in self.plots.area.panes():
            pane = None  # closed while loading
        if restore_plots is not None:
            self.plots.restore(restore_plots, runs)
        else:
            self.plots.add_runs(runs, pane)
        self.status.show_message(f"Loaded {count(len(runs), 'run')}")
        if issues:
            self.status.show_issues(f"Loaded {count(len(runs), 'run')}", issues, warning=False)
        self.runs_loaded.emit(list(runs))

    def restore_plots(self, plots: PlotsState) -> None:
        self.plots.restore(plots)

    def _apply_watch_update(self, update: Any) -> None:
        self.plots.apply_watch_update(update)
        self.runs_updated.emit(update)

    def set_watching(self, on: bool) -> None:
        settings().setValue("runs/watch", on)
        self.watch.set_enabled(on)

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

    # -- workspace -------------------------------------------------------------------
    def sync_state(self) -> None:
        """Write what only the widgets know (split sizes, pinned metrics) to the session."""
        self.plots.sync_state()

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
        self.status.show_message(f"Workspace saved to {path}")
        return path

    def open_workspace(self, path: Path) -> bool:
        try:
            workspace.apply(self, workspace.load(path), path)
        except workspace.WorkspaceError as exc:
            issue = ReadIssue(str(path), "", str(exc), "skipped")
            self.status.show_issues("This workspace cannot be opened", [issue])
            return False
        self.status.show_message(f"Workspace {path.name} opened")
        return True

    # -- drag and drop, closing ------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.opener.open_paths(paths)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.persist_layout:
            self.save_layout()
            # each library keeps its own workspace (the demo's never replaces yours)
            workspace.save(workspace.collect(self), workspace.default_path(self.store.path))
        self.runner.shutdown()
        for timer in self.findChildren(QTimer):
            timer.stop()  # nothing may touch the library after its window closed
        super().closeEvent(event)
