"""Runs for the results tests, read from the real event files with TensorBoard's own
EventAccumulator (tests only: the app reads them with its own readers)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.core.records import Run, Series
from tests.conftest import RUNS

REDUCER = RUNS / "tensorboard-reducer" / "tests" / "runs" / "strict"
UNET = RUNS / "pixel-level-segmentation-in-pets-unipr" / "unet" / "runs"
IRIS = RUNS / "iris" / "results" / "data"


def event_file(folder: Path) -> Path:
    (found,) = sorted(folder.glob("events.out.tfevents.*"))
    return found


def read_events(path: Path, name: str | None = None, config: dict[str, Any] | None = None) -> Run:
    """Every scalar of one tfevents file (simple_value and tensor-encoded) as a Run."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util import tensor_util

    acc = EventAccumulator(str(path), size_guidance={"scalars": 0, "tensors": 0})
    acc.Reload()
    series: dict[str, Series] = {}
    tags = acc.Tags()
    for tag in tags["scalars"]:
        ev = acc.Scalars(tag)
        series[tag] = Series(
            tag,
            np.array([e.step for e in ev], dtype=np.int64),
            np.array([e.wall_time for e in ev], dtype=np.float64),
            np.array([e.value for e in ev], dtype=np.float64),
        )
    for tag in tags["tensors"]:
        ev = acc.Tensors(tag)
        arrays = [tensor_util.make_ndarray(e.tensor_proto) for e in ev]
        if not arrays or any(a.dtype.kind not in "fiu" or a.size != 1 for a in arrays):
            continue
        series[tag] = Series(
            tag,
            np.array([e.step for e in ev], dtype=np.int64),
            np.array([e.wall_time for e in ev], dtype=np.float64),
            np.array([float(a.reshape(())) for a in arrays], dtype=np.float64),
        )
    label = name or path.parent.name
    return Run(str(path), label, "tensorboard", (str(path),), series, config or {})


@pytest.fixture(scope="session")
def reducer_runs() -> list[Run]:
    return [read_events(event_file(REDUCER / f"run_{i}")) for i in (1, 2, 3)]


@pytest.fixture(scope="session")
def unet_runs() -> list[Run]:
    runs = []
    for folder in sorted(UNET.iterdir()):
        lr = float(folder.name.removeprefix("UNet_lr").replace("_", "-"))
        runs.append(
            read_events(event_file(folder), folder.name, {"lr": lr, "model": {"arch": "unet"}})
        )
    return runs


@pytest.fixture(scope="session")
def all_event_runs() -> list[Run]:
    return [read_events(p) for p in sorted(RUNS.rglob("events.out.tfevents.*"))]


ReadEvents = Callable[..., Run]


@pytest.fixture(scope="session")
def go_ramp_run() -> Run:
    """go-tensorboard: tensor-encoded ``my_metric = 0.5 * step`` for 100 steps."""
    return read_events(next((RUNS / "go-tensorboard").rglob("events.out.tfevents.*")))


@pytest.fixture(scope="session")
def iris_dir() -> Path:
    """rliable-style Atari 100k final scores (26 games) copied from eloialonso/iris."""
    return IRIS
