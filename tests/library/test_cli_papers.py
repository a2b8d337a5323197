"""The CLI contract: import / search --json / export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from paperscope.cli import main
from tests.conftest import PAPERS, TEST_DATA


def test_import_summary_line_and_skipped_records_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib = str(tmp_path / "lib.duckdb")
    assert main(["--library", lib, "import", str(PAPERS / "memlab.bib")]) == 0
    out, err = capsys.readouterr()
    # 5,753 good entries; 7 repeat another entry of the file under a different key
    assert out.splitlines()[-1] == "added 5746, merged 7, skipped 31"
    assert re.fullmatch(r"added \d+, merged \d+, skipped \d+", out.splitlines()[-1])
    skipped = [line for line in err.splitlines() if line.startswith("skipped: ")]
    assert len(skipped) == 31
    assert f"skipped: {PAPERS / 'memlab.bib'}:line 10222: broken entry" in skipped[0]


def test_import_of_nothing_readable_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junk = tmp_path / "junk.bib"
    junk.write_text("@comment{no entries}\n")
    lib = str(tmp_path / "lib.duckdb")
    assert main(["--library", lib, "import", str(junk), str(tmp_path / "missing.ris")]) == 1
    out, err = capsys.readouterr()
    assert out.strip() == "added 0, merged 0, skipped 2"
    assert "missing.ris" in err and "junk.bib" in err


def test_search_json_lines_best_first(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = str(tmp_path / "lib.duckdb")
    main(["--library", lib, "import", str(PAPERS / "hf-api" / "daily_papers.json"),
          str(TEST_DATA / "papers" / "arxiv-query.atom")])  # fmt: skip
    capsys.readouterr()
    assert main(["--library", lib, "search", "contrastive loss", "--limit", "3", "--json"]) == 0
    out, _ = capsys.readouterr()
    rows = [json.loads(line) for line in out.splitlines()]
    assert 1 <= len(rows) <= 3
    assert rows[0]["title"].startswith("Breaking the Memory Barrier")
    assert rows[0]["authors"][0] == "Zesen Cheng" and rows[0]["year"] == 2024
    assert {"id", "title", "authors", "year", "score"} <= set(rows[0])
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    assert (
        main(
            [
                "--library",
                lib,
                "search",
                'author:lipman title:"flow matching" year:>=2022',
                "--json",
            ]
        )
        == 0
    )
    (row,) = [json.loads(line) for line in capsys.readouterr()[0].splitlines()]
    assert row["title"] == "Flow Matching for Generative Modeling"


@pytest.mark.parametrize("fmt", ["bibtex", "csljson", "ris", "csv"])
def test_export_command(tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    lib = str(tmp_path / "lib.duckdb")
    main(["--library", lib, "import", str(TEST_DATA / "papers" / "arxiv-query.atom")])
    out = tmp_path / f"out.{fmt}"
    assert main(["--library", lib, "export", "--format", fmt, "--out", str(out), "year:<2020"]) == 0
    text = out.read_text()
    assert "Attention Is All You Need" in text and "Large N Limit" in text
    assert "Flow Matching" not in text
    assert "exported 2 papers" in capsys.readouterr()[1]
