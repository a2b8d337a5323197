"""The detail pane's record lines list the source record's fields, not PaperScope's
own bookkeeping of them (the TeX each field was read from)."""

from __future__ import annotations

from pathlib import Path

from paperscope.gui.papers.detail_pane import record_lines
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA, ids_with_key


def test_record_lines_show_fields_as_text_and_no_tex_bookkeeping(tmp_path: Path) -> None:
    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [TEST_DATA / "papers" / "biblatex-examples.bib"])
        [pid] = ids_with_key(store, "laufenberg")
        row = store.paper_row(int(pid))
    assert "_tex" in row["fields"]  # kept for the exporter
    lines = record_lines(row)
    assert not any(line.startswith("_tex") for line in lines)
    assert any(
        line.startswith("holder: Robert Bosch GmbH and Daimler Chrysler AG") for line in lines
    )
    assert any(line.startswith("annotation: This is a patent entry") for line in lines)
