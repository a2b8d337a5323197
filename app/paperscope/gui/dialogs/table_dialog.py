"""The comparison table dialog (the GUI of ``paperscope table``): the runs of the current
pane (or all loaded runs) in groups, beside the reported methods of the papers linked
to them (and of papers named here), per dataset × metric.

The user picks the metric, the grouping, the value taken from each run (final, best
or at a step), the statistic (mean ± std, or IQM with a 95 % bootstrap CI), raw or
human-normalised scores (Atari) and the format; the preview is computed on a worker
(the bootstrap takes a moment) and shows the text as it will be saved, with what was
skipped and why. Save writes the file and, for the cited papers, the ``.bib`` beside it
(``workflows.table.save_table``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.records import Run
from paperscope.core.tasks import CancelToken, Progress
from paperscope.core.text import count
from paperscope.gui.task_runner import TaskRunner
from paperscope.library.store import Store
from paperscope.workflows import table as wf_table
from paperscope.workflows.results import resolve_paper

GROUPINGS = ("name", "", "re:")
AT = ("final", "best")
STATS = ("mean-std", "iqm-ci")


def _build(
    store: Store, runs: list[Run], metric: str, options: dict[str, Any],
    progress: Progress, cancel: CancelToken,
) -> wf_table.TableResult:  # fmt: skip
    progress(0.0, "computing the table")
    return wf_table.comparison_table(store, runs, metric, **options)


class TableDialog(QDialog):
    """``previewed()`` once a preview is shown; ``saved(path)`` after Save."""

    previewed = Signal()
    saved = Signal(str)

    def __init__(
        self,
        store: Store,
        runner: TaskRunner,
        runs: Callable[[str], Sequence[Run]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Comparison table")
        self._store, self._runner, self._runs_of = store, runner, runs
        self.built: wf_table.TableResult | None = None
        self.source = QComboBox()
        self.source.addItem("runs of the current pane", "pane")
        self.source.addItem("all loaded runs", "all")
        self.metric_box = QComboBox()
        self.metric_box.setEditable(True)
        self.reported = QLineEdit()
        self.reported.setPlaceholderText("the papers' name for it (default: the same)")
        self.dataset = QLineEdit()
        self.dataset.setPlaceholderText("default: the runs' env_id, dataset, game… config")
        self.group_by = QComboBox()
        self.group_by.setEditable(True)
        self.group_by.setToolTip(
            "name: runs whose names differ by a trailing seed; a config key; re:PATTERN; "
            "empty: one row per run"
        )
        self.papers = QLineEdit()
        self.papers.setPlaceholderText("more papers: ids, arXiv ids or DOIs, comma-separated")
        self.at = QComboBox()
        self.at.setEditable(True)
        self.at.addItems(list(AT))
        self.at.setToolTip("final, best, or a step number (the value at or before it)")
        self.stat = QComboBox()
        self.stat.addItem("mean ± std", "mean-std")
        self.stat.addItem("IQM [95% CI]", "iqm-ci")
        self.best_box = QComboBox()
        self.best_box.addItem("guess from the metric", None)
        self.best_box.addItem("higher is better", False)
        self.best_box.addItem("lower is better", True)
        self.normalise = QComboBox()
        self.normalise.addItem("raw scores", None)
        self.normalise.addItem("human-normalised (Atari)", "human")
        self.normalise.setToolTip(
            "(score - random) / (human - random) in the columns of Atari games, "
            "with rliable's per-game human and random scores"
        )
        self.format = QComboBox()
        self.format.addItem("LaTeX (booktabs) + .bib", "latex")
        self.format.addItem("Markdown", "markdown")
        self.format.addItem("CSV", "csv")
        self.digits = QSpinBox()
        self.digits.setRange(0, 8)
        self.digits.setValue(2)
        form = QFormLayout()
        form.addRow("Runs", self.source)
        form.addRow("Metric", self.metric_box)
        form.addRow("Papers' metric", self.reported)
        form.addRow("Dataset", self.dataset)
        form.addRow("Group by", self.group_by)
        form.addRow("Also papers", self.papers)
        form.addRow("Value of each run", self.at)
        form.addRow("Statistic", self.stat)
        form.addRow("Best is", self.best_box)
        form.addRow("Scores", self.normalise)
        form.addRow("Format", self.format)
        form.addRow("Digits", self.digits)
        self.preview = QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.save_button = QPushButton("Save…")
        self.save_button.clicked.connect(lambda: self.save())
        self.save_button.setEnabled(False)
        close = QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        left = QVBoxLayout()
        left.addLayout(form)
        left.addStretch(1)
        body = QHBoxLayout()
        body.addLayout(left)
        body.addWidget(self.preview, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addLayout(buttons)
        self._timer = QTimer(self, singleShot=True, interval=250)
        self._timer.timeout.connect(self.update_preview)
        for box in (self.source, self.metric_box, self.group_by, self.at, self.stat, self.best_box,
                    self.normalise):  # fmt: skip
            box.currentTextChanged.connect(lambda _t: self._timer.start())
        for edit in (self.reported, self.dataset, self.papers):
            edit.editingFinished.connect(self._timer.start)
        self.source.currentIndexChanged.connect(lambda _i: self.fill_choices())
        self.format.currentIndexChanged.connect(lambda _i: self._render())
        self.digits.valueChanged.connect(lambda _v: self._render())
        self.resize(1000, 520)
        self.fill_choices()

    # -- choices ---------------------------------------------------------------------
    def runs(self) -> list[Run]:
        return list(self._runs_of(str(self.source.currentData())))

    def fill_choices(self) -> None:
        """The metrics and config keys of the chosen runs."""
        runs = self.runs()
        metrics = sorted({m for r in runs for m in r.series})
        keys = sorted({str(k) for r in runs for k in r.config})
        current, grouping = self.metric_box.currentText(), self.group_by.currentText()
        self.metric_box.clear()
        self.metric_box.addItems(metrics)
        first = metrics[0] if metrics else ""
        self.metric_box.setCurrentText(current if current in metrics else first)
        self.group_by.clear()
        self.group_by.addItems([*GROUPINGS, *keys])
        self.group_by.setCurrentText(grouping or "name")

    def options(self) -> dict[str, Any]:
        papers = [resolve_paper(self._store, p) for p in self.papers.text().split(",") if p.strip()]
        return {
            "group_by": self.group_by.currentText().strip() or None,
            "paper_ids": papers,
            "at": self.at.currentText().strip() or "final",
            "stat": self.stat.currentData(),
            "dataset": self.dataset.text().strip() or None,
            "reported_metric": self.reported.text().strip() or None,
            "lower_is_better": self.best_box.currentData(),
            "normalise": self.normalise.currentData(),
        }

    # -- preview ---------------------------------------------------------------------
    def update_preview(self) -> None:
        self._timer.stop()  # asked now: the pending one would compute it again
        runs, metric = self.runs(), self.metric_box.currentText().strip()
        if not runs or not metric:
            self._say("Load runs (and choose their metric) to build a table.")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self._say(str(exc))
            return
        self._say("Computing…")
        self._runner.submit(
            _build, self._store, runs, metric, options, title="Comparison table",
            key="comparison-table", on_result=self._on_built, on_error=self._on_failed,
        )  # fmt: skip

    def _on_built(self, built: wf_table.TableResult) -> None:
        self.built = built
        self._render()
        self.previewed.emit()

    def _on_failed(self, message: str, _details: str) -> None:
        self.built = None
        self.save_button.setEnabled(False)
        self._say(message)

    def _render(self) -> None:
        built = self.built
        if built is None:
            return
        if not built.table.rows:
            self.preview.setPlainText("")
            self.save_button.setEnabled(False)
            metric = self.metric_box.currentText()
            self._say(f"No run has {metric!r} and no linked paper reports it.")
            return
        self.preview.setPlainText(self.text())
        self.save_button.setEnabled(True)
        t = built.table
        line = f"{count(len(t.rows), 'row')} × {count(len(t.columns), 'column')}"
        if built.papers:
            line += f", {count(len(built.papers), 'cited paper')}"
        if built.normalised:
            line += f"; human-normalised: {', '.join(built.normalised)}"
        skipped = [str(i) for i in built.issues]
        if skipped:
            line += f"; {count(len(skipped), 'skipped value')}: " + "; ".join(skipped[:3])
        self._say(line)

    def text(self) -> str:
        assert self.built is not None
        return wf_table.render_table(
            self.built, str(self.format.currentData()), self.digits.value()
        )

    def _say(self, text: str) -> None:
        self.message.setText(text)

    # -- saving ----------------------------------------------------------------------
    def save(self, path: Path | None = None) -> tuple[Path, Path | None] | None:
        if self.built is None:
            return None
        fmt = str(self.format.currentData())
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save the table", f"table{wf_table.SUFFIX[fmt]}",
                f"{self.format.currentText()} (*{wf_table.SUFFIX[fmt]})",
            )  # fmt: skip
            if not name:
                return None
            path = Path(name)
        out, bib = wf_table.save_table(self.built, fmt, path, self.digits.value())
        self._say(f"Saved {out}" + (f" and {bib.name}" if bib is not None else ""))
        self.saved.emit(str(out))
        return out, bib
