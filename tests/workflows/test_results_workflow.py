"""Importing reported results into the library (matched to papers by arXiv id, DOI or
title; the rest offered as new papers) and the CLI: import, link, unlink, results."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from paperscope.cli import main
from paperscope.core.records import Paper
from paperscope.library.store import Store
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from tests.conftest import RUNS, SHARED_DATA

RESULTS = SHARED_DATA / "results"
EFF = RESULTS / "pwc_sota_extractor/eff.json"
OGB = RESULTS / "pwc_sota_extractor/ogb.json"
JAT = RESULTS / "hf_model_cards/jat-project_jat.md"
REFS = RESULTS / "latex/rl_thesis_refs.bib"
STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"


def _key_ids(store: Store) -> dict[str, int]:
    rows = store.cursor().execute("SELECT citation_key, id FROM papers").fetchall()
    return {r[0]: int(r[1]) for r in rows if r[0]}


def test_pwc_rows_match_papers_by_arxiv_id_and_by_title(store: Store) -> None:
    import_paths(store, [REFS])
    keys = _key_ids(store)
    summary = wf.import_results(store, [EFF])
    assert summary.added == 1714 and not summary.issues
    per_paper = {k: len(store.reported_results([pid])) for k, pid in keys.items()}
    # Mnih2013 has its arXiv id in the .bib; the others match by their titles only
    assert {k: n for k, n in per_paper.items() if n} == {
        "Mnih2013": 7, "Mnih2015": 49, "vanHasselt2016": 228, "Wang2016": 228,
        "Schaul2016": 114,
    }  # fmt: skip
    assert summary.matched == 626
    dqn = store.reported_results([keys["vanHasselt2016"]])
    assert {r.result.arxiv_id for r in dqn} == {"1509.06461"}
    breakout = [
        (r.result.method, r.result.value) for r in dqn if r.result.dataset == "Atari 2600 Breakout"
    ]
    assert breakout[0] == ("DQN noop", 385.5)
    # unmatched rows name their papers: the titled ones are offered as new papers
    offered = {p.title for p in summary.new_papers}
    assert "Massively Parallel Methods for Deep Reinforcement Learning" in offered
    assert len(offered) == len(summary.new_papers)  # each offered once
    gorila = next(p for p in summary.new_papers if p.arxiv_id == "1507.04296")
    assert gorila.url == "https://arxiv.org/abs/1507.04296"


def test_match_by_doi_in_a_publisher_url(store: Store) -> None:
    (pid,) = store.add_papers(
        [Paper(title="A hierarchical approach", doi="10.1186/2193-1801-2-526")]
    ).paper_ids
    wf.import_results(store, [EFF])
    (row,) = store.reported_results([pid])
    assert row.result.paper_url == "https://link.springer.com/article/10.1186/2193-1801-2-526"
    assert (row.result.method, row.result.value) == ("Ghosal et al.", 17.3)


def test_unmatched_results_attach_when_their_paper_arrives(store: Store) -> None:
    wf.import_results(store, [JAT])
    assert len(store.reported_results(unattached=True)) == 376
    (pid,) = store.add_papers([Paper(title="A Generalist Agent", arxiv_id="2402.09844")]).paper_ids
    assert wf.attach_unmatched(store) == 376
    assert len(store.reported_results([pid])) == 376
    assert store.reported_results(unattached=True) == []


def test_add_papers_adds_the_named_papers_and_attaches(store: Store) -> None:
    summary = wf.import_results(store, [EFF], add_papers=True)
    assert summary.added_papers > 200 and summary.new_papers == []
    gorila = wf.resolve_paper(store, "1507.04296")
    assert {r.result.method for r in store.reported_results([gorila])} == {"Gorila"}


def test_cli_import_link_results_unlink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib.duckdb")]
    assert main([*lib, "import", str(REFS), str(OGB), str(JAT)]) == 0
    out, err = capsys.readouterr()
    assert "added 35, merged 0, skipped 0" in out
    assert "1,093 reported results: 0 attached" in out
    skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 15 and all("'Please tell us' is not a number" in x for x in skipped)
    assert main([*lib, "import", "--paper", "2402.09844", str(JAT)]) == 2
    assert "no paper with id, arXiv id or DOI '2402.09844'" in capsys.readouterr().err
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    with Store(tmp_path / "lib.duckdb") as store:
        pid = _key_ids(store)["Mnih2015"]
    assert main([*lib, "link", str(runs / "run_1"), str(runs / "run_2"), "--paper", str(pid),
                 "--role", "baseline", "--note", "two seeds"]) == 0  # fmt: skip
    assert f"2 run(s) linked to paper {pid} as baseline" in capsys.readouterr().out
    assert main([*lib, "results", str(pid), "--add", "1.8 ± 0.1", "--dataset", "Synthetic",
                 "--metric", "strict/foo", "--method", "DQN", "--n-runs", "5"]) == 0  # fmt: skip
    capsys.readouterr()
    assert main([*lib, "results", str(pid), "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    got = json.loads(line)
    assert {k: got[k] for k in ("dataset", "metric", "method", "value", "std", "n_runs")} == {
        "dataset": "Synthetic", "metric": "strict/foo", "method": "DQN", "value": 1.8,
        "std": 0.1, "n_runs": 5,
    }  # fmt: skip
    assert main([*lib, "results", str(pid)]) == 0
    text = capsys.readouterr().out
    assert "Synthetic\tstrict/foo\tDQN\t1.8 ± 0.1 (n=5)" in text
    assert f"run (baseline, ok): {(runs / 'run_1').resolve()}" in text
    assert main([*lib, "link", "--list"]) == 0
    assert capsys.readouterr().out.count("(two seeds)") == 2
    assert main([*lib, "unlink", str(runs / "run_1")]) == 0
    assert "1 link(s) removed" in capsys.readouterr().out
    assert (runs / "run_1").is_dir() and any((runs / "run_1").iterdir())
    assert main([*lib, "link", str(tmp_path / "gone"), "--paper", str(pid)]) == 2
    assert "no such run file or folder" in capsys.readouterr().err


def test_cli_locate_finds_a_moved_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = ["--library", str(tmp_path / "lib.duckdb")]
    assert main([*lib, "import", str(REFS)]) == 0
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    assert main([*lib, "link", str(runs / "run_2"), "--paper", "1"]) == 0
    moved = tmp_path / "moved" / "r2"
    moved.parent.mkdir()
    shutil.move(runs / "run_2", moved)
    capsys.readouterr()
    assert main([*lib, "link", "--list"]) == 0
    assert " missing " in capsys.readouterr().out
    assert main([*lib, "link", "--locate", "1"]) == 2
    assert "--locate needs --in DIR" in capsys.readouterr().err
    assert main([*lib, "link", "--locate", "1", "--in", str(tmp_path / "moved")]) == 0
    assert f"link 1 now points at {moved.resolve()}" in capsys.readouterr().out
    assert main([*lib, "link", "--list"]) == 0
    assert " ok " in capsys.readouterr().out
    assert main([*lib, "link", "--locate", "1", "--in", str(runs)]) == 1
