"""Human / random normalisation lines and reported curves' x scale in a plot pane
(issue #15), through pytest-qt: the pane of Dopamine's Pong runs (env "pong" → rliable's
Pong) gets its Human and Random lines from the Refs menu, drawn where the axes put 14.6
and -20.7 (checked on the pane's pixels), kept in the workspace state and in the pane's
SVG export; the Dopamine curves attached to a paper line up with steps once the menu
remembers 1 iteration = 250,000 steps."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from paperscope.results.references import REFERENCE_COLOURS
from tests.gui.test_plots_references import _image, _row_share, _to_pixels, setup
from tests.workflows.test_references import pong_runs

if TYPE_CHECKING:
    from pathlib import Path

    from pytestqt.qtbot import QtBot

    from paperscope.gui.plots.plots_view import PlotsView
    from paperscope.library.store import Store

__all__ = ["setup"]  # the fixture, shared with the reference-line tests
HUMAN, RANDOM = 14.6, -20.7


def test_menu_switches_on_human_and_random_lines(
    setup: tuple[PlotsView, dict[str, int]], qtbot: QtBot, tmp_path: Path
) -> None:
    view, _ids = setup
    pane = view.current_pane()
    button = pane.refs_button
    button.rebuild()
    actions = button.normalisation_actions
    assert sorted(actions) == ["human", "random"]
    assert actions["human"].isEnabled() and not actions["human"].isChecked()
    assert actions["human"].text() == "Human score (Pong 14.6)"
    actions["human"].setChecked(True)
    actions["random"].setChecked(True)
    assert pane.state.value.normalisation_lines == ("human", "random")
    qtbot.waitUntil(lambda: len(pane.data.references) == 4, timeout=20000)
    labels = [r.label for r in pane.data.references]
    assert labels[2:] == ["Human (Pong)", "Random (Pong)"]
    assert pane.canvas.refs.values()["Human (Pong)"] == HUMAN
    assert pane.canvas.refs.values()["Random (Pong)"] == RANDOM
    img = _image(pane)
    vb = pane.plot.getPlotItem().getViewBox()
    (vx0, vx1), (vy0, vy1) = vb.viewRange()
    assert vy0 < RANDOM and vy1 > HUMAN
    left, _ = _to_pixels(pane, vx0 + 0.05 * (vx1 - vx0), 0)
    right, _ = _to_pixels(pane, vx0 + 0.6 * (vx1 - vx0), 0)
    for k, value in ((2, HUMAN), (3, RANDOM)):
        _, y = _to_pixels(pane, 0, value)
        assert _row_share(img, y, REFERENCE_COLOURS[k], left, right) > 0.4, value
        assert _row_share(img, y + 12, REFERENCE_COLOURS[k], left, right) < 0.05
    # the workspace keeps them; the SVG export draws them, labelled
    assert pane.state.to_json()["references"]["normalisation"] == ["human", "random"]
    svg = pane.export(tmp_path / "pane.svg").read_text(encoding="utf-8")
    assert "Human (Pong)" in svg and "Random (Pong)" in svg
    # the menu shows the state again; unchecking one removes its line
    button.rebuild()
    assert button.normalisation_actions["random"].isChecked()
    button.normalisation_actions["random"].setChecked(False)
    qtbot.waitUntil(lambda: len(pane.data.references) == 3, timeout=20000)
    assert [r.label for r in pane.data.references][2:] == ["Human (Pong)"]


def test_runs_of_no_atari_game_offer_no_lines(
    setup: tuple[PlotsView, dict[str, int]], qtbot: QtBot
) -> None:
    from dataclasses import replace

    view, _ids = setup
    runs = [replace(r, id=r.id + "x", config={**r.config, "game": "gridworld"})
            for r in pong_runs()[:2]]  # fmt: skip
    view.add_runs(runs)
    pane = view.current_pane()
    pane.state.update(run_ids=tuple(r.id for r in runs), grouping="none")
    qtbot.waitUntil(lambda: pane.data is not None and len(pane.data.curves) == 2, timeout=20000)
    pane.refs_button.rebuild()
    assert not pane.refs_button.normalisation_actions["human"].isEnabled()


def test_menu_remembers_the_reported_curves_x_scale(
    setup: tuple[PlotsView, dict[str, int]], qtbot: QtBot, store: Store
) -> None:
    from paperscope.workflows.references import attach_runs_as_results

    view, ids = setup
    pane = view.current_pane()
    attach_runs_as_results(store, ids["c51"], pong_runs())
    pane.refresh()
    qtbot.waitUntil(lambda: any(r.is_curve for r in pane.data.references), timeout=20000)
    found: Any = pane.found
    assert found.has_curves and found.x_unit == "iteration"
    pane.refs_button.rebuild()
    texts = [a.text() for a in pane.refs_button.menu_.actions()]
    assert "Curves' x: 1 iteration = 1 (as reported) × step…" in texts
    curve = next(r for r in pane.data.references if r.is_curve and r.method == "DQN")
    assert curve.x[-1] == 198.0
    pane.refs_button.set_x_scale(250_000.0)
    assert store.result_x_scales() == {"return": 250_000.0}

    def scaled() -> bool:
        c = next(r for r in pane.data.references if r.is_curve and r.method == "DQN")
        return bool(c.x[-1] == 198 * 250_000.0)

    qtbot.waitUntil(scaled, timeout=20000)
    pane.refs_button.rebuild()
    texts = [a.text() for a in pane.refs_button.menu_.actions()]
    assert "Curves' x: 1 iteration = 250,000 × step…" in texts
    # the drawn curve is the scaled one
    drawn = pane.canvas.refs.curve_data()
    x, _y = next(v for label, v in drawn.items() if label.startswith("DQN — "))
    np.testing.assert_array_equal(x[:3], np.array([0.0, 1.0, 2.0]) * 250_000)
