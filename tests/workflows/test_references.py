"""Reference lines (issue #15 item 3), headless: which reported results a plot of runs
shows, the metric / dataset mapping remembered per library, runs attached as a paper's
reported scores and curves, and the exported figure and CSV — on the real files of
``shared/data/results`` (Papers with Code's EFF import, the JAT model card) and
``shared/data/runs`` (Dopamine's Pong baselines, IRIS's Atari 100k scores)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from paperscope.core.records import Paper, Run
from tests.conftest import RUNS, SHARED_DATA

RESULTS = SHARED_DATA / "results"
EFF = RESULTS / "pwc_sota_extractor" / "eff.json"
JAT = RESULTS / "hf_model_cards" / "jat-project_jat.md"
PONG = RUNS / "dopamine" / "baselines" / "atari" / "data" / "pong.json"
IRIS = RUNS / "iris" / "results" / "data" / "IRIS.json"
NATURE_DQN = "Human-level control through deep reinforcement learning"
C51 = "A Distributional Perspective on Reinforcement Learning"
JAT_PAPER = Paper(
    title="Jack of All Trades, Master of Some, a Multi-Purpose Transformer Agent",
    authors=("Quentin Gallouédec", "Edward Beeching", "Clément Romac", "Emmanuel Dellandréa"),
    year=2024,
    arxiv_id="2402.09844",
)


def paper_id(store: Any, title: str) -> int:
    ids = [p for p in store.paper_ids() if store.paper_row(int(p))["title"] == title]
    assert len(ids) == 1, title
    return int(ids[0])


def build_library(store: Any) -> dict[str, int]:
    """EFF's Atari tables (their papers added), the JAT card (its paper added first),
    Dopamine's Pong runs linked to the Nature DQN and C51 papers. Returns ids by name."""
    from paperscope.workflows import results as wf

    wf.import_results(store, [EFF], add_papers=True)
    store.add_papers([JAT_PAPER])
    wf.import_results(store, [JAT])
    ids = {"dqn": paper_id(store, NATURE_DQN), "c51": paper_id(store, C51)}
    ids["jat"] = paper_id(store, JAT_PAPER.title)
    wf.link_runs(store, [PONG], ids["dqn"])
    wf.link_runs(store, [PONG], ids["c51"], role="baseline")
    (jat_pong,) = [
        s.id for s in store.reported_results([ids["jat"]], metric="Total reward")
        if s.result.dataset == "Pong"
    ]  # fmt: skip
    ids["jat_pong"] = jat_pong
    return ids


def pong_runs() -> list[Run]:
    from paperscope.workflows.runs import load_runs

    runs, issues = load_runs([PONG], use_cache=False)
    assert not issues and len(runs) == 30
    return runs


def eff_pong(model: str) -> float:
    """The EFF file's own number for ``model`` on Atari 2600 Pong."""
    data = json.loads(EFF.read_text())
    for task in data:
        for ds in task.get("datasets", []):
            if ds["dataset"] == "Atari 2600 Pong":
                for row in ds["sota"]["rows"]:
                    if row["model_name"] == model:
                        return float(row["metrics"]["Score"])
    raise AssertionError(model)


@pytest.fixture
def library(store: Any) -> dict[str, int]:
    return build_library(store)


def test_names_suggest_the_reported_metric_and_dataset() -> None:
    from paperscope.results.references import suggest

    assert suggest("eval/mean_reward", ["Accuracy", "Score"]) == "Score"
    assert suggest("return", ["Score", "Expert normalized total reward"]) == "Score"
    assert suggest("pong", ["Atari 2600 Breakout", "Atari 2600 Pong"]) == "Atari 2600 Pong"
    assert suggest("PongNoFrameskip-v4", ["Atari 2600 Pong", "Pong"]) == "Pong"
    assert suggest("BreakoutNoFrameskip-v4", ["Atari 2600 Pong"]) is None
    assert suggest("score", ["Score", "score"]) == "Score"  # an exact match first
    assert suggest("loss", ["Score"]) is None


def test_linked_papers_give_their_pong_scores_as_lines(store: Any, library: dict[str, int]) -> None:
    from paperscope.workflows.references import find_references

    found = find_references(store, pong_runs(), "return")
    assert found.linked == [library["dqn"], library["c51"]]
    assert found.reported_metric == "Score" and not found.metric_remembered
    assert found.task_ids == ["pong"]
    assert found.dataset_of == {"pong": "Atari 2600 Pong"}
    got = {r.method: r.value for r in found.references}
    # both papers' Pong rows of the EFF table, and nothing of the other 56 games
    assert got == {"Nature DQN": eff_pong("Nature DQN"), "C51 noop": eff_pong("C51 noop")}
    assert got["Nature DQN"] == 18.9
    assert all(r.dataset == "Atari 2600 Pong" and r.lower is None for r in found.references)
    assert found.references[0].label.startswith("Nature DQN — Human-level control")


