"""Stable-Baselines3 ``EvalCallback`` output: ``evaluations.npz``.

``timesteps (N,)``, ``results (N, episodes)``, ``ep_lengths (N, episodes)``. Each
evaluation's distribution over episodes becomes summary series against timesteps:
``eval/mean_reward``, ``eval/std_reward``, ``eval/min_reward``, ``eval/q25_reward``,
``eval/median_reward``, ``eval/q75_reward``, ``eval/max_reward``, ``eval/mean_ep_length``.
Loaded with ``allow_pickle=False``.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from paperscope.core.records import ReadError, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import make_run, make_series, run_name


def _real(path: Path, name: str, arr: np.ndarray) -> np.ndarray:
    """An array of real numbers as float64 (complex or text arrays are refused)."""
    arr = np.asarray(arr)
    if arr.dtype.kind not in "biuf":
        raise ReadError(str(path), name, f"{name} are not real numbers ({arr.dtype})")
    return arr.astype(np.float64)


def eval_series(path: Path) -> dict[str, Series]:
    try:
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as npz:
            files = set(npz.files)
            if not {"timesteps", "results"} <= files:
                raise ReadError(str(path), "", "no 'timesteps' and 'results' arrays")
            steps = np.asarray(npz["timesteps"])
            results = _real(path, "results", npz["results"])
            lengths = None
            if "ep_lengths" in files:
                lengths = _real(path, "ep_lengths", npz["ep_lengths"])
    except ReadError:
        raise
    except (
        OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile, TypeError, zlib.error,
        NotImplementedError, RuntimeError,  # zipfile: "encrypted, password required"
    ) as exc:  # fmt: skip
        raise ReadError(str(path), "", f"not a readable .npz file: {exc}") from None
    if results.ndim == 1:
        results = results[:, None]
    if steps.ndim != 1 or results.ndim != 2 or results.shape[0] != steps.shape[0]:
        raise ReadError(
            str(path), "", f"timesteps {steps.shape} and results {results.shape} do not match"
        )
    if steps.dtype.kind not in "biuf":  # text, objects, complex numbers
        raise ReadError(str(path), "", "timesteps are not numbers")
    if steps.dtype.kind == "f" and not (ok := np.isfinite(steps) & (np.abs(steps) < 9.2e18)).all():
        bad = int(np.flatnonzero(~ok)[0])
        raise ReadError(
            str(path), f"timesteps[{bad}]",
            f"timestep {steps[bad]} is not a step (NaN, inf or beyond int64)",
        )  # fmt: skip
    if steps.dtype.kind == "u" and steps.size and int(steps.max()) > 2**63 - 1:
        raise ReadError(str(path), "timesteps", "a timestep beyond int64")
    s = steps.astype(np.int64)
    out: dict[str, Series] = {}
    if results.shape[1] == 0 or results.shape[0] == 0:
        return out
    with np.errstate(all="ignore"):  # huge or non-finite rewards: inf/NaN statistics
        stats = {
            "eval/mean_reward": np.mean(results, axis=1),
            "eval/std_reward": np.std(results, axis=1),
            "eval/min_reward": np.min(results, axis=1),
            "eval/q25_reward": np.quantile(results, 0.25, axis=1),
            "eval/median_reward": np.median(results, axis=1),
            "eval/q75_reward": np.quantile(results, 0.75, axis=1),
            "eval/max_reward": np.max(results, axis=1),
        }
    if lengths is not None and lengths.shape == results.shape:
        with np.errstate(all="ignore"):
            stats["eval/mean_ep_length"] = np.mean(lengths, axis=1)
    for tag, v in stats.items():
        out[tag] = make_series(tag, s, v)
    return out


class SB3EvaluationsReader:
    name = "sb3-evaluations"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("evaluations.npz", "*.npz")
    priority = 20

    def sniff(self, path: Path) -> bool:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        from paperscope.readers.runs.sb3_monitor import find_config

        name = run_name(path.parent)
        if path.stem != "evaluations":
            name = f"{name}/{path.stem}"
        run = make_run(
            path, name, "sb3-evaluations", eval_series(path), config=find_config(path.parent)
        )
        return ReadResult(runs=[run])


registry.register(SB3EvaluationsReader())
