# ruff: noqa: E501
"""Hypothesis feeds every run reader truncated and corrupted copies of real files: the
result is a ReadError naming the file or a (partial) result, never another exception,
never a hang."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import RUNS, mlflow_db_file

# (reader, the real file to damage, the file name it must have, folder reader?)
CASES = [
    ("tensorboard", RUNS / "warp-mujoco-domain-randomization/logs/events.out.tfevents.1766562479.MacBook-Pro-52.local.59342.0", True),
    ("tensorboard", RUNS / "go-tensorboard/testdata/tfevents/events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2", True),
    ("tensorboard", RUNS / "TensorBoard-Tutorial/archive/hparam_tuning/events.out.tfevents.1690483601.e-bnbobg-5l77j-0.61366.0.v2", True),
    ("sb3-progress", RUNS / "warp-mujoco-domain-randomization/logs/progress.csv", False),
    ("lightning-csv", RUNS / "ArcRoute/lightning_logs/version_0/metrics.csv", False),
    ("csv", RUNS / "ArcRoute/lightning_logs/version_0/metrics.csv", False),
    ("sb3-monitor", RUNS / "rl-trained-agents/ppo/CartPole-v1_1/0.monitor.csv", True),
    ("sb3-evaluations", RUNS / "rl-trained-agents/ppo/CartPole-v1_1/evaluations.npz", False),
    ("sacred", RUNS / "ml-pws/runs/78/metrics.json", True),
    ("mlflow-store", RUNS / "Swahili-Speech-To-Text/mlruns/1/ed05f9cd599442fe9a0c9222184710b8/metrics/loss", True),
    ("rliable-scores", RUNS / "iris/results/data/IRIS.json", False),
    ("rliable-scores", RUNS / "iris/results/data/CURL_10_evals.json", False),
    ("dopamine", RUNS / "dopamine/baselines/atari/data/breakout.json", False),
    ("jsonl", None, False),
]  # fmt: skip

JSONL = b'{"step": 1, "loss": 0.5}\n{"step": 2, "loss": NaN, "acc": 1}\n' * 20


def _damage(data: bytes, cut: float, flips: list[tuple[float, int]]) -> bytes:
    out = bytearray(data[: int(len(data) * cut)])
    for where, value in flips:
        if out:
            out[int(where * (len(out) - 1))] = value
    return bytes(out)


@pytest.mark.parametrize(
    ("reader_name", "source", "is_dir"), CASES, ids=lambda x: getattr(x, "name", x)
)
@settings(
    max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_damaged_files(
    tmp_path_factory: pytest.TempPathFactory,
    reader_name: str,
    source: Path | None,
    is_dir: bool,
    cut: float,
    flips: list[tuple[float, int]],
) -> None:
    work = tmp_path_factory.mktemp("fuzz")
    if source is None:
        data, name = JSONL, "log.jsonl"
        target = work / name
    elif is_dir:
        if reader_name == "mlflow-store":
            folder = work / "run"
            shutil.copytree(
                source.parent.parent, folder, ignore=shutil.ignore_patterns("artifacts")
            )
            target = folder / "metrics" / source.name
        else:
            folder = work / "run"
            shutil.copytree(source.parent, folder)
            target = folder / source.name
        data = source.read_bytes()
    else:
        target = work / source.name
        data = source.read_bytes()
    target.write_bytes(_damage(data, cut, flips))
    reader = registry.get(reader_name)
    path = (work / "run") if is_dir else target
    try:
        result = reader.read(path, no_progress, CancelToken())
    except ReadError as exc:
        assert exc.file and str(work) in exc.file
        return
    assert isinstance(result, ReadResult)
    for issue in result.issues:
        assert issue.file


WANDB = (
    'Step,"run-a - loss","run-a - loss__MIN","run-a - loss__MAX","run-b - loss"\n'
    + "".join(
        f"{i},{1 / (i + 1)},{0.9 / (i + 1)},{1.1 / (i + 1)},{2 / (i + 1)}\n" for i in range(200)
    )
).encode()


@pytest.mark.parametrize("reader_name", ["mlflow-db", "wandb-export", "tensorboard-file"])
@settings(
    max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
)
def test_damaged_generated_files(
    tmp_path_factory: pytest.TempPathFactory,
    reader_name: str,
    cut: float,
    flips: list[tuple[float, int]],
) -> None:
    work = tmp_path_factory.mktemp("fuzzgen")
    if reader_name == "mlflow-db":
        src = work / "src.db"
        mlflow_db_file(src, steps=300)
        data, target = src.read_bytes(), work / "mlflow.db"
        src.unlink()
    elif reader_name == "wandb-export":
        data, target = WANDB, work / "export.csv"
    else:
        src = RUNS / "go-tensorboard/testdata/tfevents"
        data = next(src.glob("events*")).read_bytes()
        target = work / "events.out.tfevents.1.host"
    target.write_bytes(_damage(data, cut, flips))
    try:
        result = registry.get(reader_name).read(target, no_progress, CancelToken())
    except ReadError as exc:
        assert str(work) in exc.file
        return
    assert isinstance(result, ReadResult)
