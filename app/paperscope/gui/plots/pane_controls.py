"""A plot pane's controls, bound to its :class:`~paperscope.state.plot_pane.PlotPaneState`.

Each control writes its field through the state's one setter when the user changes it,
and shows the state's value when the state changes (:meth:`PaneControls.show_state`).
A control shown a value it already has emits nothing; one that emits anyway writes the
value the state has, which changes nothing. Combo boxes whose items are rebuilt (metric,
x axis, config key) listen to the user's choices only (``textActivated``,
``textEdited``), so rebuilding them writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from paperscope.gui.flow_layout import FlowLayout
from paperscope.results.align import BANDS
from paperscope.state.plot_pane import PlotPaneState

SLIDER_STEPS = 1000  # smoothing slider: 0 … 0.999 in steps of 0.001
GROUP_MODES = {"none": "No groups", "config": "Config key", "regex": "Name regex",
               "selection": "Selection"}  # fmt: skip
BAND_NAMES = {"std": "± std", "sem": "± SEM", "minmax": "min–max", "ci95": "95% bootstrap CI",
              "none": "no band"}  # fmt: skip
X_AXES = ("step", "wall", "relative")
SMOOTHER_NAMES = {"EMA": "ema", "time-weighted": "time", "centred avg": "centred",
                  "trailing avg": "trailing", "Gaussian": "gaussian", "none": "none"}  # fmt: skip


def slider_position(weight: float) -> int:
    return round(min(max(weight, 0.0), (SLIDER_STEPS - 1) / SLIDER_STEPS) * SLIDER_STEPS)


def weight_text(weight: float) -> str:
    return f"{weight:.3f}".rstrip("0").rstrip(".") or "0"


class PaneControls(QWidget):
    """Rows that wrap: metric, x axis, smoothing, raw, the ⋮ menu; grouping, statistic,
    band, k, and a note. Signals for what is not state: ``split_requested(orientation)``,
    ``close_requested()``, ``auto_range_requested()``, ``grid_toggled(bool)``,
    ``publication_requested()``."""

    split_requested = Signal(object)
    close_requested = Signal()
    auto_range_requested = Signal()
    grid_toggled = Signal(bool)
    publication_requested = Signal()
    note_requested = Signal()
    range_note_requested = Signal()
    pin_requested = Signal()
    hyper_requested = Signal()

    def __init__(self, state: PlotPaneState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._build()
        self._bind()
        self.show_state()
        state.changed.connect(self._on_state_changed)

    # -- construction ----------------------------------------------------------------
    def _build(self) -> None:
        self.metric_box = QComboBox()
        self.x_box = QComboBox()
        self.x_box.addItems(X_AXES)
        self.x_box.setToolTip(
            "x axis: step, wall time, time since the run's first point, or a series"
        )
        self.smoothing = QSlider(Qt.Orientation.Horizontal)
        self.smoothing.setRange(0, SLIDER_STEPS - 1)
        self.smoothing.setToolTip("Smoothing: TensorBoard's debiased EMA on every point")
        self.smoothing_label = QLabel()
        self.smoothing_label.setMinimumWidth(34)
        self.mode_box = QComboBox()
        for text, mode in SMOOTHER_NAMES.items():
            self.mode_box.addItem(text, mode)
        self.mode_box.setToolTip("Smoother (its formula goes into an export's metadata)")
        self.window_box = QSpinBox()
        self.window_box.setRange(1, 100_000)
        self.window_box.setPrefix("k=")
        self.window_box.setToolTip("Moving-average window in points")
        self.sigma_box = QDoubleSpinBox()
        self.sigma_box.setRange(0.1, 100_000.0)
        self.sigma_box.setDecimals(1)
        self.sigma_box.setPrefix("σ=")
        self.sigma_box.setToolTip("Gaussian kernel's sigma in points")
        self.raw_check = QCheckBox("raw")
        self.raw_check.setToolTip("Draw the raw curve faint behind the smoothed one")
        self.menu_button = QToolButton()
        self.menu_button.setText("⋮")
        self.menu_button.setToolTip("Axes (log x/y, robust range), split, close, export")
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.menu_button)
        menu.addAction(
            "Split left | right", lambda: self.split_requested.emit(Qt.Orientation.Horizontal)
        )
        menu.addAction(
            "Split top / bottom", lambda: self.split_requested.emit(Qt.Orientation.Vertical)
        )
        menu.addAction("Close pane", self.close_requested.emit)
        menu.addAction("Hyperparameters beside (parallel coordinates, scatter)",
                       self.hyper_requested.emit)  # fmt: skip
        menu.addSeparator()
        # axis options live in the menu so a split pane stays narrow; they are
        # checkable actions (isChecked/setChecked/toggled like check boxes)
        self.logx_check = menu.addAction("Log x")
        self.logy_check = menu.addAction("Log y")
        self.robust_check = menu.addAction("Robust y range (ignore outliers)")
        self.robust_check.setToolTip("Auto-range y on the 1st–99th percentiles (ignore spikes)")
        for action in (self.logx_check, self.logy_check, self.robust_check):
            action.setCheckable(True)
        menu.addAction("Auto range", self.auto_range_requested.emit)
        self.grid_action = menu.addAction("Grid lines")
        self.grid_action.setCheckable(True)
        self.grid_action.setToolTip("Grid lines (slower panning on long curves)")
        self.grid_action.toggled.connect(self.grid_toggled.emit)
        menu.addAction("Publication figure…", self.publication_requested.emit)
        menu.addSeparator()
        self.extrema_action = menu.addAction("Mark min/max")
        self.extrema_action.setCheckable(True)
        self.extrema_action.setToolTip("Mark each curve's smallest and largest value")
        menu.addAction("Add note at the crosshair…", self.note_requested.emit)
        menu.addAction("Add note over the visible x range…", self.range_note_requested.emit)
        self.clear_notes_action = menu.addAction("Remove notes",
                                                 lambda: self.state.update(notes=()))  # fmt: skip
        menu.addAction("Pin the crosshair's step in the runs table", self.pin_requested.emit)
        self.menu_button.setMenu(menu)

        self.group_box = QComboBox()
        for key, text in GROUP_MODES.items():
            self.group_box.addItem(text, key)
        self.group_key = QComboBox()
        self.group_key.setEditable(True)
        self.group_key.setToolTip("Config key (dotted for nested) to group runs by")
        self.group_regex = QLineEdit()
        self.group_regex.setPlaceholderText(r"regex, e.g. (.*)_seed\d+")
        self.center_box = QComboBox()
        self.center_box.addItems(["mean", "median"])
        self.band_box = QComboBox()
        for band in BANDS:
            self.band_box.addItem(BAND_NAMES[band], band)
        self.min_runs = QSpinBox()
        self.min_runs.setRange(1, 999)
        self.min_runs.setPrefix("k≥")
        self.min_runs.setToolTip("End a group's line where fewer than k runs remain")

        # combo boxes shrink with the pane (split panes get narrow); full text in the popup
        for box, chars in ((self.metric_box, 8), (self.x_box, 4), (self.mode_box, 4),
                           (self.group_box, 5), (self.group_key, 5), (self.center_box, 4),
                           (self.band_box, 4)):  # fmt: skip
            box.setMinimumContentsLength(chars)
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.metric_box.setMinimumContentsLength(14)
        self.group_regex.setMinimumWidth(50)
        self.smoothing.setMinimumWidth(50)
        self.smoothing.setMaximumWidth(160)
        self.note = QLabel()
        self.note.setStyleSheet("color: #666")
        self.note.setMinimumWidth(60)
        # the controls wrap onto more rows in a narrow pane (none drawn over another);
        # each cluster stays together
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        flow = FlowLayout(spacing=6)
        layout.addLayout(flow)  # first: the clusters are then parented to this widget
        for widgets in ((self.metric_box,), (QLabel("x"), self.x_box),
                        (self.smoothing, self.smoothing_label, self.window_box,
                         self.sigma_box, self.mode_box),
                        (self.raw_check, self.menu_button),
                        (self.group_box, self.group_key, self.group_regex),
                        (self.center_box, self.band_box, self.min_runs), (self.note,)):  # fmt: skip
            flow.addWidget(_cluster(widgets))
        self.group_regex.setMinimumWidth(120)
        self.flow = flow

    def _bind(self) -> None:
        """User → state: one write per control, through the state's setter."""
        s = self.state
        self.metric_box.textActivated.connect(lambda t: s.update(metric=t))
        self.x_box.textActivated.connect(lambda t: s.update(x=t or "step"))
        self.smoothing.valueChanged.connect(self._on_slider)
        self.mode_box.currentIndexChanged.connect(
            lambda _i: s.update(smoothing_mode=self.mode_box.currentData())
        )
        self.window_box.valueChanged.connect(lambda k: s.update(smoothing_window=k))
        self.sigma_box.valueChanged.connect(self._on_sigma)
        self.extrema_action.toggled.connect(lambda on: s.update(mark_extrema=on))
        self.raw_check.toggled.connect(lambda on: s.update(show_raw=on))
        self.logx_check.toggled.connect(lambda on: s.update(log_x=on))
        self.logy_check.toggled.connect(lambda on: s.update(log_y=on))
        self.robust_check.toggled.connect(lambda on: s.update(robust_y=on))
        self.group_box.currentIndexChanged.connect(
            lambda _i: s.update(grouping=self.group_box.currentData())
        )
        self.group_key.textActivated.connect(lambda t: s.update(group_key=t))
        edit = self.group_key.lineEdit()
        assert edit is not None
        edit.textEdited.connect(lambda t: s.update(group_key=t))
        self.group_regex.textEdited.connect(lambda t: s.update(group_regex=t))
        self.center_box.currentTextChanged.connect(lambda t: s.update(center=t))
        self.band_box.currentIndexChanged.connect(
            lambda _i: s.update(band=self.band_box.currentData())
        )
        self.min_runs.valueChanged.connect(lambda k: s.update(min_runs=k))

    def _on_slider(self, position: int) -> None:
        # the slider holds 0.001 steps: a finer weight set elsewhere stays as it is
        if position != slider_position(self.state.value.smoothing):
            self.state.update(smoothing=position / SLIDER_STEPS)

    def _on_sigma(self, sigma: float) -> None:
        # the box shows one decimal: a finer sigma set elsewhere stays as it is
        if round(sigma, 1) != round(self.state.value.smoothing_sigma, 1):
            self.state.update(smoothing_sigma=sigma)

    def dispose(self) -> None:
        self.state.changed.disconnect(self._on_state_changed)

    # -- state → controls ------------------------------------------------------------
    def _on_state_changed(self, _fields: frozenset[str]) -> None:
        self.show_state()

    def show_state(self) -> None:
        """Show every field of the state (cheap: unchanged controls emit nothing)."""
        v = self.state.value
        _set_text(self.metric_box, v.metric)
        _set_text(self.x_box, v.x)
        self.smoothing.setValue(slider_position(v.smoothing))
        self.smoothing_label.setText(weight_text(v.smoothing))
        self.mode_box.setCurrentIndex(max(0, self.mode_box.findData(v.smoothing_mode)))
        self.window_box.setValue(v.smoothing_window)
        self.sigma_box.setValue(v.smoothing_sigma)
        mode = v.smoothing_mode
        self.smoothing.setVisible(mode in ("ema", "time"))
        self.smoothing_label.setVisible(mode in ("ema", "time"))
        self.window_box.setVisible(mode in ("centred", "trailing"))
        self.sigma_box.setVisible(mode == "gaussian")
        self.extrema_action.setChecked(v.mark_extrema)
        self.clear_notes_action.setEnabled(bool(v.notes))
        self.raw_check.setChecked(v.show_raw)
        self.logx_check.setChecked(v.log_x)
        self.logy_check.setChecked(v.log_y)
        self.robust_check.setChecked(v.robust_y)
        self.group_box.setCurrentIndex(max(0, self.group_box.findData(v.grouping)))
        if self.group_key.currentText() != v.group_key:
            self.group_key.setCurrentText(v.group_key)
        if self.group_regex.text() != v.group_regex:
            self.group_regex.setText(v.group_regex)
        self.center_box.setCurrentText(v.center)
        self.band_box.setCurrentIndex(max(0, self.band_box.findData(v.band)))
        self.min_runs.setValue(v.min_runs)
        self.group_key.setVisible(v.grouping == "config")
        self.group_regex.setVisible(v.grouping == "regex")
        for w in (self.center_box, self.band_box, self.min_runs):
            w.setEnabled(v.grouped)

    def set_choices(
        self, metrics: Sequence[str], series: Sequence[str], config_keys: Sequence[str]
    ) -> None:
        """The items of the metric, x axis and config-key boxes (the state's own value
        stays shown, also when no run has it)."""
        _set_items(self.metric_box, metrics)
        _set_items(self.x_box, [*X_AXES, *series])
        _set_items(self.group_key, config_keys)
        self.show_state()


def _cluster(widgets: Sequence[QWidget]) -> QWidget:
    """Widgets kept side by side on one row of the flow."""
    box = QWidget()
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.setSpacing(4)
    for w in widgets:
        row.addWidget(w)
    return box


def _set_items(box: QComboBox, items: Sequence[str]) -> None:
    if [box.itemText(i) for i in range(box.count())] != list(items):
        box.clear()
        box.addItems(list(items))


def _set_text(box: QComboBox, text: str) -> None:
    if text and box.findText(text) < 0:
        box.addItem(text)  # a metric no run shown has (yet)
    box.setCurrentIndex(box.findText(text) if text else -1)
