"""TensorBoard event files: real files against TensorBoard's own EventAccumulator,
files written here by the real writers, restarts, truncation and corruption."""

from __future__ import annotations

import math
import shutil
import struct
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import ReadError
from paperscope.readers import registry
from paperscope.readers.runs import _proto, tensorboard
from tests.conftest import RUNS

EVENT_FILES = sorted(RUNS.glob("**/events.out.tfevents*"))
ENGINES = ["numba", "python"]


def _ea_scalars(path: Path) -> dict[str, list[tuple[int, float, float]]]:
    """(step, wall_time, value) per scalar tag, as TensorBoard reads them: simple_value
    through the v1 accumulator, tensor scalars (plugin "scalars") through the plugin one."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.util import tensor_util

    acc = ea.EventAccumulator(str(path), size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
    acc.Reload()
    out = {
        tag: [(e.step, e.wall_time, e.value) for e in acc.Scalars(tag)]
        for tag in acc.Tags()["scalars"]
    }
    pacc = pea.EventAccumulator(str(path), size_guidance={pea.TENSORS: 0})
    pacc.Reload()
    for tag in pacc.Tags()["tensors"]:
        if tag in out or pacc.SummaryMetadata(tag).plugin_data.plugin_name != "scalars":
            continue
        out[tag] = [
            (e.step, e.wall_time, float(tensor_util.make_ndarray(e.tensor_proto).item()))
            for e in pacc.Tensors(tag)
        ]
    return out


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("path", EVENT_FILES, ids=lambda p: p.parent.name)
def test_identical_to_event_accumulator(path: Path, engine: str) -> None:
    expected = _ea_scalars(path)
    _, result = tensorboard.read_run(path.parent, [path], engine=engine)  # type: ignore[arg-type]
    assert result.issues == []
    run = result.runs[0]
    assert set(run.series) == set(expected)
    for tag, points in expected.items():
        s = run.series[tag]
        assert s.steps.tolist() == [p[0] for p in points]
        assert s.wall_times.tolist() == [p[1] for p in points]
        assert s.values.tolist() == [p[2] for p in points]


def test_real_files_tags_counts_and_spot_values() -> None:
    runs = {
        r.name: r
        for r in registry.read_paths([RUNS], kind="runs").runs
        if r.format == "tensorboard"
    }
    go = runs["testdata/tfevents"].series["my_metric"]
    assert len(go) == 100
    assert go.values.tolist() == (0.5 * np.arange(100)).tolist()  # y = 0.5 step
    assert go.steps.tolist() == list(range(100))

    reducer = [runs[f"run_{i}"].series["strict/foo"] for i in (1, 2, 3)]
    assert [len(s) for s in reducer] == [100, 100, 100]
    assert reducer[0].steps.tolist() == list(range(0, 500, 5))
    means = [float(np.mean(s.values)) for s in reducer]
    assert means[1] - means[0] == pytest.approx(1.0, abs=0.15)
    assert means[2] - means[1] == pytest.approx(1.0, abs=0.15)
    assert reducer[0].values[0] == pytest.approx(1.4962565898895264, abs=0)

    unet = runs["UNet_lr1e_3"]
    assert set(unet.series) == {
        "Training loss", "Test loss (avg on test)", "IoU (avg on test)",
        "L1 Distance (avg on test)", "Epoch time",
    }  # fmt: skip
    assert len(unet.series["Training loss"]) == 49
    assert unet.config["lr"] == pytest.approx(1e-3)
    assert {runs[f"UNet_lr{x}"].config["lr"] for x in ("2e_3", "5e_4", "7e_5")} == {
        2e-3,
        5e-4,
        7e-5,
    }
    assert [len(runs[f"UNet_lr{x}"].series["Epoch time"]) for x in ("2e_3", "5e_4", "7e_5")] == [
        17,
        34,
        47,
    ]

    keras = runs["20191031-020333/train"]
    assert set(keras.series) == {"epoch_loss", "epoch_accuracy"}
    assert keras.series["epoch_loss"].steps.tolist() == [0, 1, 2, 3, 4]  # first has no step field

    tut = runs["Exp_0_adam_200_0.2/validation"]
    assert {t: len(s) for t, s in tut.series.items()} == {
        "epoch_loss": 10, "epoch_accuracy": 10,
        "evaluation_loss_vs_iterations": 10, "evaluation_accuracy_vs_iterations": 10,
    }  # fmt: skip
    hp = runs["hparam_tuning"]
    assert hp.series == {}
    assert hp.config["hparam_domains"] == {
        "units": [200, 300, 512],
        "dropout": {"min": 0.2, "max": 0.5},
        "optimizer": ["adam", "rmsprop", "sgd"],
    }
    assert hp.config["hparam_metrics"] == ["accuracy"]

    sb3 = runs["warp-mujoco-domain-randomization/logs"]
    assert len(sb3.series) == 13
    assert sum(len(s) for s in sb3.series.values()) == 1264
    assert sb3.series["rollout/ep_rew_mean"].steps[[0, -1]].tolist() == [2048, 200704]


def _write_torch(folder: Path, new_style: bool, double: bool = False, steps: int = 50) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(folder))
    for i in range(steps):
        w.add_scalar("a/loss", 1.0 / (i + 1), i, new_style=new_style, double_precision=double)
        w.add_scalar("acc", i * 0.25, i, new_style=new_style, double_precision=double)
    w.add_text("note", "hello", 0)
    w.add_histogram("h", np.arange(10.0), 0)
    w.close()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("style", ["simple", "new_style", "double"])
def test_torch_summary_writer_round_trip(tmp_path: Path, style: str, engine: str) -> None:
    _write_torch(tmp_path, style != "simple", style == "double")
    _, result = tensorboard.read_run(tmp_path, engine=engine)  # type: ignore[arg-type]
    run = result.runs[0]
    assert set(run.series) == {"a/loss", "acc"}
    loss = run.series["a/loss"]
    assert loss.steps.tolist() == list(range(50))
    f32 = np.float64 if style == "double" else np.float32
    assert loss.values.tolist() == [float(f32(1.0 / (i + 1))) for i in range(50)]
    assert run.series["acc"].values[-1] == 49 * 0.25
    assert all(math.isfinite(w) and w > 1.6e9 for w in loss.wall_times)
    [path] = tmp_path.glob("events*")
    expected = _ea_scalars(path)
    assert run.series["acc"].values.tolist() == [p[2] for p in expected["acc"]]


def test_tensorboardx_round_trip(tmp_path: Path) -> None:
    from tensorboardX import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    for i in range(30):
        w.add_scalar("x/y", i * 1.5, i)
        w.add_scalars("grp", {"a": i, "b": -i}, i)
    w.close()
    runs = {r.name: r for r in registry.read_paths([tmp_path], kind="runs").runs}
    main = runs[tmp_path.name]
    assert main.series["x/y"].values.tolist() == [i * 1.5 for i in range(30)]
    # add_scalars writes sub-runs in sub-folders, found by the recursive scan
    sub = [r for n, r in runs.items() if n != tmp_path.name]
    assert sorted(len(r.series["grp"]) for r in sub) == [30, 30]


def test_hparams_from_torch_add_hparams(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    w.add_hparams({"lr": 0.01, "opt": "adam", "bs": 32}, {"hparam/acc": 0.9}, run_name="hp")
    w.close()
    run = tensorboard.read_run(tmp_path / "hp")[1].runs[0]
    assert run.config["lr"] == 0.01 and run.config["opt"] == "adam" and run.config["bs"] == 32
    assert run.series["hparam/acc"].values.tolist() == [float(np.float32(0.9))]


def _record(data: bytes) -> bytes:
    header = struct.pack("<Q", len(data))
    return (
        header
        + struct.pack("<I", _proto.masked_crc32c(header))
        + data
        + struct.pack("<I", _proto.masked_crc32c(data))
    )


def _scalar_event(step: int, value: float, tag: bytes = b"t") -> bytes:
    val = b"\x0a" + bytes([len(tag)]) + tag + b"\x15" + struct.pack("<f", value)
    summary = b"\x0a" + bytes([len(val)]) + val
    return (
        b"\x09" + struct.pack("<d", 1.7e9 + step)
        + b"\x10" + bytes([step])
        + b"\x2a" + bytes([len(summary)]) + summary
    )  # fmt: skip


@pytest.mark.parametrize("engine", ENGINES)
def test_restarts_merged_keep_last_or_first(tmp_path: Path, engine: str) -> None:
    (tmp_path / "events.out.tfevents.1000.host.1").write_bytes(
        b"".join(_record(_scalar_event(s, float(s))) for s in range(6))
    )
    (tmp_path / "events.out.tfevents.2000.host.2").write_bytes(
        b"".join(_record(_scalar_event(s, 100.0 + s)) for s in range(3, 9))
    )
    last = tensorboard.read_run(tmp_path, engine=engine)[1].runs[0].series["t"]  # type: ignore[arg-type]
    assert last.steps.tolist() == list(range(9))
    assert last.values.tolist() == [0, 1, 2, 103, 104, 105, 106, 107, 108]
    first = tensorboard.read_run(tmp_path, duplicates="first", engine=engine)[1].runs[0]  # type: ignore[arg-type]
    assert first.series["t"].values.tolist() == [0, 1, 2, 3, 4, 5, 106, 107, 108]
    everything = tensorboard.read_run(tmp_path, duplicates="all")[1].runs[0]
    assert len(everything.series["t"]) == 12


@pytest.mark.parametrize("engine", ENGINES)
def test_truncated_tail_is_read_without_error_and_resumed(tmp_path: Path, engine: str) -> None:
    recs = [_record(_scalar_event(s, s * 2.0)) for s in range(10)]
    path = tmp_path / "events.out.tfevents.1.h"
    data = b"".join(recs)
    path.write_bytes(data[:-7])
    state, result = tensorboard.read_run(tmp_path, engine=engine)  # type: ignore[arg-type]
    assert result.issues == []
    assert result.runs[0].series["t"].steps.tolist() == list(range(9))
    with path.open("ab") as fh:  # the writer finishes the record and adds more
        fh.write(data[-7:] + _record(_scalar_event(10, 20.0)))
    assert state.update()
    assert tensorboard.result_of(state).runs[0].series["t"].steps.tolist() == [*range(10), 10]


@pytest.mark.parametrize("engine", ENGINES)
def test_bad_checksums_skip_records_with_warnings(tmp_path: Path, engine: str) -> None:
    recs = [bytearray(_record(_scalar_event(s, float(s)))) for s in range(8)]
    recs[2][-6] ^= 0xFF  # data byte of record 2
    recs[5][3] ^= 0x01  # length of record 5: its checksum fails
    path = tmp_path / "events.out.tfevents.1.h"
    offsets = np.cumsum([0] + [len(r) for r in recs])
    path.write_bytes(b"".join(recs))
    result = tensorboard.read_run(tmp_path, engine=engine)[1]  # type: ignore[arg-type]
    assert result.runs[0].series["t"].steps.tolist() == [0, 1, 3, 4, 6, 7]
    assert [i.location for i in result.issues] == [f"offset {offsets[2]}", f"offset {offsets[5]}"]
    assert "checksum" in result.issues[0].message and result.issues[0].file == str(path)


def test_garbage_file_raises_read_error_with_offset(tmp_path: Path) -> None:
    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(b"this is not a tfrecord file at all, just text" * 10)
    with pytest.raises(ReadError) as info:
        tensorboard.read_run(tmp_path)
    assert info.value.file == str(path) and info.value.location == "offset 0"


def test_scan_finds_runs_beside_other_logs(tmp_path: Path) -> None:
    src = RUNS / "warp-mujoco-domain-randomization/logs"
    shutil.copytree(src, tmp_path / "logs")
    jobs, _ = registry.scan([tmp_path], kind="runs")
    assert sorted(j.reader.name for j in jobs) == ["sb3-progress", "tensorboard"]


def _write_events_with_tensorboard_writer(folder: Path) -> None:
    """Unusual but valid shapes, written by TensorBoard's own EventFileWriter: tensor
    scalars whose metadata is only on the first event, DT_DOUBLE in tensor_content,
    DT_HALF/DT_INT64 scalars, many tags in changing order, tags not in UTF-8 order."""
    from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    w = EventFileWriter(str(folder))
    meta = summary_pb2.SummaryMetadata(
        plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="scalars")
    )
    rng = np.random.default_rng(3)
    for step in range(40):
        values = []
        t = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, float_val=[step * 0.5])
        values.append(
            summary_pb2.Summary.Value(
                tag="first_meta", tensor=t, metadata=meta if step == 0 else None
            )
        )
        d = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_DOUBLE, tensor_content=struct.pack("<d", step / 3)
        )
        values.append(summary_pb2.Summary.Value(tag="double_content", tensor=d, metadata=meta))
        h = tensor_pb2.TensorProto(
            dtype=types_pb2.DT_HALF, half_val=[int(np.float16(step).view(np.uint16))]
        )
        values.append(summary_pb2.Summary.Value(tag="half", tensor=h, metadata=meta))
        i = tensor_pb2.TensorProto(dtype=types_pb2.DT_INT64, int64_val=[step * 1000])
        values.append(summary_pb2.Summary.Value(tag="int64", tensor=i, metadata=meta))
        # a tensor that is not a scalar plugin: ignored like TensorBoard does
        values.append(
            summary_pb2.Summary.Value(
                tag="other",
                tensor=t,
                metadata=summary_pb2.SummaryMetadata(
                    plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name="custom")
                ),
            )
        )
        for k in rng.permutation(300)[:50]:  # 300 tags, 50 per step, in random order
            values.append(
                summary_pb2.Summary.Value(
                    tag=f"many/ü{k:03d}" + "x" * int(k), simple_value=float(k + step)
                )
            )
        w.add_event(
            event_pb2.Event(
                step=step, wall_time=1.7e9 + step, summary=summary_pb2.Summary(value=values)
            )
        )
    w.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_unusual_shapes_match_event_accumulator(tmp_path: Path, engine: str) -> None:
    _write_events_with_tensorboard_writer(tmp_path)
    [path] = tmp_path.glob("events*")
    expected = _ea_scalars(path)
    run = tensorboard.read_run(tmp_path, engine=engine)[1].runs[0]  # type: ignore[arg-type]
    assert set(run.series) == set(expected)
    assert "other" not in run.series and len(run.series) == 4 + 300
    for tag, points in expected.items():
        s = run.series[tag]
        assert s.steps.tolist() == [p[0] for p in points], tag
        assert s.values.tolist() == [p[2] for p in points], tag
    assert run.series["first_meta"].values.tolist() == [i * 0.5 for i in range(40)]
    assert run.series["half"].values[7] == 7.0 and run.series["int64"].values[3] == 3000.0


def test_cancel_then_update_reads_everything_once(tmp_path: Path) -> None:
    from paperscope.core.tasks import Cancelled, CancelToken

    (tmp_path / "events.out.tfevents.1.h").write_bytes(
        b"".join(_record(_scalar_event(s % 100, float(s))) for s in range(100))
    )
    state = tensorboard.TensorBoardRun(tmp_path)
    token = CancelToken()

    def progress(fraction: float | None, message: str = "") -> None:
        if fraction is not None and fraction > 0:
            token.cancel()

    with pytest.raises(Cancelled):
        state.update(progress, token)
    state.update()
    assert state.to_run().series["t"].steps.tolist() == list(range(100))
