"""Run links and reported results in the library: they survive reopening, a moved run
is found again by its content fingerprint, and unlinking or deleting a paper never
touches a run file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paperscope.core.records import Paper, ReportedResult
from paperscope.library.store import Store
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from tests.conftest import RUNS, SHARED_DATA

STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"
REFS = SHARED_DATA / "results/latex/rl_thesis_refs.bib"


def _runs(tmp: Path) -> Path:
    dest = tmp / "experiments" / "strict"
    shutil.copytree(STRICT, dest)
    return dest


def _paper(store: Store, key: str) -> int:
    rows = store.cursor().execute("SELECT id FROM papers WHERE citation_key = ?", [key]).fetchall()
    assert len(rows) == 1, key
    return int(rows[0][0])


def test_link_survives_reopening_the_library(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    lib = tmp_path / "lib.duckdb"
    with Store(lib) as store:
        import_paths(store, [REFS])
        pid = _paper(store, "Mnih2015")
        ids = wf.link_runs(store, [runs / "run_1", runs / "run_2"], pid, "baseline", "seed 1, 2")
        ids += wf.link_runs(store, [runs / "run_3"], pid, "my-method")
        before = store.run_links()
    with Store(lib) as store:
        after = store.run_links()
        assert after == before
        assert [k.id for k in after] == ids
        assert [(Path(k.source).name, k.role, k.note) for k in after] == [
            ("run_1", "baseline", "seed 1, 2"),
            ("run_2", "baseline", "seed 1, 2"),
            ("run_3", "my-method", ""),
        ]
        assert all(k.fingerprint.startswith("d:") and k.paper_id == pid for k in after)
        assert [s.state for s in wf.link_states(store, pid)] == ["ok"] * 3
        assert list(store.papers_with_runs()) == [pid]
        # linking again updates, never duplicates
        again = wf.link_runs(store, [runs / "run_1"], pid, "reproduces", "now reproduces")
        assert again == ids[:1] and len(store.run_links()) == 3
        assert store.run_links(pid)[0].role == "reproduces"


def test_moved_folder_is_found_again_by_fingerprint(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [REFS])
        pid = _paper(store, "Hessel2018")
        (link_id,) = wf.link_runs(store, [runs / "run_2"], pid)
        (file_link,) = wf.link_runs(store, [next((runs / "run_3").iterdir())], pid)
        moved = tmp_path / "archive" / "2021" / "renamed_run"
        moved.parent.mkdir(parents=True)
        shutil.move(runs / "run_2", moved)
        moved_file = tmp_path / "archive" / "events.moved"
        shutil.move(next((runs / "run_3").iterdir()), moved_file)
        states = {s.link.id: s.state for s in wf.link_states(store, pid)}
        assert states == {link_id: "missing", file_link: "missing"}
        # run_1 and run_3 (now empty) are still there: same layout, other content
        assert wf.locate_run(store, link_id, tmp_path) == str(moved.resolve())
        assert wf.locate_run(store, file_link, tmp_path) == str(moved_file.resolve())
        assert {s.state for s in wf.link_states(store, pid)} == {"ok"}
        # a run that is nowhere stays missing, and says so
        shutil.rmtree(moved)
        assert wf.locate_run(store, link_id, tmp_path) is None
        assert {s.link.id: s.state for s in wf.link_states(store, pid)}[link_id] == "missing"


def test_fingerprint_depends_on_content_not_place(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    copy = tmp_path / "elsewhere"
    shutil.copytree(runs / "run_1", copy)
    assert wf.content_fingerprint(copy) == wf.content_fingerprint(runs / "run_1")
    assert wf.content_fingerprint(runs / "run_1") != wf.content_fingerprint(runs / "run_2")
    with pytest.raises(FileNotFoundError):
        wf.content_fingerprint(tmp_path / "nope")


def test_unlink_and_delete_never_touch_run_files(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    files = sorted(p for p in runs.rglob("*") if p.is_file())
    content = [p.read_bytes() for p in files]
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [REFS])
        a, b = _paper(store, "Mnih2015"), _paper(store, "Mnih2013")
        wf.link_runs(store, [runs / "run_1", runs / "run_2"], a)
        wf.link_runs(store, [runs / "run_1"], b)
        wf.add_manual_result(store, a, dataset="Synthetic", metric="strict/foo", value="1.8 ± 0.1")
        assert wf.unlink_runs(store, [runs / "run_1"], a) == 1
        assert [Path(k.source).name for k in store.run_links(a)] == ["run_2"]
        assert store.delete_papers([a]) == 1
        assert store.run_links(a) == []
        assert [Path(k.source).name for k in store.run_links(b)] == ["run_1"]
        # the deleted paper's reported result is kept, matched to no paper
        (kept,) = store.reported_results(unattached=True)
        assert kept.result.value == 1.8 and kept.paper_id is None
        assert wf.unlink_runs(store, [runs / "run_1"]) == 1
    assert sorted(p for p in runs.rglob("*") if p.is_file()) == files
    assert [p.read_bytes() for p in files] == content


def test_merge_moves_links_and_results_to_the_kept_paper(tmp_path: Path) -> None:
    runs = _runs(tmp_path)
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [REFS])
        a, b = _paper(store, "Mnih2015"), _paper(store, "Mnih2013")
        wf.link_runs(store, [runs / "run_1"], b)
        wf.add_manual_result(store, b, dataset="Pong", metric="Score", value="20.9")
        store.merge(a, [b])
        assert [k.paper_id for k in store.run_links()] == [a]
        assert [s.paper_id for s in store.reported_results()] == [a]


def test_reported_results_round_trip_every_field(store: Store) -> None:
    (pid,) = store.add_papers(
        [Paper(title="A paper with results", arxiv_id="2402.09844")]
    ).paper_ids
    rich = ReportedResult(
        task="RL", dataset="Atari 57", metric="IQM", value=0.14, method="JAT", std=None,
        ci_low=0.14, ci_high=0.15, n_runs=5, higher_is_better=True, raw="0.14 [0.14, 0.15]",
        arxiv_id="2402.09844", doi="10.1/x", paper_title="T", paper_url="https://arxiv.org/abs/2402.09844",
        extra={"dataset": {"type": "atari"}, "percent": True}, source="card.md", location="m[0]",
    )  # fmt: skip
    bare = ReportedResult(task="", dataset="d", metric="m", value=-0.0)
    ids = store.add_reported_results([rich, bare], [pid, None])
    got = {s.id: s for s in store.reported_results([pid])}
    assert list(got) == ids[:1] and got[ids[0]].result == rich
    (orphan,) = store.reported_results(unattached=True)
    assert orphan.result == bare and orphan.paper_id is None
    assert store.reported_results([pid], metric="iqm")[0].result == rich
    assert list(store.papers_with_results()) == [pid]
    assert store.attach_results([ids[1]], pid) == 1
    assert store.delete_reported_results(ids) == 2


def test_link_to_a_missing_paper_or_with_a_bad_role_is_refused(
    store: Store, tmp_path: Path
) -> None:
    runs = _runs(tmp_path)
    with pytest.raises(ValueError, match="no paper 99"):
        wf.link_runs(store, [runs / "run_1"], 99)
    (pid,) = store.add_papers([Paper(title="Another paper", doi="10.1234/abcd.5678")]).paper_ids
    assert wf.resolve_paper(store, "https://doi.org/10.1234/ABCD.5678") == pid
    with pytest.raises(ValueError, match="unknown role"):
        store.link_run(pid, str(runs), "d:x", role="sibling")
