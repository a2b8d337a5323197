"""W&B local run files (``run-*.wandb``) written by the real ``wandb`` package offline.

The runs are written once per module by ``tests/data/wandb/make_runs.py`` in a subprocess
(``WANDB_MODE=offline``, no account, no network). Every decoded record is also checked
against wandb's own generated protobuf classes (``wandb.proto.wandb_internal_pb2``).
"""

from __future__ import annotations

import json
import math
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.core.records import ReadError
from paperscope.readers import registry
from paperscope.readers.runs import wandb_local
from paperscope.workflows.runs import RunWatcher
from tests.conftest import REPO, TEST_DATA

MAKE_RUNS = TEST_DATA / "wandb" / "make_runs.py"
sys.path.insert(0, str(MAKE_RUNS.parent))
import make_runs  # noqa: E402  (the formulas the writer used)

pb = pytest.importorskip("wandb.proto.wandb_internal_pb2")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    out = tmp_path_factory.mktemp("wandb-runs")
    subprocess.run(
        [sys.executable, str(MAKE_RUNS), str(out), "normal", "big", "resumed"],
        check=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    files: dict[str, list[Path]] = {}
    for p in sorted((out / "wandb").glob("offline-run-*/run-*.wandb")):
        files.setdefault(p.stem.removeprefix("run-"), []).append(p)
    return files


def _one(files: dict[str, list[Path]], run_id: str) -> Path:
    (path,) = files[run_id]
    return path


def _frame(records: list[bytes], version: int = 0) -> bytes:
    """W&B's LevelDB-log writer, written from the format description: the test's own,
    checked against the real files byte for byte below."""
    out = bytearray(wandb_local.HEADER + bytes([version]))
    for rec in records:
        first = True
        while True:
            left = wandb_local.BLOCK - len(out) % wandb_local.BLOCK
            if left < 7:
                out += b"\0" * left
                continue
            n = min(len(rec), left - 7)
            chunk, rec = rec[:n], rec[n:]
            if first:
                t = 1 if not rec else 2
            else:
                t = 4 if not rec else 3
            out += struct.pack("<IHB", zlib.crc32(bytes([t]) + chunk), n, t) + chunk
            first = False
            if not rec:
                break
    return bytes(out)


def _pb_records(path: Path) -> list[Any]:
    framing = wandb_local.read_framing(path, path.read_bytes())
    out = []
    for _, body in framing.records:
        r = pb.Record()
        r.ParseFromString(body)
        out.append(r)
    return out


def _key(item: Any) -> str:
    return item.key or ".".join(item.nested_key)


def test_framing_matches_the_real_writer_byte_for_byte(written: dict[str, list[Path]]) -> None:
    for run_id in ("normal01", "big00001"):
        path = _one(written, run_id)
        data = path.read_bytes()
        framing = wandb_local.read_framing(path, data)
        assert not framing.issues
        assert _frame([body for _, body in framing.records]) == data
    # the big config record is split over three blocks: FIRST, MIDDLE, LAST
    data = _one(written, "big00001").read_bytes()
    types = []
    pos = 7
    while pos + 7 <= len(data):
        if wandb_local.BLOCK - pos % wandb_local.BLOCK < 7:
            pos += wandb_local.BLOCK - pos % wandb_local.BLOCK
            continue
        _, n, t = struct.unpack_from("<IHB", data, pos)
        types.append(t)
        pos += 7 + n
    assert {2, 3, 4} <= set(types)


def test_normal_run_against_the_writer_and_wandbs_protobuf(
    written: dict[str, list[Path]],
) -> None:
    path = _one(written, "normal01")
    reader = registry.reader_for(path, "runs")
    assert reader is not None and reader.name == "wandb"
    result = wandb_local.read_file(path)
    (run,) = result.runs
    assert run.name == "lr3e-4-adam" and run.format == "wandb"
    meta = run.config["wandb_run"]
    assert meta["group"] == "sweep-a" and meta["tags"] == ["baseline", "cpu"]
    assert meta["id"] == "normal01" and meta["job_type"] == "train" and meta["exit_code"] == 0
    assert run.config["lr"] == 3e-4 and run.config["seed"] == 1
    assert run.config["optimizer"] == {"name": "adam", "betas": [0.9, 0.999]}
    assert run.config["late_key"] == "set after init"
    assert "resumed" not in meta
    steps = make_runs.NORMAL_STEPS
    loss = run.series["train/loss"]
    assert loss.steps.tolist() == steps
    np.testing.assert_array_equal(loss.values, [make_runs.loss(i) for i in steps])
    ret = run.series["eval/return"]
    expected = np.array([make_runs.eval_return(i) for i in steps])
    np.testing.assert_array_equal(ret.values, expected)  # NaN and inf kept as points
    assert np.isnan(ret.values[4]) and np.isinf(ret.values[6])
    assert run.series["nested.depth"].values.tolist() == list(range(len(steps)))
    assert "_runtime" in run.series and "_step" not in run.series
    assert "_timestamp" not in run.series
    assert run.start_time is not None
    assert np.all(np.isfinite(loss.wall_times)) and np.all(loss.wall_times >= run.start_time - 1)
    assert np.all(np.diff(loss.wall_times) >= 0)
    summary = meta["summary"]
    assert summary["best_return"] == 270.0 and summary["train/loss"] == make_runs.loss(12)
    # text and the histogram are named, not plotted, and not silently lost
    assert "note" not in run.series and not any(k.startswith("weights") for k in run.series)
    warned = {i.location for i in result.issues}
    assert warned == {"history key 'note'", "history key 'weights'"}
    assert all(i.severity == "warning" for i in result.issues)

    # every history row and the final config, decoded by wandb's generated classes
    rows: dict[str, dict[int, float]] = {}
    config: dict[str, Any] = {}
    for r in _pb_records(path):
        kind = r.WhichOneof("record_type")
        if kind == "history":
            items = {_key(i): json.loads(i.value_json) for i in r.history.item}
            for k, v in items.items():
                if isinstance(v, int | float) and not k.startswith(("_step", "_timestamp")):
                    rows.setdefault(k, {})[int(items["_step"])] = float(v)
        elif kind == "run":
            config.update({_key(i): json.loads(i.value_json) for i in r.run.config.update})
        elif kind == "config":
            config.update({_key(i): json.loads(i.value_json) for i in r.config.update})
    assert set(rows) == set(run.series)
    for k, points in rows.items():
        s = run.series[k]
        assert s.steps.tolist() == sorted(points)
        np.testing.assert_array_equal(s.values, [points[i] for i in sorted(points)])
    assert {k: v for k, v in run.config.items() if k != "wandb_run"} == config


def _pb_summary(path: Path) -> dict[str, Any]:
    """The final summary, every update and removal applied in file order, by wandb's classes."""
    out: dict[str, Any] = {}

    def apply(rec: Any) -> None:
        for item in rec.update:
            node = out
            keys = list(item.nested_key) or [item.key]
            for k in keys[:-1]:
                node = node.setdefault(k, {})
            node[keys[-1]] = json.loads(item.value_json)
        for item in rec.remove:
            keys = list(item.nested_key) or [item.key]
            node = out
            for k in keys[:-1]:
                node = node.get(k, {})
            node.pop(keys[-1], None)

    for r in _pb_records(path):
        kind = r.WhichOneof("record_type")
        if kind == "run":
            apply(r.run.summary)
        elif kind == "summary":
            apply(r.summary)
    return out


def test_summary_is_every_update_in_order(written: dict[str, list[Path]]) -> None:
    paths = [p for ps in written.values() for p in ps]
    assert len(paths) == 4
    for path in paths:
        (run,) = wandb_local.read_file(path).runs
        want = _pb_summary(path)
        assert len(want) > 3
        got = run.config["wandb_run"]["summary"]
        assert json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


def test_a_record_split_over_three_blocks(written: dict[str, list[Path]]) -> None:
    (run,) = wandb_local.read_file(_one(written, "big00001")).runs
    assert run.config["long"] == "x" * 70_000 and run.config["n"] == 3
    assert run.series["loss"].values.tolist() == [make_runs.loss(i) for i in range(3)]


def test_resumed_offline_run_is_its_own_flagged_run(written: dict[str, list[Path]]) -> None:
    first, second = sorted(
        (wandb_local.read_file(p).runs[0] for p in written["resume01"]),
        key=lambda r: r.start_time or 0,
    )
    assert first.id != second.id
    assert first.config["wandb_run"]["id"] == second.config["wandb_run"]["id"] == "resume01"
    assert "resumed" not in first.config["wandb_run"]
    assert second.config["wandb_run"]["resumed"] is True
    assert first.series["loss"].steps.tolist() == [0, 1, 2, 3, 4]
    assert second.series["loss"].steps.tolist() == [5, 6, 7]
    assert second.series["loss"].values.tolist() == [make_runs.loss(i) for i in (5, 6, 7)]


def test_a_run_still_being_written(written: dict[str, list[Path]], tmp_path: Path) -> None:
    """Cut anywhere: what is complete is read, the rest is named; never another error."""
    src = _one(written, "normal01")
    data = src.read_bytes()
    framing = wandb_local.read_framing(src, data)
    ends = {off + 7 + len(body) for off, body in framing.records}
    full = len(wandb_local.read_file(src).runs[0].series["train/loss"])
    prev = 0
    target = tmp_path / "run-cut.wandb"
    for cut in range(8, len(data), 23):
        target.write_bytes(data[:cut])
        try:
            result = wandb_local.read_file(target)
        except ReadError as exc:
            assert exc.file == str(target)
            assert cut < framing.records[1][0]  # only before any whole record
            continue
        (run,) = result.runs
        n = len(run.series["train/loss"]) if "train/loss" in run.series else 0
        assert prev <= n <= full
        prev = n
        incomplete = [i for i in result.issues if "incomplete" in i.message]
        assert bool(incomplete) == (cut not in ends)
        assert all(i.severity == "warning" for i in result.issues)
    assert prev == full or prev == full - 1


def test_truncated_inside_a_split_record(written: dict[str, list[Path]], tmp_path: Path) -> None:
    src = _one(written, "big00001")
    data = src.read_bytes()
    target = tmp_path / "run-cut.wandb"
    target.write_bytes(data[:40_000])  # inside the config record's MIDDLE fragment
    result = wandb_local.read_file(target)
    (issue,) = [i for i in result.issues if "incomplete" in i.message]
    first_offset = int(issue.location.removeprefix("offset "))
    assert first_offset < wandb_local.BLOCK < 40_000
    assert result.runs[0].config.get("long") is None  # never half a value


def test_unknown_record_types_are_named_as_skipped(
    written: dict[str, list[Path]], tmp_path: Path
) -> None:
    src = _one(written, "normal01")
    records = [b for _, b in wandb_local.read_framing(src, src.read_bytes()).records]
    # a record of a type this schema does not have (field 777), as a newer W&B might write
    payload = b"\x0a\x03abc"
    unknown = b"\x08\x63" + b"\xca\x30" + bytes([len(payload)]) + payload
    assert pb.Record.FromString(unknown).num == 99  # wandb's own classes keep it as unknown
    target = tmp_path / "run-newer.wandb"
    target.write_bytes(_frame([*records[:5], unknown, unknown, *records[5:]]))
    result = wandb_local.read_file(target)
    skipped = [i for i in result.issues if i.severity == "skipped"]
    assert len(skipped) == 1
    assert "2 records of an unknown type (Record field 777" in skipped[0].message
    (run,) = result.runs
    (orig,) = wandb_local.read_file(src).runs
    assert set(run.series) == set(orig.series)
    for k in orig.series:
        np.testing.assert_array_equal(run.series[k].values, orig.series[k].values)


def test_checksum_mismatch_skips_the_rest_of_its_block(
    written: dict[str, list[Path]], tmp_path: Path
) -> None:
    src = _one(written, "normal01")
    data = bytearray(src.read_bytes())
    framing = wandb_local.read_framing(src, bytes(data))
    off, body = framing.records[len(framing.records) // 2]
    data[off + 7 + len(body) // 2] ^= 0xFF
    target = tmp_path / "run-bad.wandb"
    target.write_bytes(bytes(data))
    result = wandb_local.read_file(target)
    (issue,) = [i for i in result.issues if i.severity == "skipped"]
    assert issue.location == f"offset {off}" and "checksum" in issue.message
    assert 0 < len(result.runs[0].series["train/loss"]) < len(make_runs.NORMAL_STEPS)


def test_not_a_wandb_file(tmp_path: Path) -> None:
    p = tmp_path / "run-x.wandb"
    p.write_bytes(b"hello world, not W&B")
    assert not wandb_local.WandbRunReader().sniff(p)
    with pytest.raises(ReadError, match="header"):
        wandb_local.read_file(p)
    p.write_bytes(wandb_local.HEADER + b"\0")
    with pytest.raises(ReadError, match="no complete W&B record"):
        wandb_local.read_file(p)


def test_folder_scan_finds_each_run_once(written: dict[str, list[Path]]) -> None:
    folder = _one(written, "normal01").parent.parent  # wandb/, with its latest-run link
    jobs, issues = registry.scan([folder], kind="runs")
    assert not issues
    assert sorted(j.path for j in jobs) == sorted(p for ps in written.values() for p in ps)
    assert {j.reader.name for j in jobs} == {"wandb"}


def test_watched_like_other_folders(written: dict[str, list[Path]], tmp_path: Path) -> None:
    src = _one(written, "normal01")
    data = src.read_bytes()
    framing = wandb_local.read_framing(src, data)
    run_dir = tmp_path / "wandb" / src.parent.name
    run_dir.mkdir(parents=True)
    live = run_dir / src.name
    live.write_bytes(data[: framing.records[len(framing.records) // 2][0] + 11])
    watcher = RunWatcher([tmp_path], use_cache=False)
    runs, _ = watcher.start()
    (before,) = runs
    n_before = len(before.series["train/loss"])
    assert 0 < n_before < len(make_runs.NORMAL_STEPS)
    live.write_bytes(data)
    update = watcher.poll()
    (after,) = update.changed
    assert after.id == before.id and not update.added
    assert len(after.series["train/loss"]) == len(make_runs.NORMAL_STEPS)
    assert not watcher.poll()  # nothing new: nothing reported


def test_fuzz_seed_is_a_real_file() -> None:
    seed = TEST_DATA / "wandb" / "run-seed.wandb"
    result = wandb_local.read_file(seed)
    (run,) = result.runs
    assert not result.issues
    assert run.name == "seed" and run.config["lr"] == 0.01
    acc = run.series["acc"].values
    assert math.isnan(acc[3]) and acc.tolist()[:3] == [0.0, 0.1, 0.2]
    records = _pb_records(seed)
    assert records[0].header.version_info.producer.startswith("0.31.0")


def test_typed_history_values_and_a_newer_header(
    written: dict[str, list[Path]], tmp_path: Path
) -> None:
    """History items with typed values (the schema's ``number``/``integer``/``boolean``/
    ``text``/``none`` fields, which wandb 0.31 does not write yet), built with wandb's own
    classes, and a header version this reader does not know."""
    src = _one(written, "normal01")
    records = [b for _, b in wandb_local.read_framing(src, src.read_bytes()).records]
    rows = []
    for i in range(3):
        rec = pb.Record(num=1000 + i)
        h = rec.history
        h.item.add(key="_step", value_json=str(100 + i))
        h.item.add(nested_key=["typed", "number"], number=0.25 * i)
        h.item.add(key="typed_int", integer=-7 * i)
        h.item.add(key="typed_bool", boolean=i % 2 == 1)
        h.item.add(key="typed_text", text="hi")
        h.item.add(key="typed_none", none=0)
        rows.append(rec.SerializeToString())
    target = tmp_path / "run-typed.wandb"
    target.write_bytes(_frame(records + rows, version=1))
    result = wandb_local.read_file(target)
    (run,) = result.runs
    assert run.series["typed.number"].values.tolist() == [0.0, 0.25, 0.5]
    assert run.series["typed.number"].steps.tolist() == [100, 101, 102]
    assert run.series["typed_int"].values.tolist() == [0.0, -7.0, -14.0]  # sint64 zigzag
    assert run.series["typed_bool"].values.tolist() == [0.0, 1.0, 0.0]
    assert "typed_text" not in run.series and "typed_none" not in run.series
    messages = {i.location: i.message for i in result.issues}
    assert "header version 1" in messages["offset 6"]
    assert "text" in messages["history key 'typed_text'"]
    assert all(i.severity == "warning" for i in result.issues)