def test_an_added_result_brings_its_band_and_hidden_ones_go(
    store: Any, library: dict[str, int]
) -> None:
    from paperscope.state.plot_pane import PlotPaneState
    from paperscope.workflows.references import find_references

    runs = pong_runs()
    found = find_references(store, runs, "return", result_ids=[library["jat_pong"]])
    jat = found.references[-1]
    # the card's "16.54 +/- 10.34": a band of ± std
    assert (jat.value, jat.spread) == (16.54, "std")
    assert jat.lower == pytest.approx(16.54 - 10.34) and jat.upper == pytest.approx(16.54 + 10.34)
    assert jat.label == "jat-project/jat — Gallouédec et al. 2024"
    state = PlotPaneState()
    state.update(metric="return", reference_results=(library["jat_pong"],))
    dqn_id = found.references[0].result_id
    assert dqn_id is not None
    state.set_reference_shown(dqn_id, False)
    spec = state.to_spec([r.id for r in runs], found.references)
    assert [r.method for r in spec.references] == ["C51 noop", "jat-project/jat"]
    state.update(show_references=False)
    assert state.to_spec(None, found.references).references == ()


def test_mapping_is_remembered_across_reopening_the_library(tmp_path: Path) -> None:
    from paperscope.library.store import Store
    from paperscope.workflows.references import find_references

    path = tmp_path / "lib.duckdb"
    s = Store(path)
    ids = build_library(s)
    s.set_result_mapping("metric", "return", "Total reward")
    s.set_result_mapping("dataset", "pong", "Pong")
    s.close()
    s = Store(path)
    try:
        assert s.result_mappings("metric") == {"return": "Total reward"}
        assert s.result_mappings("dataset") == {"pong": "Pong"}
        found = find_references(s, pong_runs(), "return", paper_ids=[ids["jat"]])
        assert found.metric_remembered and found.reported_metric == "Total reward"
        assert [(r.method, r.value) for r in found.references] == [("jat-project/jat", 16.54)]
        s.set_result_mapping("metric", "return", "")  # forgotten
        assert s.result_mappings("metric") == {}
        with pytest.raises(ValueError, match="kind"):
            s.set_result_mapping("colour", "a", "b")
    finally:
        s.close()


def test_an_unmatched_task_draws_nothing_and_says_so(store: Any, library: dict[str, int]) -> None:
    from dataclasses import replace

    from paperscope.workflows.references import find_references

    runs = [replace(r, config={**r.config, "game": "tetris"}) for r in pong_runs()]
    found = find_references(store, runs, "return")
    assert found.references == []
    assert found.notes == ["no reported dataset matches tetris: map it"]
    store.set_result_mapping("dataset", "tetris", "Atari 2600 Pong")
    assert len(find_references(store, runs, "return").references) == 2


def test_rliable_scores_attach_as_per_game_results(store: Any, library: dict[str, int]) -> None:
    from paperscope.workflows.references import attach_runs_as_results
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([IRIS], use_cache=False)
    ids = attach_runs_as_results(store, library["jat"], runs)
    raw = json.loads(IRIS.read_text())
    assert len(ids) == len(raw) == 26
    got = {s.result.dataset: s.result for s in store.reported_results([library["jat"]])
           if s.id in set(ids)}  # fmt: skip
    for game, scores in raw.items():
        r = got[game]
        assert r.value == pytest.approx(np.mean(scores))
        assert r.std == pytest.approx(np.std(scores, ddof=1))
        assert (r.n_runs, r.metric, r.method) == (len(scores), "Score", "IRIS")


def test_dopamine_baselines_attach_as_reported_curves(store: Any, library: dict[str, int]) -> None:
    from paperscope.workflows.references import attach_runs_as_results, find_references

    ids = attach_runs_as_results(store, library["c51"], pong_runs())
    assert len(ids) == 6  # one per agent
    records = json.loads(PONG.read_text())
    dqn = {}
    for rec in records:
        if rec["Agent"] == "DQN":
            dqn.setdefault(int(rec["Iteration"]), []).append(float(rec["Value"]))
    found = find_references(store, pong_runs(), "return")
    (curve,) = [r for r in found.references if r.is_curve and r.method == "DQN"]
    assert list(curve.x) == sorted(dqn)
    want = np.array([np.mean(dqn[k]) for k in sorted(dqn)])
    np.testing.assert_allclose(curve.y, want)
    np.testing.assert_allclose(curve.y_upper - curve.y,
                               [np.std(dqn[k], ddof=1) for k in sorted(dqn)])  # fmt: skip
    assert curve.value == pytest.approx(want[-1]) and curve.has_band


