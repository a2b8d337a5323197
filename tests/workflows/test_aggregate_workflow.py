"""The aggregate verb (workflows/aggregate.py) on the IRIS repository's Atari 100k score
files, and the one rliable score parser behind it and behind the runs reader."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import ReadError
from paperscope.readers import registry
from paperscope.readers.runs import rliable_scores as S
from paperscope.results import aggregate as A
from paperscope.workflows import aggregate as W
from tests.conftest import RUNS

IRIS = RUNS / "iris" / "results" / "data"
REFS = (IRIS / "RANDOM.json", IRIS / "HUMAN.json")


def test_the_verb_is_the_primitives_in_order() -> None:
    files = [IRIS / "SPR.json", IRIS / "DrQ(eps).json"]
    seen: list[float] = []
    result = W.aggregate_files(
        files, *REFS, reps=300, improvement_reps=200, tau_max=4.0,
        progress=lambda f, _m="": seen.append(f) if f is not None else None,
    )  # fmt: skip
    report = result.report
    assert list(report.methods) == ["SPR", "DrQ(eps)"] and len(report.tasks) == 26
    assert report.normalisation.startswith("(score - random) / (human - random); random: ")
    rnd, hum = (S.load_reference(p) for p in REFS)
    mats = [A.score_matrix(p.stem, S.load_scores(p), rnd, hum) for p in files]
    subs = [m.scores[:, [m.tasks.index(t) for t in report.tasks]] for m in mats]
    for m, sub in zip(mats, subs, strict=True):
        expected = A.interval_estimates(sub, reps=300, seed=0)
        assert report.methods[m.name] == expected
        prof = A.performance_profile(sub, np.linspace(0.0, 4.0, 81), reps=300, seed=0)
        np.testing.assert_array_equal(result.profiles[m.name].lower, prof.lower)
        np.testing.assert_array_equal(result.profiles[m.name].fraction, prof.fraction)
    assert result.improvement_reps == 200
    assert result.improvement[("DrQ(eps)", "SPR")] == A.probability_of_improvement_ci(
        subs[1], subs[0], reps=200, seed=0
    )
    assert set(result.improvement) == {("SPR", "DrQ(eps)"), ("DrQ(eps)", "SPR")}
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    # the published Atari 100k IQM of SPR (Agarwal et al. 2021): 0.337
    assert f"{report.methods['SPR']['IQM'].point:.3f}" == "0.337"


def test_only_what_is_asked_and_messages_name_the_file(tmp_path: Path) -> None:
    res = W.aggregate_files([IRIS / "IRIS.json"], reps=50, profiles=False, improvement=False)
    assert res.profiles == {} and res.improvement == {} and res.report.normalisation == "raw scores"
    one_sided = W.aggregate_files([IRIS / "IRIS.json"], REFS[0], reps=50, improvement=False)
    assert one_sided.report.normalisation == f"score - random; random: {REFS[0]}"
    empty = tmp_path / "empty.json"
    empty.write_text('{"Pong": []}')
    with pytest.raises(ValueError, match=r"empty.json: empty: a task has no runs"):
        W.aggregate_files([empty], reps=10)
    # two files of one name: the second is named by its path
    copy = tmp_path / "IRIS.json"
    copy.write_bytes((IRIS / "IRIS.json").read_bytes())
    twice = W.aggregate_files([IRIS / "IRIS.json", copy], reps=50, improvement=False)
    assert list(twice.report.methods) == ["IRIS", str(copy)]


def _respelled(tmp_path: Path, key: str) -> Path:
    """CURL_10_evals.json written again (by ``json.dump``) with its ``game`` column named
    ``key``."""
    records = json.loads((IRIS / "CURL_10_evals.json").read_text())
    out = tmp_path / f"curl_{key}.json"
    with out.open("w") as fh:
        json.dump([{(key if k == "game" else k): v for k, v in r.items()} for r in records], fh)
    return out


@pytest.mark.parametrize("key", ["game", "task", "env", "environment", "env_id"])
def test_one_parser_for_every_task_column_spelling(tmp_path: Path, key: str) -> None:
    path = _respelled(tmp_path, key)
    real = S.load_scores(IRIS / "CURL_10_evals.json", value_key="HNS")
    assert S.load_scores(path, value_key="HNS") == real and len(real) == 26
    # the runs reader takes the file too, with the same scores per task and seed
    [run] = registry.read_paths([path], kind="runs").runs
    assert run.format == "rliable" and len(run.series) == 52
    assert len(run.series["HNS/Alien"]) == 100
    assert run.series["HNS/Alien"].values.tolist() == real["Alien"]
    # and the verb gives the same numbers from the run as from the file
    from_run = W.aggregate([W.method_from_run(run, "HNS")], reps=100, improvement=False)
    from_file = W.aggregate_files([path], value_key="HNS", reps=100, improvement=False)
    assert from_run.report.methods[run.name] == from_file.report.methods[path.stem]
    assert from_run.report.runs == {run.name: 100}


def test_a_record_without_task_is_named(tmp_path: Path) -> None:
    path = tmp_path / "scores.json"
    path.write_text(json.dumps([{"game": "Pong", "score": 1.0}, {"level": "x", "score": 2.0}]))
    with pytest.raises(ReadError, match=r"scores.json:record 1: no task field \(one of game"):
        S.load_scores(path)
    result = registry.read_paths([path], kind="runs")
    [run] = result.runs  # the reader keeps the rest and names the record it skipped
    assert run.series["score/Pong"].values.tolist() == [1.0]
    assert [(i.location, i.severity) for i in result.issues] == [("record 1", "skipped")]


def test_a_per_run_file_as_a_run_is_the_file() -> None:
    [run] = registry.read_paths([IRIS / "SPR.json"], kind="runs").runs
    method = W.method_from_run(run)
    assert dict(method.scores) == S.load_scores(IRIS / "SPR.json")
    curl = registry.read_paths([IRIS / "CURL_10_evals.json"], kind="runs").runs[0]
    with pytest.raises(ValueError, match="which score\\? candidates: HNS, Max HNS"):
        W.method_from_run(curl)


def test_the_shipped_atari_table_normalises_as_the_reference_files(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``atari`` as both references: rliable's shipped table gives SPR's published IQM,
    the same estimates as IRIS's RANDOM.json / HUMAN.json (CLI too)."""
    from paperscope.cli import main

    files = [IRIS / "SPR.json"]
    builtin = W.aggregate_files(files, Path("atari"), Path("atari"), reps=300, profiles=False,
                                improvement=False)  # fmt: skip
    from_files = W.aggregate_files(files, *REFS, reps=300, profiles=False, improvement=False)
    assert builtin.report.methods == from_files.report.methods
    assert builtin.report.normalisation.endswith("rliable's Atari human and random scores")
    assert f"{builtin.report.methods['SPR']['IQM'].point:.3f}" == "0.337"
    assert main(["aggregate", str(files[0]), "--reference", "atari", "atari", "--reps", "300",
                 "--json"]) == 0  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["normalisation"].endswith("rliable's Atari human and random scores")
