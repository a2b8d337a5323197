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
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import ReadIssue, Run
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.gui.plots.metric_list import MetricList
from paperscope.gui.plots.plot_pane import PlotPane
from paperscope.gui.plots.runs_panel import RunsModel, RunsPanel
from paperscope.workflows.plots import metric_names

if TYPE_CHECKING:
    from paperscope.gui.task_runner import TaskRunner
    from paperscope.workflows.runs import RunWatcher, WatchUpdate

STATE_VERSION = 1


def watch_runs_for_plots(
    paths: Sequence[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> tuple[RunWatcher, list[Run], list[ReadIssue]]:
    """Every run in ``paths`` (:meth:`RunWatcher.start
    <paperscope.workflows.runs.RunWatcher.start>`: the parsed-run cache first), then
    (still on the worker) :func:`prepare_plotting`. Returns the watcher too, so the
    window can poll the paths for new data."""
    from paperscope.workflows.runs import RunWatcher

    watcher = RunWatcher(paths)
    runs, issues = watcher.start(progress, cancel)
    prepare_plotting()
    return watcher, runs, issues


def poll_watchers(
    watchers: Sequence[RunWatcher],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> WatchUpdate:
    """One look at every watched path; what changed, merged into one update."""
    from paperscope.workflows.runs import WatchUpdate

    total = WatchUpdate()
    for watcher in watchers:
        update = watcher.poll(cancel)
        total.added += update.added
        total.changed += update.changed
        total.removed += update.removed
        total.issues += update.issues
    return total


def prepare_plotting() -> None:
    """Import what the first draw needs (pyqtgraph ~0.3 s, ``scipy.signal`` for the
    smoothing ~1 s) on the worker that loaded the runs, with the garbage collector
    paused (:func:`paperscope.gui.task_runner.preload`), so neither the import nor a
    full collection over what it created blocks the UI thread."""
    from paperscope.gui.task_runner import preload

    preload("pyqtgraph", "scipy.signal")


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
    publication_requested = Signal(object)

    def __init__(self, catalog: RunsModel, runner: TaskRunner | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.catalog = catalog
        self.runner = runner
        self._current: PlotPane | None = None
        self.setTabsClosable(True)
        self.setMovable(True)
        self.setDocumentMode(True)
        self.tabCloseRequested.connect(self.close_tab)
        self.currentChanged.connect(self._on_tab_changed)
        plus = QToolButton()
        plus.setText("+")
        plus.setToolTip("New plot tab")
        plus.clicked.connect(lambda: self.add_tab())
        self.setCornerWidget(plus, Qt.Corner.TopRightCorner)
        self.add_tab()

    # -- panes -----------------------------------------------------------------------
    def new_pane(self) -> PlotPane:
        pane = PlotPane(self.catalog, self.runner)
        pane.activated.connect(lambda: self._set_current(pane))
        pane.split_requested.connect(lambda o: self.split(pane, o))
        pane.close_requested.connect(lambda: self.close_pane(pane))
        pane.files_dropped.connect(lambda paths: self.files_dropped.emit(paths, pane))
        pane.publication_requested.connect(lambda: self.publication_requested.emit(pane))
        pane.metric_changed.connect(lambda m: self._on_pane_metric(pane, m))
        return pane

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
            self.catalog.set_metric(pane.metric())
            self.current_pane_changed.emit(pane)
        self._highlight()

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
        if pane.metric():
            new.set_metric(pane.metric())
        parent = pane.parentWidget()
        if isinstance(parent, QSplitter):
            index = parent.indexOf(pane)
            if parent.orientation() == orientation:
                parent.insertWidget(index + 1, new)
            else:
                splitter = QSplitter(orientation)
                parent.insertWidget(index, splitter)
                splitter.addWidget(pane)
                splitter.addWidget(new)
                splitter.setSizes([1000, 1000])
        else:
            page = self._page_of(pane)
            splitter = QSplitter(orientation)
            page.set_root(splitter)
            splitter.addWidget(pane)
            splitter.addWidget(new)
            splitter.setSizes([1000, 1000])
        self._set_current(new)
        return new

    def _page_of(self, pane: QWidget) -> _TabPage:
        w: QWidget | None = pane
        while w is not None and not isinstance(w, _TabPage):
            w = w.parentWidget()
        assert w is not None
        return w

    def close_pane(self, pane: PlotPane) -> None:
        """Remove a pane; the last pane of a tab closes the tab (the last tab stays)."""
        page = self._page_of(pane)
        if page.root is pane:
            if self.count() > 1:
                self.close_tab(self.indexOf(page))
            else:
                pane.clear_runs()
            return
        splitter = pane.parentWidget()
        assert isinstance(splitter, QSplitter)
        pane.cancel_task()
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
        for pane in self.panes(index):
            pane.cancel_task()
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
    def state(self) -> dict[str, Any]:
        tabs = []
        for i in range(self.count()):
            page = self.widget(i)
            assert isinstance(page, _TabPage)
            tabs.append({"title": self.tabText(i), "layout": self._node(page.root)})
        panes = self.panes()
        current = panes.index(self._current) if self._current in panes else 0
        return {"version": STATE_VERSION, "tabs": tabs, "current_tab": self.currentIndex(),
                "current_pane": current}  # fmt: skip

    def _node(self, w: QWidget) -> dict[str, Any]:
        if isinstance(w, QSplitter):
            return {
                "split": "horizontal"
                if w.orientation() == Qt.Orientation.Horizontal
                else "vertical",
                "sizes": list(w.sizes()),
                "children": [
                    self._node(c) for c in (w.widget(i) for i in range(w.count())) if c is not None
                ],
            }
        assert isinstance(w, PlotPane)
        return {"pane": w.state()}

    def restore(self, state: Mapping[str, Any]) -> None:
        """Rebuild the tabs and panes of :meth:`state` (runs already in the catalogue)."""
        tabs = state.get("tabs") or []
        for i in reversed(range(self.count())):
            page = self.widget(i)
            for pane in self.panes(i):
                pane.cancel_task()
            self.removeTab(i)
            if page is not None:
                page.deleteLater()
        self._current = None
        if not tabs:
            self.add_tab()
            return
        for tab in tabs:
            self.add_tab(str(tab.get("title", "")) or None, self._build(tab.get("layout", {})))
        self.setCurrentIndex(min(int(state.get("current_tab", 0)), self.count() - 1))
        panes = self.panes()
        k = int(state.get("current_pane", 0))
        self._set_current(panes[k] if 0 <= k < len(panes) else self.current_pane())

    def _build(self, node: Mapping[str, Any]) -> QWidget:
        if "split" in node:
            splitter = QSplitter(ORIENTATIONS.get(str(node["split"]), Qt.Orientation.Horizontal))
            for child in node.get("children", []):
                splitter.addWidget(self._build(child))
            sizes = node.get("sizes")
            if sizes:
                splitter.setSizes([int(s) for s in sizes])
            return splitter
        pane = self.new_pane()
        pane.restore(node.get("pane", {}))
        return pane


class PlotsView(QWidget):
    """The plots dock's content. ``load_runs(paths, pane)``: how dropped files are
    loaded (the main window's loader; the pane gets the runs)."""

    def __init__(
        self,
        runner: TaskRunner | None = None,
        load_runs: Callable[[Sequence[Path], PlotPane | None], None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.catalog = RunsModel(self)
        self.metric_list = MetricList()
        self.runs_panel = RunsPanel(self.catalog)
        self.area = PlotArea(self.catalog, runner)
        self._load_runs = load_runs
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(self.metric_list)
        left.addWidget(self.runs_panel)
        left.setSizes([120, 200])
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(self.area)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([380, 1000])
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
        self.catalog.set_metric(pane.metric())

    def state(self) -> dict[str, Any]:
        """The plot layout and the pinned metrics (JSON-able), for the workspace file."""
        return {**self.area.state(), "pinned_metrics": self.metric_list.model.pinned(),
                "splitter": list(self.splitter.sizes())}  # fmt: skip

    def restore(self, state: Mapping[str, Any], runs: Sequence[Run] = ()) -> list[str]:
        """Restore :meth:`state` with ``runs`` (the workspace's runs, reloaded); returns
        the ids of runs the state refers to that are not loaded."""
        if runs:
            self.catalog.add_runs(runs)
        wanted: dict[str, bool] = {}
        for pane_state in _pane_states(state):
            for r in pane_state.get("runs", []):
                wanted[str(r["id"])] = bool(r.get("visible", True)) and wanted.get(
                    str(r["id"]), True
                )
        for rid, visible in wanted.items():
            self.catalog.set_visible([rid], visible)
        for pane_state in _pane_states(state):
            for r in pane_state.get("runs", []):
                run = self.catalog.run(str(r["id"]))
                if run is not None and r.get("name") and r["name"] != run.name:
                    self.catalog.rename(run.id, str(r["name"]))
        self.metric_list.model.set_pinned([str(t) for t in state.get("pinned_metrics", [])])
        self.area.restore(state)
        sizes = state.get("splitter")
        if sizes:
            self.splitter.setSizes([int(s) for s in sizes])
        return [rid for rid in wanted if self.catalog.run(rid) is None]


def _pane_states(state: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    out: list[Mapping[str, Any]] = []

    def walk(node: Mapping[str, Any]) -> None:
        if "pane" in node:
            out.append(node["pane"])
        for child in node.get("children", []):
            walk(child)

    for tab in state.get("tabs", []):
        walk(tab.get("layout", {}))
    return out
