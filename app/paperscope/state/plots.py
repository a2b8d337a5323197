"""The plot area's state: tabs, each a tree of splits whose leaves are pane states."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from paperscope.state.events import Callbacks, StateError
from paperscope.state.hyper import HyperState
from paperscope.state.plot_pane import PlotPaneState

Orientation = Literal["horizontal", "vertical"]


@dataclass(eq=False)
class Leaf:
    pane: PlotPaneState


@dataclass(eq=False)
class Split:
    orientation: Orientation
    children: list[Node]
    sizes: list[int] = field(default_factory=list)


@dataclass(eq=False)
class HyperLeaf:
    """A hyperparameter pane (parallel coordinates or a scatter)."""

    hyper: HyperState


Node = Leaf | HyperLeaf | Split


@dataclass(eq=False)
class Tab:
    title: str
    layout: Node


class PlotsState:
    """Tabs of panes, the current tab and pane, the pinned metrics and the dock's
    splitter sizes. The plot area writes the layout here after each split, close, tab
    change or resize (:meth:`set_layout`); ``changed(None)`` follows."""

    def __init__(self) -> None:
        self.tabs: list[Tab] = []
        self.current_tab = 0
        self.current_pane = 0
        self.pinned_metrics: list[str] = []
        self.splitter: list[int] = []
        self.changed: Callbacks[None] = Callbacks()

    def set_layout(self, tabs: list[Tab], current_tab: int, current_pane: int) -> None:
        self.tabs, self.current_tab, self.current_pane = tabs, current_tab, current_pane
        self.changed.emit(None)

    def panes(self) -> list[PlotPaneState]:
        """Every pane's state, tab by tab, in layout order."""
        return [p for tab in self.tabs for p in _leaves(tab.layout)]

    def to_json(self) -> dict[str, Any]:
        return {
            "tabs": [{"title": t.title, "layout": _node_json(t.layout)} for t in self.tabs],
            "current_tab": self.current_tab,
            "current_pane": self.current_pane,
            "pinned_metrics": list(self.pinned_metrics),
            "splitter": list(self.splitter),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> PlotsState:
        if not isinstance(data, Mapping):
            raise StateError(f"PlotsState: {data!r} is not an object")
        out = cls()
        tabs = data.get("tabs", [])
        if not isinstance(tabs, list):
            raise StateError(f"PlotsState.tabs: {tabs!r} is not a list")
        for tab in tabs:
            if not isinstance(tab, Mapping):
                raise StateError(f"PlotsState.tabs: {tab!r} is not an object")
            out.tabs.append(Tab(str(tab.get("title", "")), _node(tab.get("layout", {}))))
        for name in ("current_tab", "current_pane"):
            v = data.get(name, 0)
            if not isinstance(v, int) or isinstance(v, bool):
                raise StateError(f"PlotsState.{name}: {v!r} is not a number")
            setattr(out, name, v)
        pinned, sizes = data.get("pinned_metrics", []), data.get("splitter", [])
        if not isinstance(pinned, list) or not all(isinstance(t, str) for t in pinned):
            raise StateError(f"PlotsState.pinned_metrics: {pinned!r} is not a list of tags")
        out.pinned_metrics = list(pinned)
        out.splitter = _sizes(sizes)
        return out


def _leaves(node: Node) -> Iterator[PlotPaneState]:
    if isinstance(node, Leaf):
        yield node.pane
    elif isinstance(node, Split):
        for child in node.children:
            yield from _leaves(child)


def _node_json(node: Node) -> dict[str, Any]:
    if isinstance(node, Leaf):
        return {"pane": node.pane.to_json()}
    if isinstance(node, HyperLeaf):
        return {"hyper": node.hyper.to_json()}
    return {"split": node.orientation, "sizes": list(node.sizes),
            "children": [_node_json(c) for c in node.children]}  # fmt: skip


def _node(data: Any) -> Node:
    if not isinstance(data, Mapping):
        raise StateError(f"PlotsState.layout: {data!r} is not an object")
    if "split" in data:
        orientation = data["split"]
        if orientation not in ("horizontal", "vertical"):
            raise StateError(f"PlotsState.split: {orientation!r} is not horizontal or vertical")
        children = data.get("children", [])
        if not isinstance(children, list) or not children:
            raise StateError(f"PlotsState.split: {children!r} is not a list of panes")
        return Split(orientation, [_node(c) for c in children], _sizes(data.get("sizes", [])))
    if "hyper" in data:
        return HyperLeaf(HyperState.from_json(data["hyper"]))
    return Leaf(PlotPaneState.from_json(data.get("pane", {})))


def _sizes(v: Any) -> list[int]:
    if not isinstance(v, list) or not all(isinstance(s, int | float) for s in v):
        raise StateError(f"PlotsState.sizes: {v!r} is not a list of sizes")
    return [int(s) for s in v]
