"""The small question a drop of runs onto a paper asks: in which role the runs go to the
paper (*reproduces*, *baseline*, *my method*) and an optional note. OK links, Cancel
(or Escape) links nothing; the role last chosen is the next default."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from paperscope.core.text import count
from paperscope.library.store.results import ROLES

ROLE_TEXT = {"reproduces": "reproduces the paper", "baseline": "a baseline of the paper",
             "my-method": "my method"}  # fmt: skip


class RoleDialog(QDialog):
    """``role()`` and ``note()`` once accepted."""

    def __init__(
        self, n_runs: int, paper: str, role: str = "reproduces", parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Link runs to a paper")
        self.what = QLabel(f"Link {count(n_runs, 'run')} to {paper}")
        self.what.setWordWrap(True)
        self.role_box = QComboBox()
        for r in ROLES:
            self.role_box.addItem(ROLE_TEXT.get(r, r), r)
        self.role_box.setCurrentIndex(ROLES.index(role) if role in ROLES else 0)
        self.note_edit = QLineEdit()
        self.note_edit.setPlaceholderText("optional")
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Link")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(self.what)
        form.addRow("Role", self.role_box)
        form.addRow("Note", self.note_edit)
        form.addRow(self.buttons)
        self.role_box.setFocus()

    def role(self) -> str:
        return str(self.role_box.currentData())

    def note(self) -> str:
        return self.note_edit.text().strip()
