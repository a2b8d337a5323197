"""The pane state's reference lines (issue #15 item 3): fields, validation, the JSON of a
workspace file, and what a change asks the pane to do."""

from __future__ import annotations

import json

import pytest

from paperscope.results.references import Reference
from paperscope.state.events import StateError
from paperscope.state.plot_pane import PlotPaneState, PlotSettings, plan


def test_reference_fields_survive_the_workspace_json() -> None:
    state = PlotPaneState()
    state.update(metric="return", run_ids=("a", "b"))
    assert state.add_reference_papers([7, 3, 7]) == frozenset({"reference_papers"})
    state.update(reference_results=(41, 12))
    state.set_reference_shown(12, False)
    state.set_reference_shown(99, False)
    state.set_reference_shown(99, True)
    state.update(show_references=False)
    data = json.loads(json.dumps(state.to_json()))
    assert data["references"] == {"show": False, "papers": [7, 3], "results": [41, 12],
                                  "hidden": [12], "normalisation": []}  # fmt: skip
    back = PlotPaneState.from_json(data)
    assert back.value == state.value
    assert back.value.reference_papers == (7, 3)
    assert back.value.hidden_references == frozenset({12})
    state.remove_reference_paper(7)
    assert state.value.reference_papers == (3,)


def test_an_older_pane_without_references_reads_with_the_defaults() -> None:
    data = PlotSettings(metric="loss").to_json()
    del data["references"]
    v = PlotSettings.from_json(data)
    assert (v.show_references, v.reference_papers, v.reference_results) == (True, (), ())
    assert v.hidden_references == frozenset()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"references": []}, "references"),
        ({"references": {"papers": "7"}}, "references.papers"),
        ({"references": {"papers": [7, 7]}}, "reference_papers"),
        ({"references": {"results": ["x"]}}, "reference_results"),
        ({"references": {"hidden": [True]}}, "hidden_references"),
        ({"references": {"show": "yes"}}, "show_references"),
    ],
)
def test_bad_reference_fields_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(StateError, match=field):
        PlotSettings.from_json(data)


def test_to_spec_passes_the_shown_references_only() -> None:
    refs = [Reference("A — X 2015", 18.9, result_id=1), Reference("B — Y 2017", 20.9, result_id=2)]
    v = PlotSettings(metric="return", hidden_references=frozenset({1}))
    assert [r.label for r in v.to_spec(None, refs).references] == ["B — Y 2017"]
    off = PlotSettings(metric="return", show_references=False)
    assert off.to_spec(None, refs).references == ()
    assert PlotSettings(metric="return").to_spec().references == ()


def test_reference_changes_ask_for_new_curves_at_once() -> None:
    v = PlotSettings(metric="return")
    for name in ("show_references", "reference_papers", "reference_results",
                 "hidden_references"):  # fmt: skip
        assert plan(frozenset({name}), v).compute == "now"


def test_notes_marks_smoother_and_references_share_the_pane_json() -> None:
    """Both sides of the pane state together: the smoother, min/max marks and notes
    (the comparison GUI) and the reference lines survive one round trip."""
    state = PlotPaneState()
    state.update(metric="return", smoothing_mode="gaussian", smoothing_sigma=3.0,
                 mark_extrema=True, reference_results=(41,))  # fmt: skip
    state.add_note(10.0, "lr decay")
    state.add_note(2.0, "warm-up", 4.0)
    state.add_reference_papers([7])
    state.set_reference_shown(41, False)
    data = json.loads(json.dumps(state.to_json()))
    back = PlotPaneState.from_json(data)
    assert back.value == state.value
    assert [n.text for n in back.value.notes] == ["lr decay", "warm-up"]
    assert back.value.hidden_references == frozenset({41})
    spec = back.to_spec(None, [Reference("A", 1.0, result_id=41), Reference("B", 2.0, result_id=8)])
    assert spec.smoothing == 3.0 and [r.label for r in spec.references] == ["B"]
    assert plan(frozenset({"notes"}), back.value).redraw
    assert plan(frozenset({"reference_papers"}), back.value).compute == "now"
