"""JSON lines logs: one JSON object per line, keys varying from line to line.

x is the first of ``step``/``global_step``/``_step``/``iteration``/``iter``/``epoch``
present on a line (else the line's index among records); ``_timestamp``/``timestamp``/
``wall_time`` in epoch seconds (or ms) give wall times; ``time`` does only when it looks
like a clock (on every record, epoch seconds that never go back), for detectron2's
``metrics.json`` logs ``time`` as seconds per iteration: that stays a series. Nested
objects are flattened with ``/``. ``NaN``/``Infinity`` literals are accepted; a bad line
is skipped with its line number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import head_bytes, make_run, make_series, run_name, to_float

X_KEYS = ("step", "global_step", "_step", "iteration", "iter", "epoch")
WALL_KEYS = ("_timestamp", "timestamp", "wall_time")


def _flat(obj: dict[str, Any], prefix: str, out: dict[str, float]) -> None:
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool | int | float):
            out[key] = to_float(v)
        elif isinstance(v, dict):
            _flat(v, key + "/", out)


def _epoch_seconds(w: np.ndarray) -> np.ndarray:
    """Seconds since the epoch (milliseconds scaled); NaN where it cannot be a clock."""
    w = np.where(w > 1e11, w / 1000.0, w)
    return np.where(w > 1e8, w, np.nan)


def _is_clock(t: np.ndarray) -> bool:
    """``time`` is the wall clock only when every record has it, as seconds (or ms)
    since the epoch that never go back; detectron2's ``time`` (seconds per
    iteration) and other durations stay series."""
    if t.size == 0 or not np.isfinite(t).all():
        return False
    secs = np.where(t > 1e11, t / 1000.0, t)
    return bool((secs > 1e8).all() and (np.diff(secs) >= 0).all())


class JsonLinesReader:
    name = "jsonl"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.jsonl", "*.ndjson", "*.log.json", "*.json")
    priority = 15

    def sniff(self, path: Path) -> bool:
        lines = [ln for ln in head_bytes(path, 8192).splitlines() if ln.strip()]
        if not lines or not lines[0].lstrip().startswith(b"{"):
            return False
        if path.suffix.lower() in (".jsonl", ".ndjson"):
            return True
        # a .json file: only when it is clearly one object per line
        try:
            return len(lines) >= 2 and all(isinstance(json.loads(ln), dict) for ln in lines[:2])
        except (ValueError, UnicodeDecodeError):
            return False

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ReadError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
        issues: list[ReadIssue] = []
        # per series: record numbers and values; per record: step and clock candidates
        cols: dict[str, tuple[list[int], list[float]]] = {}
        steps: list[int] = []
        named_walls: list[float] = []  # timestamp / _timestamp / wall_time
        times: list[float] = []  # ``time``: a clock only if it looks like one (below)
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            if lineno % 10000 == 0:
                cancel.check()
            try:
                obj = json.loads(line)
            except (ValueError, RecursionError) as exc:
                issues.append(ReadIssue(str(path), f"line {lineno}", f"not JSON: {exc}", "skipped"))
                continue
            if not isinstance(obj, dict):
                issues.append(
                    ReadIssue(str(path), f"line {lineno}", "not a JSON object", "skipped")
                )
                continue
            flat: dict[str, float] = {}
            _flat(obj, "", flat)
            x_key = next((k for k in X_KEYS if k in flat), None)
            if x_key is not None and not abs(flat[x_key]) < 9.2e18:
                issues.append(
                    ReadIssue(
                        str(path), f"line {lineno}",
                        f"{x_key} {flat[x_key]} is not a step (NaN, inf or beyond int64): "
                        "the record's number is its step", "warning",
                    )
                )  # fmt: skip
                x_key = None
            record = len(steps)
            steps.append(int(flat[x_key]) if x_key else record)
            w_key = next((k for k in WALL_KEYS if k in flat), None)
            named_walls.append(flat[w_key] if w_key else math.nan)
            times.append(flat.get("time", math.nan))
            for k, v in flat.items():
                if k in (x_key, w_key):
                    continue
                c = cols.setdefault(k, ([], []))
                c[0].append(record)
                c[1].append(v)
        n_records = len(steps)
        if n_records == 0:
            first = issues[0] if issues else None
            raise ReadError(
                str(path), first.location if first else "line 1",
                first.message if first else "no JSON record",
            )  # fmt: skip
        walls = _epoch_seconds(np.asarray(named_walls, dtype=np.float64))
        t = np.asarray(times, dtype=np.float64)
        if "time" in cols and _is_clock(t):
            del cols["time"]
            walls = np.where(np.isnan(walls), _epoch_seconds(t), walls)
        step_arr = np.asarray(steps, dtype=np.int64)
        series = {}
        for k, (rec, vals) in cols.items():
            idx = np.asarray(rec, dtype=np.int64)
            series[k] = make_series(k, step_arr[idx], vals, walls[idx])
        first_wall = float(np.nanmin(walls)) if np.isfinite(walls).any() else math.inf
        name = path.stem if path.stem not in ("metrics", "log", "logs") else run_name(path.parent)
        run = make_run(
            path, name, "jsonl", series,
            start_time=first_wall if math.isfinite(first_wall) else None,
        )  # fmt: skip
        return ReadResult(runs=[run], issues=issues)


registry.register(JsonLinesReader())
