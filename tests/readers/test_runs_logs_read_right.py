"""Issue 21 "Logs read right" (and issue 18's steps beyond int64): files from other
people's machines — Dopamine's interleaved seeds, Windows line endings, MLflow 3's
logged models and deleted runs, detectron2's ``time``, NaN cells, clashing run names —
written here with the real writers where one exists."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import ReadIssue, Run
from paperscope.readers import registry
from paperscope.workflows import runs as wf
from tests.conftest import RUNS

ENDINGS = {"LF": "\n", "CRLF": "\r\n", "CRCRLF": "\r\r\n", "CR": "\r"}
MIXED = ("\r\n", "\n", "\r\r\n", "\r")


def _lines(lines: list[str], ending: str) -> str:
    """``lines`` joined with one ending, or with all of them in turn (``"mixed"``)."""
    if ending != "mixed":
        return "".join(ln + ENDINGS[ending] for ln in lines)
    return "".join(ln + MIXED[i % len(MIXED)] for i, ln in enumerate(lines))


def _read(paths: list[Path]) -> tuple[list[Run], list[ReadIssue]]:
    result = registry.read_paths(paths, kind="runs")
    return result.runs, result.issues


# --- 1. Dopamine: seeds interleaved or in whole sequences -----------------------------


def test_dopamine_interleaved_seeds_real_file() -> None:
    runs, issues = _read([RUNS / "dopamine/asterix_CNN.json"])
    assert issues == []
    assert len(runs) == 25  # 5 agents x 5 seeds, not 4,005 runs of 1-2 points
    assert all(len(r.series["return"]) == 200 for r in runs)
    assert all(r.series["return"].steps.tolist() == list(range(200)) for r in runs)
    data = json.loads((RUNS / "dopamine/asterix_CNN.json").read_text())
    rainbow = [d for d in data if d["Agent"] == "Rainbow"]
    by_name = {r.name: r for r in runs}
    for seed in range(5):  # the k-th record of each iteration is seed k
        got = by_name[f"asterix_CNN/Rainbow/seed{seed}"].series["return"].values
        want = [d["Value"] for d in rainbow[seed::5]]
        assert got.tolist() == want


def test_dopamine_both_layouts_in_files_written_here(tmp_path: Path) -> None:
    interleaved = [
        {"Iteration": it, "Value": 10.0 * it + seed, "Agent": "DQN"}
        for it in range(4)
        for seed in range(3)
    ]
    sequences = [
        {"Iteration": it, "Value": 10.0 * it + seed, "Agent": "C51"}
        for seed in range(3)
        for it in range(4)
    ]
    path = tmp_path / "game.json"
    path.write_text(json.dumps(interleaved + sequences))
    runs, issues = _read([path])
    assert issues == []
    got = {r.name: r.series["return"] for r in runs}
    assert sorted(got) == sorted(f"game/{a}/seed{s}" for a in ("DQN", "C51") for s in range(3))
    for name, s in got.items():
        seed = int(name[-1])
        assert s.steps.tolist() == [0, 1, 2, 3]
        assert s.values.tolist() == [10.0 * it + seed for it in range(4)]


# --- 2. Windows line endings ------------------------------------------------------------


def _monitor(path: Path, ending: str, episodes: int = 6) -> None:
    """What SB3's ``Monitor`` writes (``#`` + JSON, then ``csv.DictWriter`` rows),
    with the line ending of a Windows machine (or any other)."""
    rows = ["r,l,t"] + [f"{1.5 * i},{10 + i},{0.25 * (i + 1)}" for i in range(episodes)]
    head = '#{"t_start": 1700000000.5, "env_id": "CartPole-v1"}'
    path.write_bytes(_lines([head, *rows], ending).encode())


@pytest.mark.parametrize("numba", [True, False], ids=["numba", "no-numba"])
@pytest.mark.parametrize("ending", [*ENDINGS, "mixed"])
def test_sb3_monitor_any_line_ending_folder_and_single_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str, numba: bool
) -> None:
    if not numba:
        monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    folder = tmp_path / "ppo_CartPole-v1_1"
    folder.mkdir()
    _monitor(folder / "0.monitor.csv", ending)
    for paths in ([folder], [folder / "0.monitor.csv"]):
        runs, issues = _read(paths)
        assert issues == []
        [run] = runs
        assert run.format == "sb3-monitor"  # a single file too, not a generic CSV
        reward = run.series["rollout/ep_reward"]
        assert reward.values.tolist() == [1.5 * i for i in range(6)]
        assert reward.steps.tolist() == np.cumsum([10 + i for i in range(6)]).tolist()
        assert reward.wall_times[0] == 1700000000.5 + 0.25


@pytest.mark.parametrize("numba", [True, False], ids=["numba", "no-numba"])
@pytest.mark.parametrize("ending", [*ENDINGS, "mixed"])
def test_every_text_reader_accepts_any_line_ending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, ending: str, numba: bool
) -> None:
    if not numba:
        monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    files: dict[str, tuple[Path, list[str]]] = {
        "csv": (tmp_path / "g" / "mylog.csv", ["step,loss", "0,1.0", "1,0.5", "2,0.25"]),
        "lightning-csv": (
            tmp_path / "l" / "metrics.csv",
            ["epoch,step,loss", "0,0,1.0", "0,1,0.5", "0,2,0.25"],
        ),
        "sb3-progress": (
            tmp_path / "p" / "progress.csv",
            ["time/total_timesteps,loss", "0,1.0", "1,0.5", "2,0.25"],
        ),
        "wandb-export": (
            tmp_path / "w" / "export.csv",
            ['Step,"run-a - loss"', "0,1.0", "1,0.5", "2,0.25"],
        ),
        "jsonl": (
            tmp_path / "j" / "log.jsonl",
            ['{"step": 0, "loss": 1.0}', '{"step": 1, "loss": 0.5}', '{"step": 2, "loss": 0.25}'],
        ),
    }
    for fmt, (path, lines) in files.items():
        path.parent.mkdir()
        path.write_bytes(_lines(lines, ending).encode())
        runs, issues = _read([path])
        assert issues == [], fmt
        [run] = runs
        assert run.format == fmt
        assert run.series["loss"].steps.tolist() == [0, 1, 2], fmt
        assert run.series["loss"].values.tolist() == [1.0, 0.5, 0.25], fmt
    # an MLflow run folder: metric files with the same endings
    run_dir = tmp_path / "mlruns" / "0" / "abc"
    (run_dir / "metrics").mkdir(parents=True)
    (run_dir / "meta.yaml").write_bytes(_lines(["run_name: r", "start_time: 1"], ending).encode())
    (run_dir / "metrics" / "loss").write_bytes(
        _lines(["1700000000000 1.0 0", "1700000000001 0.5 1", "1700000000002 0.25 2"], ending)
        .encode()
    )  # fmt: skip
    runs, issues = _read([run_dir])
    assert issues == [] and runs[0].series["loss"].values.tolist() == [1.0, 0.5, 0.25]


def test_no_points_from_a_non_empty_file_is_said(tmp_path: Path) -> None:
    header_only = tmp_path / "started.csv"
    header_only.write_text("step,loss\n")
    _, issues = _read([header_only])
    assert [(i.file, i.severity) for i in issues] == [(str(header_only), "warning")]
    assert "no data point" in issues[0].message
    # through load_runs (the GUI's and the CLI's path) too
    _, issues = wf.load_runs([header_only], use_cache=False)
    assert [i.file for i in issues] == [str(header_only)]
    # a monitor folder whose file's lines give no episode says which file
    folder = tmp_path / "mon"
    folder.mkdir()
    (folder / "monitor.csv").write_text('#{"t_start": 1.0}\nr,l,t\nnot,a,row\n')
    _, issues = _read([folder])
    assert [(i.file, i.severity) for i in issues] == [(str(folder / "monitor.csv"), "skipped")]


# --- 3. MLflow 3: logged models, deleted runs --------------------------------------------


@pytest.fixture
def mlflow_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    import mlflow

    yield mlflow
    mlflow.set_tracking_uri("")


def _mlflow_runs(mlflow: object, uri: str) -> None:
    """Two runs, one of them deleted, a logged model with a metric of its own, and a
    deleted experiment's run, written by MLflow 3 itself."""
    m: object = mlflow
    m.set_tracking_uri(uri)  # type: ignore[attr-defined]
    m.set_experiment("exp")  # type: ignore[attr-defined]
    with m.start_run(run_name="keep"):  # type: ignore[attr-defined]
        for step in range(5):
            m.log_metric("loss", 1.0 / (step + 1), step=step)  # type: ignore[attr-defined]
        model = m.initialize_logged_model(name="net")  # type: ignore[attr-defined]
        m.log_metric("acc", 0.9, step=4, model_id=model.model_id)  # type: ignore[attr-defined]
        m.finalize_logged_model(model.model_id, "READY")  # type: ignore[attr-defined]
    with m.start_run(run_name="gone") as gone:  # type: ignore[attr-defined]
        m.log_metric("loss", 2.0, step=0)  # type: ignore[attr-defined]
    m.delete_run(gone.info.run_id)  # type: ignore[attr-defined]
    doomed = m.set_experiment("doomed")  # type: ignore[attr-defined]
    with m.start_run(run_name="in-doomed"):  # type: ignore[attr-defined]
        m.log_metric("loss", 3.0, step=0)  # type: ignore[attr-defined]
    m.delete_experiment(doomed.experiment_id)  # type: ignore[attr-defined]


