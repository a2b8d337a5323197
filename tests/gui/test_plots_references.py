"""Reference lines in plot panes (issue #15 item 3), through pytest-qt: a pane of
Dopamine's Pong runs, linked to the Nature DQN and C51 papers of the EFF table, draws
their reported scores as labelled dashed lines where the axes put the values (checked
on the pane's pixels), the JAT card's ± std as a shaded band; the Refs menu hides a
line and maps the metric, through the state and the library."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from paperscope.results.references import REFERENCE_COLOURS
from tests.workflows.test_references import build_library, pong_runs

if TYPE_CHECKING:
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.library.store import Store


@pytest.fixture
def setup(qtbot: QtBot, store: Any) -> Iterator[tuple[Any, dict[str, int]]]:
    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.workflows.references import ReferenceFinder

    ids = build_library(store)
    view = PlotsView(references=ReferenceFinder(store))
    qtbot.addWidget(view)
    view.resize(1100, 600)
    view.show()
    runs = pong_runs()
    view.add_runs(runs)
    pane = view.current_pane()
    pane.state.update(metric="return", grouping="config", group_key="agent", show_raw=False)
    pane.refresh()
    qtbot.waitUntil(lambda: pane.data is not None and bool(pane.data.groups), timeout=20000)
    yield view, ids


def _image(pane: Any) -> QImage:
    return pane.plot.grab().toImage().convertToFormat(QImage.Format.Format_RGB32)


def _row_share(img: QImage, y: int, colour: str, x0: int, x1: int) -> float:
    """The share of the columns x0..x1 with ``colour`` in rows y-1..y+1."""
    want = QColor(colour).rgb()
    hits = 0
    for x in range(x0, x1):
        if any(0 <= yy < img.height() and img.pixel(x, yy) == want for yy in (y - 1, y, y + 1)):
            hits += 1
    return hits / max(x1 - x0, 1)


def _to_pixels(pane: Any, x: float, y: float) -> tuple[int, int]:
    vb = pane.plot.getPlotItem().getViewBox()
    p = pane.plot.mapFromScene(vb.mapViewToScene(QPointF(x, y)))
    return p.x(), p.y()


def test_pane_draws_the_linked_papers_lines_at_their_values(
    setup: tuple[PlotsView, dict[str, int]],
) -> None:
    view, _ids = setup
    pane = view.current_pane()
    refs = pane.data.references
    assert [(r.method, r.value) for r in refs] == [("Nature DQN", 18.9), ("C51 noop", 20.9)]
    assert pane.canvas.refs.values() == {r.label: r.value for r in refs}
    assert pane.canvas.refs.item is not None  # one painted item for all lines
    assert pane.canvas.refs.bands() == {}  # EFF gives no spread
    assert "2 references" in pane.note.text()
    img = _image(pane)
    vb = pane.plot.getPlotItem().getViewBox()
    (vx0, vx1), (vy0, vy1) = vb.viewRange()
    assert vy0 < 18.9 < 20.9 < vy1  # the view was fitted with the lines in it
    left, _ = _to_pixels(pane, vx0 + 0.05 * (vx1 - vx0), 0)
    right, _ = _to_pixels(pane, vx0 + 0.6 * (vx1 - vx0), 0)  # left of the labels
    for k, value in enumerate((18.9, 20.9)):
        _, y = _to_pixels(pane, 0, value)
        colour = REFERENCE_COLOURS[k]
        # dashed: most columns of the row have the line's colour, a row away none
        assert _row_share(img, y, colour, left, right) > 0.4, (value, y)
        assert _row_share(img, y + 12, colour, left, right) < 0.05
    # where no line is, no reference colour
    _, y_zero = _to_pixels(pane, 0, 0.0)
    assert _row_share(img, y_zero, REFERENCE_COLOURS[0], left, right) == 0.0


def test_an_added_result_draws_its_band_and_the_menu_hides_a_line(
    setup: tuple[PlotsView, dict[str, int]], qtbot: QtBot, tmp_path: Path
) -> None:
    view, ids = setup
    pane = view.current_pane()
    pane.state.update(reference_results=(ids["jat_pong"],))
    qtbot.waitUntil(lambda: len(pane.data.references) == 3, timeout=20000)
    ref = pane.canvas.refs.references[2]
    assert ref.method == "jat-project/jat"
    assert pane.canvas.refs.bands() == {ref.label: pytest.approx((16.54 - 10.34, 16.54 + 10.34))}
    img = _image(pane)
    vb = pane.plot.getPlotItem().getViewBox()
    (vx0, vx1), _ = vb.viewRange()
    # at the right end, between the curves' top (~20) and the band's top (26.88), and
    # above the band: the band tints the background there, and only there
    x, y_in = _to_pixels(pane, vx0 + 0.5 * (vx1 - vx0), 25.0)
    _, y_out = _to_pixels(pane, vx0 + 0.5 * (vx1 - vx0), 28.5)
    inside, outside = QColor(img.pixel(x, y_in)), QColor(img.pixel(x, y_out))
    assert outside == QColor(pane.plot.backgroundBrush().color())
    assert inside != outside and abs(inside.red() - inside.blue()) < 8  # a grey tint
    # on a log y axis the band sits at the logs of its bounds (the view's coordinates)
    pane.state.update(log_y=True)
    lo, hi = pane.canvas.refs.bands()[ref.label]
    assert (lo, hi) == pytest.approx((np.log10(6.2), np.log10(26.88)))
    pane.state.update(log_y=False)
    assert pane.canvas.refs.bands()[ref.label] == pytest.approx((6.2, 26.88))
    # the pane's own SVG export has the lines as dashed strokes and the labels as text
    svg = pane.export(tmp_path / "pane.svg").read_text(encoding="utf-8").lower()
    for k, r in enumerate(pane.data.references):
        assert REFERENCE_COLOURS[k].lower() in svg
        assert r.label.lower().replace("&", "&amp;") in svg
    assert "stroke-dasharray" in svg
    # the Refs menu lists the three lines; unchecking one hides it through the state
    button = pane.refs_button
    button.rebuild()
    assert sorted(button.actions_by_result) == sorted(r.result_id for r in pane.data.references)
    dqn = pane.data.references[0].result_id
    button.actions_by_result[dqn].setChecked(False)
    assert dqn in pane.state.value.hidden_references
    qtbot.waitUntil(lambda: len(pane.data.references) == 2, timeout=20000)
    assert [r.method for r in pane.data.references] == ["C51 noop", "jat-project/jat"]
    # the menu shows the state again (checked = shown)
    button.rebuild()
    assert not button.actions_by_result[dqn].isChecked()


def test_mapping_from_the_menu_is_remembered_and_redraws(
    setup: tuple[PlotsView, dict[str, int]], qtbot: QtBot, store: Store
) -> None:
    view, ids = setup
    pane = view.current_pane()
    pane.refs_button.add_paper(str(ids["jat"]))
    assert pane.state.value.reference_papers == (ids["jat"],)
    # "Score" is suggested; the user says the runs' return is the card's "Total reward"
    pane.refs_button.set_mapping("metric", "return", "Total reward")
    pane.refs_button.set_mapping("dataset", "pong", "Pong")
    qtbot.waitUntil(
        lambda: [r.method for r in pane.data.references] == ["jat-project/jat"], timeout=20000
    )
    assert store.result_mappings("metric") == {"return": "Total reward"}
    assert pane.found is not None and pane.found.metric_remembered
    # turning reference lines off removes them from the drawing
    pane.state.update(show_references=False)
    qtbot.waitUntil(lambda: not pane.data.references, timeout=20000)
    assert pane.canvas.refs.references == [] and pane.canvas.refs.item is None
    assert np.isfinite(pane.plot.getPlotItem().getViewBox().viewRange()[1]).all()
