"""The window's link verbs without the window: what a link to a loaded run names, which
loaded runs a link covers, the runs panel's paper names, the map's flags and colours,
and editing / deleting / restoring reported results. Real runs: tensorboard-reducer."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest

from paperscope.library.store import Store
from paperscope.mapping import palette
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from paperscope.workflows.runs import load_runs
from tests.conftest import RUNS, SHARED_DATA

if TYPE_CHECKING:
    from collections.abc import Iterator

STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"
REFS = SHARED_DATA / "results/latex/rl_thesis_refs.bib"


@pytest.fixture
def lib(tmp_path: Path) -> Iterator[tuple[Store, Path]]:
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [REFS])
        yield store, runs


def _pid(store: Store, key: str) -> int:
    row = store.cursor().execute("SELECT id FROM papers WHERE citation_key = ?", [key]).fetchone()
    assert row is not None
    return int(row[0])


def test_loaded_runs_link_by_their_folder_and_are_covered(lib: tuple[Store, Path]) -> None:
    store, folder = lib
    runs, _ = load_runs([folder])
    runs.sort(key=lambda r: r.name)
    # a TensorBoard run folder holds only that run's files: the link names the folder
    assert [wf.run_link_target(r, runs) for r in runs] == [
        (str((folder / n).resolve()), "") for n in ("run_1", "run_2", "run_3")
    ]
    mnih, wang = _pid(store, "Mnih2015"), _pid(store, "Wang2016")
    wf.link_loaded_runs(store, runs[:2], mnih, "baseline", others=runs)
    wf.link_runs(store, [folder], wang)  # the whole folder: covers all three
    by_run = wf.links_of_runs(store, runs)
    assert {r.name: sorted(k.paper_id for k in by_run[r.id]) for r in runs} == {
        "run_1": sorted([mnih, wang]), "run_2": sorted([mnih, wang]),
        "run_3": [wang],
    }  # fmt: skip
    folder_link = next(k for k in store.run_links(wang))
    assert sorted(wf.runs_of_link(folder_link, runs)) == sorted(r.id for r in runs)
    labels = wf.paper_labels(store, [mnih, wang])
    assert labels[mnih].startswith("Mnih") and labels[mnih].endswith("2015")
    names = wf.run_paper_labels(store, runs)
    assert names[runs[2].id] == labels[wang]
    assert names[runs[0].id] == f"{labels[mnih]}; {labels[wang]}"


def test_a_file_among_others_links_by_the_file(tmp_path: Path) -> None:
    from paperscope.core.records import Run

    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("step,loss\n0,1\n")
    run = Run("x", "a", "csv", (str(tmp_path / "a.csv"),), {})
    other = Run("y", "b", "csv", (str(tmp_path / "b.csv"),), {})
    assert wf.run_link_target(run, [run, other]) == (str((tmp_path / "a.csv").resolve()), "")
    # two runs from one file: the name inside it is part of the link
    twin = Run("z", "a2", "csv", (str(tmp_path / "a.csv"),), {})
    assert wf.run_link_target(run, [run, twin]) == (str((tmp_path / "a.csv").resolve()), "a")
    with pytest.raises(ValueError, match="no source"):
        wf.run_link_target(Run("w", "w", "csv", (), {}))


def test_map_flags_and_colours(lib: tuple[Store, Path]) -> None:
    store, folder = lib
    ids = store.paper_ids()
    mnih, wang = _pid(store, "Mnih2015"), _pid(store, "Wang2016")
    wf.link_runs(store, [folder / "run_1"], mnih)
    wf.add_manual_result(store, wang, dataset="Atari Pong", metric="Score", value="21.0")
    runs_flags = wf.paper_flags(store, ids, "has-runs")
    results_flags = wf.paper_flags(store, ids, "has-results")
    assert ids[runs_flags].tolist() == [mnih] and ids[results_flags].tolist() == [wang]
    colours = palette.flag_colours(runs_flags, "#D55E00")
    assert colours.dtype == np.uint32
    assert set(colours[runs_flags].tolist()) == {0xFFD55E00}
    assert set(colours[~runs_flags].tolist()) == {palette.argb(palette.OTHER)}
    with pytest.raises(ValueError, match="unknown flag"):
        wf.paper_flags(store, ids, "has-code")


def test_edit_delete_restore_results_and_roles(lib: tuple[Store, Path]) -> None:
    store, folder = lib
    pid = _pid(store, "Mnih2015")
    rid = wf.add_manual_result(store, pid, dataset="Pong", metric="Score", value="18.9 ± 1.3")
    old = wf.edit_manual_result(store, rid, dataset="Pong", metric="Score", value="93.2%",
                                method="DQN", n_runs=3)  # fmt: skip
    assert (old.value, old.std) == (18.9, 1.3)
    now = store.reported_result(rid).result
    assert (now.value, now.std, now.method, now.n_runs) == (93.2, None, "DQN", 3)
    with pytest.raises(ValueError):
        wf.edit_manual_result(store, rid, dataset="Pong", metric="Score", value="lots")
    with pytest.raises(ValueError, match="dataset and a metric"):
        wf.edit_manual_result(store, rid, dataset="", metric="Score", value="1")
    assert store.reported_result(rid).result == now
    gone = wf.delete_results(store, [rid])
    assert store.reported_results([pid]) == []
    (back,) = wf.restore_results(store, gone)
    assert store.reported_result(back).result == now
    assert store.reported_result(back).paper_id == pid
    with pytest.raises(ValueError, match="no reported result"):
        store.reported_result(rid)
    (lid,) = wf.link_runs(store, [folder / "run_1"], pid)
    store.set_run_link_role(lid, "my-method", "ours")
    (link,) = store.run_links(pid)
    assert (link.role, link.note) == ("my-method", "ours")
    with pytest.raises(ValueError, match="unknown role"):
        store.set_run_link_role(lid, "sota")


def test_cli_edits_and_deletes_a_result(
    lib: tuple[Store, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from paperscope.cli import main

    store, _ = lib
    pid = _pid(store, "Mnih2015")
    rid = wf.add_manual_result(store, pid, dataset="Pong", metric="Score", value="18.9 ± 1.3",
                               method="DQN")  # fmt: skip
    other = wf.add_manual_result(store, pid, dataset="Breakout", metric="Score", value="401.2")
    path = str(store.path)
    store.close()
    lib_args = ["--library", path]
    assert main([*lib_args, "results", str(pid), "--edit", str(rid), "20.0 ± 0.5"]) == 0
    assert main([*lib_args, "results", str(pid), "--edit", str(rid), "lots"]) == 2
    assert f"result {rid}:" in capsys.readouterr().err
    assert main([*lib_args, "results", str(pid), "--delete", "999999"]) == 2
    assert "has no reported result 999999" in capsys.readouterr().err
    assert main([*lib_args, "results", str(pid), "--delete", str(other)]) == 0
    capsys.readouterr()
    assert main([*lib_args, "results", str(pid), "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["dataset"], r["method"], r["value"], r["std"]) for r in rows] == [
        (rid, "Pong", "DQN", 20.0, 0.5)
    ]
