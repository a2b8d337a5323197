"""The packed parsed-run cache (``workflows.run_pack``): the same runs as a fresh read,
bit for bit (NaN kept); invalidated run by run when a file changes; crash-safe (a torn
or corrupted pack is ignored, never half read)."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.core import paths
from paperscope.core.records import Run
from paperscope.workflows import run_pack
from paperscope.workflows import runs as wf
from tests.conftest import RUNS

UNET = RUNS / "pixel-level-segmentation-in-pets-unipr/unet/runs"


def _same(a: list[Run], b: list[Run]) -> None:
    assert [r.id for r in a] == [r.id for r in b]
    for x, y in zip(a, b, strict=True):
        assert (x.name, x.format, x.source, dict(x.config)) == (
            y.name, y.format, y.source, dict(y.config),
        )  # fmt: skip
        assert list(x.series) == list(y.series)
        for tag, s in x.series.items():
            t = y.series[tag]
            for part in ("steps", "wall_times", "values"):
                u, v = getattr(s, part), getattr(t, part)
                assert u.dtype == v.dtype and u.tobytes() == v.tobytes(), (tag, part)


def _packs() -> list[Path]:
    return sorted((paths.cache_dir() / "runs" / "packs").glob("*.pack"))


def _npz() -> list[Path]:
    return sorted((paths.cache_dir() / "runs").glob("*.npz"))


def _write_csv_runs(root: Path, n: int) -> None:
    """``n`` CSV runs by Python's csv writer, each with NaN cells and a config.json."""
    for k in range(n):
        d = root / f"run{k:02d}"
        d.mkdir(parents=True)
        with (d / "metrics.csv").open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["step", "loss", "acc"])
            for step in range(20):
                acc = "nan" if step % 5 == 3 else 0.1 * k + step / 100
                w.writerow([step, 1.0 / (step + 1 + k), acc])
        (d / "config.json").write_text(json.dumps({"lr": 10.0 ** -(k % 4), "k": k}))


def test_pack_gives_the_runs_of_a_fresh_read_bit_for_bit(tmp_path: Path) -> None:
    src = tmp_path / "unet"
    shutil.copytree(UNET, src)
    _write_csv_runs(src / "csv", 3)
    fresh, issues = wf.load_runs([src], use_cache=False)
    assert issues == [] and len(fresh) == 7
    assert _packs() == []
    first, _ = wf.load_runs([src])  # read, packed, and handed back as views of the pack
    [pack] = _packs()
    assert _npz() == []
    again, _ = wf.load_runs([src])
    _same(fresh, first)
    _same(fresh, again)
    nan_acc = next(r for r in again if r.format != "tensorboard").series["acc"].values
    assert np.isnan(nan_acc).sum() == 4  # the CSV's NaN cells are kept
    # the arrays are views into the mapping, and writing one leaves the file as it was
    s = again[0].series[next(iter(again[0].series))]
    assert s.values.base is not None and not s.values.flags.owndata
    before = pack.read_bytes()
    s.values[0] = 12345.0
    assert pack.read_bytes() == before
    third, _ = wf.load_runs([src])
    _same(fresh, third)


def test_a_changed_file_is_read_again_and_the_pack_is_rewritten_when_enough_changed(
    tmp_path: Path,
) -> None:
    root = tmp_path / "sweep"
    _write_csv_runs(root, 20)
    wf.load_runs([root])
    [pack] = _packs()
    written = pack.stat().st_mtime_ns

    def append(k: int, value: float) -> None:
        with (root / f"run{k:02d}" / "metrics.csv").open("a", newline="") as fh:
            csv.writer(fh).writerow([20, value, value])

    append(4, 0.5)  # one run of 20 changed: read again, kept beside the pack in an .npz
    runs, _ = wf.load_runs([root])
    r4 = next(r for r in runs if r.name == "run04")
    assert len(r4.series["loss"]) == 21 and r4.series["loss"].values[-1] == 0.5
    assert all(len(r.series["loss"]) == 20 for r in runs if r.name != "run04")
    assert pack.stat().st_mtime_ns == written and len(_npz()) == 1
    runs, _ = wf.load_runs([root])  # the .npz serves it now, still not the stale pack entry
    assert next(r for r in runs if r.name == "run04").series["loss"].values[-1] == 0.5

    append(7, 0.25)
    append(9, 0.125)  # 3 of 20 changed: the pack is written again, the .npz goes
    runs, _ = wf.load_runs([root])
    assert pack.stat().st_mtime_ns != written and _npz() == []
    last = {r.name: float(r.series["loss"].values[-1]) for r in runs}
    assert (last["run04"], last["run07"], last["run09"]) == (0.5, 0.25, 0.125)
    fresh, _ = wf.load_runs([root], use_cache=False)
    _same(fresh, runs)


