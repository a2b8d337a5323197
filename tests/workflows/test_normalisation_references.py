"""Human / random normalisation references and reported curves' x units (issue #15
items 3-4), headless, on the real files: Dopamine's Pong baselines (runs and reported
curves), the EFF table's Pong scores of the Nature DQN and C51 papers, rliable's human
and random table. A pane's state asks for the Human / Random lines, which are drawn
into the figure and its CSV; a Dopamine curve's iterations are scaled to agent steps by
the scale remembered with the metric mapping; the comparison table's cells become
human-normalised scores; ``paperscope plot`` and ``paperscope table`` do the same."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.workflows.test_references import PONG, build_library, eff_pong, pong_runs

HUMAN, RANDOM = 14.6, -20.7  # rliable's Pong


@pytest.fixture
def library(store: Any) -> dict[str, int]:
    return build_library(store)


def test_human_and_random_lines_for_the_runs_game(store: Any, library: dict[str, int]) -> None:
    from paperscope.state.plot_pane import PlotPaneState
    from paperscope.workflows.references import find_references

    runs = pong_runs()
    found = find_references(store, runs, "return", normalisation=("human", "random"))
    assert {t: g.name for t, g in found.games.items()} == {"pong": "Pong"}
    lines = [(r.label, r.value) for r in found.references if r.result_id is None]
    assert lines == [("Human (Pong)", HUMAN), ("Random (Pong)", RANDOM)]
    assert [r.method for r in found.references][:2] == ["Nature DQN", "C51 noop"]  # still there
    # without asking: none; with no paper linked at all, the game still gives them
    plain = find_references(store, runs, "return")
    assert all(r.result_id is not None for r in plain.references)
    alone = find_references(store, runs, "return", include_linked=False, normalisation=("human",))
    assert [(r.label, r.value) for r in alone.references] == [("Human (Pong)", HUMAN)]
    # the pane's state: toggled, kept in the workspace JSON, passed to the finder
    state = PlotPaneState()
    state.update(metric="return")
    assert state.set_normalisation_line("random", True) == frozenset({"normalisation_lines"})
    state.set_normalisation_line("human", True)
    assert state.value.normalisation_lines == ("human", "random")
    data = state.to_json()
    assert data["references"]["normalisation"] == ["human", "random"]
    again = PlotPaneState.from_json(json.loads(json.dumps(data)))
    assert again.value == state.value
    assert again.value.reference_query()["normalisation"] == ("human", "random")
    state.set_normalisation_line("human", False)
    assert state.value.normalisation_lines == ("random",)
    from paperscope.state.events import StateError

    with pytest.raises(StateError, match="normalisation_lines"):
        state.update(normalisation_lines=("expert",))


def test_a_game_named_only_through_the_mapping(store: Any) -> None:
    """Runs whose task is no Atari spelling find their game through the dataset mapping."""
    from dataclasses import replace

    from paperscope.workflows.references import find_references

    runs = [replace(r, config={**r.config, "game": "custom-7"}) for r in pong_runs()[:2]]
    found = find_references(store, runs, "return", normalisation=("human",))
    assert found.games == {} and "no Atari game for custom-7: map the task" in found.notes
    store.set_result_mapping("dataset", "custom-7", "Atari 2600 Breakout")
    found = find_references(store, runs, "return", normalisation=("human",))
    assert [(r.label, r.value) for r in found.references] == [("Human (Breakout)", 30.5)]


def test_figure_and_csv_carry_the_human_and_random_lines(
    store: Any, library: dict[str, int], tmp_path: Path
) -> None:
    from paperscope.results.figure import FigureStyle, draw_figure
    from paperscope.workflows.plots import PlotSpec, compute_plot, export_plot
    from paperscope.workflows.references import find_references

    runs = pong_runs()
    refs = find_references(store, runs, "return", normalisation=("human", "random")).references
    data = compute_plot(runs, PlotSpec("return", group_by="agent", references=tuple(refs)))
    svg, table = tmp_path / "pong.svg", tmp_path / "pong.csv"
    style = FigureStyle(legend="none")
    export_plot(data, svg, style, table)
    with table.open(encoding="utf-8") as fh:
        rows = [
            (r["series"], float(r["y"])) for r in csv.DictReader(fh) if r["kind"] == "reference"
        ]
    assert rows[2:] == [("Human (Pong)", HUMAN), ("Random (Pong)", RANDOM)]
    fig = draw_figure(data.curves, data.groups, style, data.info(), data.references)
    fig.set_dpi(72)
    fig.draw_without_rendering()
    height = fig.get_figheight() * 72
    text = svg.read_text()
    for i, value in ((2, HUMAN), (3, RANDOM)):
        block = re.search(rf'<g id="reference-{i}">\s*<path d="M ([\d.]+) ([\d.]+)\s+L '
                          r'([\d.]+) ([\d.]+)', text)  # fmt: skip
        assert block is not None, i
        want = height - fig.axes[0].transData.transform((0.0, value))[1]
        assert float(block.group(2)) == float(block.group(4))
        assert abs(float(block.group(2)) - want) < 0.5
    assert "Human (Pong)" in text and "Random (Pong)" in text


def test_reported_curves_x_scale_is_remembered_with_the_metric_mapping(tmp_path: Path) -> None:
    from paperscope.library.store import Store
    from paperscope.workflows.references import attach_runs_as_results, find_references

    lib = tmp_path / "lib.duckdb"
    with Store(lib) as s:
        ids = build_library(s)
        attach_runs_as_results(s, ids["c51"], pong_runs())
        found = find_references(s, pong_runs(), "return")
        (curve,) = [r for r in found.references if r.is_curve and r.method == "DQN"]
        assert found.has_curves and found.x_unit == "iteration" and found.x_scale is None
        assert curve.x[-1] == 198.0  # iterations, as reported
        with pytest.raises(ValueError, match="positive"):
            s.set_x_scale("return", "Score", -1.0)
        with pytest.raises(ValueError, match="map 'loss' to a reported metric first"):
            s.set_x_scale("loss", "", 2.0)
        s.set_x_scale("return", "Score", 250_000.0)
    with Store(lib) as s:  # reopened: remembered
        assert s.result_mappings("metric") == {"return": "Score"}
        assert s.result_x_scales() == {"return": 250_000.0}
        found = find_references(s, pong_runs(), "return")
        (curve,) = [r for r in found.references if r.is_curve and r.method == "DQN"]
        dqn = sorted({int(r["Iteration"]) for r in json.loads(PONG.read_text())
                      if r["Agent"] == "DQN"})  # fmt: skip
        np.testing.assert_array_equal(curve.x, np.asarray(dqn, dtype=float) * 250_000)
        lines = [r for r in found.references if not r.is_curve]
        assert [r.value for r in lines][:2] == [18.9, 20.9]  # lines have no x to scale
        # re-mapping the metric keeps the scale; forgetting the scale keeps the mapping
        s.set_result_mapping("metric", "return", "Score")
        assert s.result_x_scales() == {"return": 250_000.0}
        s.set_x_scale("return", "Score", None)
        assert s.result_x_scales() == {} and s.result_mappings("metric") == {"return": "Score"}


def _pong_finals() -> dict[str, list[float]]:
    """Each agent's final Dopamine Pong return per seed, from the file itself."""
    last: dict[tuple[str, int], float] = {}
    seen: dict[tuple[str, int], int] = {}
    for rec in json.loads(PONG.read_text()):
        agent, it = rec["Agent"], int(rec["Iteration"])
        seed = seen.get((agent, it), 0)
        seen[(agent, it)] = seed + 1
        last[(agent, seed)] = float(rec["Value"])  # iterations come in order per seed
    out: dict[str, list[float]] = {}
    for (agent, _seed), v in sorted(last.items()):
        out.setdefault(agent, []).append(v)
    return out