@pytest.mark.parametrize("backend", ["file", "sqlite"])
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_mlflow3_logged_models_and_deleted_runs(
    tmp_path: Path, mlflow_env: object, backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "tracking"
    folder.mkdir()
    uri = folder.as_uri() if backend == "file" else f"sqlite:///{folder / 'mlflow.db'}"
    _mlflow_runs(mlflow_env, uri)
    if backend == "file":  # MLflow 3 wrote a logged model with 4-field metric lines
        [model_dir] = folder.glob("*/models/m-*")
        line = (model_dir / "metrics" / "acc").read_text().split()
        assert len(line) == 4
    runs, issues = wf.load_runs([folder], use_cache=False)
    assert issues == []  # the logged model is neither a run nor an error
    assert [r.name for r in runs] == ["keep"]
    assert runs[0].series["loss"].steps.tolist() == list(range(5))
    assert runs[0].series["acc"].values.tolist() == [0.9]
    both, issues = wf.load_runs([folder], use_cache=False, include_deleted=True)
    assert issues == [] and sorted(r.name for r in both) == ["gone", "in-doomed", "keep"]
    # the cache keeps the deleted run, hidden
    wf.load_runs([folder])
    again, _ = wf.load_runs([folder])
    assert [r.name for r in again] == ["keep"]
    assert sorted(r.name for r in wf.load_runs([folder], include_deleted=True)[0]) == [
        "gone", "in-doomed", "keep",
    ]  # fmt: skip
    # and the CLI flag
    from paperscope.cli import main

    capsys.readouterr()
    assert main(["runs", str(folder), "--json", "--no-cache"]) == 0
    assert [json.loads(x)["name"] for x in capsys.readouterr().out.splitlines()] == ["keep"]
    assert main(["runs", str(folder), "--json", "--no-cache", "--include-deleted"]) == 0
    names = sorted(json.loads(x)["name"] for x in capsys.readouterr().out.splitlines())
    assert names == ["gone", "in-doomed", "keep"]


# --- 4. JSON lines: ``time`` --------------------------------------------------------------


def test_detectron2_time_is_a_series_not_the_clock(tmp_path: Path) -> None:
    """detectron2's ``JSONWriter``: ``json.dumps(record, sort_keys=True)`` per line, with
    ``time`` in seconds per iteration."""
    path = tmp_path / "output" / "metrics.json"
    path.parent.mkdir()
    records = [
        {"data_time": 0.01 * i, "eta_seconds": 900.0 - i, "iteration": 19 + 20 * i,
         "lr": 0.02, "time": 0.35 + 0.01 * (i % 3), "total_loss": 2.0 / (i + 1)}
        for i in range(6)
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in records))
    [run], issues = _read([path])
    assert issues == []
    assert run.series["time"].values.tolist() == [r["time"] for r in records]
    assert run.series["time"].steps.tolist() == [19 + 20 * i for i in range(6)]
    assert np.isnan(run.series["total_loss"].wall_times).all() and run.start_time is None
    # a ``time`` that is a clock (every record, epoch seconds, never going back) is one
    clock = tmp_path / "clock.jsonl"
    clock.write_text(
        "".join(json.dumps({"step": i, "loss": 1.0, "time": 1.7e9 + i}) + "\n" for i in range(3))
    )
    [run], _ = _read([clock])
    assert "time" not in run.series and run.start_time == 1.7e9
    assert run.series["loss"].wall_times.tolist() == [1.7e9, 1.7e9 + 1, 1.7e9 + 2]
    # ... and unambiguous names are the clock whatever their values
    named = tmp_path / "named.jsonl"
    named.write_text('{"step": 0, "loss": 1.0, "wall_time": 1700000000.5, "time": 0.3}\n')
    [run], _ = _read([named])
    assert run.start_time == 1700000000.5 and run.series["time"].values.tolist() == [0.3]


