"""CSV family, JSON lines, MLflow, Sacred, SB3, rliable and Dopamine readers on the
real files in shared/data/runs (and files written here where no real one exists)."""

from __future__ import annotations

import csv
import json
import math
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import ReadError, Run
from paperscope.readers import registry
from tests.conftest import RUNS


def _read(path: Path) -> list[Run]:
    result = registry.read_paths([path], kind="runs")
    assert not [i for i in result.issues if i.severity == "skipped"], result.issues
    return result.runs


def _one(path: Path) -> Run:
    runs = _read(path)
    assert len(runs) == 1
    return runs[0]


def _csv_columns(path: Path, skip: int = 0) -> dict[str, list[str]]:
    with path.open(newline="") as fh:
        for _ in range(skip):
            fh.readline()
        rows = list(csv.DictReader(fh))
    return {k: [r[k] for r in rows] for k in rows[0]}


def test_sb3_progress_csv() -> None:
    path = RUNS / "warp-mujoco-domain-randomization/logs/progress.csv"
    run = _one(path)
    assert run.format == "sb3-progress"
    cols = _csv_columns(path)
    assert list(run.series) == [c for c in cols if c != "time/total_timesteps"]  # file order
    kl = run.series["train/approx_kl"]
    assert len(kl) == 97  # the first row's train/* cells are empty
    expected = [float(v) for v in cols["train/approx_kl"] if v]
    assert kl.values.tolist() == expected
    assert kl.steps[0] == 4096 and run.series["time/fps"].steps[0] == 2048


def test_lightning_metrics_and_hparams_with_python_tuple() -> None:
    run = _one(RUNS / "deepmind-research-fork/lightning_logs/version_16/metrics.csv")
    assert run.format == "lightning-csv"
    assert run.config["optimizer"]["betas"] == [0.9, 0.999]
    assert run.config["optimizer"]["lr"] == 0.001
    assert set(run.series) == {
        "epoch",
        "train/loss",
        "train/loss_12",
        "train/loss_21",
        "train/lr",
        "train/tau",
    }
    loss = run.series["train/loss"]
    assert loss.steps[:2].tolist() == [9, 19]
    assert loss.values[0] == 3.9535341262817383


def test_lightning_sparse_columns_never_joined() -> None:
    path = RUNS / "ArcRoute/lightning_logs/version_0/metrics.csv"
    run = _one(path)
    cols = _csv_columns(path)
    assert len(cols["step"]) == 189
    val = run.series["val/reward"]
    assert len(val) == sum(1 for v in cols["val/reward"] if v) == 17
    assert not np.isnan(val.values).any()
    empty = sum(1 for c in cols.values() for v in c if v == "")
    assert empty == 257


def test_sb3_monitor_merged_by_absolute_time_with_evaluations() -> None:
    folder = RUNS / "rl-trained-agents/ppo/CartPole-v1_1"
    run = _one(folder)
    assert run.format == "sb3-monitor"
    rows = []
    for f in sorted(folder.glob("*.monitor.csv")):
        t0 = json.loads(f.read_text().splitlines()[0][1:])["t_start"]
        rows += [
            (t0 + float(t), float(r), int(ln))
            for r, ln, t in zip(*_csv_columns(f, 1).values(), strict=True)
        ]
    rows.sort(key=lambda x: x[0])
    ep = run.series["rollout/ep_reward"]
    assert len(ep) == len(rows) == 78
    assert ep.values.tolist() == [r[1] for r in rows]
    assert ep.steps.tolist() == np.cumsum([r[2] for r in rows]).tolist()
    assert ep.wall_times.tolist() == [r[0] for r in rows]
    with np.load(folder / "evaluations.npz") as npz:
        assert (
            run.series["eval/mean_reward"].values.tolist() == npz["results"].mean(axis=1).tolist()
        )
        assert run.series["eval/mean_reward"].steps.tolist() == npz["timesteps"].tolist()
    assert run.config["n_envs"] == 8 and run.config["policy"] == "MlpPolicy"
    assert run.config["env_id"] == "CartPole-v1"


