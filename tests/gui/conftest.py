"""Fixtures for the pytest-qt tests: a main window on a fresh demo library."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication
    from pytestqt.qtbot import QtBot

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def demo_library(tmp_path: Path) -> Path:
    from paperscope.workflows.open import create_demo_library

    return create_demo_library(tmp_path / "demo.duckdb")


@pytest.fixture
def window(qtbot: QtBot, demo_library: Path) -> Iterator[object]:
    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store

    store = Store(demo_library)
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    # the window prepares the library in the background (search index, sort ranks,
    # sidebar counts); tests start once that is done
    qtbot.waitUntil(lambda: not win.runner.running(), timeout=20000)
    yield win
    assert win.runner.shutdown(10000), "a task was still running when the test ended"
    win.close()
    store.close()


@pytest.fixture(autouse=True)
def _no_keyboard_modifiers_held() -> Iterator[None]:
    """Every test starts with no modifier held. Qt takes the application's keyboard
    modifiers from the last input event; offscreen, a test that ends on a
    Ctrl+Shift shortcut (``qtbot.keyClick(..., Ctrl | Shift)``) leaves them "held", and
    a later test in the same process saw ``selectRow()`` toggle the row instead of
    selecting it (``test_main_window`` after ``test_papers_actions``). A release of
    Ctrl with no modifiers, sent to a widget of its own, clears them."""
    yield
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QWidget

    if QApplication.instance() is None or not QApplication.keyboardModifiers():
        return
    sink = QWidget()
    QTest.keyRelease(sink, Qt.Key.Key_Control, Qt.KeyboardModifier.NoModifier)
    sink.deleteLater()
    assert not QApplication.keyboardModifiers(), QApplication.keyboardModifiers()


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Fail a test that leaves a Python thread running (napari's habit)."""
    before = set(threading.enumerate())
    yield
    leaked = [t for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon]
    assert not leaked, f"threads left running: {leaked}"


@pytest.fixture
def watchdog(qapp: QApplication) -> Iterator[object]:
    """The event-loop watchdog (``tests/gui/watchdog.py``): ``watchdog.start()`` once the
    setup is done; the test fails if the UI thread was blocked longer than 200 ms while
    it ran (checked again at teardown, in case the test did not)."""
    from tests.gui.watchdog import Watchdog

    dog = Watchdog()
    yield dog
    if dog.running:
        dog.stop()
        dog.check()
