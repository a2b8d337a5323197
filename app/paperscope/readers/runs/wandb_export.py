"""Weights & Biases panel exports: ``Step,"<run> - <metric>","<run> - <metric>__MIN",…``.

One run per W&B run name; ``__MIN``/``__MAX`` columns (the panel's smoothing band)
become ``<metric>/min`` and ``<metric>/max`` series.
"""

from __future__ import annotations

from pathlib import Path

from paperscope.core.records import ReadError, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.registry import Duplicates
from paperscope.readers.runs import _table
from paperscope.readers.runs._common import make_run
from paperscope.readers.runs._table import CsvTable, find_column, header_line, table_series


def _split(column: str) -> tuple[str, str] | None:
    if " - " not in column:
        return None
    run, metric = column.split(" - ", 1)
    for suffix, name in (("__MIN", "/min"), ("__MAX", "/max")):
        if metric.endswith(suffix):
            metric = metric[: -len(suffix)] + name
    return run.strip(), metric.strip()


def build(table: CsvTable, path: Path) -> ReadResult:
    cols = table.columns or []
    x = find_column(cols, "Step", "_step", "step")
    groups: dict[str, dict[str, str]] = {}
    for c in cols:
        parts = _split(c)
        if parts is not None:
            groups.setdefault(parts[0], {})[c] = parts[1]
    if not groups:
        raise ReadError(str(path), "line 1", 'no "<run> - <metric>" columns')
    runs = []
    for run, columns in groups.items():
        series: dict[str, Series] = table_series(table, x, list(columns), rename=columns)
        runs.append(make_run(path, run, "wandb-export", series, key=run))
    return ReadResult(runs=runs, issues=list(table.issues))


class WandbExportReader:
    name = "wandb-export"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.csv",)
    priority = 25

    def sniff(self, path: Path) -> bool:
        header = header_line(path)
        return (
            len(header) >= 2
            and header[0] in ("Step", "step", "_step")
            and all(_split(h) is not None for h in header[1:])
        )

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


registry.register(WandbExportReader())