def test_sb3_evaluations_alone() -> None:
    path = RUNS / "rl-trained-agents/ppo/BipedalWalker-v3_1/evaluations.npz"
    run = _one(path)
    assert run.format == "sb3-evaluations"
    assert len(run.series["eval/median_reward"]) == 501


def test_mlflow_file_store_and_its_tensorboard_artifacts() -> None:
    runs = {r.format: r for r in _read(RUNS / "Swahili-Speech-To-Text/mlruns")}
    ml = runs["mlflow"]
    assert ml.config["experiment"] == "Speech model simple rnn"
    loss = ml.series["loss"]
    assert loss.steps.tolist() == list(range(10))
    assert loss.values[:2].tolist() == [332.6841735839844, 297.6000061035156]
    assert loss.wall_times[0] == 1628697792.090
    assert ml.start_time == 1628697775.478
    assert runs["tensorboard"].series["epoch_loss"].values[0] == loss.values[0]


def test_mlflow_nested_keys_and_params(tmp_path: Path) -> None:
    run_dir = tmp_path / "mlruns/3/abc123"
    (run_dir / "metrics/train").mkdir(parents=True)
    (run_dir / "params").mkdir()
    (run_dir / "tags").mkdir()
    (tmp_path / "mlruns/3/meta.yaml").write_text("name: sweep\nexperiment_id: '3'\n")
    (run_dir / "meta.yaml").write_text(
        "artifact_uri: file:///C:/Users/x/mlruns/3/abc123/artifacts\nstart_time: 1700000000000\n"
    )
    (run_dir / "metrics/train/loss").write_text(
        "1700000001000 0.5 0\n1700000002000 0.25 1\nbad line\n"
    )
    (run_dir / "params/lr").write_text("0.001")
    (run_dir / "tags/mlflow.runName").write_text("nice-run")
    result = registry.read_paths([tmp_path], kind="runs")
    [run] = result.runs
    assert run.name == "nice-run" and run.config == {"lr": 0.001, "experiment": "sweep"}
    assert run.series["train/loss"].values.tolist() == [0.5, 0.25]
    assert [(i.location, i.severity) for i in result.issues] == [("line 3", "skipped")]


def test_mlflow_sqlite_store(tmp_path: Path) -> None:
    db = tmp_path / "mlflow.db"
    con = sqlite3.connect(db)
    con.executescript(
        """
        CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name VARCHAR(256));
        CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250),
            experiment_id INTEGER, start_time BIGINT);
        CREATE TABLE metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT,
            run_uuid VARCHAR(32), step BIGINT, is_nan BOOLEAN);
        CREATE TABLE params (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
        CREATE TABLE tags (key VARCHAR(250), value VARCHAR(8000), run_uuid VARCHAR(32));
        INSERT INTO experiments VALUES (1, 'exp');
        INSERT INTO runs VALUES ('r1', 'first', 1, 1700000000000), ('r2', '', 1, 1700000100000);
        INSERT INTO metrics VALUES ('loss', 1.0, 1700000001000, 'r1', 0, 0),
            ('loss', 0.5, 1700000002000, 'r1', 1, 0), ('loss', 0, 1700000003000, 'r1', 2, 1),
            ('acc', 0.9, 1700000101000, 'r2', 5, 0);
        INSERT INTO params VALUES ('lr', '0.01', 'r1');
        INSERT INTO tags VALUES ('mlflow.runName', 'second', 'r2');
        """
    )
    con.commit()
    con.close()
    runs = {r.name: r for r in _read(db)}
    assert set(runs) == {"first", "second"}
    loss = runs["first"].series["loss"]
    assert loss.steps.tolist() == [0, 1, 2] and loss.values[:2].tolist() == [1.0, 0.5]
    assert math.isnan(loss.values[2])
    assert runs["first"].config == {"lr": 0.01, "experiment": "exp"}
    assert runs["second"].series["acc"].steps.tolist() == [5]


