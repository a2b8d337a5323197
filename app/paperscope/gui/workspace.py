"""The workspace: what the window shows besides its dock layout, saved as versioned JSON.

Saved on quit (``paths.config_dir()/workspace.paperscope``) and restored on start; File →
Save workspace as… writes the same file anywhere and File → Open reads one back.

Version 1::

    {"format": "paperscope-workspace", "version": 1,
     "library": "/path/library.duckdb",
     "papers": {"search": "reward model", "sort": ["date", true]},
     "map": {"colour_by": "Cluster"},
     "runs": ["/path/to/a/runs/folder", ...],          # what was opened, reloaded from cache
     "plots": {...}}                                     # PlotsView.state()

Paths in a workspace are data from a file: only existing local folders and files are
opened again, and nothing is fetched from anywhere else.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.core import paths as app_paths

if TYPE_CHECKING:
    from paperscope.gui.main_window import MainWindow

FORMAT = "paperscope-workspace"
VERSION = 1
SUFFIX = ".paperscope"


class WorkspaceError(ValueError):
    """A workspace file that cannot be used; the message names the file."""


def default_path() -> Path:
    return app_paths.config_dir() / f"workspace{SUFFIX}"


def collect(window: MainWindow) -> dict[str, Any]:
    """The window's state as a JSON-able dict."""
    view = window.papers_view
    header = view.table.horizontalHeader()
    sort_section = header.sortIndicatorSection()
    model = view.table.model()
    sort: list[Any] | None = None
    if 0 <= sort_section < model.columnCount():
        name = model.headerData(sort_section, _horizontal())
        sort = [str(name), header.sortIndicatorOrder().name == "DescendingOrder"]
    state: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "library": str(window.store.path),
        "papers": {"search": view.search.text(), "sort": sort},
        "runs": [str(p) for p in window.run_paths],
        "plots": window.plots.state(),
    }
    map_pane = getattr(window, "map_pane", None)
    colour_box = getattr(map_pane, "colour_box", None)
    if colour_box is not None:
        state["map"] = {"colour_by": colour_box.currentText()}
    return state


def _horizontal() -> Any:
    from PySide6.QtCore import Qt

    return Qt.Orientation.Horizontal


def save(state: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmp.replace(path)  # never a half-written workspace
    return path


def load(path: Path) -> dict[str, Any]:
    """Read and check a workspace file (raises :class:`WorkspaceError`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(f"{path}: not a readable workspace file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise WorkspaceError(f"{path}: not a PaperScope workspace")
    version = data.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise WorkspaceError(f"{path}: workspace version {version!r} is newer than this PaperScope")
    return upgrade(data)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring an older workspace to the current version (v1 is the first)."""
    data.setdefault("papers", {})
    data.setdefault("runs", [])
    data.setdefault("plots", {})
    return data


def run_paths(state: Mapping[str, Any]) -> list[Path]:
    """The workspace's run folders/files that exist on this machine."""
    out = []
    for raw in state.get("runs", []):
        if isinstance(raw, str) and "://" not in raw:
            p = Path(raw)
            if p.is_absolute() and p.exists():
                out.append(p)
    return out


def apply(window: MainWindow, state: Mapping[str, Any]) -> None:
    """Show a workspace: the table's search and sort, the map colouring, the runs (loaded
    again, from the parsed-run cache) and then the plot panes."""
    papers = state.get("papers") or {}
    view = window.papers_view
    search = papers.get("search")
    if isinstance(search, str):
        view.search.setText(search)
    sort = papers.get("sort")
    model = view.table.model()
    if isinstance(sort, list) and len(sort) == 2:
        for col in range(model.columnCount()):
            if model.headerData(col, _horizontal()) == sort[0]:
                from PySide6.QtCore import Qt

                order = Qt.SortOrder.DescendingOrder if sort[1] else Qt.SortOrder.AscendingOrder
                view.table.sortByColumn(col, order)
    colour = (state.get("map") or {}).get("colour_by")
    colour_box = getattr(getattr(window, "map_pane", None), "colour_box", None)
    if isinstance(colour, str) and colour_box is not None and colour_box.findText(colour) >= 0:
        colour_box.setCurrentText(colour)
    plots = state.get("plots") or {}
    paths = run_paths(state)
    if paths:
        window.load_runs(paths, restore_plots=plots)
    elif plots:
        window.plots.restore(plots, [])
