"""The plots dock: the metric list and the runs panel on the left, the plot area (tabs of
panes, each tab split as the user likes) on the right.

:class:`PlotArea` owns the panes and their layout (``state()``/``restore()`` for the
workspace file); :class:`PlotsView` wires the lists to the current pane.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import ReadIssue, Run
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.gui.plots.hyper_pane import HyperPane
from paperscope.gui.plots.metric_list import MetricList
from paperscope.gui.plots.plot_pane import PlotPane
from paperscope.gui.plots.runs_panel import RunsModel, RunsPanel
from paperscope.state.hyper import HyperState
from paperscope.state.plot_pane import PlotPaneState
from paperscope.state.plots import HyperLeaf, Leaf, Node, PlotsState, Split, Tab
from paperscope.state.runs import RunsState
from paperscope.state.runs_table import RunSelection, RunsTableState
from paperscope.workflows.plots import MERGE_ABOVE, metric_names
from paperscope.workflows.references import ReferenceFinder

if TYPE_CHECKING:
    from paperscope.gui.plots.dashboard import Dashboard
    from paperscope.gui.task_runner import TaskRunner
    from paperscope.state.session import Session
    from paperscope.workflows.runs import RunWatcher, WatchUpdate


def watch_runs_for_plots(
    paths: Sequence[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[RunWatcher, list[Run], list[ReadIssue]]:
    """:func:`paperscope.workflows.runs.watch_runs`, then (still on the worker)
    :func:`prepare_plotting`."""
    from paperscope.workflows.runs import watch_runs

    result = watch_runs(paths, progress, cancel)
    prepare_plotting(many_runs=len(result[1]) > MERGE_ABOVE)
    return result


def prepare_plotting(many_runs: bool = False) -> None:
    """Import what the first draw needs (pyqtgraph ~0.3 s, ``scipy.signal`` for the
    smoothing ~1 s) on the worker that loaded the runs, with the garbage collector
    paused (:func:`paperscope.gui.task_runner.preload`), so neither the import nor a
    full collection over what it created blocks the UI thread. ``many_runs``: also
    the numba rasteriser that paints merged runs (``results/raster.py``), its kernel
    loaded from numba's cache (or compiled, once per install: ~5 s), not at the paint."""
    from paperscope.gui.task_runner import preload

    preload("pyqtgraph", "scipy.signal")
    if many_runs:
        preload("paperscope.results.raster")
        from paperscope.results.raster import warm_up

        warm_up()


ORIENTATIONS = {"horizontal": Qt.Orientation.Horizontal, "vertical": Qt.Orientation.Vertical}


class _TabPage(QWidget):
    """A tab's page: holds one root widget (a pane or a splitter of them)."""

    def __init__(self, root: QWidget) -> None:
        super().__init__()
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.root = root
        self._layout.addWidget(root)

    def set_root(self, root: QWidget) -> None:
        self._layout.removeWidget(self.root)
        self.root = root
        self._layout.addWidget(root)


