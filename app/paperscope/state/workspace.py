"""The workspace file: the session's JSON, versioned, one per library.

Saved on quit and restored on start, per library (``config_dir()/workspaces/<library
name>-<hash of its path>.paperscope``), so quitting the demo window never overwrites
the workspace of the user's own library. File → Save workspace as… writes the same JSON
anywhere; File → Open reads one back.

Version 2 (:meth:`paperscope.state.session.Session.to_json`)::

    {"format": "paperscope-workspace", "version": 2, "library": "/path/library.duckdb",
     "papers": {"search", "mode", "sort": [column, descending], "columns", "shown"},
     "map": {"colour_by", "layout_id", "view_box", "highlighted"},
     "runs": {"paths": [...], "watched": [...],
              "runs": [{"id", "name", "source", "colour", "visible"}, ...]},
     "plots": {"tabs": [{"title", "layout": {"split", "sizes", "children"} | {"pane"}}],
               "current_tab", "current_pane", "pinned_metrics", "splitter"}}

Version 1 kept the runs as a list of paths and each pane's runs (id, name, source,
visible) inside the pane; :func:`upgrade` moves them into ``runs``. Paths in a workspace
are data from a file: only existing local folders and files are opened again.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paperscope.core import paths as app_paths
from paperscope.state.session import FORMAT, VERSION

SUFFIX = ".paperscope"


class WorkspaceError(ValueError):
    """A workspace file that cannot be used; the message names the file."""


def default_path(library: Path) -> Path:
    """Where the workspace of ``library`` is kept between sessions."""
    resolved = str(Path(library).expanduser().resolve())
    digest = hashlib.sha1(resolved.encode("utf-8", "surrogateescape")).hexdigest()[:12]
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(resolved).stem)[:40] or "library"
    return app_paths.config_dir() / "workspaces" / f"{stem}-{digest}{SUFFIX}"


def legacy_path() -> Path:
    """The one workspace file of PaperScope before version 2 (whatever library)."""
    return app_paths.config_dir() / f"workspace{SUFFIX}"


def save(state: Mapping[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
    tmp.replace(path)  # never a half-written workspace
    return path


def load(path: Path) -> dict[str, Any]:
    """Read, check and upgrade a workspace file (raises :class:`WorkspaceError`)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WorkspaceError(f"{path}: not a readable workspace file ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise WorkspaceError(f"{path}: not a PaperScope workspace")
    version = data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise WorkspaceError(f"{path}: workspace version {version!r} is not a version")
    if version > VERSION:
        raise WorkspaceError(f"{path}: workspace version {version!r} is newer than this PaperScope")
    try:
        return upgrade(data)
    except (TypeError, ValueError, KeyError) as exc:
        raise WorkspaceError(f"{path}: {exc}") from None


def for_library(library: Path) -> dict[str, Any] | None:
    """The saved workspace of ``library``, if any (a version-1 file counts when it
    names this library); ``None`` when there is none or it cannot be read."""
    for path in (default_path(library), legacy_path()):
        if not path.exists():
            continue
        try:
            state = load(path)
        except WorkspaceError:
            continue  # a broken autosave must not stop the app; it is rewritten on quit
        if _same(state.get("library"), library):
            return state
    return None


def _same(saved: object, library: Path) -> bool:
    try:
        return isinstance(saved, str) and Path(saved).resolve() == Path(library).resolve()
    except OSError:
        return False


def upgrade(data: Mapping[str, Any]) -> dict[str, Any]:
    """Bring an older workspace to the current version (a new dict)."""
    out = copy.deepcopy(dict(data))
    if out.get("version", 1) == 1:
        out = _v1_to_v2(out)
    out.setdefault("papers", {})
    out.setdefault("map", {})
    out.setdefault("runs", {"paths": [], "watched": [], "runs": []})
    out.setdefault("plots", {})
    return out


def _v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    paths = [p for p in data.get("runs") or [] if isinstance(p, str)]
    plots = dict(data.get("plots") or {})
    plots.pop("version", None)
    entries: dict[str, dict[str, Any]] = {}

    def walk(node: Any) -> None:
        if not isinstance(node, dict):
            return
        pane = node.get("pane")
        if isinstance(pane, dict):
            ids = []
            for r in pane.pop("runs", []) or []:
                if not isinstance(r, dict) or not isinstance(r.get("id"), str):
                    continue
                ids.append(r["id"])
                e = entries.setdefault(r["id"], {"id": r["id"], "visible": True})
                # v1 showed a run when every pane had it visible
                e["visible"] = e["visible"] and bool(r.get("visible", True))
                if r.get("name"):
                    e["name"] = r["name"]
                e.setdefault("source", list(r.get("source") or []))
            pane["run_ids"] = list(dict.fromkeys(ids))
        for child in node.get("children", []) or []:
            walk(child)

    for tab in plots.get("tabs", []) or []:
        if isinstance(tab, dict):
            walk(tab.get("layout"))
    data["runs"] = {"paths": paths, "watched": list(paths), "runs": list(entries.values())}
    data["plots"] = plots
    data["version"] = VERSION
    return data


def run_paths(state: Mapping[str, Any]) -> list[Path]:
    """The workspace's run folders/files that exist on this machine."""
    runs = state.get("runs") or {}
    raw_paths = runs.get("paths", []) if isinstance(runs, Mapping) else []
    out = []
    for raw in raw_paths:
        if isinstance(raw, str) and "://" not in raw:
            p = Path(raw)
            if p.is_absolute() and p.exists():
                out.append(p)
    return out
