"""load_runs with its cache, the RunWatcher on files still being written, and the
``paperscope runs --json`` command."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.core import paths
from paperscope.workflows import runs as wf
from tests.conftest import RUNS

if TYPE_CHECKING:
    from typing import Any

    from paperscope.core.records import ReadIssue, Run


def test_load_runs_then_cache_gives_identical_runs(tmp_path: Path) -> None:
    src = tmp_path / "unet"
    shutil.copytree(RUNS / "pixel-level-segmentation-in-pets-unipr/unet/runs", src)
    first, issues = wf.load_runs([src])
    assert issues == [] and len(first) == 4
    packs = list((paths.cache_dir() / "runs" / "packs").glob("*.pack"))
    assert len(packs) == 1  # the four runs of the folder, packed in one file
    again, _ = wf.load_runs([src])
    assert [r.id for r in again] == [r.id for r in first]
    for a, b in zip(first, again, strict=True):
        assert a.name == b.name and dict(a.config) == dict(b.config) and a.source == b.source
        for tag in a.series:
            assert np.array_equal(a.series[tag].values, b.series[tag].values)
            assert np.array_equal(a.series[tag].steps, b.series[tag].steps)
    # a changed file is read again, not taken from the cache
    f = next(src.glob("UNet_lr1e_3/events*"))
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    third, _ = wf.load_runs([src])
    lr = next(r for r in third if r.name == "UNet_lr1e_3")
    assert len(lr.series["Training loss"]) < 49


def test_watcher_picks_up_appended_records_and_new_runs(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    root = tmp_path / "logs"
    w = SummaryWriter(str(root / "a"))
    for i in range(5):
        w.add_scalar("loss", float(i), i)
    w.flush()
    csv_path = root / "b" / "metrics.csv"
    csv_path.parent.mkdir(parents=True)
    csv_path.write_text("epoch,step,loss\n0,1,0.5\n")
    watcher = wf.RunWatcher([root], use_cache=False)
    runs, _ = watcher.start()
    assert {r.name: sum(len(s) for s in r.series.values()) for r in runs} == {"a": 5, "b": 2}
    assert not watcher.poll()  # nothing new
    for i in range(5, 8):
        w.add_scalar("loss", float(i), i)
    w.flush()
    with csv_path.open("a") as fh:
        fh.write("0,2,0.25\n0,3,")  # the last line is still being written
    SummaryWriter(str(root / "c")).add_scalar("x", 1.0, 0)
    update = watcher.poll()
    changed = {r.name: r for r in update.changed}
    assert changed["a"].series["loss"].steps.tolist() == list(range(8))
    assert changed["b"].series["loss"].values.tolist() == [0.5, 0.25]
    assert [r.name for r in update.added] == ["c"]
    a_state = next(e.state for e in watcher._entries.values() if e.job.path.name == "a")
    assert a_state.cursors  # the TensorBoard file is continued, not re-read
    w.close()


def test_cli_runs_json(capsys: pytest.CaptureFixture[str]) -> None:
    from paperscope.cli import main

    code = main(["runs", str(RUNS / "go-tensorboard"), str(RUNS / "ml-pws/runs/78"), "--json"])
    assert code == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert [x["format"] for x in lines] == ["tensorboard", "sacred"]
    go = lines[0]
    assert set(go) == {"name", "source", "format", "config", "series"}
    assert go["series"]["my_metric"] == {
        "count": 100, "first_step": 0, "last_step": 99, "last_value": 49.5,
    }  # fmt: skip
    assert lines[1]["config"]["model"] == "RNN"
    assert main(["runs", str(RUNS / "README.md"), "--json"]) == 1


def test_cli_runs_watch_prints_appended_records_and_new_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    from paperscope.cli import main

    root = tmp_path / "logs"
    (root / "a").mkdir(parents=True)
    csv_a = root / "a" / "metrics.csv"
    csv_a.write_text("epoch,step,loss\n0,0,1.0\n")
    appended, listed = threading.Event(), threading.Event()
    start = wf.RunWatcher.start

    def start_then_signal(self, *args: Any, **kwargs: Any) -> tuple[list[Run], list[ReadIssue]]:
        out = start(self, *args, **kwargs)
        listed.set()
        return out

    monkeypatch.setattr(wf.RunWatcher, "start", start_then_signal)

    def training() -> None:  # what a Lightning run does while the CLI watches
        assert listed.wait(30)
        with csv_a.open("a") as fh:
            fh.write("0,1,0.5\n0,2,0.25\n")
        (root / "b").mkdir()
        (root / "b" / "metrics.csv").write_text("epoch,step,acc\n0,0,0.1\n")
        appended.set()

    timer = threading.Timer(0.3, training)
    timer.start()
    try:
        code = main(
            ["runs", str(root), "--json", "--watch", "--interval", "0.2", "--duration", "3",
             "--no-cache"]
        )  # fmt: skip
    finally:
        timer.join()
    assert code == 0 and appended.is_set()
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert "event" not in lines[0] and lines[0]["series"]["loss"]["count"] == 1
    events = {(x["event"], x["name"]): x for x in lines[1:]}
    assert set(events) == {("changed", "a"), ("added", "b")}
    assert events[("changed", "a")]["series"]["loss"] == {
        "count": 3, "first_step": 0, "last_step": 2, "last_value": 0.25,
    }  # fmt: skip
    assert events[("added", "b")]["series"]["acc"]["count"] == 1


def test_demo_runs_load() -> None:
    runs, issues = wf.load_runs([paths.demo_dir() / "runs"])
    assert issues == []
    assert sorted((r.name, r.format) for r in runs) == [
        ("CartPole-v1_1", "sb3-monitor"), ("run_1", "tensorboard"), ("run_2", "tensorboard"),
        ("run_3", "tensorboard"),
    ]  # fmt: skip


def test_duplicates_rule_is_choosable_and_cached_apart(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    for k, offset in enumerate((0.0, 100.0)):  # a run restarted at step 3
        w = SummaryWriter(str(tmp_path / "run"), filename_suffix=f".{k}")
        for step in range(3 * k, 3 * k + 6):
            w.add_scalar("loss", offset + step, step)
        w.close()
    [last], _ = wf.load_runs([tmp_path])
    [first], _ = wf.load_runs([tmp_path], duplicates="first")
    assert last.series["loss"].values.tolist() == [0, 1, 2, 103, 104, 105, 106, 107, 108]
    assert first.series["loss"].values.tolist() == [0, 1, 2, 3, 4, 5, 106, 107, 108]
    [again], _ = wf.load_runs([tmp_path])
    assert again.series["loss"].values.tolist() == last.series["loss"].values.tolist()
