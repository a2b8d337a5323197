"""The registry's optional protocols: which readers own only part of a folder
(``FolderReader``), which read on while a run is written (``LiveReader``), and the one
``owned_files`` the folder scan and the parsed-run cache share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paperscope.core.records import ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.registry import Duplicates
from paperscope.readers.runs._common import make_run, make_series
from paperscope.workflows.runs import RunWatcher, fingerprint
from tests.conftest import RUNS

MLRUNS = RUNS / "Swahili-Speech-To-Text" / "mlruns"
MLRUN = MLRUNS / "1" / "ed05f9cd599442fe9a0c9222184710b8"


def test_the_built_in_readers_declare_what_they_can() -> None:
    live = {r.name for r in registry.readers() if isinstance(r, registry.LiveReader)}
    folder = {r.name for r in registry.readers() if isinstance(r, registry.FolderReader)}
    assert live == {
        "tensorboard", "tensorboard-file", "csv", "sb3-progress", "lightning-csv",
        "wandb-export",
    }  # fmt: skip
    assert folder == {"tensorboard", "sb3-monitor", "mlflow-store"}
    assert all(registry.get(n).unit == "dir" for n in folder)


def test_what_a_folder_reader_owns_is_what_the_scan_leaves_out() -> None:
    jobs, issues = registry.scan([MLRUNS], kind="runs")
    assert issues == []
    [ml] = [j for j in jobs if j.path == MLRUN]
    assert ml.reader.name == "mlflow-store"
    owned = registry.owned_files(ml.reader, MLRUN)
    rel = [p.relative_to(MLRUN).as_posix() for p in owned]
    assert rel == [
        "meta.yaml", "metrics/loss", "tags/mlflow.log-model.history", "tags/mlflow.source.name",
        "tags/mlflow.user",
    ]  # fmt: skip
    # the artifacts are not the MLflow run's: the scan finds their TensorBoard run
    tb = [j for j in jobs if j.reader.name == "tensorboard"]
    assert tb and all(j.path.is_relative_to(MLRUN / "artifacts") for j in tb)
    assert not {p for j in jobs if j.reader.unit == "file" for p in [j.path]} & set(owned)
    # the cache's fingerprint covers exactly those files
    assert [f[0] for f in fingerprint(ml)] == [str(p) for p in owned]


class _Steps:
    """A tiny line format (``step value`` per line) read on as lines are appended: a
    watchable format written in one place, unknown to workflows/runs.py."""

    name = "steps-log-test"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.steps",)
    priority = 90

    def __init__(self) -> None:
        self.full_reads = 0
        self.appended_reads = 0

    def sniff(self, path: Path) -> bool:
        return True

    def _result(self, path: Path, points: list[tuple[int, float]]) -> ReadResult:
        steps, values = [p[0] for p in points], [p[1] for p in points]
        series = {"value": make_series("value", steps, values)}
        return ReadResult(runs=[make_run(path, path.stem, "steps", series)])

    def _read_from(self, path: Path, state: dict[str, Any]) -> None:
        with path.open("rb") as fh:
            fh.seek(state["offset"])
            data = fh.read()
        cut = data.rfind(b"\n") + 1
        for line in data[:cut].decode().splitlines():
            step, value = line.split()
            state["points"].append((int(step), float(value)))
        state["offset"] += cut

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        return self.open_live(path, progress, cancel, "last")[0]

    def open_live(
        self, path: Path, progress: Progress, cancel: CancelToken, duplicates: Duplicates
    ) -> tuple[ReadResult, dict[str, Any]]:
        self.full_reads += 1
        state: dict[str, Any] = {"offset": 0, "points": []}
        self._read_from(path, state)
        return self._result(path, state["points"]), state

    def read_more(self, state: dict[str, Any], path: Path, cancel: CancelToken) -> ReadResult:
        self.appended_reads += 1
        self._read_from(path, state)
        return self._result(path, state["points"])


@pytest.fixture
def steps_reader() -> Iterator[_Steps]:
    reader = _Steps()
    registry.register(reader)
    try:
        yield reader
    finally:
        registry._readers.remove(reader)


def test_a_new_live_format_is_watched_without_touching_the_watcher(
    tmp_path: Path, steps_reader: _Steps
) -> None:
    log = tmp_path / "train.steps"
    log.write_text("0 1.0\n1 0.5\n")
    watcher = RunWatcher([tmp_path], use_cache=False)
    [run], _ = watcher.start()
    assert run.series["value"].values.tolist() == [1.0, 0.5]
    with log.open("a") as fh:
        fh.write("2 0.25\n3 0.1")  # the last line is not complete yet
    update = watcher.poll()
    [changed] = update.changed
    assert changed.id == run.id and changed.series["value"].steps.tolist() == [0, 1, 2]
    assert (steps_reader.full_reads, steps_reader.appended_reads) == (1, 1)
