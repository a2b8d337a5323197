"""The dashboard's state without Qt: every metric of the shown runs as small multiples.

TensorBoard's scalars dashboard: one chart per tag, grouped by the tag's prefix (the
part before the last ``/``), filtered by a search text (a regex, case-insensitive; an
invalid one is matched as plain text). :func:`sections` is the pure rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from paperscope.state.model import Model, check

MAX_CHARTS = 60  # more tags than this: the first ones (the search narrows them)


def prefix(tag: str) -> str:
    head, slash, _tail = tag.rpartition("/")
    return head if slash else ""


def sections(tags: Iterable[str], search: str = "") -> list[tuple[str, list[str]]]:
    """(prefix, tags) in order of prefix, each section's tags sorted; only tags the
    search matches; at most :data:`MAX_CHARTS` tags in all."""
    try:
        pattern = re.compile(search, re.IGNORECASE) if search else None
    except re.error:
        pattern = re.compile(re.escape(search), re.IGNORECASE)
    kept = sorted({t for t in tags if pattern is None or pattern.search(t)})[:MAX_CHARTS]
    out: dict[str, list[str]] = {}
    for tag in sorted(kept, key=lambda t: (prefix(t), t)):
        out.setdefault(prefix(tag), []).append(tag)
    return list(out.items())


@dataclass(frozen=True, slots=True)
class DashboardSettings:
    """``search``: the metric filter; ``columns``: charts per row."""

    search: str = ""
    columns: int = 3

    def __post_init__(self) -> None:
        check(isinstance(self.search, str), "DashboardState", "search", self.search, "text")
        c = self.columns
        ok = isinstance(c, int) and not isinstance(c, bool) and 1 <= c <= 8
        check(ok, "DashboardState", "columns", c, "a whole number from 1 to 8")


class DashboardState(Model[DashboardSettings]):
    def __init__(self, value: DashboardSettings | None = None) -> None:
        super().__init__(value if value is not None else DashboardSettings())
