"""The "Publication figure…" dialog: the pane's curves and bands, as drawn, through
:func:`paperscope.workflows.plots.export_plot` (matplotlib): vector PDF/SVG or PNG at a
journal column width, with the CSV of exactly what is drawn."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from paperscope.core.tasks import CancelToken, Progress
from paperscope.results.figure import FONT_SIZES, LEGEND_CHOICES, SIZES, FigureStyle
from paperscope.workflows.plots import PlotData, export_plot

if TYPE_CHECKING:
    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.gui.task_runner import TaskRunner

FILTER = "PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"


def export_figure(
    data: PlotData,
    out: Path,
    style: FigureStyle,
    csv_path: Path | None,
    progress: Progress,
    cancel: CancelToken,
) -> list[Path]:
    """:func:`export_plot` in the task runner's calling convention."""
    cancel.check()
    progress(None, f"Writing {out.name}")
    written = export_plot(data, out, style, csv_path)
    # the last word in the status bar: what was written, not "Writing" after it was
    progress(1.0, "Wrote " + ", ".join(p.name for p in written))
    return written


class PublicationDialog(QDialog):
    """Signals nothing; ``written`` holds the files of the last export."""

    def __init__(
        self, pane: PlotPane, runner: TaskRunner | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Publication figure")
        self.pane = pane
        self.runner = runner
        self.written: list[Path] = []
        name = _slug(pane.state.value.metric) or "figure"
        self.path = QLineEdit(str(Path.home() / f"{name}.pdf"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.size_box = QComboBox()
        for key, (w, _h) in SIZES.items():
            self.size_box.addItem(f"{key} column ({w:g} in)", key)
        self.size_box.currentIndexChanged.connect(self._on_size)
        self.height_box = QDoubleSpinBox()
        self.height_box.setRange(1.0, 12.0)
        self.height_box.setSingleStep(0.1)
        self.height_box.setSuffix(" in")
        self.font_box = QDoubleSpinBox()
        self.font_box.setRange(4.0, 24.0)
        self.font_box.setSingleStep(0.5)
        self.font_box.setSuffix(" pt")
        self.legend = QComboBox()
        self.legend.addItems(list(LEGEND_CHOICES))
        self.title = QLineEdit()
        self.dpi = QSpinBox()
        self.dpi.setRange(72, 1200)
        self.dpi.setValue(300)
        self.dpi.setToolTip("For PNG output")
        self.show_raw = QCheckBox("raw curves faint behind")
        self.show_raw.setChecked(pane.state.value.show_raw)
        self.csv = QCheckBox("also write the CSV of what is drawn")
        self.csv.setChecked(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("File", path_row)
        form.addRow("Width", self.size_box)
        form.addRow("Height", self.height_box)
        form.addRow("Font size", self.font_box)
        form.addRow("Legend", self.legend)
        form.addRow("Title", self.title)
        form.addRow("PNG resolution", self.dpi)
        form.addRow("", self.show_raw)
        form.addRow("", self.csv)
        form.addRow(self.status)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Close
        )
        buttons.accepted.connect(self._on_save)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self._on_size()

    def _on_size(self, *_args: object) -> None:
        key = str(self.size_box.currentData())
        self.height_box.setValue(SIZES[key][1])
        self.font_box.setValue(FONT_SIZES[key])

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Publication figure", self.path.text(), FILTER)
        if path:
            self.path.setText(path)

    def figure_style(self) -> FigureStyle:
        return FigureStyle(
            size=self.size_box.currentData(),
            height_in=self.height_box.value(),
            font_size=self.font_box.value(),
            legend=self.legend.currentText(),
            dpi=self.dpi.value(),
            title=self.title.text(),
            log_x=self.pane.state.value.log_x,
            log_y=self.pane.state.value.log_y,
            show_raw=self.show_raw.isChecked(),
            mark_extrema=self.pane.state.value.mark_extrema,
            notes=self.pane.state.value.notes,
        )

    def _job(self, out: Path | None = None) -> tuple[PlotData, Path, FigureStyle, Path | None]:
        data = self.pane.data
        if data is None:
            raise ValueError("the pane shows nothing to export")
        path = Path(out or self.path.text()).expanduser()
        csv_path = path.with_suffix(".csv") if self.csv.isChecked() else None
        return data, path, self.figure_style(), csv_path

    def export_to(self, out: Path | None = None) -> list[Path]:
        """Write the figure (and CSV) now, on this thread; returns the files written."""
        data, path, style, csv_path = self._job(out)
        self.written = export_plot(data, path, style, csv_path)
        self.status.setText("Wrote " + ", ".join(str(p) for p in self.written))
        return self.written

    def _on_save(self) -> None:
        try:
            job = self._job()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        if self.runner is None:
            self.export_to()
            return
        self.status.setText("Writing…")
        self.runner.submit(
            export_figure, *job, title=f"Writing {job[1].name}",
            on_result=self._on_written, on_error=self._on_failed,
        )  # fmt: skip

    def _on_written(self, written: Any) -> None:
        self.written = list(written)
        self.status.setText("Wrote " + ", ".join(str(p) for p in self.written))

    def _on_failed(self, message: str, _details: str) -> None:
        self.status.setText(f"Failed: {message}")


def export_panes(
    datas: list[PlotData],
    out: Path,
    style: FigureStyle,
    csv_path: Path | None,
    progress: Progress,
    cancel: CancelToken,
) -> list[Path]:
    """Every pane's plot as one grid figure (:func:`export_grid`), in the task runner's
    calling convention."""
    from paperscope.workflows.plots import export_grid

    cancel.check()
    progress(None, f"Writing {out.name}")
    written = export_grid(datas, out, style, csv_path)
    progress(1.0, "Wrote " + ", ".join(p.name for p in written))
    return written


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text).strip("_")
