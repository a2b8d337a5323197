"""The loaded runs: the catalogue every plot pane reads from, without Qt.

Runs are known by id. What the user chose for a run (its name, colour, whether it is
shown) is kept by id too, also for runs not loaded yet: a restored workspace sets the
choices first and the runs take them when they arrive.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from paperscope.core.records import Run
from paperscope.results.figure import OKABE_ITO
from paperscope.state.events import Callbacks, StateError
from paperscope.workflows.runs import flatten, rename_run

MAX_CONFIG_KEYS = 40
_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


def config_text(value: Any) -> str:
    """A config value as the runs table shows it (and as filters compare it)."""
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return ", ".join(config_text(v) for v in value)
    return "" if value is None else str(value)


def shown_path(path: str, home: str | None = None) -> str:
    """A run's source as the runs table shows it: under the home folder as ``~/…`` (a
    screenshot or a shared screen shows no machine's user name)."""
    home = (home if home is not None else str(Path.home())).rstrip("/")
    if home and (path == home or path.startswith(home + "/")):
        return "~" + path[len(home) :]
    return path


class RunsState:
    """Loaded runs with their names, colours and visibility, and the paths they came
    from (``paths``: opened; ``watched``: polled for new data).

    Callbacks (each with the ids concerned): ``added``, ``updated`` (new data for runs
    already here), ``removed``, ``visibility_changed``, ``renamed``, ``colours_changed``;
    ``paths_changed`` (the list of paths)."""

    def __init__(self) -> None:
        self._runs: list[Run] = []
        self._row: dict[str, int] = {}
        self._visible: dict[str, bool] = {}
        self._colour: dict[str, str] = {}
        self._names: dict[str, str] = {}  # names the user gave (or a workspace restored)
        self._config: dict[str, dict[str, Any]] = {}
        self._config_keys: list[str] = []
        self._sources: dict[str, list[str]] = {}  # of runs only named by a workspace
        self.paths: list[str] = []
        self.watched: list[str] = []
        self.added: Callbacks[list[str]] = Callbacks()
        self.updated: Callbacks[list[str]] = Callbacks()
        self.removed: Callbacks[list[str]] = Callbacks()
        self.visibility_changed: Callbacks[list[str]] = Callbacks()
        self.renamed: Callbacks[list[str]] = Callbacks()
        self.colours_changed: Callbacks[list[str]] = Callbacks()
        self.paths_changed: Callbacks[list[str]] = Callbacks()

    # -- reading ---------------------------------------------------------------------
    def runs(self) -> list[Run]:
        return list(self._runs)

    def __len__(self) -> int:
        return len(self._runs)

    def run(self, run_id: str) -> Run | None:
        row = self._row.get(run_id)
        return None if row is None else self._runs[row]

    def run_at(self, row: int) -> Run:
        return self._runs[row]

    def row_of(self, run_id: str) -> int | None:
        return self._row.get(run_id)

    def find(self, id_or_name: str) -> Run | None:
        run = self.run(id_or_name)
        if run is None:
            run = next((r for r in self._runs if r.name == id_or_name), None)
        return run

    def is_visible(self, run_id: str) -> bool:
        return run_id in self._row and self._visible.get(run_id, True)

    def colour(self, run_id: str) -> str:
        return self._colour.get(run_id, OKABE_ITO[0])

    def config_keys(self) -> list[str]:
        """Flattened config keys, those that tell runs apart first (at most 40)."""
        return list(self._config_keys)

    def config_of(self, run_id: str) -> dict[str, Any]:
        return self._config.get(run_id, {})

    def fresh_ids(self, runs: Iterable[Run]) -> list[str]:
        """Which of ``runs`` are not here yet (in order, once each)."""
        return [i for i in dict.fromkeys(r.id for r in runs) if i not in self._row]

    def config_keys_after(self, runs: Iterable[Run]) -> list[str]:
        """The config keys :meth:`add` would leave (a table model asks before adding)."""
        configs = dict(self._config)
        for run in runs:
            configs[run.id] = flatten(run.config)
        return _config_keys(configs.values())

    # -- changing --------------------------------------------------------------------
    def add(self, runs: Sequence[Run]) -> list[str]:
        """Add (or replace, by id) runs; returns their ids. A reloaded run keeps the
        name it has here; a new one takes the name, colour and visibility chosen for
        its id before (a workspace), else its own name, the next colour and shown."""
        ids = [r.id for r in runs]
        for run in runs:
            row = self._row.get(run.id)
            if row is not None:
                self._runs[row] = rename_run(run, self._runs[row].name)
            else:
                name = self._names.get(run.id)
                self._row[run.id] = len(self._runs)
                self._runs.append(rename_run(run, name) if name else run)
                self._visible.setdefault(run.id, True)
                self._colour.setdefault(run.id, OKABE_ITO[(len(self._runs) - 1) % len(OKABE_ITO)])
                self._sources.pop(run.id, None)
            self._config[run.id] = flatten(run.config)
        self._config_keys = _config_keys(self._config.values())
        if ids:
            self.added.emit(ids)
        return ids

    def update(self, runs: Sequence[Run]) -> list[str]:
        """Newer data for runs already here (same id); unknown ids are ignored."""
        ids = []
        for run in runs:
            row = self._row.get(run.id)
            if row is None:
                continue
            self._runs[row] = rename_run(run, self._runs[row].name)
            self._config[run.id] = flatten(run.config)
            ids.append(run.id)
        if ids:
            self._config_keys = _config_keys(self._config.values())
            self.updated.emit(ids)
        return ids

    def remove(self, run_ids: Iterable[str]) -> list[str]:
        drop = [i for i in dict.fromkeys(run_ids) if i in self._row]
        if not drop:
            return []
        gone = set(drop)
        self._runs = [r for r in self._runs if r.id not in gone]
        self._row = {r.id: k for k, r in enumerate(self._runs)}
        for rid in drop:
            for d in (self._visible, self._colour, self._config, self._names):
                d.pop(rid, None)
        self._config_keys = _config_keys(self._config.values())
        self.removed.emit(drop)
        return drop

    def clear(self) -> list[str]:
        return self.remove([r.id for r in self._runs])

    def set_visible(self, run_ids: Iterable[str], visible: bool) -> list[str]:
        changed = [
            rid for rid in dict.fromkeys(run_ids)
            if rid in self._row and self._visible.get(rid, True) != visible
        ]  # fmt: skip
        for rid in changed:
            self._visible[rid] = visible
        if changed:
            self.visibility_changed.emit(changed)
        return changed

    def set_colour(self, run_id: str, colour: str) -> bool:
        if not _COLOUR.fullmatch(colour):
            raise StateError(f"RunsState.colour: {colour!r} is not #rrggbb")
        if run_id not in self._row or self._colour.get(run_id) == colour:
            return False
        self._colour[run_id] = colour
        self.colours_changed.emit([run_id])
        return True

    def rename(self, run_id: str, name: str) -> bool:
        name = name.strip()
        row = self._row.get(run_id)
        if row is None or not name or name == self._runs[row].name:
            return False
        self._runs[row] = rename_run(self._runs[row], name)
        self._names[run_id] = name
        self.renamed.emit([run_id])
        return True

    def add_paths(self, paths: Iterable[str], watched: bool = True) -> list[str]:
        """Remember paths opened as runs (once each); returns those that are new."""
        new = [p for p in dict.fromkeys(paths) if p not in self.paths]
        self.paths.extend(new)
        if watched:
            self.watched.extend(p for p in new if p not in self.watched)
        if new:
            self.paths_changed.emit(list(self.paths))
        return new

    # -- JSON ------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        """Paths and the choices per run (loaded runs, then those only named)."""
        entries = [
            {"id": r.id, "name": r.name, "source": list(r.source),
             "colour": self._colour.get(r.id), "visible": self.is_visible(r.id)}
            for r in self._runs
        ]  # fmt: skip
        for rid, source in self._sources.items():
            entries.append({
                "id": rid, "name": self._names.get(rid), "source": source,
                "colour": self._colour.get(rid), "visible": self._visible.get(rid, True),
            })  # fmt: skip
        return {"paths": list(self.paths), "watched": list(self.watched), "runs": entries}

    def restore(self, data: Mapping[str, Any]) -> None:
        """Take the paths and per-run choices of :meth:`to_json` (before the runs are
        loaded again: they take them when they arrive)."""
        if not isinstance(data, Mapping):
            raise StateError(f"RunsState: {data!r} is not an object")
        paths, watched, entries = data.get("paths", []), data.get("watched"), data.get("runs", [])
        for name, v in (("paths", paths), ("watched", watched or []), ("runs", entries)):
            if not isinstance(v, list):
                raise StateError(f"RunsState.{name}: {v!r} is not a list")
        if not all(isinstance(p, str) for p in [*paths, *(watched or [])]):
            raise StateError(f"RunsState.paths: {paths!r} is not a list of paths")
        for e in entries:
            if not isinstance(e, Mapping) or not isinstance(e.get("id"), str):
                raise StateError(f"RunsState.runs: {e!r} has no run id")
            rid = e["id"]
            label, colour, visible = e.get("name"), e.get("colour"), e.get("visible", True)
            if isinstance(label, str) and label.strip():
                if self.run(rid) is None:
                    self._names[rid] = label.strip()
                else:
                    self.rename(rid, label)
            if isinstance(colour, str) and _COLOUR.fullmatch(colour):
                if rid in self._row:
                    self.set_colour(rid, colour)
                else:
                    self._colour[rid] = colour
            if rid in self._row:
                self.set_visible([rid], bool(visible))
            else:
                self._visible[rid] = bool(visible)
                source = e.get("source", [])
                self._sources[rid] = [str(s) for s in source] if isinstance(source, list) else []
        self.paths = list(dict.fromkeys(paths))
        self.watched = list(dict.fromkeys(paths if watched is None else watched))
        self.paths_changed.emit(list(self.paths))


def _config_keys(configs: Iterable[Mapping[str, Any]]) -> list[str]:
    counts: dict[str, int] = {}
    values: dict[str, set[str]] = {}
    for cfg in configs:
        for key, value in cfg.items():
            counts[key] = counts.get(key, 0) + 1
            values.setdefault(key, set()).add(config_text(value))
    # keys that tell runs apart first, then the most common ones
    keys = sorted(counts, key=lambda k: (len(values[k]) < 2, -counts[k], k))
    return keys[:MAX_CONFIG_KEYS]
