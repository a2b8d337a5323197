"""Generic CSV logs: one series per numeric column, against a detected step column.

The x column is the first of ``step``, ``global_step``, ``_step``, ``iteration``,
``iter``, ``timesteps``, ``epoch`` found (else the row number); a ``wall_time``/
``timestamp`` column holding seconds since the epoch gives wall times, and so does a
``time`` column that looks like a clock (every row, never going back); any other such
column (durations) stays a series. A TensorBoard CSV export (``Wall time,Step,Value``)
names its one series after the file.
An SB3 ``monitor.csv`` named on its own (``#{"t_start": …}`` first) is read as SB3 reads
it (:func:`.sb3_monitor.read_file`); in a folder, the ``sb3-monitor`` reader takes it.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.registry import Duplicates
from paperscope.readers.runs import _table
from paperscope.readers.runs._common import make_run, run_name, sidecar_config
from paperscope.readers.runs._table import CsvTable, find_column, header_line, table_series

X_NAMES = ("step", "global_step", "_step", "iteration", "iter", "timesteps", "epoch")
WALL_NAMES = ("wall_time", "wall time", "timestamp", "_timestamp", "time")


def build(table: CsvTable, path: Path, format: str = "csv") -> ReadResult:
    from paperscope.readers.runs import sb3_monitor

    if sb3_monitor.is_monitor_file(path):  # an SB3 monitor.csv named on its own
        return sb3_monitor.read_file(path)
    cols = table.columns or []
    x = find_column(cols, *X_NAMES)
    wall = find_column(cols, *WALL_NAMES)
    if wall is not None and not _is_clock(table.column(wall), strict=wall.lower() == "time"):
        wall = None  # durations (detectron2's seconds per iteration) stay a series
    numeric = [c for c in table.numeric() if c not in (x, wall)]
    rename = {}
    if numeric == ["Value"] or numeric == ["value"]:
        rename = {numeric[0]: path.stem}
    series = table_series(table, x, numeric, wall, rename=rename)
    if not series and table.rows == 0 and not table.columns:
        raise ReadError(str(path), "line 1", "no header and no rows")
    start = None
    if wall is not None:
        w = table.column(wall)
        start = float(np.min(w[np.isfinite(w)]))
        start = start / 1000.0 if start > 1e11 else start
    name = path.stem if path.stem not in ("metrics", "progress", "log") else run_name(path.parent)
    config, issues = sidecar_config(path.parent)
    run = make_run(
        path, name, format, series, config=config,
        start_time=start if start and math.isfinite(start) else None,
    )  # fmt: skip
    return ReadResult(runs=[run], issues=[*table.issues, *issues])


def _is_clock(w: np.ndarray, strict: bool) -> bool:
    """Whether a wall-time column holds seconds (or ms) since the epoch. ``strict`` (the
    ambiguous name ``time``): on every row, never going back."""
    ok = np.isfinite(w)
    if not ok.any() or not (w[ok] > 1e8).all():
        return False
    return not strict or bool(ok.all() and (np.diff(w) >= 0).all())


class CsvReader:
    name = "csv"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.csv", "*.tsv")
    priority = 10

    def sniff(self, path: Path) -> bool:
        return len(header_line(path)) >= 1

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        table = CsvTable(path, delimiter="\t" if path.suffix.lower() == ".tsv" else ",")
        table.update()
        return build(table, path)

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, CsvTable]:
        return _table.open_live(path, build)

    def read_more(self, state: CsvTable, path: Path, cancel: CancelToken) -> ReadResult:
        return _table.read_more(state, path, build)


registry.register(CsvReader())
