"""The command line while a window holds the library (issue #14 item 7), and files from
the file manager going to the running window (issue #21 item 13)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core import instance
from tests.conftest import REPO, TEST_DATA

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

ATOM = TEST_DATA / "papers" / "arxiv-query.atom"
PAGE = REPO / "resources" / "demo" / "daily-papers-page.txt"


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO / "app"), "QT_QPA_PLATFORM": "offscreen",
            "PAPERSCOPE_HOME": str(home)}  # fmt: skip


def _cli(*args: str, home: Path, cwd: Path) -> tuple[int, str, str]:
    out = subprocess.run(
        [sys.executable, "-m", "paperscope", *args],
        capture_output=True, text=True, env=_env(home), cwd=cwd, timeout=120,
    )  # fmt: skip
    return out.returncode, out.stdout, out.stderr


def _window_answers(lib: Path) -> bool:
    """The window serves commands (its library is open): it refuses one for another."""
    try:
        with instance.Connection(instance.server_name(lib), timeout=1.0) as conn:
            conn.send({"v": 1, "command": "search", "library": "/nowhere.duckdb", "args": {}})
            answer = conn.receive(1.0)
    except OSError:
        return False
    return bool(answer) and answer.get("status") == "refused"


@pytest.fixture
def window_process(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A real ``paperscope --library LIB`` window (offscreen) on a library of 4 papers;
    yields the library and the PAPERSCOPE_HOME both processes share."""
    home = tmp_path / "home"
    lib = tmp_path / "lib.duckdb"
    assert _cli("--library", str(lib), "import", str(ATOM), home=home, cwd=tmp_path)[0] == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperscope", "--library", str(lib)],
        env=_env(home), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not _window_answers(lib):
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "the window did not start"
            time.sleep(0.2)
        yield lib, home
    finally:
        proc.terminate()
        proc.wait(20)
        if proc.stderr is not None:
            proc.stderr.close()


COMMANDS = [
    ("search", "attention", "--json"),
    ("search", "year:>=2020"),
    ("search", "year:>=abc"),  # an error: its message and exit code come back too
    ("similar", "1"),
    ("export", "--format", "bibtex", "--out", "out/x.bib", "year:<2020"),
    ("export", "--format", "ris", "--out", "missing/x.ris"),
    ("results", "1"),
    ("results", "1", "--json"),
    ("results", "999999"),  # no such paper: the error comes back as alone
]


def test_the_cli_beside_a_window_prints_what_it_prints_alone(
    window_process: tuple[Path, Path], tmp_path: Path
) -> None:
    lib, home = window_process
    # what the commands print when the CLI has the library itself: on a copy of it
    alone_dir, beside_dir = tmp_path / "alone", tmp_path / "beside"
    for d in (alone_dir, beside_dir):
        (d / "out").mkdir(parents=True)
    copy = tmp_path / "copy" / "lib.duckdb"
    copy.parent.mkdir()
    shutil.copy(lib, copy)
    for args in COMMANDS:
        alone = _cli("--library", str(copy), *args, home=home, cwd=alone_dir)
        beside = _cli("--library", str(lib), *args, home=home, cwd=beside_dir)
        assert "already open" not in beside[2]
        assert beside == alone, args
    assert (beside_dir / "out" / "x.bib").read_text() == (alone_dir / "out" / "x.bib").read_text()
    assert "Attention Is All You Need" in (beside_dir / "out" / "x.bib").read_text()

    # an import goes into the window's library and prints its summary line as alone
    alone = _cli("--library", str(copy), "import", str(PAGE), home=home, cwd=alone_dir)
    beside = _cli("--library", str(lib), "import", str(PAGE), home=home, cwd=beside_dir)
    assert beside == alone == (0, "added 79, merged 0, skipped 0\n", "")
    code, out, _err = _cli("--library", str(lib), "search", "RL Tango", "--json", home=home,
                           cwd=beside_dir)  # fmt: skip
    assert code == 0 and "Reinforcing Generator and Verifier" in out

    # where local sockets are not Unix sockets (Windows) the CLI talks through QLocalSocket:
    # the same request gets the same answer both ways
    import argparse

    from paperscope.cli._remote import encode_args
    from paperscope.gui.single_instance import QtConnection

    args = argparse.Namespace(command="search", query="attention", limit=5, json=True, model=None)
    request = {"v": 1, "command": "search", "library": str(lib), "args": encode_args(args)[0]}
    answers = []
    for connection in (instance.Connection, QtConnection):
        with connection(instance.server_name(lib)) as conn:
            conn.send(request)
            assert conn.receive(5.0) == {"v": 1, "status": "accepted"}
            answers.append(conn.receive(60.0))
    assert answers[0] == answers[1]
    assert answers[0] is not None and answers[0]["code"] == 0
    assert answers[0]["stdout"] == _cli("--library", str(copy), "search", "attention", "--limit",
                                        "5", "--json", home=home, cwd=alone_dir)[1]  # fmt: skip


