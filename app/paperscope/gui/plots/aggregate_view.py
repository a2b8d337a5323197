"""The aggregate view: rliable's methods over score files (one file per method, JSON
``{task: [score per run]}``), normalised by RANDOM/HUMAN reference tables: IQM, median,
mean and optimality gap with stratified bootstrap CIs (table and interval plot), and
performance profiles with their bootstrap bands. The computation is the CLI's,
``workflows.aggregate.aggregate_files``, run in the task runner.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import ReadError, ReadIssue
from paperscope.core.text import count
from paperscope.gui.theme import plot_foreground, style_axes, style_plot
from paperscope.results.aggregate import METRICS, AggregateReport
from paperscope.results.figure import OKABE_ITO
from paperscope.workflows.aggregate import AggregateResult, aggregate_files

if TYPE_CHECKING:
    from paperscope.gui.task_runner import TaskRunner

JSON_FILTER = "Score tables (*.json);;All files (*)"
POI_REPS = 1000  # resamples for P(X > Y): each ranks all runs of both methods


class AggregateDialog(QDialog):
    """Signals: ``computed(AggregateResult)``, ``failed(str)``."""

    computed = Signal(object)
    failed = Signal(str)

    def __init__(self, runner: TaskRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Aggregate scores (rliable)")
        self.resize(900, 620)
        self.runner = runner
        self.outcome: AggregateResult | None = None
        self.files = QListWidget()
        add = QPushButton("Add score files…")
        add.clicked.connect(self._browse_scores)
        remove = QPushButton("Remove")
        remove.clicked.connect(lambda: [self.files.takeItem(i.row()) for i in
                                        self.files.selectedIndexes()])  # fmt: skip
        self.random = QLineEdit()
        self.random.setPlaceholderText("RANDOM.json (optional; atari: rliable's table)")
        self.human = QLineEdit()
        self.human.setPlaceholderText("HUMAN.json (optional; atari: rliable's table)")
        self.atari_button = QPushButton("Atari table")
        self.atari_button.setToolTip("rliable's per-game Atari human and random scores, shipped")
        self.atari_button.clicked.connect(lambda: self.set_references(Path("atari"), Path("atari")))
        self.reps = QSpinBox()
        self.reps.setRange(100, 200_000)
        self.reps.setSingleStep(1000)
        self.reps.setValue(5000)
        self.confidence = QDoubleSpinBox()
        self.confidence.setRange(0.5, 0.999)
        self.confidence.setSingleStep(0.01)
        self.confidence.setValue(0.95)
        self.tau_max = QDoubleSpinBox()
        self.tau_max.setRange(0.1, 100.0)
        self.tau_max.setValue(8.0)
        self.compute_button = QPushButton("Compute")
        self.compute_button.clicked.connect(self.compute)
        self.status = QLabel()
        self.status.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Random scores", self._with_browse(self.random))
        form.addRow("Human scores", self._with_browse(self.human))
        form.addRow("", self.atari_button)
        form.addRow("Bootstrap resamples", self.reps)
        form.addRow("Confidence", self.confidence)
        form.addRow("Profiles up to τ", self.tau_max)
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        buttons.addWidget(self.compute_button)
        left = QVBoxLayout()
        left.addWidget(QLabel("One score file per method:"))
        left.addWidget(self.files, 1)
        left.addLayout(buttons)
        top = QHBoxLayout()
        top.addLayout(left, 1)
        top.addLayout(form, 1)

        self.table = QTableWidget(0, len(METRICS))
        self.table.setHorizontalHeaderLabels(list(METRICS))
        self.table.horizontalHeader().setStretchLastSection(True)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.table, "Estimates")
        self.improvement = QTableWidget(0, 0)
        self.improvement.setToolTip(
            "P(row > column): probability that a run of the row's method scores higher "
            "than one of the column's on a random task (Mann–Whitney U), with its CI"
        )
        self.tabs.addTab(self.improvement, "P(improvement)")
        self.intervals: Any = None  # pyqtgraph GraphicsLayoutWidget, made on first result
        self.profiles_plot: Any = None
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.status)

    def _with_browse(self, edit: QLineEdit) -> QWidget:
        w = QWidget()
        row = QHBoxLayout(w)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(edit, 1)
        button = QPushButton("…")
        button.setMaximumWidth(30)
        button.clicked.connect(lambda: self._browse_one(edit))
        row.addWidget(button)
        return w

    def _browse_one(self, edit: QLineEdit) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Reference scores", "", JSON_FILTER)
        if path:
            edit.setText(path)

    def _browse_scores(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Score files", "", JSON_FILTER)
        self.add_score_files([Path(p) for p in paths])

    # -- API -------------------------------------------------------------------------
    def add_score_files(self, paths: Sequence[Path]) -> None:
        have = set(self.score_files())
        for p in paths:
            if p not in have:
                self.files.addItem(str(p))

    def score_files(self) -> list[Path]:
        return [Path(self.files.item(i).text()) for i in range(self.files.count())]

    def set_references(self, random: Path | None, human: Path | None) -> None:
        self.random.setText(str(random) if random else "")
        self.human.setText(str(human) if human else "")

    def compute(self) -> None:
        """Start the bootstrap (through the task runner when there is one)."""
        files = self.score_files()
        if not files:
            self.status.setText("Add at least one score file.")
            return
        random = self.random.text().strip()
        human = self.human.text().strip()
        compute = partial(
            aggregate_files, files, Path(random) if random else None,
            Path(human) if human else None, reps=self.reps.value(),
            confidence=self.confidence.value(), seed=0, tau_max=self.tau_max.value(),
            improvement_reps=POI_REPS,
        )  # fmt: skip
        self.status.setText("Bootstrapping…")
        self.compute_button.setEnabled(False)
        if self.runner is None:
            try:
                self.show_result(compute())
            except (ValueError, ReadError) as exc:
                self._on_error(f"{type(exc).__name__}: {exc}", "")
            return
        self.runner.submit(
            compute, title="Aggregating scores", key="aggregate-view",
            on_result=self.show_result, on_error=self._on_error,
        )  # fmt: skip

    def _on_error(self, message: str, _details: str) -> None:
        self.compute_button.setEnabled(True)
        self.status.setText(f"Failed: {message}")
        self.failed.emit(message)

    def cell_text(self, method: str, metric: str) -> str:
        row = list(self.outcome.report.methods).index(method) if self.outcome else -1
        item = self.table.item(row, list(METRICS).index(metric))
        return item.text() if item is not None else ""

    # -- display ---------------------------------------------------------------------
    def show_result(self, result: AggregateResult) -> None:
        self.compute_button.setEnabled(True)
        self.outcome = result
        report = result.report
        methods = list(report.methods)
        self.table.setRowCount(len(methods))
        self.table.setVerticalHeaderLabels(
            [f"{m} ({count(report.runs.get(m, 0), 'run')})" for m in methods]
        )
        for r, m in enumerate(methods):
            for c, metric in enumerate(METRICS):
                est = report.methods[m].get(metric)
                text = "" if est is None else f"{est.point:.3f} [{est.lower:.3f}, {est.upper:.3f}]"
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.table.setItem(r, c, item)
        self.table.resizeColumnsToContents()
        self._draw_intervals(report)
        self._draw_profiles(result)
        self._fill_improvement(result)
        issues: list[ReadIssue] = report.issues
        pct = f"{100 * report.confidence:g}%"
        self.status.setText(
            f"{len(report.tasks)} tasks; {pct} stratified bootstrap CIs, {report.reps} "
            f"resamples; {report.normalisation}"
            + (
                f"; {len(issues)} note(s): " + "; ".join(str(i) for i in issues[:3])
                if issues
                else ""
            )
        )
        self.computed.emit(result)

    def _fill_improvement(self, result: AggregateResult) -> None:
        names = list(result.report.methods)
        self.improvement.setRowCount(len(names))
        self.improvement.setColumnCount(len(names))
        self.improvement.setHorizontalHeaderLabels(names)
        self.improvement.setVerticalHeaderLabels(names)
        for r, x in enumerate(names):
            for c, y in enumerate(names):
                est = result.improvement.get((x, y))
                text = "—" if est is None else f"{est.point:.3f} [{est.lower:.3f}, {est.upper:.3f}]"
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                self.improvement.setItem(r, c, item)
        self.improvement.resizeColumnsToContents()

    def _draw_intervals(self, report: AggregateReport) -> None:
        import pyqtgraph as pg

        if self.intervals is None:
            self.intervals = pg.GraphicsLayoutWidget()
            style_plot(self.intervals)
            self.tabs.addTab(self.intervals, "Intervals")
        self.intervals.clear()
        methods = list(report.methods)
        ticks = [[(i, m) for i, m in enumerate(methods)]]
        for c, metric in enumerate(METRICS):
            plot = self.intervals.addPlot(row=0, col=c, title=metric)
            style_axes(plot)
            left = plot.getAxis("left")
            left.setTicks(ticks)
            if c:
                plot.hideAxis("left")
            else:
                left.setWidth(max(60, 7 * max(len(m) for m in methods)))
            plot.getAxis("bottom").enableAutoSIPrefix(False)
            plot.setYRange(-0.6, len(methods) - 0.4)
            plot.showGrid(x=True, alpha=0.3)
            for i, m in enumerate(methods):
                est = report.methods[m][metric]
                colour = OKABE_ITO[i % len(OKABE_ITO)]
                bar = pg.QtWidgets.QGraphicsRectItem(est.lower, i - 0.3, est.upper - est.lower, 0.6)
                bar.setBrush(pg.mkBrush(colour + "99"))
                bar.setPen(pg.mkPen(None))
                plot.addItem(bar)
                plot.plot(
                    [est.point, est.point],
                    [i - 0.3, i + 0.3],
                    pen=pg.mkPen(plot_foreground(), width=2),
                )

    def _draw_profiles(self, result: AggregateResult) -> None:
        import pyqtgraph as pg

        if self.profiles_plot is None:
            self.profiles_plot = pg.PlotWidget()
            style_plot(self.profiles_plot)
            self.tabs.addTab(self.profiles_plot, "Performance profiles")
        plot = self.profiles_plot
        plot.clear()
        plot.addLegend(offset=(-10, 10))
        plot.setLabel("bottom", "normalized score τ")
        plot.setLabel("left", "fraction of runs with score > τ")
        plot.showGrid(x=True, y=True, alpha=0.3)
        for i, (name, prof) in enumerate(result.profiles.items()):
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            lo = pg.PlotCurveItem(prof.taus, prof.lower, pen=pg.mkPen(None))
            hi = pg.PlotCurveItem(prof.taus, prof.upper, pen=pg.mkPen(None))
            plot.addItem(lo)
            plot.addItem(hi)
            plot.addItem(pg.FillBetweenItem(lo, hi, brush=pg.mkBrush(colour + "44")))
            plot.plot(prof.taus, prof.fraction, pen=pg.mkPen(colour, width=2), name=name)
