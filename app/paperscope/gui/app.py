"""Starting the GUI: the QApplication, the exception hook, the library, the window."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from paperscope.core import paths as app_paths


def _excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    """Show an unhandled exception in a dialog instead of killing the app."""
    details = "".join(traceback.format_exception(kind, exc, tb))
    sys.stderr.write(details)
    from PySide6.QtWidgets import QApplication, QMessageBox

    if QApplication.instance() is None or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return
    box = QMessageBox(QMessageBox.Icon.Critical, "PaperScope", f"Something went wrong: {exc}")
    box.setDetailedText(details)
    box.exec()


def main(args: argparse.Namespace) -> int:
    """Open the window as the command line asked (see :func:`paperscope.cli.main`)."""
    screenshot: Path | None = getattr(args, "screenshot", None)
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QMessageBox

    from paperscope.library.store import LibraryError, Store
    from paperscope.workflows import open as open_flow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("PaperScope")
    app.setOrganizationName("PaperScope")
    sys.excepthook = _excepthook

    files = list(getattr(args, "files", []) or [])
    if args.demo:
        library = open_flow.create_demo_library()
        files.append(open_flow.demo_runs())
    else:
        library = Path(args.library) if args.library else app_paths.default_library_path()
    try:
        store = Store(library)
    except LibraryError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        if screenshot is None:
            QMessageBox.critical(None, "PaperScope", str(exc))
        return 2

    from paperscope.gui.main_window import MainWindow

    window = MainWindow(store)
    if screenshot is not None:
        window.persist_layout = False  # a rendering must not change the user's layout
        window.resize(1400, 900)
    window.show()
    if files:
        window.open_paths(files)
    if screenshot is not None:
        return _screenshot(app, window, screenshot)
    code = app.exec()
    store.close()
    return int(code)


def _screenshot(app: object, window: object, out: Path) -> int:
    """Wait until the window's tasks are done, render it to PNG and quit."""
    from PySide6.QtCore import QEventLoop, QTimer

    from paperscope.gui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    loop = QEventLoop()

    def check() -> None:
        if not window.runner.running():
            loop.quit()

    timer = QTimer(interval=50)
    timer.timeout.connect(check)
    timer.start()
    QTimer.singleShot(60_000, loop.quit)
    loop.exec()
    timer.stop()
    first = window.papers_view.model.index(0, 0)
    if first.isValid():
        window.papers_view.table.selectRow(0)
    out.parent.mkdir(parents=True, exist_ok=True)
    ok = window.grab().save(str(out))
    window.close()
    window.store.close()
    return 0 if ok else 1
