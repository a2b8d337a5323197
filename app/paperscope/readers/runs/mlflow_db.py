"""MLflow's SQLite tracking store (``mlflow.db``), read with the standard library.

One run per ``runs.run_uuid``; series from ``metrics`` (``key, value, timestamp ms,
step``; ``is_nan`` rows give NaN), config from ``params``, the name from ``runs.name``
or the ``mlflow.runName`` tag. Runs with ``lifecycle_stage = 'deleted'`` (or in a deleted
experiment) go to ``ReadResult.hidden``, as MLflow hides them. The SQL lives in
:mod:`._sqlite` (read-only access).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Run, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs import _sqlite
from paperscope.readers.runs._common import (
    head_bytes,
    make_run,
    make_series,
    parse_number,
    step_int,
)


class MlflowDbReader:
    name = "mlflow-db"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.db", "*.sqlite", "*.sqlite3")
    priority = 30

    def sniff(self, path: Path) -> bool:
        if not head_bytes(path, 16).startswith(_sqlite.SQLITE_MAGIC):
            return False
        try:
            with _sqlite.open_readonly(path) as con:
                return {"runs", "metrics"} <= _sqlite.tables(con)
        except ReadError:
            return False

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        with _sqlite.open_readonly(path) as con:
            if not {"runs", "metrics"} <= _sqlite.tables(con):
                raise ReadError(str(path), "", "not an MLflow database (no runs/metrics tables)")
            runs = _sqlite.mlflow_runs(con)
            data: dict[str, dict[str, tuple[list[int], list[float], list[float]]]] = {}
            bad = 0
            for uuid, key, value, ts, step, is_nan in _sqlite.mlflow_metrics(con):  # type: ignore[assignment]
                try:
                    s = step_int(step or 0)
                    v = math.nan if is_nan or value is None else float(value)
                    w = float(ts) / 1000.0 if ts is not None else math.nan
                except (TypeError, ValueError, OverflowError):
                    bad += 1
                    continue
                c = data.setdefault(str(uuid), {}).setdefault(str(key), ([], [], []))
                c[0].append(s)
                c[1].append(v)
                c[2].append(w)
            params: dict[str, dict[str, Any]] = {}
            for uuid, key, text in _sqlite.mlflow_key_values(con, "params"):
                number = parse_number(str(text))
                params.setdefault(uuid, {})[str(key)] = text if number is None else number
            names: dict[str, str] = {}
            for uuid, key, text in _sqlite.mlflow_key_values(con, "tags"):
                if key == "mlflow.runName":
                    names[uuid] = str(text)
        out: list[Run] = []
        hidden: list[Run] = []
        for r in runs:
            uuid = r["run_uuid"]
            series: dict[str, Series] = {
                k: make_series(k, s, v, w) for k, (s, v, w) in data.get(uuid, {}).items()
            }
            config = dict(params.get(uuid, {}))
            if r["experiment"]:
                config.setdefault("experiment", r["experiment"])
            name = str(r["name"] or names.get(uuid) or uuid)
            st = r["start_time"]
            start = st / 1000.0 if isinstance(st, int | float) and st else None
            run = make_run(path, name, "mlflow", series, config=config, start_time=start, key=uuid)
            deleted = "deleted" in (r["lifecycle_stage"], r["experiment_stage"])
            (hidden if deleted else out).append(run)
        result = ReadResult(runs=out, hidden=hidden)
        if bad:
            result.issues.append(
                ReadIssue(
                    str(path),
                    "table metrics",
                    f"{bad} rows with unreadable values skipped",
                    "skipped",
                )
            )
        return result


registry.register(MlflowDbReader())