def test_comparison_table_with_human_normalised_scores(store: Any, library: dict[str, int]) -> None:
    from paperscope.workflows.table import comparison_table, render_table

    runs = pong_runs()
    raw = comparison_table(store, runs, "return", group_by="agent", reported_metric="Score")
    built = comparison_table(store, runs, "return", group_by="agent", reported_metric="Score",
                             normalise="human")  # fmt: skip
    # the runs' "pong" and the EFF's "Atari 2600 Pong" share one column
    assert [c.dataset for c in raw.table.columns] == ["pong"]
    assert [c.metric for c in built.table.columns] == ["Score (human-normalised)"]
    assert built.normalised == ["pong"]
    rows = {r.label: r.cells[0] for r in built.table.rows}
    finals = _pong_finals()
    for agent, vals in finals.items():
        norm = (np.asarray(vals) - RANDOM) / (HUMAN - RANDOM)
        assert rows[f"agent={agent}"].value == pytest.approx(norm.mean()), agent
        assert rows[f"agent={agent}"].std == pytest.approx(np.std(norm, ddof=1)), agent
    assert rows["Nature DQN"].value == pytest.approx((eff_pong("Nature DQN") - RANDOM) / 35.3)
    assert rows["C51 noop"].value == pytest.approx((20.9 - RANDOM) / 35.3)
    md = render_table(built, "markdown", 2)
    assert "pong / Score (human-normalised)" in md and "1.12" in md  # Nature DQN's 18.9
    # IQM [95% CI]: the same affine map of the raw IQM and its CI (same resamples)
    raw_iqm = comparison_table(store, runs, "return", group_by="agent", stat="iqm-ci", reps=200)
    iqm = comparison_table(store, runs, "return", group_by="agent", stat="iqm-ci", reps=200,
                           normalise="human")  # fmt: skip
    for a, b in zip(raw_iqm.table.rows, iqm.table.rows, strict=True):
        for got, want in ((b.cells[0].value, a.cells[0].value),
                          (b.cells[0].ci_low, a.cells[0].ci_low),
                          (b.cells[0].ci_high, a.cells[0].ci_high)):  # fmt: skip
            assert got == pytest.approx((want - RANDOM) / 35.3)
    with pytest.raises(ValueError, match="normalise by one of human"):
        comparison_table(store, runs, "return", normalise="expert")


