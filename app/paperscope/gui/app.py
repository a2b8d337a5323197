"""Starting the GUI: the QApplication, the exception hook, the library, the window."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paperscope import __version__
from paperscope.core import paths as app_paths
from paperscope.core.text import count

log = logging.getLogger("paperscope.app")


def main(
    args: argparse.Namespace,
    command_handler: Callable[[Any, dict[str, Any]], dict[str, Any]] | None = None,
) -> int:
    """Open the window as the command line asked (see :func:`paperscope.cli.main`).

    ``command_handler(store, request)``: runs a CLI command sent by a ``paperscope``
    process that found the library held by this window (the CLI's own runner; this
    package cannot import the CLI).
    """
    screenshot: Path | None = getattr(args, "screenshot", None)
    if screenshot is not None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QMessageBox

    from paperscope.core.logs import setup_logging
    from paperscope.gui import crash
    from paperscope.gui.single_instance import (
        InstanceServer,
        send_to_any_window,
        send_to_running,
        serve_commands,
    )
    from paperscope.library.store import LibraryError, Store
    from paperscope.workflows import open as open_flow

    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("PaperScope")
    app.setOrganizationName("PaperScope")
    app.setDesktopFileName("paperscope")
    icon = app_paths.resources_dir() / "icons" / "paperscope.svg"
    if icon.exists():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    sys.excepthook = crash.excepthook

    files = [Path(f) for f in (getattr(args, "files", []) or [])]
    if args.demo:
        library = app_paths.demo_library_path()
    else:
        library = Path(args.library) if args.library else app_paths.default_library_path()
    server = None
    if screenshot is None:
        # one window per library: a second launch hands its files over and leaves
        # and a file opened from the file manager goes to the running window, whatever
        # library it shows (unless a library was asked for)
        to_any = bool(files) and not args.library and not args.demo
        if send_to_running(library, files) or (to_any and send_to_any_window(files)):
            print(
                f"paperscope: handed {count(len(files), 'file')} to the running PaperScope",
                file=sys.stderr,
            )
            return 0
        server = InstanceServer(library)
    if args.demo:
        open_flow.create_demo_library(library)
        files.append(open_flow.demo_runs())
    try:
        store = Store(library)
    except LibraryError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        if screenshot is None:
            QMessageBox.critical(None, "PaperScope", str(exc))
        return 2

    from paperscope.gui.main_window import MainWindow

    log.info("PaperScope %s started on %s%s", __version__, library, " (demo)" if args.demo else "")
    window = MainWindow(store)
    if screenshot is not None:
        window.persist_layout = False  # a rendering must not change the user's layout
        from paperscope.gui.window_fit import fit_to_screen

        fit_to_screen(window)
        window.reset_layout()  # and shows the default one, the same on every machine
    window.show()
    window.embedding.detect_device()
    if server is not None:
        server.files_received.connect(window.receive_files)
        if command_handler is not None:
            serve_commands(server, window, command_handler)
    if screenshot is None and not args.demo:
        _restore_workspace(window, library)
    if args.demo and window.map_pane.view is None:
        window.map_pane.build_map()  # the demo shows its map being made (PCA, then UMAP)
    if files:
        # files given on the command line come from a double-click: confirm paper imports
        window.open_paths(files, confirm=not args.demo and screenshot is None)
    if screenshot is not None:
        return _screenshot(app, window, screenshot)
    code = app.exec()
    log.info("PaperScope window closed (exit %s)", code)
    if server is not None:
        server.close()
    window.store.close()
    return int(code)


def _restore_workspace(window: object, library: Path) -> None:
    """Come back as the user left it: the last workspace of this library, if any."""
    from paperscope.gui import workspace
    from paperscope.gui.main_window import MainWindow

    assert isinstance(window, MainWindow)
    state = workspace.for_library(library)
    # a broken autosave must not stop the app; it is rewritten on quit
    with contextlib.suppress(workspace.WorkspaceError):
        if state is not None:
            workspace.apply(window, state)


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
