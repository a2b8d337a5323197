"""Dopamine's published training curves: ``[{"Iteration": i, "Value": v, "Agent": a}, …]``.

Seeds are implicit: within an agent, the iteration sequence restarts (0…198 five
times), so a new seed starts whenever the iteration does not increase. One run per
agent and seed, named ``<game>/<agent>/seed<k>``, with the series ``return``.
"""

from __future__ import annotations

from pathlib import Path

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import head_bytes, load_json, make_run, make_series


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
        curves: dict[tuple[str, int], tuple[list[int], list[float]]] = {}
        last: dict[str, int] = {}
        seeds: dict[str, int] = {}
        skipped = 0
        for rec in data:
            try:
                agent = str(rec["Agent"])
                it = int(rec["Iteration"])
                value = float(rec["Value"])
            except (KeyError, TypeError, ValueError):
                skipped += 1
                continue
            if agent in last and it <= last[agent]:
                seeds[agent] = seeds.get(agent, 0) + 1
            last[agent] = it
            c = curves.setdefault((agent, seeds.get(agent, 0)), ([], []))
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
                    str(path), "", f"{skipped} records without Iteration/Value/Agent", "skipped"
                )
            )
        return result


registry.register(DopamineReader())
