"""The details pane's "Results & runs": the numbers a paper reports (task, dataset,
metric, method, value ± spread, where each came from) and the runs linked to it (role,
note, whether the run is still there).

A linked run whose folder is gone is listed as *missing* (checked by whether its path
exists: nothing is read on the UI thread); "Locate…" asks for a folder to search. The
pane emits keys only: ``plot_requested(link id)``, ``locate_requested(link id)``,
``edit_results_requested(paper id)``, ``links_changed()`` after an unlink or a role
change made here.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from paperscope.library.store import Store
from paperscope.library.store.results import ROLES, RunLink
from paperscope.state.runs import shown_path
from paperscope.workflows.results import spread_text

RESULT_HEADERS = ("Task", "Dataset", "Metric", "Method", "Value", "Source")
RUN_HEADERS = ("Run", "Role", "Note", "State")
MISSING_COLOUR = "#D55E00"


def result_row(task: str, dataset: str, metric: str, method: str, value: float,
               spread: str, source: str, location: str) -> list[str]:  # fmt: skip
    where = Path(source).name if source and source != "manual entry" else source
    if location:
        where = f"{where}:{location}"
    return [task, dataset, metric, method, f"{value:g} {spread}".strip(), where]


class PaperResultsSection(QWidget):
    """Shows one paper's reported results and linked runs. ``show_paper(id)``."""

    plot_requested = Signal(int)
    locate_requested = Signal(int)
    edit_results_requested = Signal(int)
    links_changed = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._paper_id = -1
        self._links: list[RunLink] = []
        self.results_label = QLabel("Reported results")
        self.results = QTreeWidget()
        self.results.setHeaderLabels(list(RESULT_HEADERS))
        self.results.setRootIsDecorated(False)
        self.results.setAlternatingRowColors(True)
        self.results.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.results.setMinimumHeight(110)  # a few rows however small the dock
        self.edit_button = QPushButton("Edit results…")
        self.edit_button.setToolTip("Add, change or delete this paper's reported numbers")
        self.edit_button.clicked.connect(lambda: self.edit_results_requested.emit(self._paper_id))
        self.runs_label = QLabel("Linked runs")
        self.runs = QTreeWidget()
        self.runs.setHeaderLabels(list(RUN_HEADERS))
        self.runs.setRootIsDecorated(False)
        self.runs.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.runs.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.runs.setMinimumHeight(90)
        self.runs.itemActivated.connect(self._on_run_activated)
        self.runs.itemClicked.connect(self._on_run_activated)
        self.runs.itemSelectionChanged.connect(self._update_buttons)
        self.role_box = QComboBox()
        self.role_box.addItems(list(ROLES))
        self.role_box.setToolTip("The role of the selected linked runs")
        self.role_box.activated.connect(lambda _i: self.set_role(self.role_box.currentText()))
        self.plot_button = QPushButton("Plot")
        self.plot_button.clicked.connect(self._plot_selected)
        self.unlink_button = QPushButton("Unlink")
        self.unlink_button.setToolTip("Remove the link (the run's files stay)")
        self.unlink_button.clicked.connect(self.unlink_selected)
        self.locate_button = QPushButton("Locate…")
        self.locate_button.setToolTip("Find a moved run folder again by its content")
        self.locate_button.clicked.connect(self._locate_selected)
        top = QHBoxLayout()
        top.addWidget(self.results_label, 1)
        top.addWidget(self.edit_button)
        run_buttons = QHBoxLayout()
        run_buttons.addWidget(self.runs_label, 1)
        for w in (self.role_box, self.plot_button, self.unlink_button, self.locate_button):
            run_buttons.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.results, 3)
        layout.addLayout(run_buttons)
        layout.addWidget(self.runs, 2)
        self.show_paper(-1)

    # -- showing ---------------------------------------------------------------------
    def show_paper(self, paper_id: int) -> None:
        self._paper_id = paper_id
        self.results.clear()
        self.runs.clear()
        self._links = self._store.run_links(paper_id) if paper_id >= 0 else []
        stored = self._store.reported_results([paper_id]) if paper_id >= 0 else []
        for s in stored:
            r = s.result
            item = QTreeWidgetItem(result_row(
                r.task, r.dataset, r.metric, r.method, r.value, spread_text(r), r.source,
                r.location,
            ))  # fmt: skip
            item.setData(0, Qt.ItemDataRole.UserRole, s.id)
            item.setToolTip(5, f"{r.source}:{r.location}" if r.location else r.source)
            if r.raw:
                item.setToolTip(4, f"as written: {r.raw}")
            self.results.addTopLevelItem(item)
        for link in self._links:
            gone = not Path(link.source).exists()
            path = Path(link.source)
            name = f"{path.parent.name}/{path.name}" + (
                f" › {link.run_name}" if link.run_name else ""
            )
            item = QTreeWidgetItem([name, link.role, link.note, "missing" if gone else ""])
            item.setData(0, Qt.ItemDataRole.UserRole, link.id)
            item.setToolTip(0, shown_path(link.source))
            if gone:
                for col in range(len(RUN_HEADERS)):
                    item.setForeground(col, QColor(MISSING_COLOUR))
                item.setToolTip(3, "The run is not where it was: Locate… finds it by content")
            self.runs.addTopLevelItem(item)
        self.results_label.setText(f"Reported results ({len(stored)})")
        self.runs_label.setText(f"Linked runs ({len(self._links)})")
        self.edit_button.setEnabled(paper_id >= 0)
        self._update_buttons()

    def counts(self) -> tuple[int, int]:
        """How many reported results and linked runs are shown."""
        return self.results.topLevelItemCount(), self.runs.topLevelItemCount()

    @staticmethod
    def _items(tree: QTreeWidget) -> list[QTreeWidgetItem]:
        items = (tree.topLevelItem(i) for i in range(tree.topLevelItemCount()))
        return [i for i in items if i is not None]

    def result_texts(self) -> list[list[str]]:
        return [[i.text(c) for c in range(len(RESULT_HEADERS))] for i in self._items(self.results)]

    def run_texts(self) -> list[list[str]]:
        return [[i.text(c) for c in range(len(RUN_HEADERS))] for i in self._items(self.runs)]

    def link_ids(self) -> list[int]:
        return [link.id for link in self._links]

    def selected_link_ids(self) -> list[int]:
        return [int(i.data(0, Qt.ItemDataRole.UserRole)) for i in self.runs.selectedItems()]

    def select_links(self, link_ids: list[int]) -> None:
        for item in self._items(self.runs):
            item.setSelected(int(item.data(0, Qt.ItemDataRole.UserRole)) in link_ids)

    def _update_buttons(self) -> None:
        chosen = self.selected_link_ids()
        for b in (self.plot_button, self.unlink_button, self.role_box):
            b.setEnabled(bool(chosen))
        links = [k for k in self._links if k.id in chosen]
        self.locate_button.setEnabled(len(links) == 1 and not Path(links[0].source).exists())
        if links:
            self.role_box.setCurrentText(links[0].role)

    # -- acting ----------------------------------------------------------------------
    def _on_run_activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.plot_requested.emit(int(item.data(0, Qt.ItemDataRole.UserRole)))

    def _plot_selected(self) -> None:
        for lid in self.selected_link_ids():
            self.plot_requested.emit(lid)

    def _locate_selected(self) -> None:
        chosen = self.selected_link_ids()
        if len(chosen) == 1:
            self.locate_requested.emit(chosen[0])

    def unlink_selected(self) -> int:
        """Remove the selected links (never the run files)."""
        n = sum(self._store.remove_run_link(lid) for lid in self.selected_link_ids())
        if n:
            self.show_paper(self._paper_id)
            self.links_changed.emit()
        return n

    def set_role(self, role: str) -> None:
        chosen = self.selected_link_ids()
        for lid in chosen:
            self._store.set_run_link_role(lid, role)
        if chosen:
            self.show_paper(self._paper_id)
            self.select_links(chosen)
            self.links_changed.emit()