def test_csv_time_column_of_durations_stays_a_series(tmp_path: Path) -> None:
    p = tmp_path / "train.csv"
    p.write_text("iteration,time,loss\n19,0.35,2.0\n39,0.36,1.0\n59,0.34,0.5\n")
    [run], issues = _read([p])
    assert issues == [] and run.series["time"].values.tolist() == [0.35, 0.36, 0.34]
    assert run.start_time is None
    clock = tmp_path / "clock.csv"
    clock.write_text("step,time,loss\n0,1700000000,2.0\n1,1700000001,1.0\n")
    [run], _ = _read([clock])
    assert "time" not in run.series and run.start_time == 1.7e9
    assert run.series["loss"].wall_times.tolist() == [1.7e9, 1.7e9 + 1]


# --- 5. NaN is data ---------------------------------------------------------------------


@pytest.mark.parametrize("numba", [True, False], ids=["numba", "no-numba"])
def test_lightning_nan_loss_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, numba: bool
) -> None:
    if not numba:
        monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    pl_loggers = pytest.importorskip("pytorch_lightning.loggers")
    logger = pl_loggers.CSVLogger(str(tmp_path), name="gan")
    for s in range(0, 400, 10):
        loss = math.nan if s >= 320 else 1.0 / (s + 1)
        logger.log_metrics({"train_gen_loss": loss, "epoch": s // 100}, step=s)
        if s % 100 == 90:
            logger.log_metrics({"val_fid": float("inf") if s == 390 else 50.0 - s / 10}, step=s)
    logger.save()
    logger.finalize("success")
    assert "nan" in (tmp_path / "gan/version_0/metrics.csv").read_text()
    [run], issues = _read([tmp_path])
    assert issues == []
    loss = run.series["train_gen_loss"]
    assert loss.steps.tolist() == list(range(0, 400, 10))  # the diverged steps are there
    assert np.isnan(loss.values[loss.steps >= 320]).all()
    assert np.isfinite(loss.values[loss.steps < 320]).all()
    fid = run.series["val_fid"]  # sparse: only its own rows, never the gaps
    assert fid.steps.tolist() == [90, 190, 290, 390] and fid.values[-1] == math.inf


@pytest.mark.parametrize("numba", [True, False], ids=["numba", "no-numba"])
def test_csv_nan_and_infinities_kept_empty_cells_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, numba: bool
) -> None:
    if not numba:
        monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    p = tmp_path / "p" / "progress.csv"
    p.parent.mkdir()
    with p.open("w", newline="") as fh:  # SB3's csv logger: csv.DictWriter
        w = csv.DictWriter(fh, fieldnames=["time/total_timesteps", "train/loss", "train/kl"])
        w.writeheader()
        rows = [(0, 1.0, ""), (1, math.nan, 0.1), (2, math.inf, ""), (3, -math.inf, 0.2)]
        for t, loss, kl in rows:
            w.writerow({"time/total_timesteps": t, "train/loss": loss, "train/kl": kl})
    [run], issues = _read([p])
    assert issues == []
    loss = run.series["train/loss"].values
    assert len(loss) == 4 and math.isnan(loss[1]) and loss[2] == math.inf and loss[3] == -math.inf
    assert run.series["train/kl"].steps.tolist() == [1, 3]


@pytest.mark.parametrize(
    ("numba", "limit", "quote"),
    [(True, 1 << 30, ""), (False, 1 << 30, ""), (False, 16, ""), (False, 16, '"')],
    ids=["numba", "pandas", "pandas-large", "csv-module"],
)
@pytest.mark.parametrize("nan_text", [True, False], ids=["nan-cells", "no-nan-cells"])
@pytest.mark.parametrize("junk", ["x", "7"], ids=["text-cell", "numbers-only"])
def test_every_csv_path_tells_nan_from_no_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    numba: bool, limit: int, quote: str, nan_text: bool, junk: str,
) -> None:  # fmt: skip
    from paperscope.readers.runs import _table

    if not numba:
        monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    monkeypatch.setattr(_table, "STREAM_LIMIT", limit)
    bad = "nan" if nan_text else "inf"
    p = tmp_path / "t.csv"
    p.write_text(
        f"step,a,b\n0,1.0,\n1,{bad},{quote}2{quote}\n2,,3\n3,-inf,\n4,{junk},5\n5,2.0,-0.0\n"
    )
    table = _table.CsvTable(p)
    table.update()
    a = table.column("a")
    text = junk == "x"
    assert _table.missing(a).tolist() == [False, False, True, False, text, False]
    assert (math.isnan(a[1]) and not _table.missing(a)[1]) if nan_text else a[1] == math.inf
    assert a[3] == -math.inf
    assert _table.missing(table.column("b")).tolist() == [True, False, False, True, False, False]
    [run], _ = _read([p])
    assert run.series["a"].steps.tolist() == ([0, 1, 3, 5] if text else [0, 1, 3, 4, 5])
    assert run.series["b"].steps.tolist() == [1, 2, 4, 5]


