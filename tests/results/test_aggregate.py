"""rliable's aggregate metrics on the IRIS repository's Atari 100k scores, checked
against rliable itself (installed from PyPI, see the ``test`` extra)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rliable import library as rly
from rliable import metrics as rly_metrics

from paperscope.core.records import ReadError
from paperscope.readers.runs import rliable_scores as S
from paperscope.results import aggregate as A

Refs = tuple[dict[str, float], dict[str, float]]


@pytest.fixture(scope="module")
def refs(iris_dir: Path) -> Refs:
    return S.load_reference(iris_dir / "RANDOM.json"), S.load_reference(iris_dir / "HUMAN.json")


@pytest.fixture(scope="module")
def spr(refs: Refs, iris_dir: Path) -> A.ScoreMatrix:
    return A.score_matrix("SPR", S.load_scores(iris_dir / "SPR.json"), *refs)


@pytest.fixture(scope="module")
def drq(refs: Refs, iris_dir: Path) -> A.ScoreMatrix:
    return A.score_matrix("DrQ(eps)", S.load_scores(iris_dir / "DrQ(eps).json"), *refs)


def _rliable_all(x: np.ndarray) -> np.ndarray:
    return np.array(
        [
            rly_metrics.aggregate_iqm(x),
            rly_metrics.aggregate_median(x),
            rly_metrics.aggregate_mean(x),
            rly_metrics.aggregate_optimality_gap(x),
        ]
    )


def test_files_and_normalisation(spr: A.ScoreMatrix, refs: Refs, iris_dir: Path) -> None:
    random, human = refs
    assert len(random) == len(human) == 26
    assert random["Alien"] == 227.8 and human["Alien"] == 7127.7
    assert spr.scores.shape == (100, 26) and spr.runs == 100 and spr.issues == ()
    raw = json.loads((iris_dir / "SPR.json").read_text())
    col = spr.tasks.index("Pong")
    np.testing.assert_allclose(
        spr.scores[:, col],
        (np.array(raw["Pong"]) - random["Pong"]) / (human["Pong"] - random["Pong"]),
        rtol=1e-15,
    )


@pytest.mark.parametrize("which", ["spr", "drq"])
def test_point_estimates_and_cis_match_rliable(which: str, request: pytest.FixtureRequest) -> None:
    m: A.ScoreMatrix = request.getfixturevalue(which)
    reps = 10_000
    ours = A.interval_estimates(m.scores, reps=reps, seed=0)
    np.random.seed(0)  # rliable draws from numpy's global generator
    points, cis = rly.get_interval_estimates({"x": m.scores}, _rliable_all, reps=reps)
    for k, metric in enumerate(A.METRICS):
        est = ours[metric]
        assert est.point == pytest.approx(points["x"][k], rel=1e-12, abs=1e-15), metric
        lo, hi = cis["x"][:, k]
        width = hi - lo
        assert width > 0
        # bootstrap noise on a percentile endpoint at 10k resamples is under 1% of the width
        assert abs(est.lower - lo) < 0.05 * width, (metric, est, lo, hi)
        assert abs(est.upper - hi) < 0.05 * width, (metric, est, lo, hi)
        assert (est.upper - est.lower) == pytest.approx(width, rel=0.05), metric


def test_published_iqm_values(spr: A.ScoreMatrix, drq: A.ScoreMatrix) -> None:
    # rliable's paper (Fig. 3/Table): Atari 100k IQM of SPR 0.337, DrQ(eps) 0.280
    assert A.iqm(spr.scores) == pytest.approx(0.337, abs=5e-4)
    assert A.iqm(drq.scores) == pytest.approx(0.280, abs=5e-4)
    assert A.optimality_gap(spr.scores) == pytest.approx(
        1 - np.mean(np.minimum(spr.scores, 1)), rel=1e-15
    )


def test_probability_of_improvement_matches_rliable(spr: A.ScoreMatrix, drq: A.ScoreMatrix) -> None:
    p = A.probability_of_improvement(spr.scores, drq.scores)
    assert p == pytest.approx(
        rly_metrics.probability_of_improvement(spr.scores, drq.scores), rel=1e-12
    )
    assert A.probability_of_improvement(spr.scores, spr.scores) == 0.5
    reps = 300  # rliable's version loops over tasks in Python: keep it short
    est = A.probability_of_improvement_ci(spr.scores, drq.scores, reps=reps, seed=0)
    np.random.seed(0)
    _, cis = rly.get_interval_estimates(
        {"x": [spr.scores, drq.scores]},
        lambda x, y: np.array([rly_metrics.probability_of_improvement(x, y)]),
        reps=reps,
    )
    lo, hi = cis["x"][:, 0]
    assert est.point == pytest.approx(0.6170115384615383, rel=1e-12)
    assert abs(est.lower - lo) < 0.15 * (hi - lo) and abs(est.upper - hi) < 0.15 * (hi - lo)
    with pytest.raises(ValueError, match="numbers of tasks"):
        A.probability_of_improvement(spr.scores, drq.scores[:, :3])


def test_performance_profiles_match_rliable(spr: A.ScoreMatrix) -> None:
    taus = np.linspace(0.0, 2.0, 41)
    reps = 1000
    for dist in (True, False):
        ours = A.performance_profile(spr.scores, taus, use_score_distribution=dist, reps=reps)
        np.random.seed(0)
        prof, cis = rly.create_performance_profile(
            {"x": spr.scores}, taus, use_score_distribution=dist, reps=reps
        )
        np.testing.assert_allclose(ours.fraction, prof["x"], atol=1e-12)
        assert ours.fraction[0] == np.mean(spr.scores > 0) if dist else True
        np.testing.assert_allclose(ours.lower, cis["x"][0], atol=0.02 if dist else 0.08)
        np.testing.assert_allclose(ours.upper, cis["x"][1], atol=0.02 if dist else 0.08)
    assert np.all(np.diff(ours.fraction) <= 0)


def test_task_bootstrap_is_wider(spr: A.ScoreMatrix) -> None:
    runs_only = A.interval_estimates(spr.scores, ["Median"], reps=2000, seed=1)["Median"]
    tasks_too = A.interval_estimates(
        spr.scores, ["Median"], reps=2000, seed=1, task_bootstrap=True
    )["Median"]
    assert tasks_too.upper - tasks_too.lower > 2 * (runs_only.upper - runs_only.lower)


def test_aggregate_methods_report(spr: A.ScoreMatrix, drq: A.ScoreMatrix) -> None:
    seen: list[float | None] = []
    rep = A.aggregate_methods([spr, drq], reps=300, seed=3, progress=lambda f, m="": seen.append(f))
    assert list(rep.methods) == ["SPR", "DrQ(eps)"] and len(rep.tasks) == 26
    d = rep.as_dict()
    assert d["methods"]["SPR"]["runs"] == 100
    assert d["methods"]["SPR"]["IQM"]["point"] == pytest.approx(A.iqm(spr.scores))
    assert seen[-1] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="unknown metric"):
        A.interval_estimates(spr.scores, ["IQR"])


def test_other_layouts_and_bad_files(tmp_path: Path, refs: Refs, iris_dir: Path) -> None:
    # CURL_10_evals.json: a list of {game, seed, HNS, "Max HNS"} records
    with pytest.raises(ReadError, match="record 0: which field is the score"):
        S.load_scores(iris_dir / "CURL_10_evals.json")
    curl = S.load_scores(iris_dir / "CURL_10_evals.json", value_key="HNS")
    assert len(curl) == 26
    iris = A.score_matrix("IRIS", S.load_scores(iris_dir / "IRIS.json"), *refs)
    assert iris.scores.shape == (5, 26)
    bad = tmp_path / "bad.json"
    bad.write_text('{"Pong": [1, 2,\n "x"]}')
    with pytest.raises(ReadError, match=r"bad.json:task 'Pong' run 2: expected a number"):
        S.load_scores(bad)
    bad.write_text('{"Pong": [1, 2,\n')
    with pytest.raises(ReadError, match=r"bad.json:line 2: not valid JSON"):
        S.load_scores(bad)
    uneven = A.score_matrix("u", {"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]}, {"a": 0.0}, {"a": 1.0})
    assert uneven.tasks == ("a",) and "no random score" in str(uneven.issues[0])
    uneven = A.score_matrix("u", {"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]})
    assert uneven.scores.shape == (2, 2) and "first 2 of each" in str(uneven.issues[0])


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.floats(allow_nan=False)
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["Pong", "game", "task", "score", "seed", "HNS"]), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.one_of(_json.map(json.dumps), st.binary(max_size=40).map(lambda b: b.decode("latin-1"))))
def test_score_files_fail_only_with_read_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "scores.json"
    path.write_text(text, encoding="utf-8")
    try:
        scores = S.load_scores(path)
    except ReadError as exc:
        assert str(path) in str(exc)
        return
    assert scores and all(isinstance(v, float) for vs in scores.values() for v in vs)
    try:
        m = A.score_matrix("m", scores)
    except ValueError as exc:
        assert "no task left" in str(exc) or "has no runs" in str(exc)
        return
    assert m.scores.shape[1] == len(m.tasks)


def test_iqm_intervals_equal_interval_estimates_cell_by_cell() -> None:
    """The comparison table's batched IQM CIs are the per-cell bootstrap's numbers."""
    from paperscope.results.aggregate import interval_estimates, iqm_intervals

    rng = np.random.default_rng(7)
    cells = [rng.normal(size=n) for n in (5, 3, 5, 10, 1, 5, 4, 40)]
    cells.append(np.array([1.0, 1.0, 2.0, 2.0, 2.0]))  # ties
    batched = iqm_intervals(cells, reps=500, seed=3)
    for cell, est in zip(cells, batched, strict=True):
        one = interval_estimates(cell[:, None], metrics=("IQM",), reps=500, seed=3)["IQM"]
        assert est.point == pytest.approx(one.point, rel=1e-12, abs=1e-12)
        assert est.lower == pytest.approx(one.lower, rel=1e-12, abs=1e-12)
        assert est.upper == pytest.approx(one.upper, rel=1e-12, abs=1e-12)
