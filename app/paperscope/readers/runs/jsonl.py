"""JSON lines logs: one JSON object per line, keys varying from line to line.

x is the first of ``step``/``global_step``/``_step``/``iteration``/``iter``/``epoch``
present on a line (else the line's index among records); ``_timestamp``/``timestamp``/
``wall_time``/``time`` in epoch seconds gives wall times. Nested objects are flattened
with ``/``. ``NaN``/``Infinity`` literals are accepted; a bad line is skipped with its
line number.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import head_bytes, make_run, make_series, run_name

X_KEYS = ("step", "global_step", "_step", "iteration", "iter", "epoch")
WALL_KEYS = ("_timestamp", "timestamp", "wall_time", "time")


def _flat(obj: dict[str, Any], prefix: str, out: dict[str, float]) -> None:
    for k, v in obj.items():
        key = f"{prefix}{k}"
        if isinstance(v, bool | int | float):
            out[key] = float(v)
        elif isinstance(v, dict):
            _flat(v, key + "/", out)


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
        cols: dict[str, tuple[list[int], list[float], list[float]]] = {}
        n_records = 0
        first_wall = math.inf
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
            x_key = next(  # a step int64 can hold (others: the record's number)
                (k for k in X_KEYS if k in flat and abs(flat[k]) < 9.2e18), None
            )
            step = int(flat[x_key]) if x_key else n_records
            w_key = next((k for k in WALL_KEYS if k in flat), None)
            wall = flat[w_key] if w_key else math.nan
            if wall > 1e11:
                wall /= 1000.0
            if not wall > 1e8:
                wall = math.nan
            else:
                first_wall = min(first_wall, wall)
            n_records += 1
            for k, v in flat.items():
                if k in (x_key, w_key):
                    continue
                c = cols.setdefault(k, ([], [], []))
                c[0].append(step)
                c[1].append(v)
                c[2].append(wall)
        if n_records == 0:
            first = issues[0] if issues else None
            raise ReadError(
                str(path), first.location if first else "line 1",
                first.message if first else "no JSON record",
            )  # fmt: skip
        series = {k: make_series(k, s, v, w) for k, (s, v, w) in cols.items()}
        name = path.stem if path.stem not in ("metrics", "log", "logs") else run_name(path.parent)
        run = make_run(
            path, name, "jsonl", series,
            start_time=first_wall if math.isfinite(first_wall) else None,
        )  # fmt: skip
        return ReadResult(runs=[run], issues=issues)


registry.register(JsonLinesReader())
