"""The plot pane's headless state (issue #13): validation, JSON round trips, the spec
it hands to compute_plot, and the controller verbs without any widget."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from paperscope.core.records import Run
from paperscope.results.align import BANDS, CENTERS
from paperscope.state.events import Callbacks, StateError
from paperscope.state.plot_pane import GROUP_MODES, PlotPaneState, PlotSettings, plan
from paperscope.workflows.plots import PlotSpec, compute_plot

ids_ = st.text("abcdef0123456789", min_size=1, max_size=16)
text = st.text(max_size=20)
finite = st.floats(-1e12, 1e12, allow_nan=False)


@st.composite
def view_ranges(draw: st.DrawFn) -> tuple[float, float, float, float] | None:
    if draw(st.booleans()):
        return None
    x0, y0 = draw(finite), draw(finite)
    return (x0, x0 + draw(st.floats(1e-3, 1e6)), y0, y0 + draw(st.floats(1e-3, 1e6)))


@st.composite
def plot_settings(draw: st.DrawFn) -> PlotSettings:
    run_ids = tuple(draw(st.lists(ids_, unique=True, max_size=6)))
    labels = draw(st.lists(text, unique=True, max_size=3))
    groups = tuple((label, tuple(draw(st.lists(ids_, max_size=3)))) for label in labels)
    return PlotSettings(
        metric=draw(text),
        x=draw(st.sampled_from(["step", "wall", "relative", "train/epoch"])),
        smoothing=draw(st.floats(0.0, 0.999)),
        smoothing_mode=draw(st.sampled_from(["ema", "time"])),
        show_raw=draw(st.booleans()),
        grouping=draw(st.sampled_from(GROUP_MODES)),
        group_key=draw(text),
        group_regex=draw(text),
        groups=groups,
        center=draw(st.sampled_from(CENTERS)),
        band=draw(st.sampled_from(BANDS)),
        min_runs=draw(st.integers(1, 999)),
        log_x=draw(st.booleans()),
        log_y=draw(st.booleans()),
        robust_y=draw(st.booleans()),
        view_range=draw(view_ranges()),
        hidden_runs=frozenset(draw(st.lists(ids_, max_size=3))),
        run_ids=run_ids,
    )


@settings(derandomize=True, max_examples=200)
@given(plot_settings())
def test_json_round_trip_through_text(value: PlotSettings) -> None:
    back = PlotSettings.from_json(json.loads(json.dumps(value.to_json())))
    assert back == value
    assert PlotPaneState.from_json(value.to_json()).value == value


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("smoothing", 1.0), ("smoothing", -0.1), ("smoothing", float("nan")),
        ("smoothing", True), ("min_runs", 0), ("min_runs", 2.5), ("band", "iqr"),
        ("center", "mode"), ("grouping", "seed"), ("smoothing_mode", "gauss"), ("x", ""),
        ("view_range", (1.0, 0.0, 0.0, 1.0)), ("view_range", (0.0, float("inf"), 0.0, 1.0)),
        ("run_ids", ("a", "a")), ("groups", (("g", ("a",)), ("g", ("b",)))), ("log_y", 1),
    ],
)  # fmt: skip
def test_invariants_are_checked_in_one_place(field: str, bad: object) -> None:
    state = PlotPaneState()
    with pytest.raises(StateError, match=field):
        state.update(**{field: bad})
    assert state.value == PlotSettings()  # nothing changed
    if field == "groups":
        return  # a JSON object cannot repeat a label
    with pytest.raises(StateError, match=field):
        PlotSettings.from_json({**PlotSettings().to_json(), **_json_patch(field, bad)})


def _json_patch(field: str, bad: object) -> dict[str, object]:
    grouping = {"grouping": "mode", "group_key": "key", "center": "center", "band": "band",
                "min_runs": "min_runs"}  # fmt: skip
    if field in grouping:
        return {"grouping": {**PlotSettings().to_json()["grouping"], grouping[field]: bad}}
    return {field: list(bad) if isinstance(bad, tuple) else bad}


def test_unknown_field_is_refused() -> None:
    with pytest.raises(StateError, match="colour"):
        PlotPaneState().update(colour="red")


def test_changed_names_the_fields_and_stays_quiet_on_no_change() -> None:
    state = PlotPaneState()
    seen: list[frozenset[str]] = []
    state.changed.connect(seen.append)
    assert state.update(smoothing=0.9, metric="loss") == {"smoothing", "metric"}
    assert state.update(smoothing=0.9) == frozenset()  # a widget writing back its value
    state.update(log_y=True)
    assert seen == [frozenset({"smoothing", "metric"}), frozenset({"log_y"})]


def test_callbacks_connect_once_and_may_disconnect_while_emitting() -> None:
    calls: list[int] = []
    cb: Callbacks[int] = Callbacks()

    def once(v: int) -> None:
        calls.append(v)
        cb.disconnect(once)

    cb.connect(once)
    cb.connect(once)
    cb.connect(lambda v: calls.append(10 * v))
    cb.emit(1)
    cb.emit(2)
    assert calls == [1, 10, 20]


# What PlotPane.spec() returned before the state existed (the pane of commit db9da8e,
# driven through its widgets on the demo runs; printed and copied here).
NAMES = ["CartPole-v1_1", "run_1", "run_2", "run_3"]


def _demo() -> tuple[list[Run], dict[str, str]]:
    from paperscope.workflows.open import demo_runs
    from paperscope.workflows.runs import load_runs

    runs, issues = load_runs([demo_runs()], use_cache=False)
    assert not issues and sorted(r.name for r in runs) == NAMES
    return runs, {r.name: r.id for r in runs}


def test_to_spec_equals_what_the_pane_computed_before() -> None:
    runs, ids = _demo()
    state = PlotPaneState()
    state.add_runs(r.id for r in runs)
    state.update(metric="strict/foo")  # the pane picked the metric most runs share
    base = dict(max_points=2000, reps=1000, confidence=0.95, seed=0)
    assert state.to_spec() == PlotSpec(metric="strict/foo", x="step", smoothing=0.6,
                                       smoothing_mode="ema", min_runs=2, **base)  # fmt: skip
    state.update(metric="rollout/ep_reward", x="relative", smoothing=0.3, smoothing_mode="time")
    slow = dict(x="relative", smoothing=0.3, smoothing_mode="time")
    assert state.to_spec() == PlotSpec(metric="rollout/ep_reward", **slow, **base)  # type: ignore[arg-type]
    state.update(metric="strict/foo", x="step", grouping="regex", group_regex="run",
                 band="minmax", center="median", min_runs=3)  # fmt: skip
    grouped = dict(metric="strict/foo", x="step", smoothing=0.3, smoothing_mode="time",
                   center="median", band="minmax", min_runs=3, **base)  # fmt: skip
    assert state.to_spec() == PlotSpec(group_regex="run", **grouped)  # type: ignore[arg-type]
    state.update(grouping="config", group_key="seed")
    assert state.to_spec() == PlotSpec(group_by="seed", **grouped)  # type: ignore[arg-type]
    state.group_selection([ids["run_1"], ids["run_3"]], "picked")
    assert state.to_spec() == PlotSpec(
        groups={"picked": [ids["run_1"], ids["run_3"]]},
        **grouped,  # type: ignore[arg-type]
    )
    shown = [ids[n] for n in NAMES if n != "run_3"]  # run_3 hidden in the runs panel
    assert state.to_spec(shown) == PlotSpec(groups={"picked": [ids["run_1"]]}, **grouped)  # type: ignore[arg-type]
    state.group_selection([ids["run_2"]])
    assert state.to_spec(shown) == PlotSpec(
        groups={"picked": [ids["run_1"]], "group 2": [ids["run_2"]]},
        **grouped,  # type: ignore[arg-type]
    )
    # and compute_plot takes it: the picked group is run_1 alone, drawn as a curve
    data = compute_plot([r for r in runs if r.id in shown], state.to_spec(shown))
    assert sorted(c.label for c in data.curves) == ["group 2", "picked"]
    assert len(data.issues) == 1  # CartPole logs no strict/foo


class MockPane:
    """A pane without widgets (ndv's mock view): it follows the pane's own controller
    logic (:func:`plan`) and records the spec of each computation it would start."""

    def __init__(self, state: PlotPaneState) -> None:
        self.state = state
        self.log: list[tuple[str, PlotSpec | None]] = []
        state.changed.connect(self._on_changed)

    def _on_changed(self, fields: frozenset[str]) -> None:
        todo = plan(fields, self.state.value)
        if todo.compute is not None:
            self.log.append((todo.compute, self.state.to_spec()))
        elif todo.redraw:
            self.log.append(("redraw", None))
        if todo.axes is not None:
            self.log.append((todo.axes, None))


def test_group_by_seed_then_change_smoothing_gives_the_spec_sequence() -> None:
    runs, _ids = _demo()
    state = PlotPaneState(PlotSettings(metric="strict/foo", run_ids=tuple(r.id for r in runs)))
    pane = MockPane(state)
    state.update(grouping="config", group_key="seed")
    state.update(smoothing=0.9)
    state.update(smoothing=0.9)  # no change: nothing to do
    state.update(band="sem")  # grouped: a band change computes again
    state.update(show_raw=False)  # only the drawing
    state.update(log_y=True)
    state.update(grouping="none")
    state.update(band="minmax")  # not grouped: nothing to compute
    state.update(metric="rollout/ep_reward")  # at once, not after a pause
    got = [(what, s and (s.metric, s.group_by, s.smoothing, s.band)) for what, s in pane.log]
    assert got == [
        ("soon", ("strict/foo", "seed", 0.6, "std")),
        ("soon", ("strict/foo", "seed", 0.9, "std")),
        ("soon", ("strict/foo", "seed", 0.9, "sem")),
        ("redraw", None),
        ("log", None),
        ("soon", ("strict/foo", None, 0.9, "sem")),
        ("now", ("rollout/ep_reward", None, 0.9, "minmax")),
    ]


def test_group_selection_takes_runs_from_other_groups() -> None:
    state = PlotPaneState(PlotSettings(run_ids=("a", "b")))
    state.group_selection(["a", "b"], "ab")
    state.group_selection(["b", "c"])
    v = state.value
    assert v.groups == (("ab", ("a",)), ("group 2", ("b", "c")))
    assert v.run_ids == ("a", "b", "c") and v.grouping == "selection"
    state.remove_runs(["a"])
    assert state.value.run_ids == ("b", "c")
