"""Helpers shared by the run readers: building series, run ids and names, safe YAML,
configuration parsed from run names."""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import FloatArray, IntArray, ReadError, ReadIssue, Run, Series
from paperscope.readers.registry import Duplicates as Duplicates

"""What to keep when a series has several points at one step (a restarted run):
the last written (default, what a resumed run means), the first, or all of them."""

GENERIC_DIR_NAMES = frozenset(
    {"train", "training", "validation", "valid", "val", "eval", "evaluation", "test", "logs",
     "log", "runs", "tb", "tensorboard", "tensorboard_logs", "metrics", "csv", "lightning_logs",
     "artifacts", "tfevents", "results", "data"}
)  # fmt: skip


INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def step_int(value: Any) -> int:
    """A step as an int64-sized ``int``; ``ValueError`` (naming the problem) for text that
    is not a number, NaN, infinities and steps beyond int64 (a float is truncated)."""
    try:
        step = int(value)
    except OverflowError:  # int(inf)
        raise ValueError(f"step {value!r} is not a finite number") from None
    return check_step(step)


def to_float(value: bool | int | float) -> float:
    """A JSON/YAML number as a float: an integer beyond the float range is ±inf (as
    ``1e400`` reads), not an ``OverflowError``."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


def run_id(*parts: str | Path) -> str:
    """A stable id from the source path(s) and an optional sub-key."""
    text = "\0".join(str(Path(p).resolve()) if isinstance(p, Path) else p for p in parts)
    return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def run_name(folder: Path) -> str:
    """The name a user recognises: the folder's name, prefixed with the nearest
    non-generic ancestor when the folder has a generic name (``Exp_0/validation``,
    ``lightning_logs/version_3`` → ``<project>/version_3``)."""
    name = folder.name or str(folder)
    if not _generic(name):
        return name
    for parent in folder.parents:
        if parent.name and not _generic(parent.name):
            return f"{parent.name}/{name}"
    return name


def _generic(name: str) -> bool:
    return name.lower() in GENERIC_DIR_NAMES or bool(re.fullmatch(r"version_\d+", name))


def check_step(step: int) -> int:
    """``step`` if an int64 holds it; ``ValueError`` otherwise (the caller names the
    line or record, as for any unreadable value)."""
    if not INT64_MIN <= step <= INT64_MAX:
        raise ValueError(f"step {str(step)[:20]}… is beyond the 64-bit range")
    return step


def make_series(
    tag: str,
    steps: Iterable[int] | IntArray,
    values: Iterable[float] | FloatArray,
    wall_times: Iterable[float] | FloatArray | None = None,
    duplicates: Duplicates = "last",
    drop_nan: bool = False,
) -> Series:
    """A :class:`Series` sorted by step (stable, so the write order decides among equal
    steps), with repeated steps resolved by ``duplicates`` and NaN values dropped
    when ``drop_nan`` (sparse CSV columns)."""
    try:
        s = np.asarray(steps, dtype=np.int64)
    except OverflowError:  # a reader let a step beyond int64 through: name the series
        raise ValueError(f"series {tag!r}: a step beyond int64") from None
    v = np.asarray(values, dtype=np.float64)
    w = (
        np.full(s.shape[0], np.nan)
        if wall_times is None
        else np.asarray(wall_times, dtype=np.float64)
    )
    if not (s.shape == v.shape == w.shape) or s.ndim != 1:
        raise ValueError(f"series {tag!r}: steps, values and wall times differ in length")
    if drop_nan:
        keep = ~np.isnan(v)
        if not keep.all():
            s, v, w = s[keep], v[keep], w[keep]
    if s.shape[0] > 1 and np.any(s[1:] < s[:-1]):
        order = np.argsort(s, kind="stable")
        s, v, w = s[order], v[order], w[order]
    if duplicates != "all" and s.shape[0] > 1:
        same = s[1:] == s[:-1]
        if same.any():
            keep = np.ones(s.shape[0], dtype=bool)
            if duplicates == "last":
                keep[:-1] = ~same
            else:
                keep[1:] = ~same
            s, v, w = s[keep], v[keep], w[keep]
    return Series(tag, s, w, v)


def make_run(
    path: Path,
    name: str,
    format: str,
    series: Mapping[str, Series],
    source: Iterable[Path] = (),
    config: Mapping[str, Any] | None = None,
    start_time: float | None = None,
    key: str = "",
) -> Run:
    """A :class:`Run` with its id derived from ``path`` (and ``key`` when one file holds
    several runs). The name's own hyperparameters fill in what ``config`` lacks."""
    merged: dict[str, Any] = dict(config_from_name(name))
    merged.update(config or {})
    sources = tuple(str(p) for p in source) or (str(path),)
    return Run(
        id=run_id(path, key) if key else run_id(path),
        name=name,
        format=format,
        source=sources,
        series=dict(series),
        config=merged,
        start_time=start_time if start_time is None or math.isfinite(start_time) else None,
    )


# --- configuration from run names -------------------------------------------------

