"""Saving and opening a workspace in the window: the session's JSON (the format, the
versions and one file per library: :mod:`paperscope.state.workspace`).

Nothing here reads a widget: the session's states are the truth; the plot area writes
its layout into :class:`~paperscope.state.plots.PlotsState` before a save.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from paperscope.state.events import StateError
from paperscope.state.plots import PlotsState
from paperscope.state.session import Session
from paperscope.state.workspace import (
    SUFFIX,
    WorkspaceError,
    default_path,
    for_library,
    legacy_path,
    load,
    run_paths,
    save,
)

__all__ = [
    "SUFFIX", "WorkspaceError", "apply", "collect", "default_path", "for_library",
    "legacy_path", "load", "run_paths", "save",
]  # fmt: skip


class Host(Protocol):
    """What a workspace needs of the window."""

    session: Session[Any]

    def sync_state(self) -> None: ...

    def load_runs(
        self, paths: Sequence[Path], pane: Any = None, restore_plots: PlotsState | None = None,
        watch: bool = True,
    ) -> None: ...  # fmt: skip

    def restore_plots(self, plots: PlotsState) -> None: ...


def collect(host: Host) -> dict[str, Any]:
    """The window's workspace: its session's JSON, with the layout as it is now."""
    host.sync_state()
    return host.session.to_json()


def apply(host: Host, data: dict[str, Any], path: Path | str = "workspace") -> None:
    """Show a workspace (upgraded by :func:`load`): the table's search and sort and the
    map colouring at once; the runs loaded again (from the parsed-run cache), then the
    plot panes. Raises :class:`WorkspaceError` (naming ``path``) for a bad value, with
    nothing changed."""
    try:
        plots = host.session.restore(data)
    except StateError as exc:
        raise WorkspaceError(f"{path}: {exc}") from None
    paths = run_paths(data)
    watched = set(host.session.runs.watched)
    if paths:
        # one load, one watcher: watched when any of its paths was (the demo's are not)
        host.load_runs(paths, restore_plots=plots, watch=any(str(p) in watched for p in paths))
    else:
        host.restore_plots(plots)
