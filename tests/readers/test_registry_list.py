"""Readers are listed in the registry (a frozen app cannot discover modules)."""

from __future__ import annotations

from paperscope.readers import registry
from tests.conftest import REPO


def test_every_reader_module_is_listed() -> None:
    base = REPO / "app" / "paperscope" / "readers"
    found = sorted(
        f"paperscope.readers.{kind}.{p.stem}"
        for kind in ("papers", "runs", "results")
        for p in (base / kind).glob("*.py")
        if not p.stem.startswith("_")
    )
    assert sorted(registry.BUILTIN_MODULES) == found
    names = [r.name for r in registry.readers()]
    assert len(names) == len(set(names)) >= len(found)
