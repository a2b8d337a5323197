"""The launcher and file associations in packaging/ (issue #6)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, RUNS

PACKAGING = REPO / "packaging"


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-utils missing"
)
def test_desktop_entry_is_valid() -> None:
    out = subprocess.run(["desktop-file-validate", str(PACKAGING / "paperscope.desktop")],
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert "error" not in out.stdout


def test_icons_exist_in_every_size() -> None:
    icons = REPO / "resources" / "icons"
    assert (icons / "paperscope.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        png = icons / "hicolor" / f"{size}x{size}" / "apps" / "paperscope.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.skipif(shutil.which("xdg-mime") is None, reason="xdg-utils missing")
def test_install_script_registers_launcher_and_types(tmp_path: Path) -> None:
    exe = tmp_path / "paperscope"
    exe.write_text("#!/bin/sh\n", encoding="utf-8")
    exe.chmod(0o755)
    env = {**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "share"),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}  # fmt: skip
    out = subprocess.run(["bash", str(PACKAGING / "install-desktop.sh"), str(exe)], env=env,
                         capture_output=True, text=True)  # fmt: skip
    assert out.returncode == 0, out.stderr
    desktop = (tmp_path / "share" / "applications" / "paperscope.desktop").read_text(
        encoding="utf-8"
    )
    assert f'Exec="{exe}" %F' in desktop
    assert (tmp_path / "share" / "mime" / "packages" / "paperscope-mime.xml").exists()
    defaults = (tmp_path / "config" / "mimeapps.list").read_text(encoding="utf-8")
    for mime in (
        "text/x-bibtex",
        "application/x-tensorboard-events",
        "application/x-paperscope-workspace",
    ):
        assert f"{mime}=paperscope.desktop" in defaults
    event_file = next((RUNS / "go-tensorboard").rglob("events.out.tfevents.*"))
    query = subprocess.run(["xdg-mime", "query", "filetype", str(event_file)], env=env,
                           capture_output=True, text=True)  # fmt: skip
    assert query.stdout.strip() == "application/x-tensorboard-events"
