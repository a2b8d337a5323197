"""PyTorch Lightning ``CSVLogger`` output: ``metrics.csv`` (+ ``hparams.yaml``).

x is ``step``; train and validation metrics are logged on different rows, so every
column is sparse and NaN cells are dropped per series. ``hparams.yaml`` may contain
``!!python/tuple``: it is read with a safe loader that builds plain lists.
"""

from __future__ import annotations

from pathlib import Path

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.registry import Duplicates
from paperscope.readers.runs import _table
from paperscope.readers.runs._common import load_yaml, make_run, plain, run_name
from paperscope.readers.runs._table import CsvTable, header_line, table_series


def hparams(folder: Path) -> tuple[dict[str, object], list[ReadIssue]]:
    path = folder / "hparams.yaml"
    if not path.is_file():
        return {}, []
    try:
        data = load_yaml(path)
    except ReadError as exc:
        return {}, [ReadIssue(exc.file, exc.location, exc.message)]
    if data is None:
        return {}, []
    if not isinstance(data, dict):
        return {}, [ReadIssue(str(path), "", "not a mapping of hyperparameters")]
    return plain(data), []


def build(table: CsvTable, path: Path) -> ReadResult:
    config, issues = hparams(path.parent)
    series = table_series(table, "step" if "step" in (table.columns or []) else None)
    run = make_run(
        path, run_name(path.parent), "lightning-csv", series, source=_sources(path), config=config
    )
    return ReadResult(runs=[run], issues=[*table.issues, *issues])


def _sources(path: Path) -> list[Path]:
    hp = path.parent / "hparams.yaml"
    return [path, hp] if hp.is_file() else [path]


class LightningCsvReader:
    name = "lightning-csv"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("metrics.csv",)
    priority = 30

    def sniff(self, path: Path) -> bool:
        header = header_line(path)
        return "step" in header and ("epoch" in header or (path.parent / "hparams.yaml").exists())

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


registry.register(LightningCsvReader())
