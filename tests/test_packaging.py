"""What got installed: onnxruntime-gpu alone (plain onnxruntime writes the same package
folder and would silently replace it), and the pinned PySide6 on Python 3.11."""

from __future__ import annotations

import sys
from importlib import metadata

import pytest


@pytest.mark.skipif(sys.platform == "darwin", reason="macOS uses plain onnxruntime")
def test_onnxruntime_gpu_and_not_plain_onnxruntime() -> None:
    names = {(d.metadata["Name"] or "").lower() for d in metadata.distributions()}
    assert "onnxruntime-gpu" in names
    assert "onnxruntime" not in names


def test_pyside6_pin_on_python_311() -> None:
    version = metadata.version("PySide6-Essentials")
    if sys.version_info[:2] == (3, 11):
        # 6.12.0 on CPython 3.11 drops a reference to None on every void call
        assert version == "6.11.3"
    assert "pyside6" not in {(d.metadata["Name"] or "").lower() for d in metadata.distributions()}
