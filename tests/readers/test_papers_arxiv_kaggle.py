"""The Kaggle/Cornell arXiv snapshot reader (record by record) on the real head-200 file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from paperscope.core.records import ReadResult

SNAPSHOT = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"


def read(path: Path) -> ReadResult:
    return registry.get("arxiv-kaggle-snapshot").read(path, no_progress, CancelToken())


def test_registry_picks_the_snapshot_reader() -> None:
    reader = registry.reader_for(SNAPSHOT)
    assert reader is not None and reader.name == "arxiv-kaggle-snapshot"


def test_reads_200_records_with_decoded_names_dates_and_categories() -> None:
    result = read(SNAPSHOT)
    assert len(result.papers) == 200 and result.issues == []
    first = result.papers[0]
    assert first.arxiv_id == "0704.0001"
    assert first.authors == ("C. Balázs", "E. L. Berger", "P. M. Nadolsky", "C. -P. Yuan")
    assert first.title == (
        "Calculation of prompt diphoton production cross sections at Tevatron and LHC energies"
    )
    assert first.date == "2007-04-02" and first.year == 2007
    assert first.doi == "10.1103/physrevd.76.013009"
    assert first.venue == "Phys.Rev.D76:013009,2007"
    assert first.extra["categories"] == ["hep-ph"]
    assert first.extra["arxiv_version"] == 2
    second = result.papers[1]
    assert second.extra["categories"] == ["math.CO", "cs.CG"]
    assert second.authors == ("Ileana Streinu", "Louis Theran")
    assert result.papers[-1].arxiv_id == "0704.0200"
    names = {a for p in result.papers for a in p.authors}
    assert {"Mikkel Øbro", "Rastislav Šrámek", "Tomáš Vinař", "Franz Gähler"} <= names
    assert not any("\\" in a for a in names)
    assert sum(1 for p in result.papers if p.doi) == 117
    assert sum(1 for p in result.papers if p.year == 2007) == 200


def test_bad_lines_are_skipped_by_line_number(tmp_path: Path) -> None:
    lines = SNAPSHOT.read_text().splitlines()[:5]
    lines[1] = '{"id": "0704.0002", "title": '
    lines[3] = '["not", "an", "object"]'
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = read(path)
    assert [p.arxiv_id for p in result.papers] == ["0704.0001", "0704.0003", "0704.0005"]
    assert [i.location for i in result.issues] == ["line 2", "line 4"]


def test_nothing_readable_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_text("{oops\n")
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.location == "line 1"
