"""The filter over whole columns (``Filter.mask``, numpy) against the row-by-row rule
(``Filter.matches``): the same runs kept for any expression, or ``None`` (left to the
row-by-row rule) — and never ``None`` for the common case of numbers and texts."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from paperscope.results.summaries import MISSING, parse_filter

# rows as the runs table gives them: numbers with NaN, inf, None (a summary without a
# value) and absent keys; texts with absent keys and None; ints, bools; one key mixing
# numbers and texts (the row-by-row rule's case)
_LR = [1e-4, 3e-4, 1e-3, math.nan, MISSING, None, 3e-3, 1e-3, math.inf, 0.0, -0.0, 2e-4]
_OPT = ["adam", "sgd", MISSING, "", "rmsprop", None, "Adam", "adam", "sgd", "b", "a", "adam"]
_SEED = [0, 1, 2, MISSING, 3, 0, 1, 2, 10**6, -1, 5, 7]
_FLAG = [True, False, MISSING, True, False, True, True, False, True, False, MISSING, True]
_LAST = [0.5, None, 2.0, -math.inf, 0.25, math.nan, 3.0, None, 0.0, 1.0, 200.0, 201.0]
_NAME = [f"run{k}" for k in range(12)]
_MIXED = [1.0, "x", MISSING, 2, "y", None, 0.5, "1", 3, MISSING, "", 4.0]
COLUMNS: dict[str, list[Any]] = {
    "lr": _LR, "opt": _OPT, "seed": _SEED, "flag": _FLAG, "loss.last": _LAST,
    "run.name": _NAME, "mixed": _MIXED, "gone": [MISSING] * 12,
}  # fmt: skip
ROWS = [{k: v[i] for k, v in COLUMNS.items() if v[i] is not MISSING} for i in range(len(_LR))]

_NAMES = st.sampled_from(["lr", "opt", "seed", "flag", "`loss.last`", "run.name", "gone"])
_LITS = st.sampled_from(
    ["0", "1e-3", "-2.5", "3", "1000000", "'adam'", "'sgd'", "''", "'run3'", "true", "false"]
)
_OPS = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _expr() -> st.SearchStrategy[str]:
    atom = st.one_of(_NAMES, _LITS)
    cmp = st.tuples(atom, _OPS, atom).map(" ".join)
    return st.recursive(
        st.one_of(cmp, atom),
        lambda e: st.one_of(
            st.tuples(e, st.sampled_from(["and", "or"]), e).map(" ".join),
            e.map(lambda x: f"not ({x})"),
            st.tuples(e, _OPS, e).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        ),
        max_leaves=8,
    )


def _by_rows(text: str) -> list[bool]:
    f = parse_filter(text)
    return [f.matches(row) for row in ROWS]


@given(_expr())
def test_the_column_filter_keeps_what_the_row_filter_keeps(text: str) -> None:
    f = parse_filter(text)
    mask = f.mask({n: COLUMNS[n] for n in f.names}, len(ROWS))
    assert mask is not None  # numbers, texts, bools: always over whole columns
    assert mask.tolist() == _by_rows(text), text


@given(_expr(), st.sampled_from(["mixed", "opt"]))
def test_what_it_cannot_do_it_leaves_to_the_row_filter(text: str, name: str) -> None:
    for extra in (f"{name} in ['adam', 1]", f"{name} == null", f"mixed > 1 or ({text})"):
        f = parse_filter(extra)
        mask = f.mask({n: COLUMNS[n] for n in f.names}, len(ROWS))
        assert mask is None or mask.tolist() == _by_rows(extra), extra
    assert parse_filter("mixed > 1").mask({"mixed": _MIXED}, len(ROWS)) is None


def test_examples() -> None:
    f = parse_filter("lr < 1e-3 and opt == 'adam' and `loss.last` > 0.1")
    mask = f.mask({n: COLUMNS[n] for n in f.names}, len(ROWS))
    assert mask is not None and np.flatnonzero(mask).tolist() == [0, 11]
    both_null = parse_filter("lr == opt")  # two null values are equal, absent ones not
    got = both_null.mask({"lr": _LR, "opt": _OPT}, len(ROWS))
    assert got is not None and np.flatnonzero(got).tolist() == [5]
    assert got.tolist() == _by_rows("lr == opt")
