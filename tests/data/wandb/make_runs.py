"""Write W&B offline runs with the real ``wandb`` package (no account, no network).

    WANDB_MODE=offline python tests/data/wandb/make_runs.py OUT_DIR [KIND…]

KIND: ``normal`` (config, several metrics with NaN and infinity, a text key, a histogram,
a config update, a summary, tags, group and name), ``big`` (one config value of 70 kB: a
record split over three 32 KiB blocks), ``resumed`` (a run, then the same id resumed with
``resume="allow"``), ``seed`` (the small run kept as ``tests/data/wandb/run-seed.wandb``
for the fuzz harness). The runs land in ``OUT_DIR/wandb/offline-run-*/run-<id>.wandb``.
The values logged are the formulas below, so the tests can recompute them.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path


def loss(i: int) -> float:
    return 1.0 / (i + 1)


def eval_return(i: int) -> float:
    if i == 4:
        return math.nan
    if i == 6:
        return math.inf
    return 30.0 * i


NORMAL_STEPS = [0, 1, 2, 3, 4, 5, 6, 8, 10, 12]  # a gap: the steps are the ones logged


def normal(wandb: object) -> None:
    import numpy as np

    run = wandb.init(  # type: ignore[attr-defined]
        project="paperscope-tests",
        id="normal01",
        name="lr3e-4-adam",
        group="sweep-a",
        tags=["baseline", "cpu"],
        job_type="train",
        notes="written by tests/data/wandb/make_runs.py",
        config={"lr": 3e-4, "optimizer": {"name": "adam", "betas": [0.9, 0.999]}, "seed": 1},
    )
    for k, i in enumerate(NORMAL_STEPS):
        row = {"train/loss": loss(i), "eval/return": eval_return(i), "nested": {"depth": k}}
        if k == 2:
            row["note"] = "hello"
            row["weights"] = wandb.Histogram(np.arange(8))  # type: ignore[attr-defined]
        run.log(row, step=i)
    run.config.update({"late_key": "set after init"})
    run.summary["best_return"] = 270.0
    run.finish()


def big(wandb: object) -> None:
    run = wandb.init(project="paperscope-tests", id="big00001", name="big-config",  # type: ignore[attr-defined]
                     config={"long": "x" * 70_000, "n": 3})  # fmt: skip
    for i in range(3):
        run.log({"loss": loss(i)}, step=i)
    run.finish()


def resumed(wandb: object) -> None:
    run = wandb.init(project="paperscope-tests", id="resume01", name="resumable",  # type: ignore[attr-defined]
                     config={"lr": 1e-3})  # fmt: skip
    for i in range(5):
        run.log({"loss": loss(i)}, step=i)
    run.finish()
    run = wandb.init(project="paperscope-tests", id="resume01", resume="allow")  # type: ignore[attr-defined]
    for i in range(5, 8):
        run.log({"loss": loss(i)}, step=i)
    run.finish()


def seed(wandb: object) -> None:
    run = wandb.init(project="p", id="seed0001", name="seed", group="g", tags=["t"],  # type: ignore[attr-defined]
                     config={"lr": 0.01, "layers": 2})  # fmt: skip
    for i in range(6):
        run.log({"loss": loss(i), "acc": math.nan if i == 3 else i / 10}, step=i)
    run.summary["best"] = 0.5
    run.finish()


KINDS = {"normal": normal, "big": big, "resumed": resumed, "seed": seed}


def main() -> None:
    out = Path(sys.argv[1]).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["WANDB_MODE"] = "offline"
    os.environ["WANDB_DIR"] = str(out)
    for var in ("WANDB_CONFIG_DIR", "WANDB_CACHE_DIR", "WANDB_DATA_DIR", "WANDB_ARTIFACT_DIR"):
        os.environ[var] = str(out / ".wandb-home")
    os.environ.setdefault("WANDB_SILENT", "true")
    os.environ.setdefault("WANDB_DISABLE_GIT", "true")
    os.environ.setdefault("WANDB_CONSOLE", "off")
    import wandb

    for kind in sys.argv[2:] or list(KINDS):
        KINDS[kind](wandb)


if __name__ == "__main__":
    main()
