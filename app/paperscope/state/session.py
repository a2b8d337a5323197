"""The window's whole state without a widget: the library, the task runner's facade
and the view states. A workspace file is :meth:`Session.to_json`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any, Generic, Protocol, TypeVar

from paperscope.library.store import Store
from paperscope.state.plots import PlotsState
from paperscope.state.runs import RunsState
from paperscope.state.runs_table import RunSelection, RunsTableState, TableSettings
from paperscope.state.views import MapView, MapViewState, PapersView, PapersViewState

FORMAT = "paperscope-workspace"
VERSION = 2


class TaskHandle(Protocol):
    @property
    def id(self) -> int: ...


class Runner(Protocol):
    """What a controller needs of the task runner (``gui.task_runner.TaskRunner``)."""

    def submit(
        self,
        fn: Callable[..., Any],
        *args: Any,
        title: str = ...,
        key: str | None = ...,
        on_result: Callable[[Any], None] | None = ...,
        on_error: Callable[[str, str], None] | None = ...,
        **kwargs: Any,
    ) -> Any: ...

    def cancel(self, task_id: int | None = None) -> None: ...


class Selection(Protocol):
    """The shared selection (``gui.state.AppState``): paper ids, and a way to say the
    library changed."""

    @property
    def selection(self) -> list[int]: ...

    @property
    def current_paper(self) -> int: ...

    def set_selection(self, ids: list[int]) -> None: ...

    def set_current_paper(self, paper_id: int) -> None: ...

    def notify_library_changed(self) -> None: ...


AppT = TypeVar("AppT", bound=Selection)


class Session(Generic[AppT]):
    """``store``, ``runner``, ``app`` (the selection and library notices: in the window,
    ``gui.state.AppState``), and the states of the papers table, the map, the runs and
    the plot area. Controllers and dialogs take a session, never the window."""

    def __init__(self, store: Store, runner: Runner, app: AppT) -> None:
        self.store = store
        self.runner = runner
        self.app = app
        self.papers = PapersViewState()
        self.map = MapViewState()
        self.runs = RunsState()
        self.runs_table = RunsTableState(self.runs)
        self.selection = RunSelection()
        self.plots = PlotsState()

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "library": str(self.store.path),
            "papers": self.papers.value.to_json(),
            "map": self.map.value.to_json(),
            "runs": self.runs.to_json(),
            "runs_table": self.runs_table.value.to_json(),
            "plots": self.plots.to_json(),
        }

    def restore(self, data: Mapping[str, Any]) -> PlotsState:
        """Take a workspace's states (already :func:`~paperscope.state.workspace.upgrade`d
        to this version). Everything is checked before anything changes; a bad value
        raises :class:`~paperscope.state.events.StateError` naming its field. Returns
        the plot area's state: the panes are built once the runs are loaded again."""
        papers = PapersView.from_json(data.get("papers") or {})
        map_view = MapView.from_json(data.get("map") or {})
        plots = PlotsState.from_json(data.get("plots") or {})
        runs = data.get("runs") or {}
        probe = RunsState()
        probe.restore(runs)  # validate first
        table = TableSettings.from_json(data.get("runs_table") or {})
        self.papers.set_value(papers)
        self.map.set_value(map_view)
        self.runs.restore(runs)
        self.runs_table.set_value(dataclasses.replace(table, metric=self.runs_table.value.metric))
        self.plots.pinned_metrics = plots.pinned_metrics
        self.plots.splitter = plots.splitter
        return plots

    @classmethod
    def from_json(
        cls, data: Mapping[str, Any], store: Store, runner: Runner, app: AppT
    ) -> tuple[Session[AppT], PlotsState]:
        """A new session with a workspace's states (see :meth:`restore`)."""
        session = cls(store, runner, app)
        plots = session.restore(data)
        return session, plots
