"""The runs table's state without Qt, on real runs: summary columns against numpy,
numeric sort with missing values last, the filter language, column sets in the
workspace JSON, copies as CSV/Markdown, and the pinned step."""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest

from paperscope.core.records import Run
from paperscope.state.events import StateError
from paperscope.state.runs import RunsState
from paperscope.state.runs_table import (
    FIXED_COLUMNS,
    PINNED,
    SUMMARY,
    RunSelection,
    RunsTableState,
    TableSettings,
    sort_order,
)
from paperscope.workflows.runs import load_runs
from tests.conftest import RUNS


@pytest.fixture(scope="module")
def sweep() -> list[Run]:
    """The UNet sweep (TensorBoard, configs differ by learning rate and batch size) and
    the ml-pws Sacred run (other metrics: no value in the sweep's columns)."""
    runs, _ = load_runs(
        [RUNS / "pixel-level-segmentation-in-pets-unipr", RUNS / "ml-pws" / "runs" / "78"],
        use_cache=False,
    )
    assert len(runs) >= 4
    return runs


def _metric(runs: list[Run]) -> str:
    counts: dict[str, int] = {}
    for r in runs:
        for t, s in r.series.items():
            if len(s) > 3:
                counts[t] = counts.get(t, 0) + 1
    return max(sorted(counts), key=lambda t: counts[t])


def _table(runs: list[Run]) -> RunsTableState:
    state = RunsState()
    state.add(runs)
    return RunsTableState(state)


def test_summary_columns_match_numpy_and_missing_is_empty(sweep: list[Run]) -> None:
    metric = _metric(sweep)
    table = _table(sweep)
    table.add_summaries([f"{metric}.last", f"{metric}.min", f"{metric}.max", f"{metric}.mean3"])
    cols = {c.key: c for c in table.columns()}
    without = [r for r in sweep if metric not in r.series]
    assert without  # the Sacred run has none of the sweep's metrics
    for run in sweep:
        s = run.series.get(metric)
        got = {
            k: table.value_of(run, cols[SUMMARY + f"{metric}.{k}"])
            for k in ("last", "min", "max", "mean3")
        }
        if s is None:
            assert got == dict.fromkeys(got)  # None: an empty cell, never a 0
            continue
        v = s.values
        assert got["last"] == v[-1]
        assert got["min"] == np.nanmin(v) and got["max"] == np.nanmax(v)
        assert got["mean3"] == pytest.approx(np.nanmean(v[-3:]))
    _headers, rows = table.grid([without[0].id])
    k = [c.header for c in table.columns() if c.key != "colour"].index(f"{metric}.last")
    assert rows[0][k] == ""


def test_numeric_sort_puts_missing_last_in_both_directions(sweep: list[Run]) -> None:
    metric = _metric(sweep)
    table = _table(sweep)
    table.add_summaries([f"{metric}.max"])
    table.sort_by(SUMMARY + f"{metric}.max")
    col = table.column(SUMMARY + f"{metric}.max")
    assert col is not None
    for descending in (False, True):
        table.sort_by(col.key, descending)
        order = table.order()
        values = [table.value_of(table.runs.run(i), col) for i in order]  # type: ignore[arg-type]
        present = [v for v in values if v is not None]
        assert present == sorted(present, reverse=descending)
        assert values[len(present) :] == [None] * (len(values) - len(present))
        assert present and len(present) < len(values)
    # numbers as numbers (2 < 10), texts after numbers, NaN then missing last
    assert sort_order([10, "b", None, 2, math.nan, "A", ""]) == [3, 0, 5, 1, 4, 2, 6]
    assert sort_order([10, "b", None, 2, math.nan, "A", ""], True) == [1, 5, 0, 3, 4, 2, 6]


