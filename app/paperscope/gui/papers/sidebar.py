"""The sidebar: the library, collections (hand-made and smart = saved searches), tags
and facets of the current results, each with a count. A click searches: every entry
is a query in the search box's language (``collection:"Reading group"``, ``tag:to-read``),
so what the table shows is always what the box says. A facet click adds its filter
to the current query (refining the results); the others replace it. The "For you"
entries are the exception: they show the recommender's ranking (overall, or "more like"
one tag), which no query can say.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.gui.papers.actions import color_icon
from paperscope.library.store import Store

QUERY_ROLE = Qt.ItemDataRole.UserRole
REFINE_ROLE = Qt.ItemDataRole.UserRole + 1
RECOMMEND_ROLE = Qt.ItemDataRole.UserRole + 3  # "" (overall) or a tag's name
FOR_YOU = "For you"
RECOMMENDED_SECTION = "Recommended"  # holds For you and More like <tag>
FACET_LIMIT = 12  # values per facet; more years than this are shown by decade
RESULTS_SECTION = "In the results"  # the facets of what the table shows
FACET_TITLES = (("year", "Year"), ("status", "Status"), ("tag", "Tag"), ("org", "Organisation"))


def quoted(value: Any) -> str:
    """A filter value the search language reads back as one value."""
    text = str(value).replace('"', " ").strip()
    return f'"{text}"' if any(c.isspace() or c in ":-" for c in text) else text


def sidebar_data(
    store: Store,
    scope: np.ndarray | None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> dict[str, Any]:
    """Everything the sidebar shows (run on the task runner: facets over a million
    papers take a moment)."""
    cancel = cancel or CancelToken()
    out: dict[str, Any] = {"total": store.paper_count(), "tags": store.tags()}
    collections = []
    for c in store.collections():
        cancel.check()
        count = c.count
        if c.smart:
            count = len(store.collection_ids(c.id))
        collections.append((c, count))
    out["collections"] = collections
    cancel.check()
    out["facets"] = store.facets(scope, limit=FACET_LIMIT)
    if len(out["facets"]["year"]) >= FACET_LIMIT:  # every year, shown by decade
        out["facets"]["year"] = store.facets(scope, limit=1_000_000)["year"]
    return out


def decades(years: Sequence[tuple[int, int]]) -> list[tuple[int, int, list[tuple[int, int]]]]:
    """``(decade, papers, its years)`` newest first, from ``(year, papers)`` pairs."""
    out: dict[int, list[tuple[int, int]]] = {}
    for year, n in years:
        out.setdefault(int(year) // 10 * 10, []).append((int(year), int(n)))
    return [
        (d, sum(n for _y, n in ys), sorted(ys, reverse=True))
        for d, ys in sorted(out.items(), reverse=True)
    ]


class Sidebar(QWidget):
    """Signals: ``query_chosen(str)`` (replace the query), ``refine_chosen(str)`` (add a
    filter to it), ``recommend_chosen(str)`` (For you: "" overall, or a tag's name),
    ``updated()`` when the counts were redrawn."""

    query_chosen = Signal(str)
    refine_chosen = Signal(str)
    recommend_chosen = Signal(str)
    updated = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setColumnCount(2)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(12)
        self.tree.itemActivated.connect(self._on_item)
        self.tree.itemClicked.connect(self._on_item)
        self._last: tuple[int, float] = (0, 0.0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tree)
        self.data: dict[str, Any] = {}
        self.for_you: tuple[int | None, str] = (None, "")

    def set_for_you(self, count: int | None, note: str) -> None:
        """The recommender's count of papers for you (``None``: none yet) and its note."""
        if (count, note) != self.for_you:
            self.for_you = (count, note)
            if self.data:
                self.show_data(self.data)

    def _recommendations(self, tags: Sequence[Any]) -> None:
        count, note = self.for_you
        sec = self._section(RECOMMENDED_SECTION)
        item = self._entry(sec, FOR_YOU, count, "")
        item.setData(0, QUERY_ROLE, None)
        item.setData(0, RECOMMEND_ROLE, "")
        item.setToolTip(0, note or "Unread papers like the ones you rated 4-5, tagged or read")
        for t in tags:
            more = self._entry(sec, f"More like {t.name}", None, "")
            more.setData(0, QUERY_ROLE, None)
            more.setData(0, RECOMMEND_ROLE, t.name)
            more.setToolTip(0, f"Unread papers like those tagged {t.name}")

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem([title, ""])
        font = QFont(self.font())
        font.setBold(True)
        item.setFont(0, font)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        self.tree.addTopLevelItem(item)
        item.setExpanded(True)
        return item

    def _entry(
        self,
        parent: QTreeWidgetItem,
        label: str,
        count: int | None,
        query: str,
        refine: bool = False,
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem([label, "" if count is None else f"{count:,}"])
        item.setData(0, QUERY_ROLE, query)
        item.setData(0, REFINE_ROLE, refine)
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        item.setForeground(1, QBrush(self.palette().placeholderText().color()))
        item.setToolTip(0, query or "every paper")
        parent.addChild(item)
        return item

    def show_data(self, data: dict[str, Any]) -> None:
        self.data = data
        expanded = {
            self.tree.topLevelItem(i).text(0): self.tree.topLevelItem(i).isExpanded()
            for i in range(self.tree.topLevelItemCount())
        }
        self.tree.clear()
        lib = QTreeWidgetItem(["Library", f"{data['total']:,}"])
        lib.setData(0, QUERY_ROLE, "")
        lib.setData(0, REFINE_ROLE, False)
        font = QFont(self.font())
        font.setBold(True)
        lib.setFont(0, font)
        lib.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.tree.addTopLevelItem(lib)
        self._recommendations(data["tags"])
        if data["collections"]:
            sec = self._section("Collections")
            for c, count in data["collections"]:
                query = c.query if c.smart else f"collection:{quoted(c.name)}"
                item = self._entry(sec, c.name, count, query)
                item.setData(0, Qt.ItemDataRole.UserRole + 2, c.id)
                if c.smart:  # a saved search: in italics, its query in the tooltip
                    italic = QFont(self.font())
                    italic.setItalic(True)
                    item.setFont(0, italic)
                    item.setToolTip(0, f"Smart collection (saved search): {c.query}")
        tags = data["tags"]
        if tags:
            sec = self._section("Tags")
            for i, t in enumerate(tags):
                key = f"  [{i + 1}]" if i < 9 else ""
                item = self._entry(sec, t.name + key, t.count, f"tag:{quoted(t.name)}")
                item.setIcon(0, color_icon(t.color))
                item.setForeground(0, QBrush(QColor(t.color)))
        facets = data["facets"]
        if any(facets.get(k) for k, _ in FACET_TITLES):
            root = self._section(RESULTS_SECTION)
            root.setToolTip(0, "Facets of the papers the table shows: click one to refine")
            for key, title in FACET_TITLES:
                values: Sequence[tuple[Any, int]] = facets.get(key) or []
                if not values:
                    continue
                sub = QTreeWidgetItem([title, ""])
                sub.setFlags(Qt.ItemFlag.ItemIsEnabled)
                root.addChild(sub)
                sub.setExpanded(key in ("year", "status"))
                if key == "year" and len(values) > FACET_LIMIT:
                    # a century of papers: decades, each opening on its years
                    for decade, n, years in decades(values):
                        query = f"year:{decade}..{decade + 9}"
                        dec = self._entry(sub, f"{decade}s", n, query, refine=True)
                        for year, count in years:
                            self._entry(dec, str(year), count, f"year:{year}", refine=True)
                    continue
                for value, count in values:
                    self._entry(sub, str(value), count, f"{key}:{quoted(value)}", refine=True)
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            item.setExpanded(expanded.get(item.text(0), True))
        self.tree.resizeColumnToContents(1)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.updated.emit()

    def item_for(self, label: str) -> QTreeWidgetItem | None:
        """The first entry whose label starts with ``label`` (tests, keyboard users)."""
        for item in self.tree.findItems(
            label, Qt.MatchFlag.MatchStartsWith | Qt.MatchFlag.MatchRecursive, 0
        ):
            if item.data(0, QUERY_ROLE) is not None or item.data(0, RECOMMEND_ROLE) is not None:
                return item
        return None

    def _on_item(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        query = item.data(0, QUERY_ROLE)
        tag = item.data(0, RECOMMEND_ROLE)
        if query is None and tag is None:
            return
        # a click can also activate the item (platform style): act once
        now = time.monotonic()
        if self._last[0] == id(item) and now - self._last[1] < 0.4:
            return
        self._last = (id(item), now)
        if tag is not None:
            self.recommend_chosen.emit(str(tag))
        elif item.data(0, REFINE_ROLE):
            self.refine_chosen.emit(str(query))
        else:
            self.query_chosen.emit(str(query))
