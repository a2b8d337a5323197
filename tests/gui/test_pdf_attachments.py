"""PDFs in the window (pytest-qt, offscreen, real widgets): dropped on the window they
are imported and their text read in the background; dropped on a row they are attached
to that paper; the table's paperclip column counts them; the detail pane shows page 1
as a thumbnail (drawn on a worker) and where the searched word occurs in the full text;
"Open PDF" hands the file to the system viewer; "Locate…" relinks a missing file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, Qt, QUrl, Slot
from PySide6.QtGui import QDesktopServices, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from paperscope.core.records import Paper
from paperscope.gui.papers.table_model import COLUMN_INDEX
from tests.conftest import TEST_DATA

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

PDF = TEST_DATA / "pdf"


def drop_at(widget: QWidget, paths: list[Path], point: QPoint) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    args = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    enter = QDragEnterEvent(point, *args)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(point, *args)
    QApplication.sendEvent(widget, move)
    QApplication.sendEvent(widget, QDropEvent(QPointF(point), *args))


class UrlCatcher(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[QUrl] = []

    @Slot(QUrl)
    def open(self, url: QUrl) -> None:
        self.urls.append(url)


def _idle(window: MainWindow, qtbot: QtBot) -> None:
    qtbot.waitUntil(lambda: not window.runner.running(), timeout=60000)


def test_drop_pdfs_thumbnail_snippet_open_and_attach(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    store = window.store
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for name in ("arxiv-stamped.pdf", "open-preprints-biology.pdf"):
        shutil.copy(PDF / name, folder / name)
    before = store.paper_count()
    with qtbot.waitSignal(window.import_finished, timeout=60000):
        drop_at(window, [folder], QPoint(10, 10))
    _idle(window, qtbot)  # the full text is read in the background after the import
    assert store.paper_count() == before + 2
    assert store.pending_text_count() == 0
    (pid,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    assert store.search_ids("zyxwvutsonic")[0].tolist() == [pid]

    # the paperclip column
    view = window.papers_view
    model = view.model
    row = model.row_of(pid)
    cell = model.index(row, COLUMN_INDEX["files"])
    assert model.data(cell) == ""  # one file: the paperclip alone (an icon, not a glyph)
    icon = model.data(cell, Qt.ItemDataRole.DecorationRole)
    assert icon is not None and not icon.pixmap(16, 16).toImage().isNull()
    assert model.headerData(COLUMN_INDEX["files"], Qt.Orientation.Horizontal) == "PDF"
    other = model.index(model.row_of(next(p for p in store.paper_ids() if p != pid)), cell.column())
    assert model.data(other, Qt.ItemDataRole.DecorationRole) is None

    # the detail pane: thumbnail and snippet for the searched word
    window.state.set_search("zyxwvutsonic")
    pane = window.detail_pane
    with qtbot.waitSignal(pane.files.thumbnail_shown, timeout=30000):
        window.state.set_current_paper(pid)
    assert pane.files.thumbnail.pixmap().width() == 120
    assert "The [zyxwvutsonic] procedure appears only in" in pane.files.snippet.text()
    assert "arxiv-stamped.pdf (PDF)" in pane.files.files_label.text()
    # the screenshot: the same pane at a roomy size
    from paperscope.gui.papers.detail_pane import PaperDetailPane

    big = PaperDetailPane(store, window.runner.submit, lambda: "zyxwvutsonic")
    qtbot.addWidget(big)
    big.resize(560, 860)
    big.show()
    with qtbot.waitSignal(big.files.thumbnail_shown, timeout=30000):
        big.show_paper(pid)
    big.grab().save(str(tmp_path / "detail-pane-pdf.png"))

    # Open PDF: the attached file, to the system's viewer
    catcher = UrlCatcher()
    QDesktopServices.setUrlHandler("file", catcher, "open")
    try:
        assert pane.pdf_button.isEnabled()
        pane.pdf_button.click()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    opened = [u.toLocalFile() for u in catcher.urls]
    assert opened == [str((folder / "arxiv-stamped.pdf").resolve())]

    # a PDF dropped on another paper's row is attached to that paper
    other = int(model.paper_id(0)) if int(model.paper_id(0)) != pid else int(model.paper_id(1))
    extra = tmp_path / "extra.pdf"
    shutil.copy(PDF / "no-text.pdf", extra)
    table = view.table
    rect = table.visualRect(model.index(model.row_of(other), 0))
    drop_at(table.viewport(), [extra], rect.center())
    _idle(window, qtbot)
    assert [a.name for a in store.attachments_of(other)] == ["extra.pdf"]
    assert store.attachments_of(other)[0].note == "no text layer (a scan without OCR?)"


def test_locate_relinks_a_missing_file(window: MainWindow, qtbot: QtBot, tmp_path: Path) -> None:
    store = window.store
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{k, title={A Paper Whose PDF Moved Away}, author={Roe, Ann},\n"
                   "  year={2021}, file={:old/moved.pdf:PDF}}\n", encoding="utf-8")  # fmt: skip
    with qtbot.waitSignal(window.import_finished, timeout=60000):
        window.import_papers([bib])
    _idle(window, qtbot)
    (gone,) = store.missing_attachments()
    window.state.set_current_paper(gone.paper_id)
    panel = window.detail_pane.files
    assert panel.locate_button.isEnabled()
    assert "moved.pdf (missing)" in panel.files_label.text()
    (tmp_path / "new").mkdir()
    shutil.copy(PDF / "arxiv-stamped.pdf", tmp_path / "new" / "moved.pdf")
    assert panel.locate(gone.id, tmp_path / "new" / "moved.pdf") == [gone.id]
    _idle(window, qtbot)
    assert "moved.pdf (PDF)" in panel.files_label.text()
    assert not panel.locate_button.isEnabled()


def test_a_bib_dropped_on_the_table_is_imported(
    window: MainWindow, qtbot: QtBot, tmp_path: Path
) -> None:
    bib = tmp_path / "one.bib"
    bib.write_text("@article{one, title={Dropped On The Table Not On The Window},\n"
                   "  author={Roe, Ann}, year={2022}}\n", encoding="utf-8")  # fmt: skip
    table = window.papers_view.table
    rect = table.visualRect(window.papers_view.model.index(0, 0))
    with qtbot.waitSignal(window.import_finished, timeout=60000):
        drop_at(table.viewport(), [bib], rect.center())
    _idle(window, qtbot)
    assert window.store.search_ids('title:"dropped on the table"')[0].size == 1
