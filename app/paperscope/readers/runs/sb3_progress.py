"""Stable-Baselines3 ``progress.csv`` (the ``csv`` logger format).

x is ``time/total_timesteps``; columns keep the file's order (SB3 writes them in
insertion order); empty cells (``train/*`` before the first update) are dropped per
series.
"""

from __future__ import annotations

from pathlib import Path

from paperscope.core.records import ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.registry import Duplicates
from paperscope.readers.runs import _table
from paperscope.readers.runs._common import make_run, run_name
from paperscope.readers.runs._table import CsvTable, header_line, table_series
from paperscope.readers.runs.sb3_monitor import find_config

X = "time/total_timesteps"


def build(table: CsvTable, path: Path) -> ReadResult:
    series = table_series(table, X if X in (table.columns or []) else None)
    run = make_run(
        path, run_name(path.parent), "sb3-progress", series, config=find_config(path.parent)
    )
    return ReadResult(runs=[run], issues=list(table.issues))


class SB3ProgressReader:
    name = "sb3-progress"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("progress.csv", "*progress*.csv")
    priority = 30

    def sniff(self, path: Path) -> bool:
        return X in header_line(path)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        table = CsvTable(path)
        table.update()
        return build(table, path)

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, CsvTable]:
        return _table.open_live(path, build)

    def read_more(self, state: CsvTable, path: Path, cancel: CancelToken) -> ReadResult:
        return _table.read_more(state, path, build)


registry.register(SB3ProgressReader())
