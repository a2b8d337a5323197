"""The states of the papers table and of the map (what they show, not how)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, cast

from paperscope.state.events import StateError
from paperscope.state.model import Model, check

SearchMode = Literal["filter", "float"]
SEARCH_MODES: tuple[SearchMode, ...] = ("filter", "float")
Origin = Literal["semantic", "similar", "map", "collection", "recommended"]
"""Where a list of shown papers came from: a ``~meaning`` search, "more like these",
a box or lasso on the map, a collection, the recommendations ("For you")."""
ORIGINS: tuple[Origin, ...] = ("semantic", "similar", "map", "collection", "recommended")


@dataclass(frozen=True, slots=True)
class ShownIds:
    """Papers the table shows instead of the search's matches, in this order."""

    origin: Origin
    ids: tuple[int, ...]
    scores: tuple[float, ...] | None = None  # a ranking's scores, one per id

    def __post_init__(self) -> None:
        o = "PapersViewState.shown"
        check(self.origin in ORIGINS, o, "origin", self.origin, "one of " + ", ".join(ORIGINS))
        check(isinstance(self.ids, tuple) and all(type(i) is int for i in self.ids), o, "ids",
              self.ids, "paper ids")  # fmt: skip
        s = self.scores
        check(s is None or (isinstance(s, tuple) and len(s) == len(self.ids)
                            and all(isinstance(v, float) for v in s)), o, "scores", s,
              "None or one number per id")  # fmt: skip


@dataclass(frozen=True, slots=True)
class PapersView:
    query: str = ""
    mode: SearchMode = "filter"
    sort: tuple[str, bool] | None = None  # (column title, descending)
    columns: tuple[str, ...] = ()  # shown columns in order (empty: the default set)
    shown: ShownIds | None = None

    def __post_init__(self) -> None:
        o = "PapersViewState"
        check(isinstance(self.query, str), o, "query", self.query, "text")
        check(self.mode in SEARCH_MODES, o, "mode", self.mode, "filter or float")
        s = self.sort
        check(s is None or (isinstance(s, tuple) and len(s) == 2 and isinstance(s[0], str)
                            and isinstance(s[1], bool)), o, "sort", s,
              "None or (column, descending)")  # fmt: skip
        check(isinstance(self.columns, tuple) and all(isinstance(c, str) for c in self.columns)
              and len(set(self.columns)) == len(self.columns), o, "columns", self.columns,
              "distinct column names")  # fmt: skip
        check(self.shown is None or isinstance(self.shown, ShownIds), o, "shown", self.shown,
              "None or shown ids")  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        shown = self.shown
        return {
            "search": self.query,
            "mode": self.mode,
            "sort": None if self.sort is None else list(self.sort),
            "columns": list(self.columns),
            "shown": None
            if shown is None
            else {
                "origin": shown.origin,
                "ids": list(shown.ids),
                "scores": None if shown.scores is None else list(shown.scores),
            },
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PapersView:
        if not isinstance(data, Mapping):
            raise StateError(f"PapersViewState: {data!r} is not an object")
        sort = data.get("sort")
        if sort is not None and not (isinstance(sort, list | tuple) and len(sort) == 2):
            raise StateError(f"PapersViewState.sort: {sort!r} is not [column, descending]")
        shown = data.get("shown")
        value: ShownIds | None = None
        if shown is not None:
            if not isinstance(shown, Mapping):
                raise StateError(f"PapersViewState.shown: {shown!r} is not an object")
            ids, scores = shown.get("ids", []), shown.get("scores")
            if not isinstance(ids, list | tuple) or not (
                scores is None or isinstance(scores, list | tuple)
            ):
                raise StateError(f"PapersViewState.shown: {shown!r} has no list of ids")
            value = ShownIds(
                origin=shown.get("origin", ""),
                ids=tuple(ids),
                scores=None if scores is None else tuple(_float(v) for v in scores),
            )
        columns = data.get("columns", [])
        if not isinstance(columns, list | tuple):
            raise StateError(f"PapersViewState.columns: {columns!r} is not a list")
        return cls(
            query=data.get("search", ""),
            mode=data.get("mode", "filter"),
            sort=None if sort is None else (sort[0], sort[1]),
            columns=tuple(columns),
            shown=value,
        )


def _float(v: object) -> float:
    # JSON has no NaN: a score written as null comes back as NaN
    return math.nan if v is None else cast(float, float(v) if isinstance(v, int) else v)


class PapersViewState(Model[PapersView]):
    """The table's search, sort, columns and the ids it shows. ``changed(fields)``."""

    def __init__(self, value: PapersView | None = None) -> None:
        super().__init__(value if value is not None else PapersView())

    def show_ids(
        self, origin: Origin, ids: tuple[int, ...], scores: tuple[float, ...] | None = None
    ) -> frozenset[str]:
        return self.update(shown=ShownIds(origin, ids, scores))

    def show_matches(self) -> frozenset[str]:
        """Back to the search's own results."""
        return self.update(shown=None)


FLAG_COLOURS = {"Has my runs": "has-runs", "Has reported results": "has-results"}
"""Colourings by a flag of each paper (``workflows.results.paper_flags``)."""
COLOUR_BY = ("Cluster", "Year", "Organisation", "Reading status", "Upvotes", *FLAG_COLOURS)
ViewBox = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class MapView:
    colour_by: str = "Cluster"
    layout_id: str | None = None  # the stored layout shown (None: the newest)
    view_box: ViewBox | None = None  # x0, x1, y0, y1 (None: fit the points)
    highlighted: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        o = "MapViewState"
        check(self.colour_by in COLOUR_BY, o, "colour_by", self.colour_by,
              "one of " + ", ".join(COLOUR_BY))  # fmt: skip
        check(self.layout_id is None or isinstance(self.layout_id, str), o, "layout_id",
              self.layout_id, "None or a layout id")  # fmt: skip
        b = self.view_box
        check(b is None or (isinstance(b, tuple) and len(b) == 4
                            and all(isinstance(v, int | float) and math.isfinite(v) for v in b)
                            and b[0] < b[1] and b[2] < b[3]), o, "view_box", b,
              "None or finite x0 < x1, y0 < y1")  # fmt: skip
        check(isinstance(self.highlighted, tuple)
              and all(type(i) is int for i in self.highlighted), o, "highlighted",
              self.highlighted, "paper ids")  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "colour_by": self.colour_by,
            "layout_id": self.layout_id,
            "view_box": None if self.view_box is None else list(self.view_box),
            "highlighted": list(self.highlighted),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MapView:
        if not isinstance(data, Mapping):
            raise StateError(f"MapViewState: {data!r} is not an object")
        box = data.get("view_box")
        ids = data.get("highlighted", [])
        if box is not None and not isinstance(box, list | tuple):
            raise StateError(f"MapViewState.view_box: {box!r} is not a list")
        if not isinstance(ids, list | tuple):
            raise StateError(f"MapViewState.highlighted: {ids!r} is not a list")
        return cls(
            colour_by=data.get("colour_by", "Cluster"),
            layout_id=data.get("layout_id"),
            view_box=None if box is None else cast(ViewBox, tuple(box)),
            highlighted=tuple(ids),
        )


class MapViewState(Model[MapView]):
    """The map's colouring, layout, view box and highlighted papers. ``changed(fields)``."""

    def __init__(self, value: MapView | None = None) -> None:
        super().__init__(value if value is not None else MapView())
