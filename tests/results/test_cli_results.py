"""``paperscope aggregate`` and ``paperscope plot`` from the command line."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np
import pytest
from rliable import metrics as rly_metrics

from paperscope.cli import main
from paperscope.readers.runs import rliable_scores as S
from paperscope.results import aggregate as A


def test_aggregate_json(iris_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [str(iris_dir / "SPR.json"), str(iris_dir / "DrQ(eps).json")]
    refs = [str(iris_dir / "RANDOM.json"), str(iris_dir / "HUMAN.json")]
    rc = main(["aggregate", *files, "--reference", *refs, "--json", "--reps", "1000"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    d = json.loads(out.out)
    assert list(d["methods"]) == ["SPR", "DrQ(eps)"]
    assert len(d["tasks"]) == 26 and d["bootstrap"]["reps"] == 1000
    rnd, hum = S.load_reference(refs[0]), S.load_reference(refs[1])
    spr = A.score_matrix("SPR", S.load_scores(files[0]), rnd, hum).scores
    res = d["methods"]["SPR"]
    assert res["runs"] == 100
    assert res["IQM"]["point"] == pytest.approx(rly_metrics.aggregate_iqm(spr), rel=1e-12)
    assert res["Median"]["point"] == pytest.approx(rly_metrics.aggregate_median(spr), rel=1e-12)
    assert res["Mean"]["point"] == pytest.approx(rly_metrics.aggregate_mean(spr), rel=1e-12)
    gap = rly_metrics.aggregate_optimality_gap(spr)
    assert res["Optimality Gap"]["point"] == pytest.approx(gap, rel=1e-12)
    for metric in A.METRICS:
        e = res[metric]
        assert e["ci_low"] < e["point"] < e["ci_high"]
    assert d["methods"]["DrQ(eps)"]["IQM"]["point"] == pytest.approx(0.2796469, abs=1e-6)


def test_aggregate_table_and_improvement(
    iris_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = [str(iris_dir / "IRIS.json"), str(iris_dir / "SimPLe.json")]
    refs = [str(iris_dir / "RANDOM.json"), str(iris_dir / "HUMAN.json")]
    rc = main(["aggregate", *files, "--reference", *refs, "--reps", "500", "--improvement"])
    out = capsys.readouterr().out
    assert rc == 0
    lines = out.splitlines()
    assert lines[0].startswith("26 tasks; (score - random) / (human - random)")
    assert lines[1].split()[:3] == ["method", "runs", "IQM"]
    # IRIS's own paper (Table 1): IQM 0.501, mean 1.046, median 0.289, gap 0.512
    assert lines[2].split()[:3] == ["IRIS", "5", "0.501"]
    assert " 0.289 [" in lines[2] and " 1.046 [" in lines[2] and " 0.512 [" in lines[2]
    assert lines[3].split()[:2] == ["SimPLe", "5"]
    assert any(line.startswith("P(IRIS > SimPLe) = ") for line in lines)


def test_aggregate_bad_input(
    iris_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "broken.json"
    bad.write_text('{"Pong": [1.0, null]}')
    assert main(["aggregate", str(bad), "--reps", "10"]) == 2
    assert (
        "broken.json:task 'Pong' run 1: expected a number, got NoneType" in capsys.readouterr().err
    )
    rc = main(["aggregate", str(iris_dir / "CURL_10_evals.json"), "--reps", "10"])
    assert rc == 2 and "record 0: which field is the score?" in capsys.readouterr().err
    rc = main(["aggregate", str(iris_dir / "CURL_10_evals.json"), "--value-key", "HNS",
               "--reps", "100", "--json"])  # fmt: skip
    d = json.loads(capsys.readouterr().out)
    assert rc == 0 and d["normalisation"] == "raw scores" and len(d["tasks"]) == 26
    assert d["methods"]["CURL_10_evals"]["runs"] == 100  # 2600 records: 26 games × 100 seeds


def test_plot_rejects_bad_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["plot", str(tmp_path), "--metric", "loss", "--out", str(tmp_path / "f.jpg")])
    assert rc == 2 and "unsupported figure format 'jpg'" in capsys.readouterr().err
    rc = main(["plot", str(tmp_path), "--metric", "m", "--smoothing", "1.5", "--out", "f.pdf"])
    assert rc == 2 and "--smoothing must be in [0, 1]" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(
            [
                "plot",
                "x",
                "--metric",
                "m",
                "--group-by",
                "a",
                "--group-regex",
                "b",
                "--out",
                "f.pdf",
            ]
        )
    assert "not allowed with argument" in capsys.readouterr().err
    assert not np.any([p.exists() for p in (tmp_path / "f.jpg", Path("f.pdf"))])


def test_plot_reducer_group_pdf_and_csv(
    reducer_runs: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.results.conftest import REDUCER

    out, table = tmp_path / "fig.pdf", tmp_path / "fig.csv"
    rc = main(["plot", str(REDUCER), "--metric", "strict/foo", "--group-regex", "run",
               "--smoothing", "0", "--out", str(out), "--csv", str(table)])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert f"wrote {out}: 1 group, 0 curves, 3 runs; smoothing: none" in res.out
    assert "band: mean ± sample standard deviation (ddof=1) across runs" in res.out
    assert re.search(rb"/MediaBox \[ ?0 0 252 180 ?\]", out.read_bytes())
    with table.open() as fh:
        rows = list(csv.DictReader(fh))
    # the app's TensorBoard reader and TensorBoard's own EventAccumulator agree
    raw = np.vstack([r.series["strict/foo"].values for r in reducer_runs])
    assert [r["series"] for r in rows] == ["run"] * 100
    np.testing.assert_allclose([float(r["y"]) for r in rows], raw.mean(axis=0), rtol=1e-12)
    std = raw.std(axis=0, ddof=1)
    np.testing.assert_allclose(
        [float(r["upper"]) for r in rows], raw.mean(axis=0) + std, rtol=1e-12
    )
    assert [float(r["x"]) for r in rows] == list(range(0, 500, 5))


def test_plot_dopamine_seed_bands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.results.conftest import RUNS

    pong = RUNS / "dopamine" / "baselines" / "atari" / "data" / "pong.json"
    out, table = tmp_path / "pong.svg", tmp_path / "pong.csv"
    rc = main(["plot", str(pong), "--metric", "return", "--group-by", "agent", "--band", "ci95",
               "--x", "step", "--size", "double", "--legend", "below", "--smoothing", "0.6",
               "--out", str(out), "--csv", str(table)])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert "6 groups, 0 curves, 30 runs" in res.out
    assert "95% percentile bootstrap confidence interval of the mean" in res.out
    assert 'width="504pt"' in out.read_text()
    with table.open() as fh:
        rows = [r for r in csv.DictReader(fh) if r["series"] == "agent=DQN"]
    # 5 seeds × 199 iterations; the seed restarts each time Iteration goes back to 0
    records = [r for r in json.loads(pong.read_text()) if r["Agent"] == "DQN"]
    values = np.array([r["Value"] for r in records]).reshape(5, 199)
    from paperscope.results.smoothing import ema

    expected = np.mean([ema(v, 0.6) for v in values], axis=0)
    assert len(rows) == 199 and {r["n"] for r in rows} == {"5"}
    np.testing.assert_allclose([float(r["y"]) for r in rows], expected, rtol=1e-12)
    np.testing.assert_allclose([float(r["y_raw"]) for r in rows], values.mean(axis=0), rtol=1e-12)
    assert all(float(r["lower"]) <= float(r["y"]) <= float(r["upper"]) for r in rows)


def test_plot_missing_metric_and_unreadable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.results.conftest import UNET

    rc = main(["plot", str(UNET), "--metric", "IoU", "--out", str(tmp_path / "f.png")])
    err = capsys.readouterr().err
    assert rc == 2 and "no run has a series 'IoU'" in err and "'IoU (avg on test)'" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    rc = main(["plot", str(empty), "--metric", "loss", "--out", str(tmp_path / "f.png")])
    err = capsys.readouterr().err
    assert rc == 2 and "no run could be read" in err and "empty" in err
    rc = main(["plot", str(UNET), "--metric", "IoU (avg on test)", "--group-by", "lr",
               "--x", "relative", "--dpi", "100", "--out", str(tmp_path / "u.png")])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert "0 groups, 4 curves, 4 runs" in res.out  # one run per lr: drawn as curves
    from PIL import Image

    with Image.open(tmp_path / "u.png") as im:
        assert im.size == (350, 250)


def test_aggregate_figures(
    iris_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.results.test_figure import pdf_info, pdf_streams

    files = [str(iris_dir / n) for n in ("SPR.json", "DrQ(eps).json", "IRIS.json")]
    refs = [str(iris_dir / "RANDOM.json"), str(iris_dir / "HUMAN.json")]
    fig, prof = tmp_path / "agg.pdf", tmp_path / "prof.svg"
    rc = main(["aggregate", *files, "--reference", *refs, "--reps", "300", "--json",
               "--figure", str(fig), "--profiles", str(prof), "--tau-max", "4"])  # fmt: skip
    res = capsys.readouterr()
    assert rc == 0, res.err
    assert json.loads(res.out)["figures"] == [str(fig), str(prof)]
    data = fig.read_bytes()
    assert re.search(rb"/MediaBox \[ ?0 0 504 ", data) and b"/Subtype /Image" not in data
    assert any(re.search(rb"\d re\b", s) for s in pdf_streams(data))  # the CI bars
    subject = pdf_info(data, "Subject")
    assert "Aggregate metrics over 26 tasks" in subject
    assert "95% stratified bootstrap CIs (runs resampled within each task" in subject
    assert "methods=SPR,DrQ(eps),IRIS" in pdf_info(data, "Keywords")
    text = prof.read_text()
    assert "<image" not in text and "fraction of runs scoring above τ" in text
