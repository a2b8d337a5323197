"""rliable-style final-score JSON, in both layouts.

* ``{task: [score per run]}`` (Atari 100k files such as ``SPR.json``): one run named
  after the file (the algorithm); each task is a series whose step is the run index.
* the long form ``[{"game": …, "seed": …, "<score>": …}, …]`` (``CURL_10_evals.json``):
  one series per task and score key (``HNS/Alien``, ``Max HNS/Alien``), step = seed.

``config["scores"]`` says which layout was read (``"per_run"``), so the results view
knows that steps are run indices, not training steps.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import (
    INT64_MAX,
    INT64_MIN,
    head_bytes,
    load_json,
    make_run,
    make_series,
    to_float,
)

TASK_KEYS = ("game", "task", "env", "environment")
SEED_KEYS = ("seed", "run")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _seed(v: Any) -> bool:
    """A seed number that can be a step (finite, within int64)."""
    if isinstance(v, float) and not math.isfinite(v):
        return False
    return _is_number(v) and INT64_MIN <= int(v) <= INT64_MAX


def _wide(data: Any) -> bool:
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(v, list) and v and all(_is_number(x) for x in v) for v in data.values())
    )


def _long(data: Any) -> bool:
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data[:50]):
        return False
    first = data[0]
    return any(k in first for k in TASK_KEYS) and any(
        _is_number(v) for k, v in first.items() if k not in TASK_KEYS and k not in SEED_KEYS
    )


class RliableScoresReader:
    name = "rliable-scores"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.json",)
    priority = 20

    def sniff(self, path: Path) -> bool:
        head = head_bytes(path, 4096).lstrip()
        if not head.startswith((b"{", b"[")):
            return False
        if path.stat().st_size > 64 << 20:
            return False
        try:
            data = load_json(path)
        except ReadError:
            return False
        return _wide(data) or _long(data)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = load_json(path)
        series: dict[str, Series] = {}
        if _wide(data):
            for task, scores in data.items():
                values = [to_float(v) for v in scores]
                series[str(task)] = make_series(str(task), range(len(scores)), values)
        elif _long(data):
            cols: dict[str, tuple[list[int], list[float]]] = {}
            counters: dict[str, int] = {}
            for rec in data:
                if not isinstance(rec, dict):
                    continue
                task_key = next((k for k in TASK_KEYS if k in rec), None)
                if task_key is None:
                    continue
                task = str(rec[task_key])
                seed_key = next((k for k in SEED_KEYS if k in rec and _seed(rec[k])), None)
                if seed_key is not None:
                    seed = int(rec[seed_key])
                else:
                    seed = counters.get(task, 0)
                    counters[task] = seed + 1
                for k, v in rec.items():
                    if k in (task_key, seed_key) or not _is_number(v):
                        continue
                    c = cols.setdefault(f"{k}/{task}", ([], []))
                    c[0].append(seed)
                    c[1].append(to_float(v))
            series = {k: make_series(k, s, v, duplicates="all") for k, (s, v) in cols.items()}
        else:
            raise ReadError(str(path), "", "neither {task: [scores]} nor [{game, seed, score}]")
        run = make_run(path, path.stem, "rliable", series, config={"scores": "per_run"})
        return ReadResult(runs=[run])


registry.register(RliableScoresReader())
