"""Papers meet runs in the window: the link gestures and what follows a link.

- runs dragged from the runs panel onto a paper (a table row, a point on the map) ask
  for the role and a note (``dialogs/link_role.py``; default: the role chosen last,
  *reproduces* at first; Cancel links nothing), then are linked to it;
- a paper dragged onto a plot pane gets the pane's runs linked to it;
- "Link to paper…" in the runs panel's context menu asks for the paper (id, arXiv id or
  DOI; the current paper by default), the role and a note; "Link selected runs" in the
  papers' menu links the runs selected in the runs panel to the selected papers;
- the details pane's linked run, clicked, is plotted in the current pane (loaded from
  its folder when it is not loaded yet); a missing one is located by content;
- after any change the runs panel's "Paper" column, the details and the map's "has my
  runs" colouring are refreshed (``AppState.links_changed``).

Everything crosses the panes as keys: run ids, paper ids, link ids. Fingerprinting the
runs reads files, so linking runs on a worker.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from paperscope.core.records import Run
from paperscope.core.text import count
from paperscope.gui.dialogs.link_role import RoleDialog
from paperscope.library.store.results import ROLES
from paperscope.state.views import FLAG_COLOURS
from paperscope.workflows import results as wf

if TYPE_CHECKING:
    from paperscope.gui.main_window import MainWindow
    from paperscope.gui.plots.plot_pane import PlotPane


def _link_task(
    store: Any, runs: list[Run], paper_ids: list[int], role: str, note: str, others: list[Run],
    progress: Any = None, cancel: Any = None,
) -> int:  # fmt: skip
    n = 0
    for pid in paper_ids:
        n += len(wf.link_loaded_runs(store, runs, pid, role, note, others))
    return n


class LinkDialog(QDialog):
    """Which paper the runs go to, in which role, with which note."""

    def __init__(self, n_runs: int, paper: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Link {count(n_runs, 'run')} to a paper")
        self.paper = QLineEdit(paper)
        self.paper.setPlaceholderText("library id, arXiv id or DOI")
        self.role = QComboBox()
        self.role.addItems(list(ROLES))
        self.note = QLineEdit()
        self.note.setPlaceholderText("optional")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow("Paper", self.paper)
        form.addRow("Role", self.role)
        form.addRow("Note", self.note)
        form.addRow(buttons)


class LinksController(QObject):
    """Binds the link gestures of one window (see the module's text)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.dialogs: list[QDialog] = []  # the open editors (kept alive)
        self.link_dialog: LinkDialog | None = None
        self.role_dialog: RoleDialog | None = None  # the question a drop asks
        self.last_role = "reproduces"
        self.link_selected_action = QAction("Link selected &runs to this paper", window)
        self.link_selected_action.triggered.connect(lambda: self.link_selected_runs())
        window.paper_actions.extra_actions.append(self.link_selected_action)
        window.state.links_changed.connect(self.refresh)
        window.state.library_changed.connect(self.refresh)  # papers deleted, results imported
        plots = window.plots
        plots.area.papers_dropped.connect(self.link_pane_runs)
        plots.runs_panel.link_requested.connect(self.ask_and_link)
        for signal in (plots.catalog.runs_added, plots.catalog.runs_removed):
            signal.connect(lambda _ids: self.refresh_labels())

    def bind(self) -> None:
        """Connect the library's widgets (again after a library switch)."""
        w = self.w
        w.papers_view.table.runs_dropped.connect(self.ask_role_and_link)
        w.map_pane.runs_dropped.connect(self.ask_role_and_link)
        section = w.detail_pane.results
        section.plot_requested.connect(self.plot_link)
        section.locate_requested.connect(self.locate)
        section.edit_results_requested.connect(self.edit_results)
        section.links_changed.connect(w.state.notify_links_changed)

    # -- linking ---------------------------------------------------------------------
    def _runs(self, run_ids: list[str]) -> list[Run]:
        catalog = self.w.plots.catalog
        return [r for r in (catalog.run(i) for i in run_ids) if r is not None]

    def link_runs_to_papers(
        self, paper_ids: int | list[int], run_ids: list[str], role: str = "reproduces",
        note: str = "",
    ) -> None:  # fmt: skip
        """Link loaded runs to papers (on a worker: fingerprints read the files)."""
        pids = [paper_ids] if isinstance(paper_ids, int) else list(paper_ids)
        runs = self._runs(run_ids)
        if not runs or not pids:
            self.w.status.show_message("Nothing to link: choose runs and a paper")
            return
        labels = wf.paper_labels(self.w.store, pids)
        to = ", ".join(labels.get(p, str(p)) for p in pids)

        def done(n: int) -> None:
            self.w.status.show_message(f"Linked {count(len(runs), 'run')} to {to} as {role}")
            self.w.state.notify_links_changed()

        self.w.runner.submit(
            _link_task, self.w.store, runs, pids, role, note, self.w.plots.catalog.runs(),
            title=f"Linking {count(len(runs), 'run')} to {to}", on_result=done,
        )  # fmt: skip

    def ask_role_and_link(
        self, paper_ids: int | list[int], run_ids: list[str]
    ) -> RoleDialog | None:
        """Runs dropped on a paper (or a paper on a pane of runs): ask for the role and
        a note, then link (or not)."""
        pids = [paper_ids] if isinstance(paper_ids, int) else list(paper_ids)
        if not self._runs(run_ids) or not pids:
            self.w.status.show_message("Nothing to link: choose runs and a paper")
            return None
        labels = wf.paper_labels(self.w.store, pids)
        label = ", ".join(labels.get(p, f"paper {p}") for p in pids)
        dialog = RoleDialog(len(run_ids), label, self.last_role, self.w)

        def accepted() -> None:
            self.last_role = dialog.role()
            self.link_runs_to_papers(pids, run_ids, dialog.role(), dialog.note())

        dialog.accepted.connect(accepted)
        dialog.rejected.connect(lambda: self.w.status.show_message("Not linked"))
        self.role_dialog = dialog
        dialog.show()
        return dialog

    def link_pane_runs(self, paper_ids: list[int], pane: PlotPane) -> RoleDialog | None:
        """A paper dropped on a pane: the pane's runs are linked to it, in the role the
        user picks."""
        ids = pane.run_ids()
        if not ids:
            self.w.status.show_message("This pane shows no runs to link")
            return None
        return self.ask_role_and_link(paper_ids, ids)

    def link_selected_runs(self) -> None:
        papers = self.w.state.selection or (
            [self.w.state.current_paper] if self.w.state.current_paper >= 0 else []
        )
        self.link_runs_to_papers(papers, self.w.plots.runs_panel.selected_ids())

    def ask_and_link(self, run_ids: list[str]) -> LinkDialog:
        """ "Link to paper…": the dialog, the current paper filled in."""
        current = self.w.state.current_paper
        dialog = LinkDialog(len(run_ids), str(current) if current >= 0 else "", self.w)
        dialog.accepted.connect(lambda: self._on_link_dialog(dialog, run_ids))
        self.link_dialog = dialog
        dialog.show()
        return dialog

    def _on_link_dialog(self, dialog: LinkDialog, run_ids: list[str]) -> None:
        try:
            pid = wf.resolve_paper(self.w.store, dialog.paper.text())
        except ValueError as exc:
            self.w.status.show_message(str(exc))
            return
        self.link_runs_to_papers(pid, run_ids, dialog.role.currentText(), dialog.note.text())

    # -- after a link ----------------------------------------------------------------
    def refresh_labels(self) -> None:
        catalog = self.w.plots.catalog
        catalog.set_paper_labels(wf.run_paper_labels(self.w.store, catalog.runs()))

    def refresh(self) -> None:
        self.refresh_labels()
        self.w.detail_pane.show_results()
        if self.w.map_pane.colour_box.currentText() in FLAG_COLOURS:
            self.w.map_pane.refresh_colours()

    def plot_link(self, link_id: int) -> None:
        """Show a linked run in the current pane (loading it when needed)."""
        link = next((k for k in self.w.store.run_links() if k.id == link_id), None)
        if link is None:
            return
        pane = self.w.plot_pane
        ids = wf.runs_of_link(link, self.w.plots.catalog.runs())
        here = Path(link.source).exists()
        if ids:  # loaded (a missing run's data loaded before still shows)
            pane.add_run_ids(ids)
        elif here:
            self.w.load_runs([Path(link.source)], pane, watch=False)
        if not here:
            self.w.status.show_message(
                f"{link.source} is missing: select it and use Locate… to find it by content"
            )

    def locate(self, link_id: int, folder: str | None = None) -> None:
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self.w, "Look for the run under")
            if not folder:
                return

        def found(source: str | None) -> None:
            if source is None:
                self.w.status.show_message(f"No run with the linked run's content under {folder}")
                return
            self.w.status.show_message(f"Found the run at {source}")
            self.w.state.notify_links_changed()

        self.w.runner.submit(
            wf.locate_run, self.w.store, link_id, folder, title="Locating the run",
            on_result=found,
        )  # fmt: skip

    def show_table_dialog(self) -> QDialog:
        """The comparison table of the current pane's runs and the linked papers."""
        from paperscope.gui.dialogs.table_dialog import TableDialog

        def runs(which: str) -> list[Run]:
            return self.w.plot_pane.runs() if which == "pane" else self.w.plots.catalog.runs()

        dialog = TableDialog(self.w.store, self.w.runner, runs, self.w)
        dialog.saved.connect(lambda p: self.w.status.show_message(f"Table saved to {p}"))
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog

    def edit_results(self, paper_id: int) -> QDialog | None:
        from paperscope.gui.dialogs.results_editor import ResultsEditor

        if paper_id < 0:
            return None
        label = wf.paper_labels(self.w.store, [paper_id]).get(paper_id, "")
        dialog = ResultsEditor(self.w.store, paper_id, label, self.w)
        dialog.changed.connect(self.w.state.notify_links_changed)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog))
        self.dialogs.append(dialog)
        dialog.show()
        return dialog
