"""Nothing a file contains runs as code (issue #7, "hostile content"): a grep of the
package for the ways Python can run or unpickle data, and the YAML/npz loaders checked
on crafted files."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import REPO

PACKAGE = REPO / "app" / "paperscope"


def _calls(tree: ast.AST) -> list[tuple[str, ast.Call]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = (
                f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            )
            owner = (
                f.value.id if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) else ""
            )
            out.append((f"{owner}.{name}" if owner else name, node))
    return out


def test_no_eval_exec_pickle_or_unsafe_yaml_in_the_package() -> None:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] + [getattr(node, "module", "") or ""]
                if any(
                    n.split(".")[0] in ("pickle", "cPickle", "dill", "marshal", "shelve")
                    for n in names
                ):
                    problems.append(f"{path}:{node.lineno} imports a pickle-like module")
        for name, call in _calls(tree):
            where = f"{path.relative_to(REPO)}:{call.lineno}"
            bare = isinstance(call.func, ast.Name)  # model.eval() is torch, not Python's eval
            if bare and name in ("eval", "exec", "compile", "__import__"):
                problems.append(f"{where} calls {name}()")
            if name in ("yaml.load", "yaml.unsafe_load", "yaml.full_load", "yaml.load_all"):
                loader = {k.arg: k.value for k in call.keywords}.get("Loader")
                ok = isinstance(loader, ast.Name) and loader.id in (
                    "SafeLoader",
                    "_Loader",
                    "CSafeLoader",
                )
                if not ok:
                    problems.append(f"{where} calls {name} without a safe loader")
            if name in ("np.load", "numpy.load"):
                kw = {k.arg: k.value for k in call.keywords}
                flag = kw.get("allow_pickle")
                if not (isinstance(flag, ast.Constant) and flag.value is False):
                    problems.append(f"{where} calls np.load without allow_pickle=False")
    assert problems == []


def test_hparams_yaml_with_python_tags_runs_nothing(tmp_path: Path) -> None:
    """Lightning's hparams.yaml may hold !!python/tuple; a crafted one must not run code."""
    from paperscope.readers.runs import _common

    marker = tmp_path / "pwned"
    text = (
        "lr: 0.001\n"
        "betas: !!python/tuple [0.9, 0.999]\n"
        f"evil: !!python/object/apply:os.system ['touch {marker}']\n"
        f"evil2: !!python/object/new:subprocess.check_output [['touch', '{marker}']]\n"
    )
    path = tmp_path / "hparams.yaml"
    path.write_text(text, encoding="utf-8")
    data = _common.load_yaml(path)
    assert not marker.exists()
    assert data["lr"] == 0.001 and data["betas"] == [0.9, 0.999]


def test_npz_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    from paperscope.core.records import ReadError
    from paperscope.core.tasks import CancelToken, no_progress
    from paperscope.readers import registry

    bad = tmp_path / "evaluations.npz"
    np.savez(bad, timesteps=np.arange(3), results=np.array([{"a": 1}] * 3, dtype=object))
    reader = registry.get("sb3-evaluations")
    with pytest.raises(ReadError) as info:
        reader.read(bad, no_progress, CancelToken())
    assert str(bad) in str(info.value)
