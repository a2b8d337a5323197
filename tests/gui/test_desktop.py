"""Desktop behaviour (issue #6): one instance per library, first-run screen, crash dialog."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import REPO

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

PAGE_TEXT = (
    "Daily Papers\n\nbyAK and the research community\n\nNov 14\n\n"
    "Handed Over By A Second Launch\n\nAn abstract about reward models.\n\n"
    "  • 2 authors\n·\nMar 3, 2024 5\n"
)


def _env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ, "PYTHONPATH": str(REPO / "app"), "QT_QPA_PLATFORM": "offscreen",
        "PAPERSCOPE_HOME": os.environ["PAPERSCOPE_HOME"],
    }  # fmt: skip


def test_second_launch_hands_its_files_to_the_running_window(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    from paperscope.gui.single_instance import InstanceServer

    server = InstanceServer(window.store.path)
    server.files_received.connect(window.receive_files)
    page = tmp_path / "handed.txt"
    page.write_text(PAGE_TEXT, encoding="utf-8")
    second = subprocess.Popen(
        [sys.executable, "-m", "paperscope", "--library", str(window.store.path), str(page)],
        env=_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        # the double-clicked file is read and shown for confirmation before anything is stored
        with qtbot.waitSignal(window.preview_shown, timeout=20000) as shown:
            pass
        preview = shown.args[0]
        assert (len(preview.papers), preview.new, preview.merged) == (1, 1, 0)
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


HOLDER = """
import sys
from PySide6.QtCore import QCoreApplication
from paperscope.gui.single_instance import InstanceServer
app = QCoreApplication([])
server = InstanceServer(__import__("pathlib").Path(sys.argv[1]))
print("listening", flush=True)
app.exec()
"""


def test_stale_socket_after_a_crash_is_cleared(tmp_path: Path, qapp: QApplication) -> None:
    from paperscope.gui.single_instance import InstanceServer, send_to_running

    lib = tmp_path / "lib.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lib)], env=_env(tmp_path),
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "listening"
    os.kill(holder.pid, signal.SIGKILL)  # a crash: the socket file stays behind
    holder.wait()
    holder.stdout.close()
    assert not send_to_running(lib, [])  # nobody answers on the stale socket
    server = InstanceServer(lib)
    try:
        assert server.stale_cleared
    finally:
        server.close()


def test_empty_library_offers_the_first_steps(qtbot: QtBot, tmp_path: Path) -> None:
    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store

    store = Store(tmp_path / "empty.duckdb")
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    try:
        assert win.central.currentWidget() is win.welcome
        texts = [
            b.text()
            for b in (win.welcome.demo_button, win.welcome.import_button, win.welcome.runs_button)
        ]
        assert texts == ["Open the demo library", "Import papers…", "Open runs…"]
        with qtbot.waitSignal(win.library_switched, timeout=10000):
            qtbot.mouseClick(win.welcome.demo_button, Qt.MouseButton.LeftButton)
        assert win.central.currentWidget() is win.papers_view
        assert win.papers_view.model.rowCount() == 79
        qtbot.waitUntil(lambda: not win.runner.running(), timeout=20000)
    finally:
        win.runner.shutdown()
        win.persist_layout = False
        win.close()
        win.store.close()


def test_unhandled_exception_shows_the_crash_dialog(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.gui import crash

    try:
        raise RuntimeError("a bug in a slot")
    except RuntimeError:
        crash.excepthook(*sys.exc_info())  # type: ignore[arg-type]
    dialog = crash.last_dialog()
    assert dialog is not None and dialog.isVisible()
    assert "RuntimeError: a bug in a slot" in dialog.detailedText()
    dialog.copy_button.click()
    assert "a bug in a slot" in QApplication.clipboard().text()
    dialog.close()
    # the library is intact and the window still answers
    assert window.store.paper_count() == 79
    log = Path(os.environ["PAPERSCOPE_HOME"]) / "logs" / "paperscope.log"
    from paperscope.core.logs import setup_logging

    assert setup_logging() == log
    crash.log.error("check")
    assert log.exists()
