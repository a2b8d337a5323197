"""Words for people: counts with the right plural, everywhere a count is shown."""

from __future__ import annotations

# nouns whose plural is not noun + "s"
_IRREGULAR = {"series": "series", "match": "matches", "entry": "entries", "index": "indices"}


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``noun`` or its plural for ``n`` of them (``many``, else noun + "s")."""
    if n == 1:
        return noun
    return many if many is not None else _IRREGULAR.get(noun, noun + "s")


def count(n: int, noun: str, many: str | None = None, grouping: bool = True) -> str:
    """``"1 paper"``, ``"0 papers"``, ``"6,315 papers"``: the number (with thousands
    separators unless ``grouping`` is off) and the noun in the number it needs."""
    return f"{n:,} {plural(n, noun, many)}" if grouping else f"{n} {plural(n, noun, many)}"
