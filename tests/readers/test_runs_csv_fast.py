"""The numba CSV kernel: every number exactly as Python's float() reads it, and the
same tables as the pandas and csv-module paths."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.readers.runs import _csv_fast, _table
from tests.conftest import RUNS

_SU = np.zeros(1, dtype=np.uint64)


def _parse(text: str) -> tuple[float, int]:
    b = np.frombuffer(text.encode(), dtype=np.uint8)
    v, status = _csv_fast.parse_field(b, 0, b.shape[0], _SU, _SU.view(np.float64))
    return float(v), int(status)


def _same(a: float, b: float) -> bool:
    return struct.pack("<d", a) == struct.pack("<d", b) or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(
    "text",
    [
        "9007199254740993", "1e23", "8.98846567431158e307", "2.2250738585072014e-308",
        "1.7976931348623157e308", "1.7976931348623159e308", "0.1", "0.30000000000000004",
        "1234567890123456789", "-0", "+1.5", "1.", ".5", "2.5E+3", "1e400", "-1e400",
        "  3.25 ", "5e-324", "1e-400", "7.0e-10", "123456789012345678901234567890",
        "0.000000000000000000000000000001", "nan", "-inf", "Infinity", "NaN",
    ],
)  # fmt: skip
def test_edge_cases_match_float(text: str) -> None:
    value, status = _parse(text)
    if status == 0:
        assert _same(value, float(text))
    else:  # handed to Python's float() by the caller
        assert status == 1


@pytest.mark.parametrize("text", ["abc", "1e", "", "1.2.3", "--1", "e5", "."])
def test_non_numbers_are_nan(text: str) -> None:
    value, status = _parse(text)
    assert status == 0 and math.isnan(value)


@settings(max_examples=3000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=False, allow_infinity=False).map(repr),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.6g}"),
        st.floats(allow_nan=False, allow_infinity=False).map(lambda x: f"{x:.17e}"),
        st.integers(-(10**19), 10**19).map(str),
        st.tuples(st.integers(0, 10**19), st.integers(-340, 310)).map(lambda t: f"{t[0]}e{t[1]}"),
    )
)
def test_random_numbers_match_float(text: str) -> None:
    value, status = _parse(text)
    assert status == 1 or _same(value, float(text)), text


CSVS = [
    RUNS / "warp-mujoco-domain-randomization/logs/progress.csv",
    RUNS / "ArcRoute/lightning_logs/version_0/metrics.csv",
    RUNS / "deepmind-research-fork/lightning_logs/version_16/metrics.csv",
]


@pytest.mark.parametrize("path", CSVS, ids=lambda p: p.parent.name)
def test_fast_path_equals_pandas_and_csv_module(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _table.CsvTable(path)
    fast.update()
    monkeypatch.setenv("PAPERSCOPE_NO_NUMBA", "1")
    slow = _table.CsvTable(path)
    slow.update()
    assert fast.columns == slow.columns and fast.rows == slow.rows
    for c in fast.columns or []:
        a, b = fast.column(c), slow.column(c)
        assert all(_same(x, y) for x, y in zip(a.tolist(), b.tolist(), strict=True)), c
    import csv

    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    for c in fast.columns or []:
        expected = [float(r[c]) if r[c] else math.nan for r in rows]
        assert all(_same(x, y) for x, y in zip(fast.column(c).tolist(), expected, strict=True))


def test_quoted_fields_fall_back_to_the_csv_module(tmp_path: Path) -> None:
    p = tmp_path / "q.csv"
    p.write_text('step,"a, b",c\n1,"2.5",x\n2,3.5,4\n')
    t = _table.CsvTable(p)
    t.update()
    assert t.columns == ["step", "a, b", "c"]
    assert t.column("a, b").tolist() == [2.5, 3.5]
    assert math.isnan(t.column("c")[0]) and t.column("c")[1] == 4.0


def test_small_chunks_and_lines_longer_than_the_buffer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_table, "_CHUNK", 16)
    p = tmp_path / "wide.csv"
    cols = [f"metric_number_{i}" for i in range(12)]
    rows = [[repr(1.0 / (r + c + 1)) for c in range(12)] for r in range(50)]
    p.write_text(",".join(cols) + "\n" + "".join(",".join(r) + "\n" for r in rows))
    t = _table.CsvTable(p)
    t.update()
    assert t.rows == 50
    for c, name in enumerate(cols):
        assert t.column(name).tolist() == [float(r[c]) for r in rows]
