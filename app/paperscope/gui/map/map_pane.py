"""The Map dock: the map view, what colours it, and the button that builds it.

Until the library has a map the pane says how to get one; "Build map" embeds what is not
embedded yet and lays the papers out (PCA at once, then UMAP streaming into the view).
A build is all or nothing: the library stores the new map only when it completes, and
Cancel (or an error) puts the stored map back on screen (points, colours, labels,
text) with the button enabled again.

A map of more than ``MapPane.prepare_off_thread_above`` points is prepared for the
view (its grid and density tiles, :func:`raster.prepare_points`: some 18 s at ten
million) on the task runner; the view shows the previous map until it is ready. Frames
arriving meanwhile are coalesced: the newest waits for the one being prepared, none is
cancelled half-way (a build's frames every 0.5 s would otherwise never get shown).
Such a map is coloured on the task runner too (:func:`map_colours`), the newest choice
of the colour box winning.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from paperscope.core.tasks import CancelToken, Progress
from paperscope.core.text import count
from paperscope.gui.state import AppState
from paperscope.gui.task_runner import TaskRunner, preload
from paperscope.library.store import Store
from paperscope.mapping import palette
from paperscope.mapping.palette import CATEGORICAL, OTHER
from paperscope.state.views import COLOUR_BY, FLAG_COLOURS

if TYPE_CHECKING:
    from paperscope.gui.map.map_view import MapView

_COLUMN = {
    "Year": "year",
    "Organisation": "organisation",
    "Reading status": "status",
    "Upvotes": "upvotes",
}


_argb = palette.argb


def _missing(values: np.ndarray) -> np.ndarray:
    """Where an object array holds no value (None, NaN or "")."""
    import pandas as pd

    return np.asarray(pd.isna(values) | (values == ""), dtype=bool)


def categorical_colours(
    values: Sequence[Any], top: int = 10
) -> tuple[np.ndarray, list[tuple[str, QColor]]]:
    """Colours for the ``top`` most frequent values (ties: the first seen first); the
    rest (and missing) grey. Vectorised (pandas' hash factorisation): ten million
    values take about a second, where a Python loop took ten."""
    import pandas as pd

    arr = np.asarray(values, dtype=object)
    missing = _missing(arr)
    codes, uniques = pd.factorize(arr[~missing])  # codes in order of first appearance
    counts = np.bincount(codes, minlength=len(uniques))
    ranked = np.argsort(-counts, kind="stable")[:top]
    lut = np.full(len(uniques) + 1, _argb(OTHER), dtype=np.uint32)
    for i, u in enumerate(ranked):
        lut[u] = _argb(CATEGORICAL[i % len(CATEGORICAL)])
    colours = np.full(arr.shape[0], _argb(OTHER), dtype=np.uint32)
    colours[~missing] = lut[codes]
    legend = [
        (f"{uniques[u]} ({int(counts[u]):,})", QColor(CATEGORICAL[i % len(CATEGORICAL)]))
        for i, u in enumerate(ranked)
    ]
    if len(ranked) < len(uniques) + int(missing.any()):
        legend.append(("other / none", QColor(OTHER)))
    return colours, legend


def numeric_colours(
    values: Sequence[Any], bins: int = 6
) -> tuple[np.ndarray, list[tuple[str, QColor]]]:
    """A sequential scale in ``bins`` quantile bins; missing values grey."""
    import pyqtgraph as pg

    arr = np.asarray(values, dtype=object)
    nums = np.full(arr.shape[0], np.nan, dtype=np.float64)
    present = ~_missing(arr)
    nums[present] = arr[present].astype(np.float64)
    ok = np.isfinite(nums)
    colours = np.full(nums.shape[0], _argb(OTHER), dtype=np.uint32)
    if not ok.any():
        return colours, [("none", QColor(OTHER))]
    edges = np.unique(np.quantile(nums[ok], np.linspace(0, 1, bins + 1)))
    if edges.size < 2:
        edges = np.array([edges[0], edges[0] + 1])
    which = np.clip(np.searchsorted(edges, nums[ok], side="right") - 1, 0, edges.size - 2)
    cmap = pg.colormap.get("viridis")
    lut = np.zeros(edges.size - 1, dtype=np.uint32)
    legend = []
    for b in range(edges.size - 1):
        c = cmap.map(b / max(edges.size - 2, 1), mode="qcolor")
        lut[b] = int(c.rgba()) & 0xFFFFFFFF
        legend.append((f"{edges[b]:g} – {edges[b + 1]:g}", c))
    colours[ok] = lut[which]
    if (~ok).any():
        legend.append(("none", QColor(OTHER)))
    return colours, legend


def map_colours(store: Store, stored: Any, by: str) -> tuple[np.ndarray, list[tuple[str, QColor]]]:
    """Each point's colour and the legend for colouring ``stored`` by ``by`` (one of
    :data:`COLOUR_BY`). Safe on a worker: it reads the store on the calling thread's
    cursor and makes no widget."""
    ids = stored.paper_ids
    if by == "Cluster":
        # noise points take a lighter shade of their nearest cluster
        finest = [c for c in stored.clusters if c.level == 0]  # the points' clusters
        colours = palette.cluster_colours(
            stored.clusters_of, stored.nearest_cluster,
            [c.id for c in finest], [c.centre for c in finest],
        )  # fmt: skip
        return colours, []  # the clusters' names are drawn on the map itself
    if by in FLAG_COLOURS:
        from paperscope.workflows.results import paper_flags

        flags = paper_flags(store, ids, FLAG_COLOURS[by])
        on = CATEGORICAL[3]
        n = int(flags.sum())
        legend = [(f"{by.lower()} ({n:,})", QColor(on)),
                  (f"none ({flags.size - n:,})", QColor(OTHER))]  # fmt: skip
        return palette.flag_colours(flags, on), legend
    if by in ("Year", "Upvotes"):
        return numeric_colours(store.column_values(ids, _COLUMN[by]))
    return categorical_colours(store.column_values(ids, _COLUMN[by]))


def _colour_task(
    store: Store, stored: Any, by: str, progress: Progress, cancel: CancelToken
) -> tuple[np.ndarray, list[tuple[str, QColor]]]:
    progress(0.0, f"Colouring {count(len(stored), 'paper')} by {by.lower()}")
    preload("pandas", "pyqtgraph")
    result = map_colours(store, stored, by)
    cancel.check()
    return result


def _open_task(store: Store, progress: Progress, cancel: CancelToken) -> Any:
    from paperscope.workflows.map import open_map

    progress(0.0, "Reading the stored map")
    stored = open_map(store)
    cancel.check()
    return stored


def _build_task(
    store: Store,
    progress: Progress,
    cancel: CancelToken,
    method: str,
    on_partial: Callable[[Any], None],
    model_path: Path | None = None,
    model_id: str | None = None,
    partial_every_s: float = 0.5,
) -> Any:
    """The map build on the worker. The map view's modules (pyqtgraph: ~0.3 s, more on a
    busy machine) are imported here first, so the first frame does not import them on
    the UI thread, and with umap and sklearn through :func:`preload`, so no full garbage
    collection over what they create stalls the UI thread meanwhile."""
    from paperscope.workflows.map import build_map, embed_and_build_map

    preload("paperscope.gui.map.map_view", "umap", "sklearn.cluster", "scipy.spatial",
            "sklearn.feature_extraction.text")  # fmt: skip

    if model_id is None:
        return embed_and_build_map(
            store, progress, cancel, method, on_partial, model_path,
            partial_every_s=partial_every_s,
        )  # fmt: skip
    return build_map(
        store, progress, cancel, method, on_partial, model_id=model_id,
        partial_every_s=partial_every_s,
    )  # fmt: skip


class MapPane(QWidget):
    """Signals: ``selection_filtered(list)`` (papers picked on the map), ``map_built()``,
    ``runs_dropped(paper id, run ids)`` (runs dragged onto a paper)."""

    selection_filtered = Signal(list)
    map_built = Signal()
    runs_dropped = Signal(int, list)

    frame_interval_s = 0.5
    """How often a layout on its way reaches the view (seconds)."""

    prepare_off_thread_above = 500_000
    """Maps with more points are prepared for the view on a worker (about 1 s at 500k)."""

    def __init__(
        self,
        store: Store,
        state: AppState,
        runner: TaskRunner,
        model_path: Callable[[], Path | None] = lambda: None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._store, self._state, self._runner = store, state, runner
        self._model_path = model_path
        self._map: Any = None  # the StoredMap shown
        self._build: Any = None  # the running build's task
        self._frames = 0  # layouts of the running build shown so far
        self._frame_method = ""  # the method of the last one
        self._points_gen = 0  # requests to show points, numbered
        self._shown_gen = 0  # the request on the view: an older one arriving is dropped
        self._preparing: Any = None  # the task preparing points for the view
        self._next_points: _PointsRequest | None = None  # the newest waiting for it
        self._colour_gen = 0  # colourings asked for, numbered: an older one is dropped
        self._colouring: Any = None  # the task colouring a big map
        self._opening: Any = None  # the task reading a big stored map
        self.view: MapView | None = None
        self.message = QLabel(
            "The semantic map of your papers appears here once their abstracts are embedded.\n"
            "Build map embeds them on this machine and lays them out."
        )
        self.message.setWordWrap(True)
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.build_button = QPushButton("Build map")
        self.build_button.clicked.connect(lambda: self.build_map())
        self.colour_box = QComboBox()
        self.colour_box.addItems(COLOUR_BY)
        self.colour_box.currentTextChanged.connect(lambda _t: self._apply_colours())
        self.export_button = QPushButton("Export…")
        self.export_button.clicked.connect(self._on_export_clicked)
        self.info = QLabel()
        # a line of its own under the bar, never widening the dock (beside the buttons a
        # narrow dock gave it no width at all: what the map is and how it was built went
        # unseen); cut at the dock's edge, the whole text in its tooltip
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.info.setTextFormat(Qt.TextFormat.PlainText)
        self.colour_box.setMinimumContentsLength(8)
        self.colour_box.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Colour by:"))
        bar.addWidget(self.colour_box)
        bar.addStretch(1)
        bar.addWidget(self.export_button)
        bar.addWidget(self.build_button)
        self.stack = QStackedWidget()
        # what the stack shows (the message, then the map) never resizes the dock: the
        # window kept growing by a few pixels and the docks jumped when a map arrived
        self.stack.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.stack.setMinimumSize(160, 80)  # 100 before the info line moved under the bar
        self.stack.addWidget(self.message)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(bar)
        layout.addWidget(self.info)
        layout.addWidget(self.stack, 1)
        self.colour_box.setEnabled(False)
        self.export_button.setEnabled(False)
        runner.task_ended.connect(self._on_task_ended)

    def _say(self, text: str) -> None:
        """The info line under the bar, and the same in its tooltip (the line may be cut)."""
        self.info.setText(text)
        self.info.setToolTip(text)

    # -- the stored map --------------------------------------------------------------
    def load(self) -> bool:
        """Show the library's stored map, if it has one (nothing is computed): read at
        once when small, on a worker above ``prepare_off_thread_above`` points (reading
        ten million points takes seconds), the view showing what it showed meanwhile."""
        from paperscope.workflows.map import open_map, stored_map_size

        size = stored_map_size(self._store)
        if size == 0:
            return False
        if size <= self.prepare_off_thread_above:
            stored = open_map(self._store)
            if stored is None or len(stored) == 0:
                return False
            self.show_map(stored)
            return True

        def arrived(stored: Any) -> None:
            self._opening = None
            if stored is not None and len(stored) > 0:
                self.show_map(stored)

        def failed(message: str, _details: str) -> None:
            self._opening = None
            self.message.setText(message)

        self._opening = self._runner.submit(
            _open_task, self._store, title=f"Reading the map of {count(size, 'paper')}",
            key="map-open", on_result=arrived, on_error=failed,
        )  # fmt: skip
        return True

    def opening(self) -> bool:
        """Whether a big stored map is being read on a worker."""
        return self._opening is not None

    def _ensure_view(self) -> MapView:
        if self.view is None:
            from paperscope.gui.map.map_view import MapView

            self.view = MapView()
            self.view.set_describer(self._describe)
            self.view.paper_clicked.connect(self._state.set_current_paper)
            self.view.selection_made.connect(self.selection_filtered)
            self.view.runs_dropped.connect(self.runs_dropped)
            self.stack.addWidget(self.view)
        self.stack.setCurrentWidget(self.view)
        self.colour_box.setEnabled(True)
        self.export_button.setEnabled(True)
        return self.view

    def show_map(self, stored: Any) -> None:
        """Show a stored map (a big one once it is prepared, the last map meanwhile)."""
        self._show_points(stored.paper_ids, stored.coords, lambda: self._shown_map(stored))

    def _shown_map(self, stored: Any) -> None:
        self._map = stored
        view = self._ensure_view()
        view.set_labels([(c.label, c.centre[0], c.centre[1], c.size, c.level)
                         for c in stored.clusters])  # fmt: skip
        self._apply_colours()
        from paperscope.workflows.map import describe_run

        ran = describe_run(stored.info.params)  # which kNN and layout path ran
        head = count(len(stored), "paper")
        if stored.info.method.upper() not in ran:  # "UMAP on all papers" says it already
            head += f" · {stored.info.method.upper()}"
        self._say(f"{head} · {ran}" if ran else head)

    def _show_points(
        self, ids: np.ndarray, coords: np.ndarray, then: Callable[[], None],
        keep_view: bool = False,
    ) -> None:  # fmt: skip
        """Put points on the view, then call ``then``: at once for a small map, after
        :func:`raster.prepare_points` on a worker for a big one."""
        self._points_gen += 1
        view = self._ensure_view()
        if ids.shape[0] <= self.prepare_off_thread_above:
            self._next_points = None  # a waiting big one is older: dropped
            self._shown_gen = self._points_gen  # and one being prepared is not shown
            view.set_points(ids, coords, keep_view=keep_view)
            then()
            return
        request = _PointsRequest(self._points_gen, ids, coords, [then], keep_view)
        if self._next_points is not None and self._preparing is not None:
            # the newest waits; what the one it replaces still had to do is done too
            request.then = self._next_points.then + request.then
            request.keep_view = request.keep_view and self._next_points.keep_view
        self._next_points = request
        if self._preparing is None:
            self._prepare_next()

    def _prepare_next(self) -> None:
        from paperscope.mapping import raster

        request, self._next_points = self._next_points, None
        if request is None:
            return
        view = self._ensure_view()
        order = view.draw_order() if view.ids.shape[0] == request.ids.shape[0] else None

        def arrived(points: Any) -> None:
            self._preparing = None
            # shown unless something newer is on the view already (a small map shown
            # meanwhile); a newer big one still waiting follows it
            if self.view is not None and request.gen > self._shown_gen:
                self._shown_gen = request.gen
                self.view.show_prepared(points, keep_view=request.keep_view)
                for then in request.then:
                    then()
            self._prepare_next()

        def failed(message: str, _details: str) -> None:
            self._preparing = None
            self.message.setText(message)
            self._prepare_next()

        self._preparing = self._runner.submit(
            raster.prepare_points, request.ids, request.coords, order=order,
            title="Preparing the map view", on_result=arrived, on_error=failed,
        )  # fmt: skip

    def preparing(self) -> bool:
        """Whether points are being prepared for the view (the view shows the last map)."""
        return self._preparing is not None or self._next_points is not None

    def _apply_colours(self) -> None:
        """Colour the points by the box's choice: at once for a small map; on a worker
        for one above ``prepare_off_thread_above`` points (reading a column of ten
        million papers and colouring them takes seconds), the old colours meanwhile.
        A colouring that arrives after another was asked for, or for another map, is
        dropped."""
        if self._map is None or self.view is None:
            return
        stored, by = self._map, self.colour_box.currentText()
        self._colour_gen += 1
        if len(stored) <= self.prepare_off_thread_above:
            self._colouring = None
            self.view.set_colours(*map_colours(self._store, stored, by))
            return
        gen = self._colour_gen

        def arrived(result: tuple[np.ndarray, list[tuple[str, QColor]]]) -> None:
            if gen != self._colour_gen:
                return
            self._colouring = None
            if self._map is stored and self.view is not None:
                self.view.set_colours(*result)

        def failed(message: str, _details: str) -> None:
            if gen == self._colour_gen:
                self._colouring = None
                self._say(message)

        self._colouring = self._runner.submit(
            _colour_task, self._store, stored, by, title=f"Colouring the map by {by.lower()}",
            key="map-colours", on_result=arrived, on_error=failed,
        )  # fmt: skip

    def colouring(self) -> bool:
        """Whether a big map's colours are being computed on a worker."""
        return self._colouring is not None

    def refresh_colours(self) -> None:
        """Colour again (runs were linked, results added: "has my runs" changed)."""
        self._apply_colours()

    def _describe(self, paper_id: int) -> str:
        row = self._store.table_rows([paper_id], ["title", "authors", "year"]).get(paper_id)
        if row is None:
            return ""
        title, authors, year = row
        # only what the paper has: "Ada Smith · 2025", "2025", "Ada Smith", or the title alone
        who = authors[0] if authors else ""
        byline = " · ".join(part for part in (who, "" if year is None else str(year)) if part)
        return f"{title}\n{byline}" if byline else str(title)

    # -- building --------------------------------------------------------------------
    def build_map(self, method: str = "umap", model_id: str | None = None) -> None:
        """Embed what is not embedded yet and lay the papers out (PCA at once, then UMAP
        frames). ``model_id``: lay out the stored vectors of that model instead, without
        embedding anything."""
        self.build_button.setEnabled(False)
        self._frames = 0
        self._build = self._runner.submit(
            _build_task, self._store, method=method, model_path=self._model_path(),
            model_id=model_id, partial_every_s=self.frame_interval_s, title="Building the map",
            key="map", on_partial=self._on_build_partial, on_result=self._on_build_finished,
            on_error=self._on_build_failed,
        )  # fmt: skip

    def building(self) -> bool:
        return self._build is not None

    def _on_build_partial(self, frame: Any) -> None:
        view = self._ensure_view()
        first = self._frames == 0
        new_method = first or frame.method != self._frame_method
        self._frames += 1
        self._frame_method = frame.method
        step = f" {frame.epoch}/{frame.n_epochs}" if frame.n_epochs else ""
        text = f"{count(frame.paper_ids.shape[0], 'paper')} · {frame.method.upper()}{step}"
        if first:  # the old names would sit over moved points; colours follow the papers
            old_ids, old_colours = view.ids.copy(), view.colours()
            self._map = None  # "Colour by" waits for the finished map
            view.set_labels([])

            def carried() -> None:
                view.set_colours(_carry_colours(old_ids, old_colours, frame.paper_ids))
                self._say(text)

            self._show_points(frame.paper_ids, frame.coords, carried)
        else:  # the first UMAP frame is fitted (it starts at another scale), then kept
            self._show_points(frame.paper_ids, frame.coords, lambda: self._say(text),
                              keep_view=not new_method)  # fmt: skip

    def _on_task_ended(self, task_id: int, outcome: str) -> None:
        if self._build is None or task_id != self._build.id:
            return  # another task, or a build superseded by a newer one
        self._build = None
        if outcome == "cancelled":
            self.build_button.setEnabled(True)
            self._show_stored()

    def _on_build_finished(self, _result: Any) -> None:
        self.build_button.setEnabled(True)
        self.load()  # re-fits the view to the new map
        self.map_built.emit()

    def _on_build_failed(self, message: str, _details: str) -> None:
        self.build_button.setEnabled(True)
        self.message.setText(message)
        self._show_stored()

    def _show_stored(self) -> None:
        """After a cancelled or failed build: the library's map as stored (the build
        stored nothing), or the message when it has none."""
        if self.load():
            return
        self._map = None
        if self.view is not None:
            self.view.set_labels([])
            self._show_points(np.zeros(0, dtype=np.int64), np.zeros((0, 2), np.float32),
                              lambda: None)  # fmt: skip
        self._say("")
        self.colour_box.setEnabled(False)
        self.export_button.setEnabled(False)
        self.stack.setCurrentWidget(self.message)

    # -- linking ---------------------------------------------------------------------
    def highlight(self, paper_ids: Sequence[int] | np.ndarray) -> None:
        if self.view is not None:
            self.view.set_highlight(np.asarray(paper_ids, dtype=np.int64))

    def _on_export_clicked(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getSaveFileName(
            self, "Export map", "map.png", "PNG (*.png);;SVG (*.svg)"
        )
        if path and self.view is not None:
            self.view.export(Path(path))


@dataclass(slots=True)
class _PointsRequest:
    """Points waiting to be prepared for the view, and what to do once they are shown."""

    gen: int
    ids: np.ndarray
    coords: np.ndarray
    then: list[Callable[[], None]]
    keep_view: bool


def _carry_colours(old_ids: np.ndarray, old_colours: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The colour each paper of ``ids`` had in the map shown before (a new paper: the
    first categorical colour), so a rebuild's frames keep the clusters' colours."""
    out = np.full(ids.shape[0], _argb(CATEGORICAL[0]), dtype=np.uint32)
    if old_ids.size == 0 or old_colours.shape[0] != old_ids.shape[0]:
        return out
    order = np.argsort(old_ids, kind="stable")
    pos = np.minimum(np.searchsorted(old_ids[order], ids), old_ids.size - 1)
    found = old_ids[order[pos]] == ids
    out[found] = old_colours[order[pos[found]]]
    return out