def test_figure_and_csv_carry_the_reference_lines(
    store: Any, library: dict[str, int], tmp_path: Path
) -> None:
    from paperscope.results.figure import FigureStyle, draw_figure
    from paperscope.workflows.plots import PlotSpec, compute_plot, export_plot
    from paperscope.workflows.references import find_references

    runs = pong_runs()
    refs = find_references(store, runs, "return", result_ids=[library["jat_pong"]]).references
    spec = PlotSpec("return", group_by="agent", references=tuple(refs))
    data = compute_plot(runs, spec)
    assert [r.value for r in data.references] == [18.9, 20.9, 16.54]
    svg, table = tmp_path / "pong.svg", tmp_path / "pong.csv"
    style = FigureStyle(legend="none")
    export_plot(data, svg, style, table)
    with table.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "reference"]
    assert [(r["series"].split(" — ")[0], float(r["y"])) for r in rows] == [
        ("Nature DQN", 18.9), ("C51 noop", 20.9), ("jat-project/jat", 16.54)
    ]  # fmt: skip
    assert float(rows[2]["lower"]) == pytest.approx(6.2)
    assert float(rows[2]["upper"]) == pytest.approx(26.88)
    # the SVG's line for Nature DQN lies where the axes put y = 18.9 (at 72 dpi, y down)
    fig = draw_figure(data.curves, data.groups, style, data.info(), data.references)
    fig.set_dpi(72)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    height = fig.get_figheight() * 72
    text = svg.read_text()
    for i, value in enumerate((18.9, 20.9, 16.54)):
        block = re.search(rf'<g id="reference-{i}">\s*<path d="M ([\d.]+) ([\d.]+)\s+L '
                          r'([\d.]+) ([\d.]+)', text)  # fmt: skip
        assert block is not None, i
        y0, y1 = float(block.group(2)), float(block.group(4))
        want = height - ax.transData.transform((0.0, value))[1]
        assert y0 == y1 and abs(y0 - want) < 0.5
    assert "jat-project/jat — Gallouédec et al. 2024" in text


def test_cli_plot_reference_and_mapping(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from paperscope.cli import main
    from paperscope.library.store import Store

    lib = tmp_path / "lib.duckdb"
    s = Store(lib)
    ids = build_library(s)
    s.close()
    out, table = tmp_path / "pong.pdf", tmp_path / "pong.csv"
    base = ["--library", str(lib), "plot", str(PONG), "--metric", "return", "--group-by",
            "agent", "--out", str(out), "--csv", str(table)]  # fmt: skip
    rc = main([*base, "--references"])
    got = capsys.readouterr()
    assert rc == 0, got.err
    assert "2 reference lines" in got.out
    assert "references: return ↔ Score (suggested)" in got.out
    assert "references: pong ↔ Atari 2600 Pong" in got.out
    with table.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "reference"]
    assert [float(r["y"]) for r in rows] == [18.9, 20.9]
    assert out.read_bytes().startswith(b"%PDF")
    # the JAT paper by its arXiv id, its metric and dataset mapped (remembered)
    rc = main([*base, "--reference", "2402.09844", "--map-metric", "Total reward",
               "--map-dataset", "pong=Pong"])  # fmt: skip
    got = capsys.readouterr()
    assert rc == 0, got.err
    assert "references: return ↔ Total reward (remembered)" in got.out
    with table.open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["kind"] == "reference"]
    assert [(float(r["y"]), float(r["lower"]), float(r["upper"])) for r in rows] == [
        (16.54, pytest.approx(6.2), pytest.approx(26.88))
    ]
    s = Store(lib)
    assert s.result_mappings("dataset") == {"pong": "Pong"}
    s.close()
    assert main([*base, "--reference", "9999"]) == 2
    assert "no paper 9999" in capsys.readouterr().err
    assert main([*base, "--map-dataset", "pong"]) == 2
    assert "TASK=DATASET" in capsys.readouterr().err
    # rliable scores attach as a paper's results from the CLI too
    rc = main(["--library", str(lib), "results", str(ids["c51"]), "--attach", str(IRIS)])
    assert rc == 0
    assert "26 reported results attached" in capsys.readouterr().out
