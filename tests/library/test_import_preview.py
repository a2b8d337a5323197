"""The import preview counts exactly what the import then does, and says why a file
gives nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.library.store import Store
from paperscope.workflows.papers import add_previewed, import_paths, preview_import
from tests.conftest import PAPERS


def test_preview_equals_result_on_the_two_bibliographies(tmp_path: Path) -> None:
    with Store(tmp_path / "a.duckdb") as store, Store(tmp_path / "b.duckdb") as direct:
        for name in ("cdl.bib", "memlab.bib"):
            preview = preview_import(store, [PAPERS / name])
            summary = add_previewed(store, preview)
            plain = import_paths(direct, [PAPERS / name])
            assert (preview.new, preview.merged, preview.skipped) == (
                summary.added, summary.merged, summary.skipped,
            )  # fmt: skip
            assert (plain.added, plain.merged, plain.skipped) == (
                summary.added, summary.merged, summary.skipped,
            )  # fmt: skip
            line = preview.line()
            assert f"{summary.added:,} new" in line and f"{summary.merged:,} merged" in line
        # cdl.bib: 4 entries of the file are the same paper as another (the old preview
        # said "6,304 new, 11 already in the library"; the import did 6311 and 4)
        assert store.paper_count() == direct.paper_count() == 6311 + 52
    # memlab's skipped entries are counted, with their reasons, in the preview itself
    assert preview.skipped == 31
    assert "skipped 31: 28 × duplicate citation key" in line
    assert "3 × broken entry" in line


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01",
            "not a BibTeX file: no entry found",
        ),
    ],
)
def test_a_bib_that_gives_nothing_says_why_and_offers_no_import(
    tmp_path: Path, data: bytes, reason: str
) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(data)
    with Store(tmp_path / "lib.duckdb") as store:
        preview = preview_import(store, [bib])
    assert not preview.can_import and preview.papers == []
    assert preview.line() == f"Nothing to import from refs.bib: refs.bib: {reason}"
