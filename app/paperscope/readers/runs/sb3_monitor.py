"""Stable-Baselines3 ``Monitor`` logs: a folder of ``*.monitor.csv`` (one per env worker).

Each file starts with ``#{"t_start": …, "env_id": …}`` then ``r,l,t`` (episode return,
length, seconds since ``t_start``). The workers are merged by absolute time
(``t_start + t``); x is the cumulative episode length (environment steps), so
``rollout/ep_reward`` and ``rollout/ep_length`` line up with SB3's own timesteps. An
``evaluations.npz`` in the same folder adds its ``eval/*`` series to the run, and an
rl-baselines3-zoo ``<env>/config.yml`` gives the hyperparameters.
"""

from __future__ import annotations

import contextlib
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import load_yaml, make_run, make_series, plain, run_name
from paperscope.readers.runs._table import MISSING, CsvTable, missing


def find_config(folder: Path) -> dict[str, Any]:
    """rl-baselines3-zoo hyperparameters: ``config.yml`` in the folder or one level down."""
    candidates = [folder / "config.yml"]
    with contextlib.suppress(OSError):
        candidates += sorted(p / "config.yml" for p in folder.iterdir() if p.is_dir())
    for path in candidates:
        if path.is_file():
            try:
                data = load_yaml(path)
            except ReadError:
                continue
            if isinstance(data, dict):
                return dict(plain(data))
    return {}


def _monitor_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.name.endswith("monitor.csv") and p.is_file())
    except OSError:
        return []


def read_monitor(path: Path) -> tuple[dict[str, Any], CsvTable]:
    with path.open("rb") as fh:
        first = fh.read(1 << 16)
    first = first.split(b"\n", 1)[0].split(b"\r", 1)[0]  # any line ending
    if not first.startswith(b"#"):
        raise ReadError(str(path), "line 1", "no '#{json}' first line")
    try:
        meta = json.loads(first[1:].decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # bad UTF-8 or JSON, a too-long integer
        raise ReadError(str(path), "line 1", f"first line is not '#{{json}}': {exc}") from None
    if not isinstance(meta, dict) or not isinstance(meta.get("t_start"), int | float):
        raise ReadError(str(path), "line 1", "no t_start in the first line")
    table = CsvTable(path, skip_lines=1)
    table.update()
    for col in ("r", "l", "t"):
        if col not in (table.columns or []):
            raise ReadError(str(path), "line 2", f"no {col!r} column")
    return meta, table


class SB3MonitorReader:
    name = "sb3-monitor"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "dir"
    patterns: tuple[str, ...] = ("*",)
    priority = 40

    def sniff(self, path: Path) -> bool:
        return bool(_monitor_files(path))

    def claims(self, path: Path) -> bool:
        return path.name.endswith("monitor.csv") or path.name == "evaluations.npz"

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        return read_files(path, _monitor_files(path), run_name(path), cancel)


def read_files(path: Path, files: list[Path], name: str, cancel: CancelToken) -> ReadResult:
    """One run from monitor files (and ``evaluations.npz``, ``config.yml`` beside them)."""
    folder = path if path.is_dir() else path.parent
    issues: list[ReadIssue] = []
    times, rewards, lengths, extra = [], [], [], []
    env_ids = []
    starts = []
    for f in files:
        cancel.check()
        try:
            meta, table = read_monitor(f)
        except ReadError as exc:
            issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
            continue
        issues.extend(table.issues)
        if table.rows == 0 and table.has_data_lines():
            issues.append(ReadIssue(str(f), "", "no episode read from its lines", "skipped"))
        bad = int(
            np.count_nonzero(~(np.isfinite(table.column("t")) & np.isfinite(table.column("l"))))
        )
        if bad:
            issues.append(
                ReadIssue(
                    str(f), "", f"{bad} lines without numbers in 'l' and 't': skipped", "skipped"
                )
            )
        t0 = float(meta["t_start"])
        starts.append(t0)
        if meta.get("env_id"):
            env_ids.append(str(meta["env_id"]))
        t = table.column("t")
        with np.errstate(over="ignore", invalid="ignore"):  # a huge t_start: inf, dropped
            times.append(t0 + t)
        rewards.append(table.column("r"))
        lengths.append(table.column("l"))
        extra.append({c: table.column(c) for c in table.numeric() if c not in ("r", "l", "t")})
    if not times and not (folder / "evaluations.npz").is_file():
        first = issues[0] if issues else None
        raise ReadError(
            first.file if first else str(path), first.location if first else "",
            first.message if first else "no monitor file",
        )  # fmt: skip
    series: dict[str, Series] = {}
    if times:
        t_all = np.concatenate(times)
        r_all = np.concatenate(rewards)
        l_all = np.concatenate(lengths)
        keys = sorted({k for e in extra for k in e})
        order = np.argsort(t_all, kind="stable")
        ok = np.isfinite(t_all[order]) & np.isfinite(l_all[order])
        order = order[ok]
        with np.errstate(over="ignore", invalid="ignore"):  # huge lengths: inf, refused
            total = np.cumsum(l_all[order])
        fits = np.abs(total) < 9.2e18  # environment steps an int64 holds
        if not fits.all():
            issues.append(
                ReadIssue(
                    str(path), "", "episode lengths add up beyond int64: the episodes from "
                    f"there on skipped ({int(np.count_nonzero(~fits))})", "skipped",
                )
            )  # fmt: skip
            order, total = order[fits], total[fits]
        x = total.astype(np.int64)
        wall = t_all[order]
        series["rollout/ep_reward"] = make_series("rollout/ep_reward", x, r_all[order], wall, "all")
        series["rollout/ep_length"] = make_series("rollout/ep_length", x, l_all[order], wall, "all")
        for k in keys:
            col = np.concatenate(
                [e.get(k, np.full(len(r), MISSING)) for e, r in zip(extra, rewards, strict=True)]
            )[order]
            ok2 = ~missing(col)
            series[k] = make_series(k, x[ok2], col[ok2], wall[ok2], "all")
    sources = list(files)
    npz = folder / "evaluations.npz"
    if npz.is_file() and path.is_dir():
        from paperscope.readers.runs.sb3_evaluations import eval_series

        try:
            series.update(eval_series(npz))
            sources.append(npz)
        except ReadError as exc:
            issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
    config = find_config(folder)
    if env_ids:
        config.setdefault("env_id", env_ids[0])
    start = min(starts) if starts else None
    run = make_run(
        path, name, "sb3-monitor", series, source=sources, config=config,
        start_time=start if start is None or math.isfinite(start) else None,
    )  # fmt: skip
    return ReadResult(runs=[run], issues=issues)


def is_monitor_file(path: Path) -> bool:
    """A ``*monitor.csv`` starting with ``#{…"t_start"…}``."""
    if not path.name.endswith("monitor.csv"):
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return head.startswith(b"#{") and b"t_start" in head


def read_file(path: Path) -> ReadResult:
    """One ``monitor.csv`` named on its own (the generic CSV reader hands it here; in a
    scanned folder the folder reader takes all of them together)."""
    name = run_name(path.parent)
    if path.name != "monitor.csv":
        name = f"{name}/{path.name.removesuffix('.csv')}"
    return read_files(path, [path], name, CancelToken())


registry.register(SB3MonitorReader())
