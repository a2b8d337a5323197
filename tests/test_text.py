"""Counts in words (issue #21 item 15): "1 paper", never "1 papers"."""

from __future__ import annotations

import pytest

from paperscope.core.text import count, plural


@pytest.mark.parametrize(
    ("n", "noun", "want"),
    [
        (0, "paper", "0 papers"),
        (1, "paper", "1 paper"),
        (2, "run", "2 runs"),
        (1, "group", "1 group"),
        (6315, "paper", "6,315 papers"),
        (1, "series", "1 series"),
        (3, "series", "3 series"),
        (2, "entry", "2 entries"),
        (-1, "point", "-1 points"),
    ],
)
def test_count_says_the_number_and_the_noun_in_its_number(n: int, noun: str, want: str) -> None:
    assert count(n, noun) == want


def test_count_without_grouping_and_a_given_plural() -> None:
    assert count(1234, "point", grouping=False) == "1234 points"
    assert plural(1, "matches", "match") == "matches" and plural(5, "matches", "match") == "match"
