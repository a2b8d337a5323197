"""The small table editor of a paper's reported results: add, change and delete rows,
with Undo/Redo (a :class:`QUndoStack`).

Each edit goes through ``workflows.results`` (``add_manual_result``,
``edit_manual_result``, ``delete_results`` / ``restore_results``): a value is typed as
written in a paper (``1.8 ± 0.1``, ``0.14 [0.14, 0.15]``, ``93.2%``) and parsed by the
one value parser; a value it cannot read is refused with the reason, and the row shows
what is stored again. A new row is stored once it has a dataset, a metric and a value.

A deleted row comes back under a new id when undone; the dialog keeps the first id of
each row as its name (``_alias``), so older edits in the stack still find it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import ReportedResult
from paperscope.library.store import Store
from paperscope.library.store.results import StoredResult
from paperscope.workflows import results as wf

COLUMNS = ("task", "dataset", "metric", "method", "value", "n_runs")
HEADERS = ("Task", "Dataset", "Metric", "Method", "Value (as written)", "Runs (n)")
ERROR_STYLE = "color: #D55E00"


def value_text(r: ReportedResult) -> str:
    """The value as the editor shows it: as it was written, else value and spread."""
    if r.raw:
        return str(r.raw)
    return f"{r.value:g} {wf.spread_text(r)}".strip()


class _Command(QUndoCommand):
    """An edit already made when pushed: the first ``redo`` does nothing."""

    def __init__(self, editor: ResultsEditor, text: str) -> None:
        super().__init__(text)
        self.editor = editor
        self.fresh = True

    def redo(self) -> None:
        if self.fresh:
            self.fresh = False
            return
        self.apply()
        self.editor.reload()

    def undo(self) -> None:
        self.revert()
        self.editor.reload()

    def apply(self) -> None:
        raise NotImplementedError

    def revert(self) -> None:
        raise NotImplementedError


class _Add(_Command):
    def __init__(self, editor: ResultsEditor, name: int, result: ReportedResult) -> None:
        super().__init__(editor, "add a result")
        self.name, self.result = name, result

    def apply(self) -> None:
        (new,) = self.editor.store.add_reported_results([self.result], [self.editor.paper_id])
        self.editor.alias[self.name] = new

    def revert(self) -> None:
        self.editor.store.delete_reported_results([self.editor.current(self.name)])


class _Edit(_Command):
    def __init__(
        self, editor: ResultsEditor, name: int, old: ReportedResult, new: ReportedResult
    ) -> None:
        super().__init__(editor, "edit a result")
        self.name, self.old, self.new = name, old, new

    def apply(self) -> None:
        self.editor.store.update_reported_result(self.editor.current(self.name), self.new)

    def revert(self) -> None:
        self.editor.store.update_reported_result(self.editor.current(self.name), self.old)


class _Delete(_Command):
    def __init__(self, editor: ResultsEditor, names: list[int], gone: list[StoredResult]) -> None:
        super().__init__(editor, f"delete {len(names)} result(s)")
        self.names, self.gone = names, gone

    def apply(self) -> None:
        ids = [self.editor.current(n) for n in self.names]
        self.gone = wf.delete_results(self.editor.store, ids)

    def revert(self) -> None:
        new = wf.restore_results(self.editor.store, self.gone)
        for name, rid in zip(self.names, new, strict=True):
            self.editor.alias[name] = rid


class ResultsEditor(QDialog):
    """Edits the reported results of one paper. ``changed()`` after every stored edit
    (and undo/redo)."""

    changed = Signal()

    def __init__(
        self, store: Store, paper_id: int, title: str = "", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.store, self.paper_id = store, paper_id
        self.alias: dict[int, int] = {}  # a row's first id -> its id now
        self._filling = False
        self.setWindowTitle(f"Reported results — {title}" if title else "Reported results")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(list(HEADERS))
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._on_item_changed)
        self.stack = QUndoStack(self)
        # a bound method: the connection goes with the dialog (the stack's clearing on
        # deletion emits indexChanged)
        self.stack.indexChanged.connect(self._on_index_changed)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.add_button = QPushButton("Add row")
        self.add_button.clicked.connect(self.add_row)
        self.delete_button = QPushButton("Delete")
        self.delete_button.clicked.connect(lambda: self.delete_rows(self.selected_rows()))
        self.undo_button = QPushButton("Undo")
        self.undo_button.clicked.connect(self.stack.undo)
        self.undo_button.setShortcut(QKeySequence.StandardKey.Undo)
        self.stack.canUndoChanged.connect(self.undo_button.setEnabled)
        self.redo_button = QPushButton("Redo")
        self.redo_button.clicked.connect(self.stack.redo)
        self.redo_button.setShortcut(QKeySequence.StandardKey.Redo)
        self.stack.canRedoChanged.connect(self.redo_button.setEnabled)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        for b in (self.add_button, self.delete_button, self.undo_button, self.redo_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel("Type a value as the paper writes it: 1.8 ± 0.1, 0.14 [0.14, 0.15], 93.2%")
        )
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        layout.addLayout(buttons)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self.resize(720, 360)
        self.reload()

    def _on_index_changed(self, _index: int) -> None:
        self.changed.emit()

    # -- ids -------------------------------------------------------------------------
    def current(self, name: int) -> int:
        return self.alias.get(name, name)

    def _name_of(self, rid: int) -> int:
        return next((n for n, i in self.alias.items() if i == rid), rid)

    # -- the table -------------------------------------------------------------------
    def reload(self) -> None:
        """Show what is stored (rows being typed that are not stored yet go)."""
        self._filling = True
        try:
            stored = self.store.reported_results([self.paper_id])
            self.table.setRowCount(len(stored))
            for row, s in enumerate(stored):
                r = s.result
                texts = [r.task, r.dataset, r.metric, r.method, value_text(r),
                         "" if r.n_runs is None else str(r.n_runs)]  # fmt: skip
                for col, text in enumerate(texts):
                    item = QTableWidgetItem(text)
                    item.setData(Qt.ItemDataRole.UserRole, self._name_of(s.id))
                    self.table.setItem(row, col, item)
        finally:
            self._filling = False

    def rows(self) -> list[list[str]]:
        out = []
        for row in range(self.table.rowCount()):
            items = [self.table.item(row, c) for c in range(len(COLUMNS))]
            out.append(["" if i is None else i.text() for i in items])
        return out

    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.table.selectedIndexes()})

    def _row_name(self, row: int) -> int | None:
        item = self.table.item(row, 0)
        name = None if item is None else item.data(Qt.ItemDataRole.UserRole)
        return None if name is None else int(name)

    def add_row(self) -> int:
        """An empty row to type a new result into; returns its row number."""
        self._filling = True
        try:
            row = self.table.rowCount()
            self.table.insertRow(row)
            for col in range(len(COLUMNS)):
                self.table.setItem(row, col, QTableWidgetItem(""))
        finally:
            self._filling = False
        self.table.setCurrentCell(row, COLUMNS.index("dataset"))
        return row

    def set_cell(self, row: int, column: str, text: str) -> None:
        """Type ``text`` into a cell (as the user does)."""
        item = self.table.item(row, COLUMNS.index(column))
        assert item is not None
        item.setText(text)

    def _fields(self, row: int) -> dict[str, str]:
        return dict(zip(COLUMNS, (t.strip() for t in self.rows()[row]), strict=True))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row = item.row()
        f = self._fields(row)
        name = self._row_name(row)
        if name is None and not (f["dataset"] and f["metric"] and f["value"]):
            self._say("Give the new row a dataset, a metric and a value to store it.")
            return
        if f["n_runs"] and not f["n_runs"].isdigit():
            self._say(f"Row {row + 1}: the number of runs must be a whole number")
            if name is not None:
                self.reload()
            return
        n_runs = int(f["n_runs"]) if f["n_runs"] else None
        try:
            kwargs = {k: f[k] for k in ("dataset", "metric", "value", "method", "task")}
            if name is None:
                rid = wf.add_manual_result(self.store, self.paper_id, n_runs=n_runs, **kwargs)
                self.stack.push(_Add(self, rid, self.store.reported_result(rid).result))
            else:
                rid = self.current(name)
                old = wf.edit_manual_result(self.store, rid, n_runs=n_runs, **kwargs)
                self.stack.push(_Edit(self, name, old, self.store.reported_result(rid).result))
        except ValueError as exc:
            self._say(f"Row {row + 1}: {exc}")
            if name is not None:
                self.reload()  # the row shows what is stored again
            return
        self._say("")
        self.reload()

    def delete_rows(self, rows: list[int]) -> int:
        names = [n for n in (self._row_name(r) for r in rows) if n is not None]
        if not names:
            return 0
        gone = wf.delete_results(self.store, [self.current(n) for n in names])
        self.stack.push(_Delete(self, names, gone))
        self.reload()
        return len(names)

    def _say(self, text: str) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(ERROR_STYLE if text else "")