def test_json_output_tells_nan_and_infinities_from_no_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from paperscope.cli import main

    for name, last in (("a", "nan"), ("b", "inf"), ("c", "-inf")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "log.csv").write_text(f"step,loss,empty\n0,1.0,\n1,{last},\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "log.csv").write_text("step,loss\n")
    assert main(["runs", str(tmp_path), "--json", "--no-cache"]) == 0
    out = {}
    for line in capsys.readouterr().out.splitlines():
        obj = json.loads(line)  # strict JSON: no bare NaN
        out[obj["name"]] = obj["series"]
    assert out["a"]["loss"] == {"count": 2, "first_step": 0, "last_step": 1, "last_value": "NaN"}
    assert out["b"]["loss"]["last_value"] == "Infinity"
    assert out["c"]["loss"]["last_value"] == "-Infinity"
    assert out["d"] == {}  # no value at all: no series
    assert "empty" not in out["a"]
    assert wf.json_number(math.nan) == "NaN" and wf.json_number(2.5) == 2.5
    run = Run("x", "x", "csv", ("x",), {"s": _series([])}, config={"lr": math.nan})
    summary = wf.summary(run)
    assert summary["series"]["s"]["last_value"] is None and summary["config"]["lr"] == "NaN"


def _series(values: list[float]) -> object:
    from paperscope.readers.runs._common import make_series

    return make_series("s", range(len(values)), values)


# --- 6. Run names unique and meaningful ------------------------------------------------


def test_clashing_run_names_get_the_shortest_distinguishing_parent(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    for who in ("alice", "bob"):
        w = SummaryWriter(str(tmp_path / who / "Gym-lunar-lander" / "logs"))
        w.add_scalar("reward", 1.0, 0)
        w.close()
    lone = SummaryWriter(str(tmp_path / "carol" / "pong" / "logs"))
    lone.add_scalar("reward", 1.0, 0)
    lone.close()
    runs, issues = wf.load_runs([tmp_path], use_cache=False)
    assert issues == []
    assert sorted(r.name for r in runs) == [
        "alice/Gym-lunar-lander/logs", "bob/Gym-lunar-lander/logs", "pong/logs",
    ]  # fmt: skip
    # the watcher keeps them unique as runs arrive
    watcher = wf.RunWatcher([tmp_path], use_cache=False)
    watcher.start()
    w = SummaryWriter(str(tmp_path / "dave" / "pong" / "logs"))
    w.add_scalar("reward", 1.0, 0)
    w.close()
    update = watcher.poll()
    assert [r.name for r in update.added] == ["dave/pong/logs"]
    assert len({r.name for r in watcher.runs()}) == len(watcher.runs()) == 4


def test_add_scalars_sub_runs_named_parent_slash_tag_sub(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path / "exp1"))
    for s in range(3):
        w.add_scalars("loss", {"train": 1.0 / (s + 1), "val": 2.0 / (s + 1)}, s)
        w.add_scalar("lr", 0.1, s)
    w.close()
    runs, issues = wf.load_runs([tmp_path], use_cache=False)
    assert issues == []
    names = {r.name: r for r in runs}
    assert sorted(names) == ["exp1", "exp1/loss_train", "exp1/loss_val"]
    assert np.allclose(names["exp1/loss_val"].series["loss"].values, [2.0, 1.0, 2.0 / 3])


# --- issue 18: steps beyond int64 in any reader ----------------------------------------


def test_steps_beyond_int64_are_issues_naming_file_and_line(tmp_path: Path) -> None:
    huge = 10**20
    run_dir = tmp_path / "mlruns" / "0" / "abc"
    (run_dir / "metrics").mkdir(parents=True)
    (run_dir / "meta.yaml").write_text("run_name: r\n")
    metric = run_dir / "metrics" / "loss"
    metric.write_text(f"1700000000000 1.0 0\n1700000000001 0.5 {huge}\n1700000000002 0.2 2\n")
    [run], issues = _read([run_dir])
    assert run.series["loss"].steps.tolist() == [0, 2]
    assert [(i.file, i.location, i.severity) for i in issues] == [
        (str(metric), "line 2", "skipped")
    ]
    assert "64-bit" in issues[0].message
    # JSON lines: the record's number is its step, and the line is named
    jl = tmp_path / "j.jsonl"
    jl.write_text(f'{{"step": 0, "loss": 1}}\n{{"step": {huge}, "loss": 2}}\n')
    [run], issues = _read([jl])
    assert [(i.file, i.location) for i in issues] == [(str(jl), "line 2")]
    assert run.series["loss"].values.tolist() == [1.0, 2.0]
    # Sacred: the metric is skipped, named
    sac = tmp_path / "sacred" / "1"
    sac.mkdir(parents=True)
    (sac / "run.json").write_text('{"experiment": {"name": "e"}, "status": "COMPLETED"}')
    (sac / "metrics.json").write_text(
        json.dumps({"loss": {"steps": [0, huge], "values": [1, 2]},
                    "acc": {"steps": [0, 1], "values": [0.5, 1.0]}})
    )  # fmt: skip
    [run], issues = _read([sac])
    assert [(i.location, i.severity) for i in issues] == [("metric 'loss'", "skipped")]
    assert list(run.series) == ["acc"]
    # Dopamine, rliable (seeds), SB3 evaluations: refused or skipped, never a crash
    dop = tmp_path / "dop.json"
    dop.write_text(
        json.dumps(
            [{"Iteration": 0, "Value": 1, "Agent": "A"},
             {"Iteration": huge, "Value": 2, "Agent": "A"}]
        )
    )  # fmt: skip
    [run], issues = _read([dop])
    assert len(run.series["return"]) == 1 and [i.file for i in issues] == [str(dop)]
    rl = tmp_path / "scores.json"
    rl.write_text(json.dumps([{"game": "Pong", "seed": huge, "score": 1.0}]))
    [run], issues = _read([rl])
    assert issues == [] and run.series["score/Pong"].values.tolist() == [1.0]
    npz = tmp_path / "e" / "evaluations.npz"
    npz.parent.mkdir()
    np.savez(npz, timesteps=np.array([0.0, 1e20]), results=np.ones((2, 3)))
    runs, issues = _read([npz])
    assert runs == [] and [(i.file, i.location) for i in issues] == [(str(npz), "timesteps[1]")]


def test_mlflow_db_step_beyond_int64_is_an_issue(tmp_path: Path) -> None:
    from tests.conftest import mlflow_db_file

    db = tmp_path / "mlflow.db"
    mlflow_db_file(db, 3)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO metrics VALUES ('loss', 9.0, 1700000000000, 'r1', 1e20, 0)")
    con.commit()
    con.close()
    [run], issues = _read([db])
    assert run.series["loss"].steps.tolist() == [0, 1, 2]
    assert [(i.file, i.severity) for i in issues] == [(str(db), "skipped")]


def test_sb3_evaluations_complex_refused_huge_rewards_no_warning(tmp_path: Path) -> None:
    npz = tmp_path / "evaluations.npz"
    np.savez(npz, timesteps=np.array([0, 10]), results=np.ones((2, 3)) * 1j)
    runs, issues = _read([npz])  # (a ComplexWarning is an error under pytest)
    assert runs == [] and [(i.file, i.location) for i in issues] == [(str(npz), "results")]
    np.savez(npz, timesteps=np.array([0, 10]), results=np.array([[1e308, -1e308, 1e308]] * 2))
    [run], issues = _read([npz])  # overflowing statistics: inf/NaN, no RuntimeWarning
    assert issues == [] and len(run.series["eval/std_reward"]) == 2
