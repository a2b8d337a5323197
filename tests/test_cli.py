"""The command line (issue #2: --version, import's summary line)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PAPERS, REPO

PAGE = PAPERS / "hf-daily-page" / "daily-papers-page.txt"


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "paperscope", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_version(tmp_path: Path) -> None:
    out = run_cli("--version", home=tmp_path)
    assert out.returncode == 0 and out.stdout.startswith("PaperScope ")


def test_import_prints_the_summary_line(tmp_path: Path) -> None:
    lib = tmp_path / "lib.duckdb"
    first = run_cli("--library", str(lib), "import", str(PAGE), home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "added 79, merged 0, skipped 0"
    again = run_cli(
        "--library", str(lib), "import", str(PAGE), str(tmp_path / "missing.bib"), home=tmp_path
    )
    assert again.stdout.strip().splitlines()[-1] == "added 0, merged 79, skipped 1"
    assert "missing.bib" in again.stderr


def test_default_library_lives_in_the_data_dir(tmp_path: Path) -> None:
    out = run_cli("import", str(PAGE), home=tmp_path)
    assert out.returncode == 0
    assert (tmp_path / "data" / "library.duckdb").exists()


def test_startup_imports_nothing_heavy(tmp_path: Path) -> None:
    """Cold start stays light: no torch, onnxruntime, umap or matplotlib at start-up."""
    code = (
        "import sys, paperscope.cli, paperscope.gui.main_window, paperscope.gui.app;"
        "heavy = [m for m in ('torch','onnxruntime','umap','matplotlib','sentence_transformers',"
        "'transformers','sklearn','numba','tokenizers','pandas','pyarrow') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""


def test_every_command_module_is_listed() -> None:
    """Commands are listed (a frozen app cannot discover modules): none may be missing."""
    from paperscope.cli import COMMANDS

    found = sorted(p.stem[4:] for p in (REPO / "app" / "paperscope" / "cli").glob("cmd_*.py"))
    assert sorted(COMMANDS) == found


def test_a_cli_session_on_a_library_imports_no_pandas(tmp_path: Path) -> None:
    """DuckDB's client looks pandas up before binding any parameter (issue #21 item 16):
    a fresh process that imports papers, searches and exports stays free of pandas and
    pyarrow, although pandas is installed here (and of Qt: only the window imports it)."""
    import importlib.util

    assert importlib.util.find_spec("pandas") is not None  # else this test proves nothing
    lib = tmp_path / "lib.duckdb"
    code = (
        "import sys; from paperscope.cli import main;"
        f"lib = {str(lib)!r};"
        f"assert main(['--library', lib, 'import', {str(PAGE)!r}]) == 0;"
        "assert main(['--library', lib, 'search', 'reward year:>=2024', '--json']) == 0;"
        "assert main(['--library', lib, 'search', 'author:li', '--limit', '3']) == 0;"
        f"out = {str(tmp_path / 'x.ris')!r};"
        "assert main(['--library', lib, 'export', '--format', 'ris', '--out', out, 'model']) == 0;"
        "print('LOADED', [m for m in ('pandas', 'pyarrow', 'PySide6') if m in sys.modules])"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.count("{") >= 3  # the search printed papers: parameters were bound
    assert out.stdout.strip().splitlines()[-1] == "LOADED []"


def test_a_window_start_imports_no_pandas(tmp_path: Path) -> None:
    """The window's cold start (``--screenshot``: library opened, search index built,
    table filled, papers counted) imports neither pandas nor pyarrow."""
    lib = tmp_path / "lib.duckdb"
    assert run_cli("--library", str(lib), "import", str(PAGE), home=tmp_path).returncode == 0
    env = {**os.environ, "PYTHONPATH": str(REPO / "app"), "PAPERSCOPE_HOME": str(tmp_path),
           "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    shot = tmp_path / "s.png"
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "paperscope", "--library", str(lib),
         "--screenshot", str(shot)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert out.returncode == 0 and shot.exists(), out.stderr[-2000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines()
                if line.startswith("import time:")}  # fmt: skip
    assert "duckdb" in imported and "PySide6.QtWidgets" in imported  # the check can see
    assert not imported & {"pandas", "pyarrow"}


def test_search_can_build_the_word_index_first(tmp_path: Path) -> None:
    """``search --index-words`` builds the word postings (whatever the library's size)
    and then answers from them: the same lines as FTS5 printed before."""
    lib = tmp_path / "lib.duckdb"
    assert run_cli("--library", str(lib), "import", str(PAGE), home=tmp_path).returncode == 0
    args = ("--library", str(lib), "search", "rew* model", "--json", "--limit", "0")
    plain = run_cli(*args, home=tmp_path)
    built = run_cli(*args, "--index-words", home=tmp_path)
    assert built.returncode == 0, built.stderr
    assert "word index built for 79 papers" in built.stderr
    assert built.stdout == plain.stdout and built.stdout.count("\n") > 10
    (folder,) = (tmp_path / "lib.duckdb.search.sqlite.terms").iterdir()
    assert (folder / "docs.npy").exists()
    again = run_cli(*args, "--index-words", home=tmp_path)
    assert "the word index is current" in again.stderr and again.stdout == plain.stdout
