"""Dopamine's published training curves: ``[{"Iteration": i, "Value": v, "Agent": a}, …]``.

Seeds are implicit, in one of two layouts, told apart per agent:

* whole sequences one after the other (``pong.json``: 0…198 five times): a new seed
  starts whenever the iteration does not increase;
* interleaved (``asterix_CNN.json``: 0,0,0,0,0,1,1,…): the iterations never decrease
  and each appears once per seed in a row, so the k-th record of an iteration belongs
  to seed k.

One run per agent and seed, named ``<game>/<agent>/seed<k>``, with the series ``return``.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import (
    INT64_MAX,
    INT64_MIN,
    head_bytes,
    load_json,
    make_run,
    make_series,
)


def _seeds(iterations: list[int]) -> list[int]:
    """The seed of each record of one agent, for either layout (see the module doc)."""
    interleaved = len(iterations) > 1 and all(a <= b for a, b in itertools.pairwise(iterations))
    out: list[int] = []
    seed = 0
    for i, it in enumerate(iterations):
        if i:
            if interleaved:
                seed = seed + 1 if it == iterations[i - 1] else 0
            elif it <= iterations[i - 1]:
                seed += 1
        out.append(seed)
    return out


class DopamineReader:
    name = "dopamine"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.json",)
    priority = 30

    def sniff(self, path: Path) -> bool:
        head = head_bytes(path, 2048)
        return head.lstrip().startswith(b"[") and b'"Iteration"' in head and b'"Agent"' in head

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = load_json(path)
        if not isinstance(data, list):
            raise ReadError(str(path), "", "not a list of {Iteration, Value, Agent}")
        records: dict[str, list[tuple[int, float]]] = {}
        skipped = 0
        for rec in data:
            try:
                agent = str(rec["Agent"])
                it = int(rec["Iteration"])
                value = float(rec["Value"])  # OverflowError: a huge integer
            except (KeyError, TypeError, ValueError, OverflowError):
                skipped += 1
                continue
            if not INT64_MIN <= it <= INT64_MAX:
                skipped += 1
                continue
            records.setdefault(agent, []).append((it, value))
        curves: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        for agent, recs in records.items():
            for (it, value), seed in zip(recs, _seeds([it for it, _ in recs]), strict=True):
                c = curves.setdefault((agent, seed), ([], []))
                c[0].append(it)
                c[1].append(value)
        if not curves:
            raise ReadError(str(path), "record 1", "no {Iteration, Value, Agent} record")
        game = path.stem
        runs = [
            make_run(
                path,
                f"{game}/{agent}/seed{seed}",
                "dopamine",
                {"return": make_series("return", s, v)},
                config={"agent": agent, "seed": seed, "game": game},
                key=f"{agent}|{seed}",
            )
            for (agent, seed), (s, v) in curves.items()
        ]
        result = ReadResult(runs=runs)
        if skipped:
            from paperscope.core.records import ReadIssue

            result.issues.append(
                ReadIssue(
                    str(path),
                    "",
                    f"{skipped} records without Iteration/Value/Agent (or with an iteration "
                    "beyond int64)",
                    "skipped",
                )
            )
        return result


registry.register(DopamineReader())