def test_sacred_runs() -> None:
    runs = {r.name: r for r in _read(RUNS / "ml-pws/runs")}
    assert set(runs) == {"model-size-sweep/78", "model-size-sweep/81"}
    r = runs["model-size-sweep/78"]
    metrics = json.loads((RUNS / "ml-pws/runs/78/metrics.json").read_text())["training.loss"]
    s = r.series["training.loss"]
    assert len(s) == 500 and s.values.tolist() == metrics["values"]
    assert s.steps.tolist() == metrics["steps"]
    assert r.config["model"] == "RNN" and r.config["layers"] == 2 and r.config["lr"] == 0.0001
    assert r.start_time is not None and not math.isnan(s.wall_times[0])


def test_rliable_both_layouts() -> None:
    folder = RUNS / "iris/results/data"
    spr = _one(folder / "SPR.json")
    data = json.loads((folder / "SPR.json").read_text())
    assert len(spr.series) == 26 and len(spr.series["Alien"]) == 100
    assert spr.series["Pong"].values.tolist() == data["Pong"]
    assert _one(folder / "HUMAN.json").series["Alien"].values.tolist() == [7127.7]
    assert len(_one(folder / "IRIS.json").series["Breakout"]) == 5
    curl = _one(folder / "CURL_10_evals.json")
    assert len(curl.series) == 52 and len(curl.series["HNS/Alien"]) == 100
    assert curl.series["HNS/Alien"].values[0] == 0.0538268671


def test_dopamine_seeds_from_restarts() -> None:
    runs = _read(RUNS / "dopamine/baselines/atari/data/pong.json")
    assert len(runs) == 30  # 6 agents x 5 seeds
    assert all(len(r.series["return"]) == 199 for r in runs)
    dqn0 = next(r for r in runs if r.name == "pong/DQN/seed0")
    assert dqn0.series["return"].values[:2].tolist() == [-20.333333333333332, -19.308823529411764]
    assert {r.config["seed"] for r in runs} == {0, 1, 2, 3, 4}


