"""MLflow file-store runs: ``mlruns/<experiment>/<run>/{meta.yaml, metrics/, params/, tags/}``.

Each file under ``metrics/`` holds lines ``timestamp_ms value [step [run_id]]`` (MLflow 3
adds the run id when the metric belongs to a logged model); a key with
``/`` is a sub-folder (``metrics/train/loss`` → ``train/loss``). ``params/`` files hold
one value each (config); ``tags/mlflow.runName`` names the run; the experiment's name
comes from ``../meta.yaml``. Artifact URIs (absolute, Windows ``file:///C:/…``) are
ignored; ``artifacts/`` is left to the other readers (a TensorBoard log inside is
found as its own run).

MLflow 3's logged models (``<experiment>/models/m-*/``, a ``meta.yaml`` with a
``model_id``) are not runs: declined, so they are neither read nor reported. A run
with ``lifecycle_stage: deleted`` (or in a deleted experiment, or under ``.trash``)
goes to ``ReadResult.hidden``, shown only on request, as MLflow's UI hides it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult, Series
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.runs._common import (
    load_yaml,
    make_run,
    make_series,
    parse_number,
    step_int,
)

_OWN = ("meta.yaml", "metrics", "params", "tags")


def _files(folder: Path) -> list[tuple[str, Path]]:
    out: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for f in sorted(filenames):
            p = Path(dirpath) / f
            out.append((p.relative_to(folder).as_posix(), p))
    return out


def _text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8", errors="replace").strip()
    except OSError:
        return ""


def read_metric(path: Path, key: str, issues: list[ReadIssue]) -> Series | None:
    steps: list[int] = []
    values: list[float] = []
    walls: list[float] = []
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        issues.append(ReadIssue(str(path), f"byte {exc.start}", "not UTF-8 text", "skipped"))
        return None
    for lineno, line in enumerate(text.splitlines(), 1):
        parts = line.split()
        if not parts:
            continue
        try:
            if len(parts) not in (2, 3, 4):
                raise ValueError(f"{len(parts)} fields")
            ts = float(parts[0])
            value = float(parts[1])
            step = step_int(parts[2]) if len(parts) >= 3 else 0
        except ValueError as exc:
            issues.append(
                ReadIssue(
                    str(path),
                    f"line {lineno}",
                    f"not 'timestamp value step': {exc}",
                    "skipped",
                )
            )
            continue
        steps.append(step)
        values.append(value)
        walls.append(ts / 1000.0)
    if not steps:
        return None
    return make_series(key, steps, values, walls)


def is_logged_model(path: Path) -> bool:
    """An MLflow 3 logged model's folder (``models/m-<id>``), not a run."""
    if path.parent.name != "models" or not path.name.startswith("m-"):
        return False
    try:
        head = (path / "meta.yaml").read_bytes()[:65536]
    except OSError:
        return False
    return b"model_id:" in head


def _deleted(meta: dict[str, Any], path: Path) -> bool:
    if str(meta.get("lifecycle_stage", "")).lower() == "deleted":
        return True
    if path.parent.parent.name == ".trash" or path.parent.name == ".trash":
        return True
    exp = path.parent / "meta.yaml"
    if exp.is_file():
        try:
            data = load_yaml(exp)
        except ReadError:
            return False
        return isinstance(data, dict) and str(data.get("lifecycle_stage", "")) == "deleted"
    return False


class MlflowStoreReader:
    name = "mlflow-store"
    kind: registry.Kind = "runs"
    unit: registry.Unit = "dir"
    patterns: tuple[str, ...] = ("*",)
    priority = 60

    def sniff(self, path: Path) -> bool:
        return (
            (path / "meta.yaml").is_file()
            and any((path / d).is_dir() for d in ("metrics", "params"))
            and not is_logged_model(path)
        )

    def claims(self, path: Path) -> bool:
        return path.name in _OWN

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        issues: list[ReadIssue] = []
        meta: dict[str, Any] = {}
        try:
            data = load_yaml(path / "meta.yaml")
            if isinstance(data, dict):
                meta = data
        except ReadError as exc:
            issues.append(ReadIssue(exc.file, exc.location, exc.message))
        series: dict[str, Series] = {}
        sources = [path / "meta.yaml"]
        for key, f in _files(path / "metrics"):
            cancel.check()
            s = read_metric(f, key, issues)
            sources.append(f)
            if s is not None:
                series[key] = s
        config: dict[str, Any] = {}
        for key, f in _files(path / "params"):
            value = _text(f)
            number = parse_number(value)
            config[key] = value if number is None else number
        tags = {key: _text(f) for key, f in _files(path / "tags")}
        experiment = ""
        try:
            exp = (
                load_yaml(path.parent / "meta.yaml")
                if (path.parent / "meta.yaml").is_file()
                else None
            )
            if isinstance(exp, dict):
                experiment = str(exp.get("name") or "")
        except ReadError:
            pass
        if experiment:
            config.setdefault("experiment", experiment)
        name = (
            tags.get("mlflow.runName")
            or str(meta.get("run_name") or meta.get("name") or "")
            or path.name
        )
        start = meta.get("start_time")
        start_time = float(start) / 1000.0 if isinstance(start, int | float) else None
        if not series and not config and not meta:
            raise ReadError(str(path), "", "an MLflow run folder without metrics, params or meta")
        run = make_run(
            path, name, "mlflow", series, source=sources, config=config,
            start_time=start_time if start_time is None or math.isfinite(start_time) else None,
        )  # fmt: skip
        if _deleted(meta, path):
            return ReadResult(hidden=[run], issues=issues)
        return ReadResult(runs=[run], issues=issues)


registry.register(MlflowStoreReader())
