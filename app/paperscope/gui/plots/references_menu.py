"""The pane's "Refs" button: which reference lines it shows, and the name mapping.

The menu is built from the pane's state and the last :class:`ReferenceSet` each time it
opens; every action writes through the state's one setter (show/hide a line, add or
remove a paper) or remembers a mapping in the library
(:meth:`~paperscope.workflows.references.ReferenceFinder.set_mapping`), after which the
pane asks for new references (``mapping_changed``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QToolButton, QWidget

from paperscope.core.records import Run
from paperscope.results.atari import KINDS
from paperscope.state.plot_pane import PlotPaneState
from paperscope.workflows.references import ReferenceFinder, ReferenceSet

if TYPE_CHECKING:
    from PySide6.QtGui import QAction

NOT_MAPPED = "(not mapped)"
DOPAMINE_STEPS = 250_000.0  # agent steps per Dopamine iteration (1M frames, frame skip 4)


class ReferencesButton(QToolButton):
    """Signals: ``mapping_changed()`` (a mapping was remembered), ``message(str)``."""

    mapping_changed = Signal()
    message = Signal(str)

    def __init__(
        self,
        state: PlotPaneState,
        finder: Callable[[], ReferenceFinder | None],
        found: Callable[[], ReferenceSet | None],
        runs: Callable[[], Sequence[Run]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.state = state
        self._finder = finder
        self._found = found
        self._runs = runs
        self.setText("Refs")
        self.setToolTip(
            "Reference lines: what the linked papers report for this metric "
            "(and papers you add); map the run's metric and task to the reported ones"
        )
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.rebuild)
        self.setMenu(self.menu_)
        self.actions_by_result: dict[int, QAction] = {}
        self.normalisation_actions: dict[str, QAction] = {}

    def rebuild(self) -> None:
        """The menu from the state and the last references found."""
        m, v, found = self.menu_, self.state.value, self._found()
        m.clear()
        self.actions_by_result = {}
        show = m.addAction("Show reference lines")
        show.setCheckable(True)
        show.setChecked(v.show_references)
        show.toggled.connect(lambda on: self.state.update(show_references=on))
        finder = self._finder()
        if finder is None:
            m.addAction("(no library open)").setEnabled(False)
            return
        if found is not None and found.available:
            m.addSection("Lines")
            for s in found.available:
                r = s.result
                spread = f" ± {r.std:g}" if r.std is not None else ""
                text = f"{r.method or r.metric}: {r.value:g}{spread} ({r.dataset})"
                a = m.addAction(text)
                a.setCheckable(True)
                a.setChecked(s.id not in v.hidden_references)
                a.setToolTip(f"{r.source} {r.location}".strip())
                a.toggled.connect(lambda on, rid=s.id: self.state.set_reference_shown(rid, on))
                self.actions_by_result[s.id] = a
        elif found is not None:
            hint = "; ".join(found.notes) or (
                "no linked paper: link these runs to a paper, or add one"
                if not found.papers
                else "no reported result for this metric"
            )
            m.addAction(hint).setEnabled(False)
        self._normalisation_section(found)
        m.addSection("Papers")
        m.addAction("Add a paper's results…", self.ask_paper)
        for pid in v.reference_papers:
            m.addAction(f"Remove {finder.paper_name(pid)}", functools.partial(self._remove, pid))
        m.addSection("Mapping")
        metric = v.metric
        if metric and found is not None:
            now = found.reported_metric or NOT_MAPPED
            how = "" if found.metric_remembered else " (suggested)" if found.reported_metric else ""
            m.addAction(f"Metric {metric} ↔ {now}{how}…", lambda: self.ask_metric(metric))
            for task in found.task_ids:
                d = found.dataset_of.get(task, NOT_MAPPED)
                m.addAction(f"Task {task} ↔ {d}…", functools.partial(self.ask_dataset, task))
            if found.has_curves:
                unit = found.x_unit or "reported x"
                scale = f"{found.x_scale:,g}" if found.x_scale else "1 (as reported)"
                m.addAction(f"Curves' x: 1 {unit} = {scale} × {v.x}…", self.ask_x_scale)
        m.addSeparator()
        m.addAction("Attach these runs to a paper as its reported results…", self.ask_attach)

    def _normalisation_section(self, found: ReferenceSet | None) -> None:
        """Human / Random: the runs' Atari games' reference scores, checkable."""
        m, v = self.menu_, self.state.value
        self.normalisation_actions = {}
        m.addSection("Normalisation")
        games = list(dict.fromkeys(found.games.values())) if found is not None else []
        for kind in KINDS:
            scores = ", ".join(f"{g.name} {g.score(kind):g}" for g in games[:3])
            a = m.addAction(f"{kind.capitalize()} score" + (f" ({scores})" if scores else ""))
            a.setCheckable(True)
            a.setChecked(kind in v.normalisation_lines)
            a.setEnabled(bool(games) or kind in v.normalisation_lines)
            a.setToolTip("rliable's per-game Atari reference score; no Atari game: map the task")
            a.toggled.connect(
                lambda on, k=kind: self.state.set_normalisation_line(k, on)
            )  # fmt: skip
            self.normalisation_actions[kind] = a

    def _remove(self, paper_id: int) -> None:
        self.state.remove_reference_paper(paper_id)

    # -- dialogs ---------------------------------------------------------------------
    def ask_paper(self) -> None:
        finder = self._finder()
        if finder is None:
            return
        text, ok = QInputDialog.getText(self, "Reference paper", "Library id, arXiv id or DOI:")
        if ok and text.strip():
            self.add_paper(text.strip())

    def add_paper(self, ref: str) -> int | None:
        finder = self._finder()
        if finder is None:
            return None
        try:
            pid = finder.resolve(ref)
        except ValueError as exc:
            QMessageBox.warning(self, "Reference paper", str(exc))
            return None
        self.state.add_reference_papers([pid])
        return pid

    def ask_metric(self, metric: str) -> None:
        found = self._found()
        if found is None:
            return
        choices = [NOT_MAPPED, *found.metrics]
        current = choices.index(found.reported_metric) if found.reported_metric in choices else 0
        pick, ok = QInputDialog.getItem(
            self, "Map metric", f"The run metric {metric!r} is the reported metric:",
            choices, current, editable=True,
        )  # fmt: skip
        if ok:
            self.set_mapping("metric", metric, "" if pick == NOT_MAPPED else pick)

    def ask_dataset(self, task: str) -> None:
        found = self._found()
        if found is None:
            return
        choices = [NOT_MAPPED, *found.datasets]
        d = found.dataset_of.get(task)
        current = choices.index(d) if d in choices else 0
        pick, ok = QInputDialog.getItem(
            self, "Map task", f"The runs' task {task!r} is the reported dataset:",
            choices, current, editable=True,
        )  # fmt: skip
        if ok:
            self.set_mapping("dataset", task, "" if pick == NOT_MAPPED else pick)

    def ask_x_scale(self) -> None:
        found, v = self._found(), self.state.value
        if found is None:
            return
        unit = found.x_unit or "reported x unit"
        default = found.x_scale or (DOPAMINE_STEPS if found.x_unit == "iteration" else 1.0)
        value, ok = QInputDialog.getDouble(
            self, "Reported curves' x", f"1 {unit} of the reported curves is how many {v.x} "
            f"of these runs? (Dopamine: 1 iteration = 250,000 agent steps = 1M frames)",
            default, 1e-9, 1e12, 6,
        )  # fmt: skip
        if ok:
            self.set_x_scale(value)

    def set_x_scale(self, scale: float | None) -> None:
        """Remember the reported curves' x scale with the metric's mapping."""
        finder, found, metric = self._finder(), self._found(), self.state.value.metric
        if finder is None or found is None or not metric:
            return
        try:
            finder.set_x_scale(metric, found.reported_metric or "", scale)
        except ValueError as exc:
            QMessageBox.warning(self, "Reported curves' x", str(exc))
            return
        self.mapping_changed.emit()

    def set_mapping(self, kind: str, run_name: str, reported: str) -> None:
        finder = self._finder()
        if finder is None:
            return
        finder.set_mapping(kind, run_name, reported)
        self.mapping_changed.emit()

    def ask_attach(self) -> None:
        finder = self._finder()
        if finder is None:
            return
        text, ok = QInputDialog.getText(
            self, "Attach as reported results",
            "These runs (rliable scores or Dopamine baselines) are the numbers of the paper "
            "(library id, arXiv id or DOI):",
        )  # fmt: skip
        if not ok or not text.strip():
            return
        try:
            ids = finder.attach(text.strip(), self._runs())
        except ValueError as exc:
            QMessageBox.warning(self, "Attach as reported results", str(exc))
            return
        self.message.emit(f"{len(ids)} reported results attached")
        self.mapping_changed.emit()
