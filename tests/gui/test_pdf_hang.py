"""A PDF that keeps PDFium busy for ever (``tests/data/crashers/pdf-1@paper.pdf``) dropped
on the window (pytest-qt, offscreen, real widgets): PDFium runs in the PDF worker
process, so the import finishes with the file attached and its note, the good PDF
beside it is imported, and Cancel during the read ends the worker."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from PySide6.QtCore import QPoint

from paperscope.core.records import Paper
from paperscope.readers.papers import _pdf_guard
from tests.conftest import TEST_DATA
from tests.gui.test_pdf_attachments import drop_at

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

HANG = TEST_DATA / "crashers" / "pdf-1@paper.pdf"
GOOD = TEST_DATA / "pdf" / "arxiv-stamped.pdf"

pytestmark = pytest.mark.skipif(not _pdf_guard.HAVE_RLIMIT, reason="no RLIMIT_CPU here")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    shutil.copy(HANG, folder / "a-hangs.pdf")
    shutil.copy(GOOD, folder / GOOD.name)
    return folder


def test_dropped_hanging_pdf_is_attached_with_a_note(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", "1")
    store = window.store
    before = store.paper_count()
    with qtbot.waitSignal(window.import_finished, timeout=120000) as finished:
        drop_at(window, [_folder(tmp_path)], QPoint(10, 10))
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=120000)  # full text too
    assert store.paper_count() == before + 2
    summary = finished.args[0]
    note = "could not be read: PDFium took more than 1 s of CPU time"
    assert any(i.file.endswith("a-hangs.pdf") and note in i.message for i in summary.issues)
    box = window.status.last_box  # the import's issues, shown modeless
    assert box is not None and f"a-hangs.pdf: PDF {note}" in box.detailedText()
    atts = {a.name: a for g in store.attachments_for(store.all_ids()).values() for a in g}
    # the full-text pass had 3 × the limit and noted that instead
    assert atts["a-hangs.pdf"].note == "could not be read: PDFium took more than 3 s of CPU time"
    (pid,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    assert store.search_ids("zyxwvutsonic")[0].tolist() == [pid]  # its body was read


def test_cancel_ends_the_worker_reading_a_hanging_pdf(
    window: MainWindow, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", "600")  # only Cancel ends it
    _pdf_guard.shutdown()
    before = window.store.paper_count()
    drop_at(window, [_folder(tmp_path)], QPoint(10, 10))
    qtbot.waitUntil(lambda: _pdf_guard._POOL._busy == 1, timeout=60000)  # PDFium spins
    window.runner.cancel()
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=30000)
    assert _pdf_guard._POOL._busy == 0 and _pdf_guard.worker_pids() == []
    assert window.store.paper_count() == before  # the import was cancelled as a whole
