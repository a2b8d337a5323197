"""The record's fields as a form, as Zotero's item pane shows them: the entry type's
standard fields (empty ones too, to be filled in) and every other field the record
holds, each an editable line. Editing a line and leaving it (or Enter) emits
``field_edited(name, value)``; the detail pane stores it, with undo."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from paperscope.core.fields import form_fields

MAX_FORM_TEXT = 5_000  # characters of a field a line edit holds (longer: edit by name)


class RecordForm(QWidget):
    """Signals: ``field_edited(name, value)``."""

    field_edited = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self._edits: dict[str, QLineEdit] = {}
        self._shown: dict[str, str] = {}

    def set_record(self, kind: str | None, fields: Mapping[str, Any] | None) -> None:
        """Show the form of one record (``None``: no paper)."""
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._edits.clear()
        self._shown.clear()
        if fields is None:
            return
        for name in form_fields(kind, fields):
            value = fields.get(name)
            text = value if isinstance(value, str) else ""
            edit = QLineEdit(text[:MAX_FORM_TEXT])
            edit.setCursorPosition(0)  # a long title shows its start
            edit.setReadOnly(len(text) > MAX_FORM_TEXT)
            edit.setPlaceholderText("—")
            edit.setClearButtonEnabled(False)
            edit.editingFinished.connect(lambda n=name: self._on_finished(n))
            self._edits[name] = edit
            self._shown[name] = edit.text()
            self._layout.addRow(QLabel(name), edit)

    def names(self) -> list[str]:
        return list(self._edits)

    def edit(self, name: str) -> QLineEdit:
        return self._edits[name]

    def _on_finished(self, name: str) -> None:
        edit = self._edits.get(name)
        if edit is None or edit.isReadOnly():
            return
        text = edit.text()
        if text != self._shown.get(name, ""):
            self._shown[name] = text
            self.field_edited.emit(name, text)
