"""Summary columns against numpy on the real runs, and the filter language."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from paperscope.core.records import Run, Series
from paperscope.results.smoothing import ema
from paperscope.results.summaries import (
    FilterError,
    SummarySpec,
    format_value,
    parse_filter,
    parse_stat,
    parse_summary_option,
    run_row,
    runs_table,
    spec_from_column,
    summarise,
    to_csv,
    to_markdown,
)
from paperscope.workflows.runs import load_runs
from tests.conftest import RUNS, TEST_DATA


@pytest.fixture(scope="module")
def real_runs() -> list[Run]:
    """Real runs with uneven steps: Lightning (sparse columns), Sacred, SB3, the UNet sweep
    (TensorBoard), and a W&B offline run holding a NaN."""
    runs, _ = load_runs(
        [
            RUNS / "ArcRoute",
            RUNS / "ml-pws" / "runs" / "78",
            RUNS / "warp-mujoco-domain-randomization" / "logs" / "progress.csv",
            RUNS / "pixel-level-segmentation-in-pets-unipr",
            TEST_DATA / "wandb" / "run-seed.wandb",  # real W&B run with a NaN point
        ],
        use_cache=False,
    )
    assert len(runs) >= 6
    return runs


def _all_series(runs: list[Run]) -> list[Series]:
    out = [s for r in runs for s in r.series.values() if len(s)]
    assert any(np.isnan(s.values).any() for s in out)  # the NaN path is exercised
    return out


def _nearest(s: Series, step: float) -> float | None:
    if not s.steps[0] <= step <= s.steps[-1]:
        return None
    d = np.abs(s.steps.astype(np.float64) - step)
    return float(s.values[int(np.flatnonzero(d == d.min())[0])])  # the earlier on a tie


def test_summaries_against_numpy_on_real_runs(real_runs: list[Run]) -> None:
    checked = 0
    for s in _all_series(real_runs):
        v = s.values
        finite = v[~np.isnan(v)]
        assert summarise(s, parse_stat(s.tag, "last")) == pytest.approx(v[-1], nan_ok=True)
        assert summarise(s, parse_stat(s.tag, "first")) == pytest.approx(v[0], nan_ok=True)
        assert summarise(s, parse_stat(s.tag, "count")) == len(v)
        if finite.size:
            assert summarise(s, parse_stat(s.tag, "min")) == np.nanmin(v)
            assert summarise(s, parse_stat(s.tag, "max")) == np.nanmax(v)
            assert summarise(s, parse_stat(s.tag, "mean")) == pytest.approx(np.nanmean(v))
        for n in (1, 5, 10):
            tail = v[-n:]
            got = summarise(s, parse_stat(s.tag, f"mean{n}"))
            if np.isnan(tail).all():
                assert got is not None and math.isnan(got)
            else:
                assert got == pytest.approx(np.nanmean(tail))
        lo, hi = float(s.steps[0]), float(s.steps[-1])
        for step in (lo, hi, (lo + hi) / 2, lo + (hi - lo) / 3 + 0.5, hi + 1, lo - 1):
            got = summarise(s, SummarySpec(s.tag, "at", step))
            want = _nearest(s, step)
            assert (got is None) == (want is None)
            if want is not None:
                assert got == pytest.approx(want, nan_ok=True)
            got = summarise(s, SummarySpec(s.tag, "interp", step))
            if not lo <= step <= hi:
                assert got is None
            elif len(s) > 1 and np.all(np.diff(s.steps) > 0):
                want_i = float(np.interp(step, s.steps.astype(np.float64), v))
                assert got == pytest.approx(want_i, nan_ok=True)
        assert summarise(s, parse_stat(s.tag, "smoothed0.9")) == pytest.approx(
            ema(v, 0.9)[-1], nan_ok=True
        )
        checked += 1
    assert checked >= 20


def test_a_run_without_the_metric_has_no_value(real_runs: list[Run]) -> None:
    table = runs_table(real_runs, parse_summary_option("no such metric:last,max,at5"))
    assert all(v is None for row in table.rows for v in row.values())
    assert format_value(None) == "" and format_value(math.nan) == "NaN"
    lines = to_csv(table).splitlines()
    assert lines[0] == "run,no such metric.last,no such metric.max,no such metric.at5"
    assert len(lines) == len(real_runs) + 1 and all(ln.endswith(",,,") for ln in lines[1:])
    assert all(ln.endswith("|  |  |  |") for ln in to_markdown(table).splitlines()[2:])


def test_stat_parsing() -> None:
    assert parse_summary_option("eval/return:last,max,mean10") == [
        SummarySpec("eval/return", "last"),
        SummarySpec("eval/return", "max"),
        SummarySpec("eval/return", "mean", 10.0),
    ]
    assert parse_summary_option("a:b:at1000")[0] == SummarySpec("a:b", "at", 1000.0)
    for bad in ("loss", "loss:", "loss:median", "loss:at", "loss:mean0", "loss:smoothed2"):
        with pytest.raises(ValueError):
            parse_summary_option(bad)
    for spec in (SummarySpec("x/y", "smoothed", 0.9), SummarySpec("a.b", "interp", 5.0)):
        assert spec_from_column(spec.column) == spec
    assert spec_from_column("optimizer.lr") is None and spec_from_column("lr") is None


def _run(name: str, config: dict, values: list[float]) -> Run:  # type: ignore[type-arg]
    n = len(values)
    s = Series("eval/return", np.arange(n, dtype=np.int64) * 10, np.full(n, np.nan),
               np.array(values, dtype=np.float64))  # fmt: skip
    return Run(name, name, "test", (name,), {"eval/return": s}, config)


RUNS_FOR_FILTER = [
    _run("a", {"lr": 1e-4, "opt": {"name": "adam"}, "tags": ["baseline"], "seed": 1}, [100, 250]),
    _run("b", {"lr": 3e-3, "opt": {"name": "sgd"}, "tags": [], "seed": 2}, [300, 310]),
    _run("c", {"lr": 5e-4, "opt": {"name": "adam"}, "seed": 3}, [50, math.nan]),
    _run("d", {"lr": "auto", "model.max": 7}, []),
]


def _names(expr: str) -> list[str]:
    table = runs_table(RUNS_FOR_FILTER, (), parse_filter(expr))
    return [r.name for r in table.runs]


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("lr < 1e-3 and eval/return.last > 200", ["a"]),
        ("lr < 1e-3 or eval/return.last > 200", ["a", "b", "c"]),
        ("not (lr < 1e-3)", ["b", "d"]),  # a missing/odd value makes the comparison false
        ('opt.name == "adam"', ["a", "c"]),
        ("opt.name = 'sgd'", ["b"]),
        ('opt.name != "adam"', ["b"]),  # d has no opt.name: false
        ("seed in [1, 3]", ["a", "c"]),
        ("seed not in [1, 3]", ["b"]),
        ("not seed in [1, 3]", ["b", "d"]),
        ('"baseline" in tags', ["a"]),
        ('lr == "auto"', ["d"]),
        ("eval/return.max >= 250 and eval/return.mean2 < 300", ["a"]),
        ("eval/return.last != eval/return.last", ["c"]),  # NaN is not NaN
        ("eval/return.at5 == 100", ["a"]),  # steps 0 and 10: a tie goes to the earlier
        ("eval/return.interp5 == 175", ["a"]),
        ("eval/return.at11 > 0", []),  # beyond the last step: no value
        ("model.max == 7", ["d"]),  # a config key that looks like a column
        ("run.name in ['a', 'd'] AND NOT seed", ["d"]),
        ("`eval/return.count` == 2", ["a", "b", "c"]),
        ("((lr > 0))", ["a", "b", "c"]),
    ],
)
def test_filter_examples(expr: str, names: list[str]) -> None:
    assert _names(expr) == names


@pytest.mark.parametrize(
    ("expr", "position", "words"),
    [
        ("lr < ", 5, "expected a name"),
        ("lr << 3", 4, "expected a name"),
        ("(lr < 3", 7, "expected ')'"),
        ("lr < 3 and", 10, "expected a name"),
        ('name == "adam', 8, "never closed"),
        ("lr ? 3", 3, "unexpected character"),
        ("lr < 3 4", 7, "unexpected a number"),
        ("seed in [1, lr]", 12, "a list holds"),
        ("seed in [1 2]", 11, "expected ','"),
        ("", 0, "empty"),
        ("a < b < c", 6, "unexpected '<'"),
        ("``", 0, "empty quoted"),
    ],
)
def test_filter_errors_say_where(expr: str, position: int, words: str) -> None:
    with pytest.raises(FilterError) as info:
        parse_filter(expr)
    assert info.value.position == position, str(info.value)
    assert words in info.value.message
    assert f"character {position + 1}" in str(info.value)
    assert info.value.pointer().splitlines()[1] == " " * position + "^"


def test_deep_nesting_is_a_filter_error() -> None:
    with pytest.raises(FilterError, match="nested"):
        parse_filter("(" * 500 + "x" + ")" * 500)
    with pytest.raises(FilterError, match="nested"):
        parse_filter("not " * 500 + "x")


_ROW = run_row(RUNS_FOR_FILTER[0], parse_summary_option("eval/return:last,max"))
_ALPHABET = st.sampled_from(
    [*"()[],<>=!'\"`\\ .-_/:@0123456789eE+", "and ", "or ", "not ", "in ", "lr", "seed",
     "eval/return.last", "true", "null", "1e-3", "'adam'", "x" * 3]
)  # fmt: skip


@given(st.one_of(st.text(max_size=60), st.lists(_ALPHABET, max_size=30).map("".join)))
def test_filter_never_raises_anything_but_its_error(text: str) -> None:
    try:
        f = parse_filter(text)
    except FilterError as exc:
        assert 0 <= exc.position <= len(text)
        return
    assert isinstance(f.matches(_ROW), bool)
    f.summary_specs()


def test_the_filter_never_evaluates_python(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    with pytest.raises(FilterError):
        parse_filter(f"__import__('pathlib').Path({str(marker)!r}).touch()")
    assert not marker.exists()


# --- paperscope runs --summary / --filter ---------------------------------------------------

UNET = RUNS / "pixel-level-segmentation-in-pets-unipr"
SEED = TEST_DATA / "wandb" / "run-seed.wandb"


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    from paperscope.cli import main

    rc = main(["runs", *args])
    out, err = capsys.readouterr()
    return rc, out, err


def test_cli_summary_table_formats(capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import io
    import json

    args = [str(UNET), str(SEED), "--summary", "Training loss:last,min,mean5,at10",
            "--summary", "acc:max", "--no-cache"]  # fmt: skip
    rc, out, _ = _cli(capsys, *args, "--csv")
    assert rc == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    runs, _ = load_runs([UNET, SEED], use_cache=False)
    by_name = {r.name: r for r in runs}
    assert sorted(r["run"] for r in rows) == sorted(by_name)
    for row in rows:
        run = by_name[row["run"]]
        s = run.series.get("Training loss")
        if s is None:
            assert row["Training loss.last"] == row["Training loss.at10"] == ""
            assert float(row["acc.max"]) == np.nanmax(run.series["acc"].values)
            continue
        assert float(row["Training loss.last"]) == s.values[-1]
        assert float(row["Training loss.min"]) == s.values.min()
        assert float(row["Training loss.mean5"]) == pytest.approx(s.values[-5:].mean())
        assert float(row["Training loss.at10"]) == _nearest(s, 10)
        assert row["acc.max"] == ""  # no such metric: an empty cell, never a 0
    rc, out, _ = _cli(capsys, *args, "--markdown")
    lines = out.splitlines()
    assert rc == 0 and lines[0].startswith("| run | Training loss.last |")
    assert len(lines) == len(rows) + 2
    rc, out, _ = _cli(capsys, *args, "--json")
    objs = [json.loads(line) for line in out.splitlines()]
    assert {o["name"] for o in objs} == set(by_name)
    seed = next(o for o in objs if o["format"] == "wandb")
    assert seed["summaries"]["Training loss.last"] is None and seed["summaries"]["acc.max"] == 0.5


def test_cli_filter(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, _ = _cli(
        capsys, str(UNET), str(SEED), "--no-cache", "--csv", "--summary", "Training loss:min",
        "--filter", "lr < 1e-3 and `Training loss.last` < 0.08 or run.format == 'wandb'",
    )  # fmt: skip
    assert rc == 0
    names = sorted(line.split(",")[0] for line in out.splitlines()[1:])
    runs, _ = load_runs([UNET, SEED], use_cache=False)
    want = sorted(
        r.name
        for r in runs
        if r.format == "wandb"
        or (r.config.get("lr", 1) < 1e-3 and r.series["Training loss"].values[-1] < 0.08)
    )
    assert names == want and "seed" in names and 1 < len(names) < len(runs)
    rc, out, _ = _cli(capsys, str(SEED), "--filter", "lr > 1")
    assert rc == 1 and out.splitlines() == ["run"]


def test_cli_filter_error_says_where(capsys: pytest.CaptureFixture[str]) -> None:
    rc, out, err = _cli(capsys, str(SEED), "--filter", "lr < (1e-3")
    assert rc == 2 and out == ""
    assert "character 11" in err and err.rstrip("\n").endswith("lr < (1e-3\n" + " " * 10 + "^")
    rc, _, err = _cli(capsys, str(SEED), "--summary", "loss:median")
    assert rc == 2 and "unknown summary 'median'" in err