HOLDER = """
import sys
from pathlib import Path
from PySide6.QtCore import QCoreApplication
from paperscope.gui.single_instance import InstanceServer
from paperscope.library.store import Store
app = QCoreApplication([])
store = Store(Path(sys.argv[1]))  # holds the library
server = InstanceServer(Path(sys.argv[1]))  # listens, but answers no command
print("holding", flush=True)
app.exec()
"""


def test_a_window_that_cannot_answer_gives_the_old_message(tmp_path: Path) -> None:
    lib = tmp_path / "lib.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lib)], env=_env(tmp_path),
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        code, out, err = _cli("--library", str(lib), "search", "x", home=tmp_path, cwd=tmp_path)
        assert code == 2 and out == ""
        assert "is already open in another process" in err and "Traceback" not in err
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()


def test_a_cli_import_shows_up_in_the_window(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from paperscope.cli._remote import serve
    from paperscope.gui.single_instance import InstanceServer, serve_commands

    server = InstanceServer(window.store.path)
    serve_commands(server, window, serve)
    home = Path(os.environ["PAPERSCOPE_HOME"])
    proc = subprocess.Popen(
        [sys.executable, "-m", "paperscope", "--library", str(window.store.path), "import",
         str(ATOM)],
        env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        qtbot.waitUntil(lambda: proc.poll() is not None, timeout=60000)
        out, err = proc.communicate()
        assert proc.returncode == 0, err
        assert out == "added 4, merged 0, skipped 0\n"
        qtbot.waitUntil(lambda: window.papers_view.model.rowCount() == 83, timeout=10000)
        assert window.status.label.text() == "Command line: import: added 4, merged 0, skipped 0"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        server.close()


PAGE_TEXT = (
    "Daily Papers\n\nbyAK and the research community\n\nNov 14\n\n"
    "Opened From The File Manager\n\nAn abstract about reward models.\n\n"
    "  • 2 authors\n·\nMar 3, 2024 5\n"
)


def test_a_file_from_the_file_manager_goes_to_the_window_of_any_library(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    """`paperscope FILE` (no --library) while only a window on another library runs."""
    from PySide6.QtWidgets import QMessageBox

    from paperscope.core import paths
    from paperscope.gui.single_instance import InstanceServer

    assert window.store.path.resolve() != paths.default_library_path().resolve()
    server = InstanceServer(window.store.path)
    server.files_received.connect(window.receive_files)
    page = tmp_path / "opened.txt"
    page.write_text(PAGE_TEXT, encoding="utf-8")
    home = Path(os.environ["PAPERSCOPE_HOME"])
    second = subprocess.Popen(
        [sys.executable, "-m", "paperscope", str(page)],
        env=_env(home), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        with qtbot.waitSignal(window.preview_shown, timeout=30000) as shown:
            pass
        assert (len(shown.args[0].papers), shown.args[0].new) == (1, 1)
        assert second.wait(20) == 0
        assert "handed 1 file to" in second.stderr.read()
        with qtbot.waitSignal(window.import_finished, timeout=10000):
            window.status.last_box.button(QMessageBox.StandardButton.Ok).click()
        assert window.papers_view.model.rowCount() == 80
    finally:
        second.kill()
        second.wait()
        for stream in (second.stdout, second.stderr):
            if stream is not None:
                stream.close()
        server.close()