_NUMBER = r"(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-_+]?\d+)?"
# a key starts where a word does, so a long name is scanned once, not from every letter
_KEY_EQ = re.compile(r"(?<![A-Za-z0-9.])([A-Za-z][A-Za-z0-9.]*)=([^_,\s/]+)")
_KEY_NUM = re.compile(rf"(?:^|(?<=[_\-\s,/]))([A-Za-z]+)({_NUMBER})(?=$|[_\-\s,/])")
_IGNORED_KEYS = frozenset({"v", "version", "run", "exp", "events", "out", "tfevents"})


def parse_number(text: str) -> int | float | None:
    """``1e_3`` → 0.001 (``_`` stands for ``-`` in file names), ``32`` → 32."""
    t = text.replace("e_", "e-").replace("E_", "E-")
    try:
        if re.fullmatch(r"\d+", t):
            return int(t)
        return float(t)
    except ValueError:
        return None


def config_from_name(name: str) -> dict[str, Any]:
    """Hyperparameters written into a run name: ``UNet_lr1e_3`` → ``{"lr": 0.001}``,
    ``model=RNN_layers=2`` → ``{"model": "RNN", "layers": 2}``."""
    out: dict[str, Any] = {}
    base = name.rsplit("/", 1)[-1] if "/" in name else name
    for m in _KEY_EQ.finditer(base):
        value = m.group(2)
        number = parse_number(value)
        out[m.group(1)] = value if number is None else number
    rest = _KEY_EQ.sub("", base)
    for m in _KEY_NUM.finditer(rest):
        key = m.group(1)
        if key.lower() in _IGNORED_KEYS or key in out:
            continue
        number = parse_number(m.group(2))
        if number is not None:
            out[key] = number
    return out


# --- safe YAML --------------------------------------------------------------------


def load_yaml(path: Path) -> Any:
    """Load YAML safely. Python-specific tags (``!!python/tuple``, ``!!python/object/
    apply:collections.OrderedDict`` as written by Lightning and rl-zoo) are read as the
    plain data they hold; nothing is ever imported, called or executed."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    except OSError as exc:
        raise ReadError(str(path), "", f"cannot read: {exc}") from None
    return load_yaml_text(text, str(path))


def load_yaml_text(text: str, file: str, first_line: int = 1) -> Any:
    """:func:`load_yaml` on text already read (a model card's front matter);
    ``first_line`` is the file line the text starts on, for the messages."""
    import yaml

    class _Loader(yaml.SafeLoader):  # type: ignore[misc]
        pass

    def _python_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.SequenceNode):
            items = loader.construct_sequence(node, deep=True)
            if suffix.endswith("OrderedDict") and len(items) == 1 and isinstance(items[0], list):
                pairs = items[0]
                if all(isinstance(p, list) and len(p) == 2 for p in pairs):
                    return {_plain_key(k): v for k, v in pairs}
            return list(items)
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return loader.construct_scalar(node)  # type: ignore[arg-type]

    _Loader.add_multi_constructor("tag:yaml.org,2002:python/", _python_tag)
    _Loader.add_multi_constructor("!", _python_tag)
    try:
        return yaml.load(text, Loader=_Loader)  # _Loader derives from SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + first_line}" if mark is not None else ""
        raise ReadError(file, where, f"not valid YAML: {exc}") from None
    except ValueError as exc:  # a value its constructor refuses: a too-long integer, a bad date
        raise ReadError(file, "", f"not valid YAML: {exc}") from None
    except RecursionError:
        raise ReadError(file, "", "YAML nested too deeply") from None


def _plain_key(key: Any) -> Any:
    return key if isinstance(key, str | int | float | bool) or key is None else str(key)


def plain(value: Any) -> Any:
    """Make a config value JSON-friendly (tuples → lists, odd keys → strings)."""
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, float | int | str | bool) or value is None:
        return value
    if isinstance(value, np.generic):
        return value.item()
    return str(value)


def load_json(path: Path) -> Any:
    """JSON with NaN/Infinity literals; errors become :class:`ReadError` with the line."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    except OSError as exc:
        raise ReadError(str(path), "", f"cannot read: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(str(path), f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None
    except ValueError as exc:  # an integer literal longer than Python's digit limit
        raise ReadError(str(path), "a number", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise ReadError(str(path), "", "JSON nested too deeply") from None


def head_bytes(path: Path, size: int = 4096) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config → ``{"optimizer.lr": 0.001}`` (used for grouping, not storage)."""
    out: dict[str, Any] = {}
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(flatten(v, key + "."))
        else:
            out[key] = v
    return out


SIDECAR_NAMES = (
    "hparams.yaml", "hparams.yml", "hparams.json", "config.yaml", "config.yml", "config.json",
    "params.yaml", "params.json", "args.yaml", "args.json",
)  # fmt: skip


def sidecar_config(folder: Path) -> tuple[dict[str, Any], list[ReadIssue]]:
    """Hyperparameters saved beside a log (``hparams.yaml``, ``config.json``, …): the
    first such file that holds a mapping, read safely; problems become warnings."""
    issues: list[ReadIssue] = []
    for name in SIDECAR_NAMES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            data = load_json(path) if name.endswith(".json") else load_yaml(path)
        except ReadError as exc:
            issues.append(ReadIssue(exc.file, exc.location, exc.message))
            continue
        if isinstance(data, Mapping):
            return dict(plain(data)), issues
    return {}, issues