def test_a_torn_or_corrupted_pack_is_ignored_and_the_runs_read_again(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    _write_csv_runs(root, 4)
    fresh, _ = wf.load_runs([root], use_cache=False)
    wf.load_runs([root])
    [pack] = _packs()
    whole = pack.read_bytes()
    v = wf.CACHE_VERSION
    assert run_pack.open_pack(pack, "last", v) is not None
    assert run_pack.open_pack(pack, "first", v) is None  # another duplicates rule
    assert run_pack.open_pack(pack, "last", v + 1) is None  # readers that parse otherwise
    # a torn write (what a crash without the rename would leave), a flipped header byte,
    # another format's file: each is ignored, and the runs are read again correctly
    damaged = [whole[: len(whole) // 2], whole[:30] + bytes([whole[30] ^ 1]) + whole[31:],
               b"PK\x03\x04" + whole[4:], b""]  # fmt: skip
    for data in damaged:
        pack.write_bytes(data)
        assert run_pack.open_pack(pack, "last", v) is None
        runs, issues = wf.load_runs([root])
        assert issues == []
        _same(fresh, runs)
        assert run_pack.open_pack(pack, "last", v) is not None  # written again, whole


def test_a_crashed_writers_temporary_is_never_read_and_old_ones_are_swept(
    tmp_path: Path,
) -> None:
    root = tmp_path / "sweep"
    _write_csv_runs(root, 2)
    fresh, _ = wf.load_runs([root], use_cache=False)
    wf.load_runs([root])
    [pack] = _packs()
    stale = pack.with_name(pack.name + ".999999.tmp")
    stale.write_bytes(pack.read_bytes()[:100])
    os.utime(stale, (0, 0))  # left by a writer killed long ago
    recent = pack.with_name(pack.name + ".999998.tmp")
    recent.write_bytes(b"half")
    pack.unlink()
    runs, _ = wf.load_runs([root])
    _same(fresh, runs)
    assert pack.is_file() and not stale.exists() and recent.exists()


def test_read_issues_survive_the_pack_and_clear_cache_removes_it(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    _write_csv_runs(root, 2)
    (root / "run01" / "metrics.csv").write_text("step,loss\n0,1.0\n1,oops\n2,0.5\n")
    fresh, fresh_issues = wf.load_runs([root], use_cache=False)
    wf.load_runs([root])
    runs, issues = wf.load_runs([root])
    _same(fresh, runs)
    assert issues == fresh_issues
    assert wf.clear_cache() >= 1 and _packs() == []


def test_the_remembered_scan_is_used_only_while_nothing_under_the_paths_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperscope.readers import registry

    root = tmp_path / "sweep"
    _write_csv_runs(root, 3)
    (root / "notes.txt").write_text("not a run\n")
    wf.load_runs([root])
    real_scan = registry.scan
    calls: list[int] = []

    def counting_scan(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real_scan(*args, **kwargs)

    monkeypatch.setattr(registry, "scan", counting_scan)
    runs, _ = wf.load_runs([root])  # nothing changed: the memo answers, no sniffing
    assert calls == [] and sorted(r.name for r in runs) == ["run00", "run01", "run02"]
    _write_csv_runs(root / "more", 1)  # a new folder: scanned again
    runs, _ = wf.load_runs([root])
    assert len(calls) == 1 and len(runs) == 4
    shutil.rmtree(root / "run01")  # a run removed
    runs, _ = wf.load_runs([root])
    assert len(calls) == 2 and len(runs) == 3
    # a file written (its folder's mtime unchanged): what a sniff says of it may change
    before = os.stat(root).st_mtime_ns
    with (root / "notes.txt").open("a") as fh:
        fh.write("more\n")
    os.utime(root, ns=(before, before))
    wf.load_runs([root])
    assert len(calls) == 3
    runs, _ = wf.load_runs([root])
    assert len(calls) == 3 and len(runs) == 3


def test_a_watcher_over_the_pack_sees_appended_points_and_new_runs(tmp_path: Path) -> None:
    root = tmp_path / "sweep"
    _write_csv_runs(root, 3)
    wf.load_runs([root])  # packed, and the scan remembered
    watcher = wf.RunWatcher([root])
    runs, _ = watcher.start()
    assert len(runs) == 3 and not watcher.poll()  # nothing changed: nothing to report
    with (root / "run01" / "metrics.csv").open("a", newline="") as fh:
        csv.writer(fh).writerow([20, 0.75, 0.5])
    _write_csv_runs(root / "late", 1)
    update = watcher.poll()
    [changed] = update.changed
    assert changed.name == "run01" and changed.series["loss"].values[-1] == 0.75
    assert [r.name for r in update.added] == ["late/run00"] and update.removed == []
