"""The reported-results editor (issue #15, manual entry): a paper's results from a real
model card (SB3's PPO on Breakout: ``398.00 +/- 16.30``) edited, a row added and one
deleted, each undone and redone; a value the parser cannot read is refused with the
reason and the stored row stays."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperscope.gui.dialogs.results_editor import ResultsEditor
from paperscope.workflows import results as wf
from tests.conftest import SHARED_DATA

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow
    from paperscope.library.store import Store

CARD = SHARED_DATA / "results/hf_model_cards/sb3_ppo-BreakoutNoFrameskip-v4_README.md"


def _stored(store: Store, pid: int) -> list[tuple[object, ...]]:
    return [(s.result.dataset, s.result.metric, s.result.method, s.result.value, s.result.std,
             s.result.ci_low, s.result.ci_high, s.result.n_runs)
            for s in store.reported_results([pid])]  # fmt: skip


def test_edit_add_delete_with_undo(window: MainWindow, qtbot: QtBot) -> None:
    store = window.store
    pid = window.papers_view.model.paper_id(0)
    done = wf.import_results(store, [CARD], paper=pid)
    assert done.added == 1 and not done.issues
    card = ("BreakoutNoFrameskip-v4", "mean_reward", "PPO", 398.0, 16.3, None, None, None)
    assert _stored(store, pid) == [card]
    window.state.set_current_paper(pid)
    changes: list[int] = []
    window.state.links_changed.connect(lambda: changes.append(1))
    editor = window.links.edit_results(pid)
    assert isinstance(editor, ResultsEditor)
    qtbot.addWidget(editor)
    assert editor.rows() == [
        ["reinforcement-learning", "BreakoutNoFrameskip-v4", "mean_reward", "PPO",
         "398.00 +/- 16.30", ""],
    ]  # fmt: skip
    # edit the value (as a paper writes it): parsed, stored, the source kept
    editor.set_cell(0, "value", "401.5 ± 12.0")
    edited = ("BreakoutNoFrameskip-v4", "mean_reward", "PPO", 401.5, 12.0, None, None, None)
    assert _stored(store, pid) == [edited]
    assert store.reported_results([pid])[0].result.source == str(CARD)
    # a value no parser reads is refused with the reason; the stored row shows again
    editor.set_cell(0, "value", "about four hundred")
    assert "about four hundred" in editor.message.text()
    assert editor.rows()[0][4] == "401.5 ± 12.0"
    assert _stored(store, pid) == [edited]
    # a new row is stored once it has a dataset, a metric and a value
    row = editor.add_row()
    editor.set_cell(row, "method", "DQN")
    editor.set_cell(row, "dataset", "BreakoutNoFrameskip-v4")
    assert len(_stored(store, pid)) == 1 and "dataset, a metric" in editor.message.text()
    editor.set_cell(row, "metric", "mean_reward")
    editor.set_cell(row, "n_runs", "5")
    editor.set_cell(row, "value", "0.14 [0.12, 0.15]")
    dqn = ("BreakoutNoFrameskip-v4", "mean_reward", "DQN", 0.14, None, 0.12, 0.15, 5)
    assert _stored(store, pid) == [edited, dqn]
    # delete the first, then undo everything step by step, then redo it all
    assert editor.delete_rows([0]) == 1
    assert _stored(store, pid) == [dqn]
    editor.stack.undo()  # the delete
    assert sorted(_stored(store, pid), key=str) == sorted([edited, dqn], key=str)
    editor.stack.undo()  # the n_runs / value of the new row: back to nothing stored
    assert sorted(_stored(store, pid), key=str) == [edited]
    editor.stack.undo()  # the edit
    assert _stored(store, pid) == [card]
    assert not editor.stack.canUndo()
    for _ in range(3):
        editor.stack.redo()
    assert sorted(_stored(store, pid), key=str) == sorted([dqn], key=str)
    assert editor.rows() == [
        ["", "BreakoutNoFrameskip-v4", "mean_reward", "DQN", "0.14 [0.12, 0.15]", "5"]
    ]
    # the details pane followed every change
    assert changes
    assert window.detail_pane.results.result_texts() == [
        ["", "BreakoutNoFrameskip-v4", "mean_reward", "DQN", "0.14 [0.12, 0.15] (n=5)",
         "manual entry"],
    ]  # fmt: skip