def test_filter_language_over_config_and_summaries(sweep: list[Run]) -> None:
    metric = _metric(sweep)
    table = _table(sweep)
    key = next(
        k
        for k in table.runs.config_keys()
        if all(
            isinstance(table.runs.config_of(r.id).get(k), int | float)
            for r in sweep
            if k in table.runs.config_of(r.id)
        )
    )
    values = sorted(
        {table.runs.config_of(r.id)[key] for r in sweep if key in table.runs.config_of(r.id)}
    )
    cut = values[len(values) // 2]
    median = float(np.median([r.series[metric].values[-1] for r in sweep if metric in r.series]))
    table.update(filter_text=f"`{key}` < {cut!r} or `{metric}.last` >= {median!r}")
    want = [
        r.id
        for r in sweep
        if (key in table.runs.config_of(r.id) and table.runs.config_of(r.id)[key] < cut)
        or (metric in r.series and r.series[metric].values[-1] >= median)
    ]
    assert table.order() == want and 0 < len(want) < len(sweep)
    table.update(filter_text=f"`{metric}.last` > ")
    f, error = table.parsed_filter()
    assert f is None and error is not None and error.position == len(f"`{metric}.last` > ")
    assert "character" in str(error)
    table.update(filter_text="", name_regex="[")  # an invalid regex filters nothing
    assert table.name_pattern()[1] is False and len(table.order()) == len(sweep)


def test_column_set_round_trips_through_json_and_rejects_bad_values(sweep: list[Run]) -> None:
    table = _table(sweep)
    metric = _metric(sweep)
    table.add_summaries([f"{metric}.max", f"{metric}.at5"])
    table.update(
        config_columns=("lr",),
        filter_text="lr > 0",
        descending=True,
        sort_key=SUMMARY + f"{metric}.max",
    )
    table.pin(metric, 7)
    data = json.loads(json.dumps(table.value.to_json()))
    again = TableSettings.from_json(data)
    assert again == table.value
    with pytest.raises(StateError, match="summaries"):
        TableSettings(summaries=("loss.bogus",))
    with pytest.raises(StateError, match="pinned"):
        TableSettings.from_json({"pinned": ["loss", "x"]})


def test_pinned_step_column_and_copies(sweep: list[Run]) -> None:
    metric = _metric(sweep)
    table = _table(sweep)
    run = next(r for r in sweep if metric in r.series)
    s = run.series[metric]
    step = float(s.steps[len(s) // 2])
    table.pin(metric, step)
    col = table.column(PINNED)
    assert col is not None and table.value_of(run, col) == s.values[len(s) // 2]
    text = table.to_csv()
    rows = list(csv.reader(io.StringIO(text)))
    headers = rows[0]
    assert headers[0] == "Run" and col.header in headers and "" not in headers
    assert len(rows) == 1 + len(sweep)
    exact = rows[1 + table.order().index(run.id)][headers.index(col.header)]
    assert float(exact) == s.values[len(s) // 2]  # exact, not 6 digits
    md = table.to_markdown([run.id]).splitlines()
    assert len(md) == 3 and md[0].startswith("| Run |")
    assert [c.key for c in table.columns()[: len(FIXED_COLUMNS)]] == [c.key for c in FIXED_COLUMNS]


def test_selection_is_one_setter() -> None:
    sel = RunSelection()
    seen: list[frozenset[str]] = []
    sel.changed.connect(seen.append)
    assert sel.select(["a", "b"], "hyper")
    assert not sel.select(["b", "a"], "table")  # the same runs: nothing changes
    assert sel.value.origin == "hyper" and len(seen) == 1


def test_paper_column_is_one_fixed_column_sorted_with_missing_last(sweep: list[Run]) -> None:
    """The "Paper" column of the papers↔runs links: its texts come from the library (not
    saved with the table's settings), sort as text with runs without a paper last, and
    reach the copies."""
    table = _table(sweep)
    assert [c.key for c in FIXED_COLUMNS].count("paper") == 1
    col = table.column("paper")
    assert col is not None and col.header == "Paper"
    first, second = sweep[1].id, sweep[2].id
    assert all(table.value_of(r, col) is None for r in sweep)
    before = table.version
    assert table.set_paper_labels({first: "U-Net 2015", second: "Attention 2017", "x": ""})
    assert not table.set_paper_labels({first: "U-Net 2015", second: "Attention 2017"})
    assert table.version > before
    table.sort_by("paper", False)
    assert table.order()[:2] == [second, first]
    table.sort_by("paper", True)
    assert table.order()[:2] == [first, second]  # missing last both ways
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    at = rows[0].index("Paper")
    assert [r[at] for r in rows[1:3]] == ["U-Net 2015", "Attention 2017"]
    assert all(r[at] == "" for r in rows[3:])
    saved = json.dumps(table.value.to_json())
    assert "U-Net" not in saved and '"key": "paper"' in saved  # the sort, not the texts


def test_the_filter_over_columns_keeps_what_the_row_rule_keeps(sweep: list[Run]) -> None:
    """kept() evaluates the filter with numpy over whole columns; on the real runs it
    keeps exactly the runs the row-by-row rule (Filter.matches on row()) keeps."""
    metric = _metric(sweep)
    table = _table(sweep)
    keys = table.runs.config_keys()
    exprs = [
        f"`{metric}.last` > 0.1",
        f"`{metric}.max` >= `{metric}.min` and not run.format == 'x'",
        f"`{metric}.mean5` < 1e9 or run.name == 'UNet_lr1e_3'",
        f"`{keys[0]}` != 0",
        f"`{keys[0]}` in [1, 2]",
        f"`{metric}.last` == null",
    ]
    for expr in exprs:
        table.update(filter_text=expr)
        f, error = table.parsed_filter()
        assert f is not None and error is None
        specs = f.summary_specs()
        want = {r.id: f.matches(table.row(r, specs)) for r in sweep}
        assert table.kept() == want, expr
    table.update(filter_text=exprs[0])
    f, _ = table.parsed_filter()
    assert f is not None and f.mask(table.filter_columns(f, sweep), len(sweep)) is not None
