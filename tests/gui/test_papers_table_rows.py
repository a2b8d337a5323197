"""The papers table keeps the rows it fetched while the query, sort or mode change,
and reads them again after any write to the library (no stale cell is shown)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paperscope.gui.papers.table_model import COLUMN_INDEX, PaperTableModel

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow


def test_rows_are_kept_across_queries_and_read_again_after_a_write(
    window: MainWindow, qtbot: QtBot
) -> None:
    view = window.papers_view
    model: PaperTableModel = view.model
    store = window.store
    view.set_query("learning")
    assert model.rowCount() > 2
    pid = model.paper_id(0)
    title = model.index(0, COLUMN_INDEX["title"]).data()
    assert title == store.paper_row(pid)["title"]
    fetched: list[int] = []
    real = store.table_rows

    def counting(ids, columns):  # type: ignore[no-untyped-def]
        fetched.append(len(ids))
        return real(ids, columns)

    store.table_rows = counting  # type: ignore[method-assign]
    try:
        # another query that shows the same paper first: its cells are not fetched again
        view.set_query("learning ")
        assert model.paper_id(0) == pid
        assert model.index(0, COLUMN_INDEX["title"]).data() == title
        assert fetched == []
        # a write the model was not told about: the next paint reads the rows again
        store.update_paper(pid, title="A title written behind the table's back")
        assert model.index(0, COLUMN_INDEX["title"]).data() == (
            "A title written behind the table's back"
        )
        assert fetched
        # tags and file counts come with the same query
        store.add_tag([pid], "to-read")
        assert model.index(0, COLUMN_INDEX["tags"]).data() == "to-read"
    finally:
        del store.table_rows
