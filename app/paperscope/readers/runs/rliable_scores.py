"""rliable-style final-score JSON, in both layouts, and the one parser of them.

* ``{task: [score per run]}`` (Atari 100k files such as ``SPR.json``): one run named
  after the file (the algorithm); each task is a series whose step is the run index.
* the long form ``[{"game": …, "seed": …, "<score>": …}, …]`` (``CURL_10_evals.json``):
  one series per task and score key (``HNS/Alien``, ``Max HNS/Alien``), step = seed.
  The task is named by the first of :data:`TASK_KEYS` a record holds (``game``,
  ``task``, ``env``, ``environment``, ``env_id``), the seed by ``seed`` or ``run``.

``config["scores"]`` says which layout was read (``"per_run"``), so the results view
knows that steps are run indices, not training steps.

The same parsing gives the aggregate verb its per-task scores (:func:`load_scores`,
:func:`load_reference`), so a file the runs reader opens is a file ``paperscope
aggregate`` and the aggregate view take, with the same tasks.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Series
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

TASK_KEYS = ("game", "task", "env", "environment", "env_id")
SEED_KEYS = ("seed", "run")


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _seed(v: Any) -> bool:
    """A seed number that can be a step (finite, within int64)."""
    if isinstance(v, float) and not math.isfinite(v):
        return False
    return _is_number(v) and INT64_MIN <= int(v) <= INT64_MAX


def is_per_run(data: Any) -> bool:
    """``{task: [score per run]}``, every score a number."""
    return (
        isinstance(data, dict)
        and bool(data)
        and all(isinstance(v, list) and v and all(_is_number(x) for x in v) for v in data.values())
    )


def is_records(data: Any) -> bool:
    """A list of records, the first naming a task and holding a number besides it."""
    if not isinstance(data, list) or not data or not all(isinstance(r, dict) for r in data[:50]):
        return False
    first = data[0]
    return any(k in first for k in TASK_KEYS) and any(
        _is_number(v) for k, v in first.items() if k not in TASK_KEYS and k not in SEED_KEYS
    )


# --- the parser ---------------------------------------------------------------------------


def _number(value: Any, file: str, where: str) -> float:
    if not _is_number(value):
        raise ReadError(file, where, f"expected a number, got {type(value).__name__} {value!r}")
    return to_float(value)


def per_task(data: Mapping[Any, Any], file: str) -> dict[str, list[float]]:
    """``{task: [scores]}`` or ``{task: score}`` as lists of floats; :class:`ReadError`
    naming the task and run of the first value that is not a number."""
    out: dict[str, list[float]] = {}
    for task, values in data.items():
        where = f"task {task!r}"
        if isinstance(values, list):
            out[str(task)] = [_number(v, file, f"{where} run {i}") for i, v in enumerate(values)]
        else:
            out[str(task)] = [_number(values, file, where)]
    return out


@dataclass(frozen=True, slots=True)
class ScoreRecord:
    """One record of the long form: its task, its seed when it has a usable one (finite,
    within int64) and the record itself."""

    index: int
    task: str
    task_key: str
    seed: int | None
    seed_key: str | None
    record: Mapping[str, Any]

    @property
    def where(self) -> str:
        return f"record {self.index}"

    def numbers(self) -> dict[str, float]:
        """The numeric fields besides the task and the seed."""
        return {
            str(k): to_float(v)
            for k, v in self.record.items()
            if k not in (self.task_key, self.seed_key) and _is_number(v)
        }


def score_records(
    data: list[Any], file: str, issues: list[ReadIssue] | None = None
) -> Iterator[ScoreRecord]:
    """The records of the long form, in file order. A record that is not an object or
    names no task raises :class:`ReadError`, or, given ``issues``, is noted there
    (``skipped``) and passed over."""
    for i, rec in enumerate(data):
        task_key = None
        if isinstance(rec, Mapping):
            task_key = next((k for k in TASK_KEYS if k in rec), None)
            problem = f"no task field (one of {', '.join(TASK_KEYS)})"
        else:
            problem = "expected an object"
        if task_key is None or not isinstance(rec, Mapping):
            if issues is None:
                raise ReadError(file, f"record {i}", problem)
            issues.append(ReadIssue(file, f"record {i}", problem, "skipped"))
            continue
        seed_key = next((k for k in SEED_KEYS if k in rec and _seed(rec[k])), None)
        seed = int(rec[seed_key]) if seed_key is not None else None
        yield ScoreRecord(i, str(rec[task_key]), task_key, seed, seed_key, rec)


def load_scores(path: Path | str, value_key: str | None = None) -> dict[str, list[float]]:
    """Per-task scores from a JSON file: ``{task: [scores]}``/``{task: score}``, or a list of
    records holding a task key (:data:`TASK_KEYS`) and ``value_key`` (default:
    ``score``, or the one numeric field besides the seed/run). Raises
    :class:`ReadError` naming the file and the task or record at fault."""
    p = Path(path)
    file = str(p)
    data = load_json(p)
    if isinstance(data, Mapping):
        out = per_task(data, file)
        if not out:
            raise ReadError(file, "", "no task in this file")
        return out
    if isinstance(data, list):
        out = {}
        for rec in score_records(data, file):
            key = value_key or _guess_value_key(rec, file)
            if key not in rec.record:
                raise ReadError(file, rec.where, f"no field {key!r}")
            out.setdefault(rec.task, []).append(_number(rec.record[key], file, rec.where))
        if not out:
            raise ReadError(file, "", "no record in this file")
        return out
    raise ReadError(file, "", "expected an object {task: scores} or a list of records")


def _guess_value_key(rec: ScoreRecord, file: str) -> str:
    if "score" in rec.record:
        return "score"
    numeric = [
        str(k) for k, v in rec.record.items() if k not in (*TASK_KEYS, *SEED_KEYS) and _is_number(v)
    ]
    if len(numeric) == 1:
        return numeric[0]
    raise ReadError(
        file, rec.where, f"which field is the score? candidates: {', '.join(numeric) or 'none'}"
    )


def load_reference(path: Path | str) -> dict[str, float]:
    """A reference score table (random or human): ``{task: score}`` or ``{task: [score]}``
    (a list is averaged)."""
    return {t: float(np.mean(v)) for t, v in load_scores(path).items() if v}


# --- the runs reader ------------------------------------------------------------------------


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
        return is_per_run(data) or is_records(data)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = load_json(path)
        series: dict[str, Series] = {}
        issues: list[ReadIssue] = []
        if is_per_run(data):
            for task, values in per_task(data, str(path)).items():
                series[task] = make_series(task, range(len(values)), values)
        elif is_records(data):
            cols: dict[str, tuple[list[int], list[float]]] = {}
            counters: dict[str, int] = {}
            for rec in score_records(data, str(path), issues):
                if rec.seed is not None:
                    seed = rec.seed
                else:
                    seed = counters.get(rec.task, 0)
                    counters[rec.task] = seed + 1
                for k, v in rec.numbers().items():
                    c = cols.setdefault(f"{k}/{rec.task}", ([], []))
                    c[0].append(seed)
                    c[1].append(v)
            series = {k: make_series(k, s, v, duplicates="all") for k, (s, v) in cols.items()}
        else:
            raise ReadError(str(path), "", "neither {task: [scores]} nor [{game, seed, score}]")
        run = make_run(path, path.stem, "rliable", series, config={"scores": "per_run"})
        return ReadResult(runs=[run], issues=issues)


registry.register(RliableScoresReader())