def test_a_column_without_references_is_left_raw(store: Any) -> None:
    from paperscope.workflows.runs import load_runs
    from paperscope.workflows.table import comparison_table
    from tests.conftest import RUNS

    runs, _ = load_runs([RUNS / "tensorboard-reducer" / "tests" / "runs" / "strict"])
    metric = sorted(runs[0].series)[0]
    built = comparison_table(store, runs, metric, group_by="name", normalise="human")
    assert built.normalised == [] and built.table.columns[0].metric == metric
    assert any("no human / random scores: left raw" in str(i) for i in built.issues)


def test_cli_plot_and_table_normalised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paperscope.cli import main
    from paperscope.library.store import Store
    from paperscope.workflows.references import attach_runs_as_results

    lib = tmp_path / "lib.duckdb"
    with Store(lib) as s:
        ids = build_library(s)
        attach_runs_as_results(s, ids["c51"], pong_runs())
    out, table = tmp_path / "pong.svg", tmp_path / "pong.csv"
    base = ["--library", str(lib), "plot", str(PONG), "--metric", "return", "--group-by",
            "agent", "--legend", "none", "--out", str(out), "--csv", str(table)]  # fmt: skip
    rc = main([*base, "--normalisation-lines", "human", "random", "--map-metric", "Score",
               "--x-scale", "250000"])  # fmt: skip
    got = capsys.readouterr()
    assert rc == 0, got.err
    assert "references: reported curves' x × 250000" in got.out
    with table.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    lines = [(r["series"], float(r["y"])) for r in rows if r["kind"] == "reference"]
    assert ("Human (Pong)", HUMAN) in lines and ("Random (Pong)", RANDOM) in lines
    curve_x = [float(r["x"]) for r in rows if r["kind"] == "reference curve"
               and r["series"].startswith("DQN —")]  # fmt: skip
    assert curve_x[0] == 0.0 and curve_x[-1] == 198 * 250_000.0
    with Store(lib) as s:
        assert s.result_x_scales() == {"return": 250_000.0}
    assert main([*base, "--x-scale", "0"]) == 0  # 0 forgets it
    capsys.readouterr()
    with Store(lib) as s:
        assert s.result_x_scales() == {}
    md = tmp_path / "table.md"
    rc = main(["--library", str(lib), "table", str(PONG), "--metric", "return", "--group-by",
               "agent", "--reported-metric", "Score", "--normalise", "human",
               "--format", "markdown", "--out", str(md)])  # fmt: skip
    got = capsys.readouterr()
    assert rc == 0, got.err
    text = md.read_text()
    assert "pong / Score (human-normalised)" in text
    nature = next(line for line in text.splitlines() if "Nature DQN" in line)
    assert "1.12" in nature  # (18.9 + 20.7) / 35.3
