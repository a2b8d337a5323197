"""Unhandled exceptions: logged, then shown in a dialog with the details and a button that
copies a report. The app carries on; the library is safe because every write to it is a
transaction."""

from __future__ import annotations

import logging
import platform
import sys
import traceback
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton, QWidget

from paperscope import __version__

log = logging.getLogger("paperscope.crash")


def report_text(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> str:
    details = "".join(traceback.format_exception(kind, exc, tb))
    return (
        f"PaperScope {__version__} on Python {platform.python_version()}, "
        f"{platform.platform()}\n\n{details}"
    )


class CrashDialog(QMessageBox):
    def __init__(self, report: str, message: str, parent: QWidget | None = None) -> None:
        super().__init__(
            QMessageBox.Icon.Critical, "PaperScope", "Something went wrong.", parent=parent
        )
        self.report = report
        self.setInformativeText(
            f"{message}\n\nYour library is safe. The details are in the log file."
        )
        self.setDetailedText(report)
        self.copy_button = QPushButton("Copy report")
        self.addButton(self.copy_button, QMessageBox.ButtonRole.ActionRole)
        self.copy_button.clicked.disconnect()
        self.copy_button.clicked.connect(self.copy_report)
        self.addButton(QMessageBox.StandardButton.Close)

    def copy_report(self) -> None:
        QApplication.clipboard().setText(self.report)


_dialogs: list[CrashDialog] = []


def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
    report = report_text(kind, exc, tb)
    log.error("unhandled exception\n%s", report)
    sys.stderr.write(report)
    if QApplication.instance() is None:
        return
    dialog = CrashDialog(report, f"{kind.__name__}: {exc}", QApplication.activeWindow())
    dialog.setModal(False)
    dialog.show()
    _dialogs[:] = [d for d in _dialogs if d.isVisible()] + [dialog]


def last_dialog() -> CrashDialog | None:
    return _dialogs[-1] if _dialogs else None
