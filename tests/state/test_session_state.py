"""The papers, map and runs states, the session's JSON and the workspace file's
upgrade from version 1 (issue #13), and one workspace per library (issue #21, item 12)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.state import workspace
from paperscope.state.events import StateError
from paperscope.state.runs import RunsState
from paperscope.state.session import Session
from paperscope.state.views import (
    COLOUR_BY,
    ORIGINS,
    MapView,
    PapersView,
    PapersViewState,
    ShownIds,
)
from tests.conftest import TEST_DATA

if TYPE_CHECKING:
    from collections.abc import Callable

    from paperscope.core.records import Run
    from paperscope.library.store import Store

paper_ids = st.lists(st.integers(0, 2**62), max_size=8).map(tuple)


@st.composite
def papers_views(draw: st.DrawFn) -> PapersView:
    shown = None
    if draw(st.booleans()):
        ids = draw(paper_ids)
        scores = draw(st.none() | st.just(tuple(float(i % 7) / 7 for i in ids)))
        shown = ShownIds(draw(st.sampled_from(ORIGINS)), ids, scores)
    sort = draw(st.none() | st.tuples(st.sampled_from(["Title", "Date", "Authors"]),
                                      st.booleans()))  # fmt: skip
    return PapersView(
        query=draw(st.text(max_size=30)),
        mode=draw(st.sampled_from(["filter", "float"])),
        sort=sort,
        columns=tuple(draw(st.lists(st.sampled_from(["title", "date", "tags"]), unique=True))),
        shown=shown,
    )


@st.composite
def map_views(draw: st.DrawFn) -> MapView:
    box = None
    if draw(st.booleans()):
        x0, y0 = draw(st.floats(-100, 100)), draw(st.floats(-100, 100))
        box = (x0, x0 + draw(st.floats(0.01, 50)), y0, y0 + draw(st.floats(0.01, 50)))
    return MapView(
        colour_by=draw(st.sampled_from(COLOUR_BY)),
        layout_id=draw(st.none() | st.text("0123456789abcdef", min_size=1, max_size=12)),
        view_box=box,
        highlighted=draw(paper_ids),
    )


@settings(derandomize=True, max_examples=150)
@given(papers_views(), map_views())
def test_view_states_round_trip_through_json_text(papers: PapersView, map_view: MapView) -> None:
    assert PapersView.from_json(json.loads(json.dumps(papers.to_json()))) == papers
    assert MapView.from_json(json.loads(json.dumps(map_view.to_json()))) == map_view


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda: PapersView(mode="fuzzy"), "mode"),  # type: ignore[arg-type]
        (lambda: PapersView(sort=("Title", "desc")), "sort"),  # type: ignore[arg-type]
        (lambda: PapersView(columns=("title", "title")), "columns"),
        (lambda: ShownIds("browser", (1,)), "origin"),  # type: ignore[arg-type]
        (lambda: ShownIds("map", (1, 2), (0.5,)), "scores"),
        (lambda: MapView(colour_by="Mood"), "colour_by"),
        (lambda: MapView(view_box=(0.0, 0.0, 0.0, 1.0)), "view_box"),
        (lambda: MapView(highlighted=(1.5,)), "highlighted"),  # type: ignore[arg-type]
    ],
)
def test_view_invariants(make: Callable[[], object], field: str) -> None:
    with pytest.raises(StateError, match=field):
        make()


def test_papers_state_says_where_shown_ids_came_from() -> None:
    state = PapersViewState()
    seen: list[frozenset[str]] = []
    state.changed.connect(seen.append)
    state.update(query="reward")
    state.show_ids("map", (3, 1, 2))
    assert state.value.shown == ShownIds("map", (3, 1, 2))
    state.show_ids("semantic", (2, 3), (0.9, 0.5))
    state.show_matches()
    assert state.value.shown is None
    assert seen == [frozenset({"query"})] + [frozenset({"shown"})] * 3


def _runs() -> list[Run]:
    from paperscope.workflows.open import demo_runs
    from paperscope.workflows.runs import load_runs

    runs, _ = load_runs([demo_runs()], use_cache=False)
    return sorted(runs, key=lambda r: r.name)


def test_runs_state_keeps_choices_for_runs_loaded_later() -> None:
    runs = _runs()
    first = RunsState()
    events: list[tuple[str, list[str]]] = []
    for name in ("added", "renamed", "visibility_changed", "colours_changed", "removed"):
        getattr(first, name).connect(lambda ids, n=name: events.append((n, ids)))
    first.add(runs)
    a, b = runs[1].id, runs[2].id
    assert first.rename(a, "seed 1") and not first.rename(a, "seed 1")
    assert first.set_visible([b], False) == [b]
    assert first.set_colour(a, "#123456")
    with pytest.raises(StateError, match="colour"):
        first.set_colour(a, "red")
    first.add_paths(["/runs/demo"])
    assert [e[0] for e in events] == ["added", "renamed", "visibility_changed", "colours_changed"]
    data = json.loads(json.dumps(first.to_json()))

    second = RunsState()
    second.restore(data)  # before the runs are loaded again
    assert second.paths == ["/runs/demo"] and second.watched == ["/runs/demo"]
    assert second.to_json()["runs"] == data["runs"]  # kept while not loaded
    second.add(runs)
    assert second.run(a).name == "seed 1" and second.colour(a) == "#123456"
    assert not second.is_visible(b) and second.is_visible(runs[0].id)
    assert second.to_json() == data
    # a reload keeps the user's name; a removal forgets the run
    second.add([runs[1]])
    assert second.run(a).name == "seed 1"
    assert second.remove([a]) == [a] and second.run(a) is None
    assert any(k.endswith("n_steps") for k in second.config_keys())


def test_run_sources_are_shown_relative_to_home() -> None:
    """The runs table showed /home/<user>/… in every screenshot (issue #13)."""
    from paperscope.state.runs import shown_path

    assert shown_path("/home/ann/runs/a", home="/home/ann") == "~/runs/a"
    assert shown_path("/home/ann", home="/home/ann/") == "~"
    assert shown_path("/home/anna/runs", home="/home/ann") == "/home/anna/runs"
    assert shown_path("/data/runs", home="/home/ann") == "/data/runs"
    assert shown_path("/data/runs", home="/") == "/data/runs"


class _App:
    def __init__(self) -> None:
        self.selection: list[int] = []
        self.current_paper = -1

    def set_selection(self, ids: list[int]) -> None:
        self.selection = ids

    def set_current_paper(self, paper_id: int) -> None:
        self.current_paper = paper_id

    def notify_library_changed(self) -> None:
        pass


class _Runner:
    def submit(self, fn: Callable[..., object], *args: object, **kwargs: object) -> object:
        return fn(*args, progress=lambda *a: None, cancel=None)

    def cancel(self, task_id: int | None = None) -> None:
        pass


def test_version_1_fixture_upgrades_to_the_same_states(store: Store) -> None:
    data = workspace.load(TEST_DATA / "workspace-v1.paperscope")
    assert data["version"] == 2
    session, plots = Session.from_json(data, store, _Runner(), _App())
    assert session.papers.value.query == "flow matching"
    assert session.papers.value.sort == ("Title", False)
    assert session.map.value.colour_by == "Year"
    assert session.runs.paths == ["/home/someone/runs/that/do/not/exist/here"]
    assert plots.tabs == []
    assert workspace.run_paths(data) == []  # that folder is not on this machine


def test_version_1_panes_and_runs_move_into_version_2(store: Store, tmp_path: Path) -> None:
    pane = {"metric": "strict/foo", "x": "step", "smoothing": 0.8, "smoothing_mode": "time",
            "show_raw": False, "log_x": False, "log_y": True, "robust_y": False,
            "grouping": {"mode": "regex", "key": "", "regex": "run", "groups": {},
                         "center": "median", "band": "sem", "min_runs": 3},
            "runs": [{"id": "r1", "name": "seed 1", "source": ["/x/r1"], "visible": True},
                     {"id": "r2", "name": "r2", "source": ["/x/r2"],
                      "visible": False}]}  # fmt: skip
    v1 = {"format": "paperscope-workspace", "version": 1, "library": str(store.path),
          "papers": {"search": "ppo", "sort": ["Date", True]}, "map": {"colour_by": "Cluster"},
          "runs": ["/x"],
          "plots": {"version": 1, "tabs": [{"title": "Plot 1", "layout": {
              "split": "horizontal", "sizes": [500, 500],
              "children": [{"pane": pane}, {"pane": {**pane, "runs": pane["runs"][:1]}}]}}],
              "current_tab": 0, "current_pane": 1, "pinned_metrics": ["strict/foo"],
              "splitter": [300, 900]}}  # fmt: skip
    path = workspace.save(v1, tmp_path / "old.paperscope")
    data = workspace.load(path)
    session, plots = Session.from_json(data, store, _Runner(), _App())
    left, right = plots.panes()
    assert left.value.run_ids == ("r1", "r2") and right.value.run_ids == ("r1",)
    v = left.value
    assert (v.metric, v.smoothing, v.smoothing_mode, v.show_raw, v.log_y) == (
        "strict/foo", 0.8, "time", False, True)  # fmt: skip
    assert (v.grouping, v.group_regex, v.center, v.band, v.min_runs) == (
        "regex", "run", "median", "sem", 3)  # fmt: skip
    assert plots.current_pane == 1 and plots.pinned_metrics == ["strict/foo"]
    assert session.runs.paths == ["/x"]
    entries = {e["id"]: e for e in session.runs.to_json()["runs"]}
    assert entries["r1"]["name"] == "seed 1" and entries["r2"]["visible"] is False
    # and version 2 round-trips: saved, loaded, the same JSON
    session.plots.set_layout(plots.tabs, plots.current_tab, plots.current_pane)
    again = workspace.load(workspace.save(session.to_json(), tmp_path / "new.paperscope"))
    session2, plots2 = Session.from_json(again, store, _Runner(), _App())
    session2.plots.set_layout(plots2.tabs, plots2.current_tab, plots2.current_pane)
    assert session2.to_json() == session.to_json() == again


@pytest.mark.parametrize(
    ("patch", "words"),
    [
        ({"version": 3}, "newer"),
        ({"version": "2"}, "not a version"),
        ({"format": "x"}, "not a PaperScope workspace"),
    ],
)
def test_bad_workspace_files_name_themselves(
    tmp_path: Path, patch: dict[str, object], words: str
) -> None:
    path = workspace.save({"format": "paperscope-workspace", "version": 2, **patch},
                          tmp_path / "w.paperscope")  # fmt: skip
    with pytest.raises(workspace.WorkspaceError, match=words) as info:
        workspace.load(path)
    assert str(path) in str(info.value)


def test_bad_values_in_a_workspace_name_the_field(store: Store) -> None:
    data = workspace.upgrade({"format": "paperscope-workspace", "version": 2,
                              "plots": {"tabs": [{"title": "t", "layout": {
                                  "pane": {"smoothing": 3}}}]}})  # fmt: skip
    session = Session(store, _Runner(), _App())
    session.papers.update(query="kept")
    with pytest.raises(StateError, match="smoothing"):
        session.restore(data)
    assert session.papers.value.query == "kept"  # checked before anything changed


def test_each_library_has_its_own_workspace(tmp_path: Path) -> None:
    """#21 item 12: the demo window's workspace must not overwrite the real library's."""
    real, demo = tmp_path / "library.duckdb", tmp_path / "demo" / "library.duckdb"
    assert workspace.default_path(real) != workspace.default_path(demo)
    assert workspace.default_path(real) == workspace.default_path(tmp_path / "." / real.name)
    workspace.save({"format": "paperscope-workspace", "version": 2, "library": str(real),
                    "papers": {"search": "mine"}}, workspace.default_path(real))  # fmt: skip
    workspace.save({"format": "paperscope-workspace", "version": 2, "library": str(demo),
                    "papers": {"search": "demo"}}, workspace.default_path(demo))  # fmt: skip
    assert workspace.for_library(real)["papers"]["search"] == "mine"
    assert workspace.for_library(demo)["papers"]["search"] == "demo"
    assert workspace.for_library(tmp_path / "other.duckdb") is None
    # the one file of version 1 still opens for the library it names, and no other
    workspace.save({"format": "paperscope-workspace", "version": 1,
                    "library": str(tmp_path / "old.duckdb"), "papers": {"search": "old"}},
                   workspace.legacy_path())  # fmt: skip
    assert workspace.for_library(tmp_path / "old.duckdb")["papers"]["search"] == "old"
    assert workspace.for_library(tmp_path / "other.duckdb") is None


def test_runs_table_column_set_is_saved_with_the_workspace(store: Store) -> None:
    session = Session(store, _Runner(), _App())
    session.runs_table.add_summaries(["eval/return.last", "loss.mean10"])
    session.runs_table.update(config_columns=("lr",), filter_text="lr < 1e-3",
                              sort_key="summary:loss.mean10", descending=True)  # fmt: skip
    session.runs_table.pin("loss", 1000)
    data = json.loads(json.dumps(session.to_json()))
    again, _plots = Session.from_json(data, store, _Runner(), _App())
    assert again.runs_table.value == session.runs_table.value
    data["runs_table"]["summaries"] = ["loss.nonsense"]
    with pytest.raises(StateError, match="summaries"):
        Session(store, _Runner(), _App()).restore(data)