class PlotArea(QTabWidget):
    """Tabs of plot panes, each tab a tree of splitters.

    Signals: ``files_dropped(list of Path, PlotPane)``, ``current_pane_changed(PlotPane)``,
    ``publication_requested(PlotPane)``.
    """

    files_dropped = Signal(list, object)
    current_pane_changed = Signal(object)
    step_pinned = Signal(str, float)
    dashboard_requested = Signal()
    publication_requested = Signal(object)
    papers_dropped = Signal(list, object)  # paper ids dropped on a pane

    def __init__(
        self,
        catalog: RunsModel,
        runner: TaskRunner | None = None,
        parent: QWidget | None = None,
        state: PlotsState | None = None,
        selection: RunSelection | None = None,
        references: ReferenceFinder | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        self.references = references
        self.state = state if state is not None else PlotsState()
        self.selection = selection if selection is not None else RunSelection()
        self._current: PlotPane | None = None
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setDocumentMode(True)
        self.tabCloseRequested.connect(self.close_tab)
        self.currentChanged.connect(self._on_tab_changed)
        self.tabBar().tabMoved.connect(lambda _a, _b: self.sync_state())
        plus = QToolButton()
        plus.setText("+")
        plus.setToolTip("New plot tab")
        plus.clicked.connect(lambda: self.add_tab())
        dash = QToolButton()
        dash.setText("▦")
        dash.setToolTip("Dashboard: every metric of the shown runs as small charts")
        dash.clicked.connect(self.dashboard_requested.emit)
        corner = QWidget()
        row = QHBoxLayout(corner)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(dash)
        row.addWidget(plus)
        self.setCornerWidget(corner, Qt.Corner.TopRightCorner)
        self.add_tab()

    # -- panes -----------------------------------------------------------------------
    def new_pane(self, state: PlotPaneState | None = None) -> PlotPane:
        pane = PlotPane(self.catalog, self.runner, state=state, references=self.references)
        pane.bind_selection(self.selection)
        pane.references_changed.connect(self.refresh_references)
        pane.activated.connect(lambda: self._set_current(pane))
        pane.split_requested.connect(lambda o: self.split(pane, o))
        pane.close_requested.connect(lambda: self.close_pane(pane))
        pane.files_dropped.connect(lambda paths: self.files_dropped.emit(paths, pane))
        pane.publication_requested.connect(lambda: self.publication_requested.emit(pane))
        pane.papers_dropped.connect(lambda ids: self.papers_dropped.emit(ids, pane))
        pane.metric_changed.connect(lambda m: self._on_pane_metric(pane, m))
        pane.step_pinned.connect(self.step_pinned.emit)
        pane.hyper_requested.connect(lambda: self.add_hyper(pane))
        return pane

    def new_hyper(self, state: HyperState | None = None) -> HyperPane:
        hyper = HyperPane(state or HyperState(), self.catalog.table, self.selection)
        hyper.close_requested.connect(lambda: self.close_pane(hyper))
        return hyper

    def add_hyper(self, beside: PlotPane, orientation: Qt.Orientation = Qt.Orientation.Horizontal
                  ) -> HyperPane:  # fmt: skip
        """A hyperparameter pane beside ``beside`` (parallel coordinates first)."""
        hyper = self.new_hyper()
        self._insert_beside(beside, hyper, orientation)
        self.sync_state()
        return hyper

    def hypers(self, tab: int | None = None) -> list[HyperPane]:
        tabs = range(self.count()) if tab is None else [tab]
        out: list[HyperPane] = []
        for i in tabs:
            page = self.widget(i)
            if isinstance(page, _TabPage):
                out.extend(page.root.findChildren(HyperPane))
                if isinstance(page.root, HyperPane):
                    out.append(page.root)
        return out

    def _on_pane_metric(self, pane: PlotPane, metric: str) -> None:
        # the runs panel's "last value" column follows the current pane's metric
        if self.count() and pane is self.current_pane():
            self.catalog.set_metric(metric)

    def add_tab(self, title: str | None = None, root: QWidget | None = None) -> PlotPane | None:
        """A new tab holding one new pane (or ``root``); returns the new pane."""
        pane = None
        if root is None:
            pane = self.new_pane()
            if self._current is not None:  # start from the runs shown so far
                pane.add_run_ids(self._current.run_ids())
            root = pane
        index = self.addTab(_TabPage(root), title or f"Plot {self.count() + 1}")
        self.setCurrentIndex(index)
        if pane is not None:
            self._set_current(pane)
        return pane

    def refresh_references(self) -> None:
        """A mapping was remembered: every pane looks its references up again."""
        for pane in self.panes():
            if pane.run_ids():
                pane.refresh()

    def panes(self, tab: int | None = None) -> list[PlotPane]:
        """Every pane (of one tab), in layout order."""
        tabs = range(self.count()) if tab is None else [tab]
        out: list[PlotPane] = []
        for i in tabs:
            page = self.widget(i)
            if isinstance(page, _TabPage):
                out.extend(self._leaves(page.root))
        return out

    def _leaves(self, w: QWidget) -> list[PlotPane]:
        if isinstance(w, PlotPane):
            return [w]
        if isinstance(w, QSplitter):
            children = (w.widget(i) for i in range(w.count()))
            return [p for c in children if c is not None for p in self._leaves(c)]
        return []

    def current_pane(self) -> PlotPane:
        in_tab = self.panes(self.currentIndex())
        if self._current is not None and self._current in in_tab:
            return self._current
        return in_tab[0]

    def _set_current(self, pane: PlotPane) -> None:
        if pane is not self._current:
            self._current = pane
            self.catalog.set_metric(pane.state.value.metric)
            self.current_pane_changed.emit(pane)
        self._highlight()
        self.sync_state()

    def _highlight(self) -> None:
        """Frame the current pane when its tab holds more than one."""
        for i in range(self.count()):
            panes = self.panes(i)
            for p in panes:
                p.set_highlighted(len(panes) > 1 and p is self._current)

    def _on_tab_changed(self, _index: int) -> None:
        if self.count():
            pane = self.current_pane()
            self._set_current(pane)

    def split(self, pane: PlotPane, orientation: Qt.Orientation) -> PlotPane:
        """Split ``pane`` in two (left|right for Horizontal, top/bottom for Vertical);
        the new pane shows the same runs and metric."""
        new = self.new_pane()
        new.add_run_ids(pane.run_ids())
        if pane.state.value.metric:
            new.set_metric(pane.state.value.metric)
        self._insert_beside(pane, new, orientation)
        self._set_current(new)
        return new

    def _insert_beside(self, pane: QWidget, new: QWidget, orientation: Qt.Orientation) -> None:
        parent = pane.parentWidget()
        if isinstance(parent, QSplitter):
            index = parent.indexOf(pane)
            if parent.orientation() == orientation:
                parent.insertWidget(index + 1, new)
            else:
                splitter = self._splitter(orientation)
                parent.insertWidget(index, splitter)
                splitter.addWidget(pane)
                splitter.addWidget(new)
                splitter.setSizes([1000, 1000])
        else:
            page = self._page_of(pane)
            splitter = self._splitter(orientation)
            page.set_root(splitter)
            splitter.addWidget(pane)
            splitter.addWidget(new)
            splitter.setSizes([1000, 1000])

    def _splitter(self, orientation: Qt.Orientation) -> QSplitter:
        splitter = QSplitter(orientation)
        splitter.splitterMoved.connect(lambda _pos, _i: self.sync_state())
        return splitter

    def _page_of(self, pane: QWidget) -> _TabPage:
        w: QWidget | None = pane
        while w is not None and not isinstance(w, _TabPage):
            w = w.parentWidget()
        assert w is not None
        return w

    def close_pane(self, pane: PlotPane | HyperPane) -> None:
        """Remove a pane; the last pane of a tab closes the tab (the last tab stays). A
        tab keeps one plot pane: closing its last one empties it instead."""
        page = self._page_of(pane)
        if isinstance(pane, PlotPane) and self._leaves(page.root) == [pane]:
            if page.root is not pane or self.count() <= 1:
                pane.clear_runs()
            else:
                self.close_tab(self.indexOf(page))
            return
        if page.root is pane:
            if self.count() > 1:
                self.close_tab(self.indexOf(page))
            return
        splitter = pane.parentWidget()
        assert isinstance(splitter, QSplitter)
        pane.dispose()
        pane.setParent(None)
        pane.deleteLater()
        if splitter.count() == 1:  # collapse: the survivor takes the splitter's place
            survivor = splitter.widget(0)
            assert survivor is not None
            outer = splitter.parentWidget()
            if isinstance(outer, QSplitter):
                index = outer.indexOf(splitter)
                outer.insertWidget(index, survivor)
            else:
                page.set_root(survivor)
            splitter.setParent(None)
            splitter.deleteLater()
        if self._current is pane:
            self._current = None
        self._set_current(self.current_pane())

    def close_tab(self, index: int) -> None:
        if self.count() <= 1:
            return
        page = self.widget(index)
        assert page is not None
        closing: PlotPane | HyperPane
        closed: list[PlotPane | HyperPane] = [*self.panes(index), *self.hypers(index)]
        for closing in closed:
            closing.dispose()
        self.removeTab(index)
        page.deleteLater()
        if self._current is not None and self._current not in self.panes():
            self._current = None
        self._set_current(self.current_pane())

    # -- runs ------------------------------------------------------------------------
    def add_runs(self, runs: Sequence[Run], pane: PlotPane | None = None) -> None:
        """Loaded runs join the catalogue and ``pane`` (default: every pane)."""
        self.catalog.add_runs(runs)
        for p in [pane] if pane is not None else self.panes():
            p.add_run_ids([r.id for r in runs])

    # -- state -----------------------------------------------------------------------
    def sync_state(self) -> None:
        """Write the tabs, their splits (with sizes) and the current pane to
        :attr:`state` (the panes' own states are live already)."""
        tabs = []
        for i in range(self.count()):
            page = self.widget(i)
            if isinstance(page, _TabPage):
                tabs.append(Tab(self.tabText(i), self._node(page.root)))
        panes = self.panes()
        current = panes.index(self._current) if self._current in panes else 0
        self.state.set_layout(tabs, max(self.currentIndex(), 0), current)

    def _node(self, w: QWidget) -> Node:
        if isinstance(w, QSplitter):
            horizontal = w.orientation() == Qt.Orientation.Horizontal
            children = (w.widget(i) for i in range(w.count()))
            return Split("horizontal" if horizontal else "vertical",
                         [self._node(c) for c in children if c is not None],
                         list(w.sizes()))  # fmt: skip
        if isinstance(w, HyperPane):
            return HyperLeaf(w.state)
        assert isinstance(w, PlotPane)
        return Leaf(w.state)

    def restore(self, state: PlotsState) -> None:
        """Rebuild the tabs and panes of ``state`` (runs already in the catalogue; the
        panes drop the ids of runs that are not)."""
        for i in reversed(range(self.count())):
            page = self.widget(i)
            closing: PlotPane | HyperPane
            closed: list[PlotPane | HyperPane] = [*self.panes(i), *self.hypers(i)]
            for closing in closed:
                closing.dispose()
            self.removeTab(i)
            if page is not None:
                page.deleteLater()
        self._current = None
        if not state.tabs:
            self.add_tab()
            return
        for tab in state.tabs:
            self.add_tab(tab.title or None, self._build(tab.layout))
        self.setCurrentIndex(min(state.current_tab, self.count() - 1))
        panes = self.panes()
        k = state.current_pane
        self._set_current(panes[k] if 0 <= k < len(panes) else self.current_pane())

    def _build(self, node: Node) -> QWidget:
        if isinstance(node, Split):
            splitter = self._splitter(ORIENTATIONS[node.orientation])
            for child in node.children:
                splitter.addWidget(self._build(child))
            if node.sizes:
                splitter.setSizes(node.sizes)
            return splitter
        if isinstance(node, HyperLeaf):
            return self.new_hyper(node.hyper)
        v = node.pane.value
        known = tuple(i for i in v.run_ids if self.catalog.run(i) is not None)
        if known != v.run_ids:
            node.pane.update(run_ids=known, hidden_runs=v.hidden_runs & set(known))
        return self.new_pane(node.pane)


class PlotsView(QWidget):
    """The plots dock's content. ``load_runs(paths, pane)``: how dropped files are
    loaded (the main window's loader; the pane gets the runs)."""

    def __init__(
        self,
        runner: TaskRunner | None = None,
        load_runs: Callable[[Sequence[Path], PlotPane | None], None] | None = None,
        parent: QWidget | None = None,
        runs: RunsState | None = None,
        plots: PlotsState | None = None,
        table: RunsTableState | None = None,
        selection: RunSelection | None = None,
        references: ReferenceFinder | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = RunsModel(self, runs, table)
        self.selection = selection if selection is not None else RunSelection()
        self.metric_list = MetricList()
        self.runs_panel = RunsPanel(self.catalog, selection=self.selection)
        self.area = PlotArea(
            self.catalog, runner, state=plots, selection=self.selection, references=references
        )
        self._load_runs = load_runs
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.metric_list)
        left.addWidget(self.runs_panel)
        left.setSizes([120, 200])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.area)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([290, 1000])  # the plot gets the room
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self.metric_list.metric_activated.connect(lambda m: self.current_pane().set_metric(m))
        self.runs_panel.group_requested.connect(
            lambda ids: self.current_pane().group_selection(ids)
        )
        self.catalog.runs_added.connect(self._update_metrics)
        self.catalog.modelReset.connect(self._update_metrics)
        self.area.files_dropped.connect(self._on_files_dropped)
        self.area.current_pane_changed.connect(self._on_current_pane)
        self.area.step_pinned.connect(self.catalog.table.pin)
        self.area.dashboard_requested.connect(self.show_dashboard)
        self.dashboard: Dashboard | None = None

    @classmethod
    def for_session(
        cls,
        session: Session[Any],
        runner: TaskRunner,
        load_runs: Callable[[Sequence[Path], PlotPane | None], None],
    ) -> PlotsView:
        """The plots of the window's session: its run catalogue, table, selection and
        plot tabs, with reference lines from its library."""
        return cls(runner, load_runs, runs=session.runs, plots=session.plots,
                   table=session.runs_table, selection=session.selection,
                   references=ReferenceFinder(session.store))  # fmt: skip

    def show_dashboard(self) -> Dashboard:
        """The dashboard window (small multiples of every metric); a click on a chart
        opens its metric in a new tab with the runs shown."""
        if self.dashboard is None:
            from paperscope.gui.plots.dashboard import Dashboard

            self.dashboard = Dashboard(
                self.catalog, lambda: self.current_pane().spec(), parent=self
            )
            self.dashboard.setWindowFlag(Qt.WindowType.Window)
            self.dashboard.resize(1000, 700)
            self.dashboard.open_requested.connect(self.open_metric)
        self.dashboard.show()
        self.dashboard.raise_()
        return self.dashboard

    def open_metric(self, tag: str) -> PlotPane:
        """A new tab showing ``tag`` for the runs shown."""
        pane = self.area.add_tab()
        assert pane is not None
        pane.add_run_ids([r.id for r in self.catalog.runs() if self.catalog.is_visible(r.id)])
        pane.set_metric(tag)
        return pane

    def current_pane(self) -> PlotPane:
        return self.area.current_pane()

    def add_runs(self, runs: Sequence[Run], pane: PlotPane | None = None) -> None:
        self.area.add_runs(runs, pane)

    def apply_watch_update(self, update: WatchUpdate) -> None:
        """What a watched folder brought: new runs join every pane (as a drop does),
        changed runs are replaced in place (panes showing them redraw), removed ones go."""
        if update.added:
            self.area.add_runs(update.added)
        if update.changed:
            self.catalog.update_runs(update.changed)
            self._update_metrics()
        if update.removed:
            self.catalog.remove_runs(update.removed)

    def _update_metrics(self, *_args: object) -> None:
        self.metric_list.model.set_metrics(metric_names(self.catalog.runs()))

    def _on_files_dropped(self, paths: list[Path], pane: PlotPane) -> None:
        if self._load_runs is not None:
            self._load_runs(paths, pane)

    def _on_current_pane(self, pane: PlotPane) -> None:
        self.catalog.set_metric(pane.state.value.metric)

    @property
    def plots_state(self) -> PlotsState:
        return self.area.state

    def sync_state(self) -> PlotsState:
        """The plot area's state with the layout, the pinned metrics and the splitter
        sizes as they are now."""
        self.area.sync_state()
        self.plots_state.pinned_metrics = self.metric_list.model.pinned()
        self.plots_state.splitter = list(self.splitter.sizes())
        return self.plots_state

    def state(self) -> dict[str, Any]:
        """The plots and the runs' choices as JSON (the workspace's ``plots`` and
        ``runs``)."""
        return {**self.sync_state().to_json(), "runs": self.catalog.state.to_json()}

    def restore(self, state: Mapping[str, Any] | PlotsState, runs: Sequence[Run] = ()) -> list[str]:
        """Restore :meth:`state` (or a :class:`PlotsState`) with ``runs`` (the workspace's
        runs, reloaded); returns the ids of runs the panes refer to that are not loaded."""
        if isinstance(state, PlotsState):
            plots = state
        else:
            if state.get("runs") is not None:
                self.catalog.state.restore(state["runs"])
            plots = PlotsState.from_json(state)
        if runs:
            self.catalog.add_runs(runs)
        wanted = dict.fromkeys(i for p in plots.panes() for i in p.value.run_ids)
        missing = [rid for rid in wanted if self.catalog.run(rid) is None]
        self.metric_list.model.set_pinned(list(plots.pinned_metrics))
        self.area.restore(plots)
        if plots.splitter:
            self.splitter.setSizes(plots.splitter)
        self.sync_state()
        return missing
