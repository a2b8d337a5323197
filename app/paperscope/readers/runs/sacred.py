"""Sacred ``FileStorageObserver`` runs: a folder with ``run.json``, ``config.json`` and
``metrics.json`` (``{name: {"steps": [...], "timestamps": [ISO-8601], "values": [...]}}``).

The name is ``<experiment>/<run id>``; ``config.json`` is the config (Sacred's
``__doc__`` entry left out); ``run.json`` gives the start time and status.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import (
    load_json,
    make_run,
    make_series,
    plain,
    step_int,
    to_float,
)


def _epoch(text: Any) -> float:
    if not isinstance(text, str):
        return math.nan
    try:
        t = _dt.datetime.fromisoformat(text)
    except ValueError:
        return math.nan
    if t.tzinfo is None:
        t = t.replace(tzinfo=_dt.UTC)  # Sacred writes UTC without a zone
    return t.timestamp()


def _value(v: Any) -> float:
    if isinstance(v, bool | int | float):
        return to_float(v)
    return float(v)  # a string such as "NaN" (ValueError/TypeError: the metric is skipped)


class SacredReader:
    name = "sacred"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "dir"
    patterns: tuple[str, ...] = ("*",)
    priority = 60

    def sniff(self, path: Path) -> bool:
        return (path / "run.json").is_file() and (
            (path / "metrics.json").is_file() or (path / "config.json").is_file()
        )

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        issues: list[ReadIssue] = []
        run_info: dict[str, Any] = {}
        try:
            data = load_json(path / "run.json")
            if isinstance(data, dict):
                run_info = data
        except ReadError as exc:
            issues.append(ReadIssue(exc.file, exc.location, exc.message))
        config: dict[str, Any] = {}
        if (path / "config.json").is_file():
            try:
                data = load_json(path / "config.json")
                if isinstance(data, dict):
                    config = {k: plain(v) for k, v in data.items() if k != "__doc__"}
            except ReadError as exc:
                issues.append(ReadIssue(exc.file, exc.location, exc.message))
        series: dict[str, Series] = {}
        mpath = path / "metrics.json"
        if mpath.is_file():
            try:
                metrics = load_json(mpath)
            except ReadError as exc:
                issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
                metrics = {}
            if not isinstance(metrics, dict):
                issues.append(ReadIssue(str(mpath), "", "not an object of metrics", "skipped"))
                metrics = {}
            for key, m in metrics.items():
                try:
                    steps = [step_int(s) for s in m["steps"]]
                    values = [math.nan if v is None else _value(v) for v in m["values"]]
                    stamps = m.get("timestamps") or []
                    walls = [_epoch(t) for t in stamps] if len(stamps) == len(steps) else None
                    series[key] = make_series(key, steps, values, walls)
                except (KeyError, TypeError, ValueError, AttributeError) as exc:
                    issues.append(
                        ReadIssue(
                            str(mpath),
                            f"metric {key!r}",
                            f"not steps/values lists: {exc}",
                            "skipped",
                        )
                    )
        if not run_info and not config and not series:
            first = issues[0] if issues else None
            raise ReadError(
                first.file if first else str(path), first.location if first else "",
                first.message if first else "empty Sacred run",
            )  # fmt: skip
        experiment = run_info.get("experiment", {})
        exp_name = experiment.get("name") if isinstance(experiment, dict) else None
        name = f"{exp_name}/{path.name}" if exp_name else path.name
        if run_info.get("status"):
            config.setdefault("status", run_info["status"])
        start = _epoch(run_info.get("start_time"))
        sources = [p for p in (path / "run.json", path / "config.json", mpath) if p.is_file()]
        run = make_run(
            path, name, "sacred", series, source=sources, config=config,
            start_time=None if math.isnan(start) else start,
        )  # fmt: skip
        return ReadResult(runs=[run], issues=issues)


registry.register(SacredReader())