def test_jsonl_varying_keys_and_nan(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(
        '{"step": 1, "loss": 0.5, "_timestamp": 1700000000.5}\n'
        '{"step": 2, "loss": NaN, "acc": 0.7, "nested": {"x": 3}}\n'
        "not json\n"
        '{"step": 3, "loss": Infinity}\n'
    )
    result = registry.read_paths([path], kind="runs")
    [run] = result.runs
    assert run.series["loss"].steps.tolist() == [1, 2, 3]
    assert math.isnan(run.series["loss"].values[1]) and run.series["loss"].values[2] == math.inf
    assert run.series["acc"].steps.tolist() == [2] and run.series["nested/x"].values[0] == 3
    assert [i.location for i in result.issues] == ["line 3"]
    assert run.start_time == 1700000000.5


def test_generic_csv_and_wandb_export(tmp_path: Path) -> None:
    g = tmp_path / "mylog.csv"
    g.write_text("epoch,train_loss,val_loss\n0,1.5,\n1,1.25,1.0\n2,1.0,\n")
    run = _one(g)
    assert run.format == "csv"
    assert run.series["val_loss"].steps.tolist() == [1]
    assert run.series["train_loss"].values.tolist() == [1.5, 1.25, 1.0]
    w = tmp_path / "wandb_export.csv"
    w.write_text(
        'Step,"run-a - loss","run-a - loss__MIN","run-a - loss__MAX","run-b - loss"\n'
        "0,1,0.9,1.1,2\n10,0.5,0.4,0.6,\n"
    )
    runs = {r.name: r for r in _read(w)}
    assert set(runs) == {"run-a", "run-b"}
    assert set(runs["run-a"].series) == {"loss", "loss/min", "loss/max"}
    assert runs["run-a"].series["loss"].steps.tolist() == [0, 10]
    assert runs["run-b"].series["loss"].values.tolist() == [2.0]


def test_csv_bad_line_named(tmp_path: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("step,loss\n1,0.5\n2,0.4,9\n3,0.3\n")
    result = registry.read_paths([p], kind="runs")
    assert result.runs[0].series["loss"].steps.tolist() == [1, 3]
    assert [(i.location, i.severity) for i in result.issues] == [("line 3", "skipped")]


def test_scan_whole_shared_folder() -> None:
    result = registry.read_paths([RUNS], kind="runs")
    formats: dict[str, int] = {}
    for r in result.runs:
        formats[r.format] = formats.get(r.format, 0) + 1
    assert formats == {
        "tensorboard": 14, "dopamine": 85, "rliable": 7, "lightning-csv": 2, "sacred": 2,
        "sb3-monitor": 2, "mlflow": 1, "sb3-progress": 1,
    }  # fmt: skip
    assert result.issues == []


def test_unreadable_yaml_config_is_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "version_0"
    folder.mkdir()
    (folder / "metrics.csv").write_text("epoch,step,loss\n0,1,0.5\n")
    (folder / "hparams.yaml").write_text("a: [unclosed\n")
    result = registry.read_paths([folder], kind="runs")
    assert result.runs[0].series["loss"].values.tolist() == [0.5]
    assert result.issues[0].severity == "warning" and "hparams.yaml" in result.issues[0].file


def test_python_object_yaml_is_never_executed(tmp_path: Path) -> None:
    from paperscope.readers.runs._common import load_yaml

    p = tmp_path / "evil.yaml"
    p.write_text(
        "x: !!python/object/apply:os.system ['echo pwned > " + str(tmp_path / "pwn") + "']\n"
    )
    assert load_yaml(p) == {"x": ["echo pwned > " + str(tmp_path / "pwn")]}
    assert not (tmp_path / "pwn").exists()
    with pytest.raises(ReadError):
        (tmp_path / "bad.yaml").write_text("a: [\n")
        load_yaml(tmp_path / "bad.yaml")


@pytest.mark.parametrize("limit", [1 << 30, 64])
def test_csv_large_path_and_appends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    """Files over STREAM_LIMIT are parsed straight from disk in chunks; the result is the
    same, non-numbers fall back to the general path, and appended lines are added."""
    from paperscope.readers.runs import _table

    monkeypatch.setattr(_table, "STREAM_LIMIT", limit)
    p = tmp_path / "big.csv"
    rows = [(i, 1.7e9 + i, 1.0 / (i + 1)) for i in range(500)]
    p.write_text(
        "step,wall_time,loss\n" + "".join(f"{a},{b},{c!r}\n" for a, b, c in rows) + "500,1.7"
    )
    table = _table.CsvTable(p)
    assert table.update()
    assert table.rows == 500
    assert table.column("loss").tolist() == [r[2] for r in rows]  # exactly float()
    with p.open("a") as fh:
        fh.write("000000005e2,0.5\n501,1700000501,oops\n")
    assert table.update()
    assert table.column("step")[-2:].tolist() == [500, 501]
    assert table.column("wall_time")[-2].tolist() == 1.7000000005e2
    assert np.isnan(table.column("loss")[-1])
    assert not table.update()


def test_lightning_csvlogger_round_trip(tmp_path: Path) -> None:
    pl_loggers = pytest.importorskip("pytorch_lightning.loggers")
    logger = pl_loggers.CSVLogger(str(tmp_path), name="exp")
    logger.log_hyperparams({"lr": 1e-3, "betas": (0.9, 0.999), "model": {"layers": 4}})
    for s in range(20):
        logger.log_metrics({"train/loss": 1.0 / (s + 1), "epoch": s // 5}, step=s)
        if s % 5 == 4:
            logger.log_metrics({"val/acc": s / 20}, step=s)
    logger.save()
    logger.finalize("success")
    run = _one(tmp_path)
    assert run.format == "lightning-csv" and run.name == "exp/version_0"
    assert run.config == {"lr": 1e-3, "betas": [0.9, 0.999], "model": {"layers": 4}}
    assert run.series["train/loss"].values.tolist() == [1.0 / (s + 1) for s in range(20)]
    assert run.series["val/acc"].steps.tolist() == [4, 9, 14, 19]
    assert run.series["val/acc"].values.tolist() == [0.2, 0.45, 0.7, 0.95]


@pytest.mark.parametrize("backend", ["file", "sqlite"])
# MLflow's SQL store still asks SQLAlchemy 2.1 for its deprecated ``noload``
@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SADeprecationWarning")
def test_mlflow_round_trip_with_the_real_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    """Runs logged by MLflow itself (its file store, and mlflow.db, MLflow 3's default)
    read back without the mlflow package."""
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps it behind a flag
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    monkeypatch.setenv("DO_NOT_TRACK", "true")
    import mlflow

    folder = tmp_path / "tracking"
    folder.mkdir()
    uri = folder.as_uri() if backend == "file" else f"sqlite:///{folder / 'mlflow.db'}"
    mlflow.set_tracking_uri(uri)
    try:
        mlflow.set_experiment("cartpole")
        for lr in (1e-3, 3e-4):
            with mlflow.start_run(run_name=f"ppo-lr{lr:g}"):
                mlflow.log_params({"lr": lr, "optimizer": "adam", "gamma": 0.99})
                mlflow.set_tag("seed", "0")
                for step in range(30):
                    mlflow.log_metric("train/loss", 1.0 / (step + 1) + lr, step=step)
                    if step % 10 == 9:
                        mlflow.log_metric("eval/return", step * 10.0, step=step)
                mlflow.log_metric("eval/nan", float("nan"), step=0)
    finally:
        mlflow.set_tracking_uri("")
    runs = {r.name: r for r in _read(folder)}
    assert set(runs) == {"ppo-lr0.001", "ppo-lr0.0003"}
    run = runs["ppo-lr0.0003"]
    assert run.format == "mlflow"
    assert run.config["lr"] == 3e-4 and run.config["optimizer"] == "adam"
    assert run.config["experiment"] == "cartpole"
    loss = run.series["train/loss"]
    assert loss.steps.tolist() == list(range(30))
    assert np.allclose(loss.values, [1.0 / (s + 1) + 3e-4 for s in range(30)])
    assert run.series["eval/return"].steps.tolist() == [9, 19, 29]
    assert run.series["eval/return"].values.tolist() == [90.0, 190.0, 290.0]
    assert np.isnan(run.series["eval/nan"].values).all()
    assert all(w > 1.7e9 for w in loss.wall_times)  # MLflow's timestamps, in seconds


def test_config_files_beside_logs(tmp_path: Path) -> None:
    from torch.utils.tensorboard import SummaryWriter

    tb = tmp_path / "tb_lr3e_4"
    w = SummaryWriter(str(tb))
    w.add_scalar("loss", 1.0, 0)
    w.close()
    (tb / "config.json").write_text(
        '{"lr": 0.0003, "optimizer": {"name": "adam", "betas": [0.9, 0.99]}}'
    )
    c = tmp_path / "c"
    c.mkdir()
    (c / "log.csv").write_text("step,loss\n0,1\n")
    (c / "hparams.yaml").write_text("batch_size: 32\nbetas: !!python/tuple [0.9, 0.999]\n")
    runs = {r.name: r for r in _read(tmp_path)}
    assert runs["tb_lr3e_4"].config == {
        "lr": 0.0003,
        "optimizer": {"name": "adam", "betas": [0.9, 0.99]},
    }
    assert runs["c"].config == {"batch_size": 32, "betas": [0.9, 0.999]}
