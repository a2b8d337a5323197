"""The CLI on PDFs: ``paperscope import FOLDER`` reads, matches and attaches them, reads
their full text, and ``search`` finds a word that occurs only in a PDF's body."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperscope.cli import main
from tests.conftest import TEST_DATA


def test_import_pdfs_then_search_their_full_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = str(tmp_path / "lib.duckdb")
    assert main(["--library", lib, "import", str(TEST_DATA / "pdf")]) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-2:] == [
        "added 6, merged 1, skipped 0", "read the full text of 7 PDFs for search",
    ]  # fmt: skip
    assert f"warning: {TEST_DATA / 'pdf' / 'encrypted.pdf'}: PDF encrypted" in err
    assert main(["--library", lib, "search", "zyxwvutsonic", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr()[0].splitlines()]
    assert [r["title"] for r in rows] == [
        "Stamped Margins and Large Titles Reading Identifiers from Preprints"
    ]
    assert main(["--library", lib, "search", "title:zyxwvutsonic", "--json"]) == 0
    assert capsys.readouterr()[0].strip() == ""
    # imported again: nothing new, the files are already attached
    assert main(["--library", lib, "import", "--no-fulltext", str(TEST_DATA / "pdf")]) == 0
    assert capsys.readouterr()[0].splitlines()[-1] == "added 0, merged 7, skipped 0"
