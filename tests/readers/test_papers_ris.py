"""The RIS reader on a fixture written in the RIS format (EndNote/Zotero style)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import TEST_DATA

if TYPE_CHECKING:
    from paperscope.core.records import ReadResult

RIS = TEST_DATA / "papers" / "references.ris"


def read(path: Path) -> ReadResult:
    return registry.get("ris").read(path, no_progress, CancelToken())


def test_registry_picks_the_ris_reader() -> None:
    reader = registry.reader_for(RIS)
    assert reader is not None and reader.name == "ris"


def test_reads_records_and_reports_the_bad_ones_by_line() -> None:
    result = read(RIS)
    assert [p.title for p in result.papers] == [
        "Flow Matching for Generative Modeling",
        "Deep Residual Learning for Image Recognition",
        "Deep Learning",
    ]
    flow, resnet, book = result.papers
    assert flow.authors == ("Yaron Lipman", "Ricky T. Q. Chen", "Heli Ben-Hamu")
    assert flow.arxiv_id == "2210.02747" and flow.date == "2023-05-01" and flow.year == 2023
    assert flow.keywords == ("generative models", "normalizing flows")
    assert flow.citation_key == "lipman2023flow"
    assert resnet.doi == "10.1109/cvpr.2016.90" and resnet.kind == "inproceedings"
    assert resnet.venue.startswith("2016 IEEE Conference on Computer Vision")  # type: ignore[union-attr]
    assert book.kind == "book" and book.fields["publisher"] == "MIT Press"
    assert sorted((i.location, i.message) for i in result.issues) == [
        ("line 30", "no title (TI/T1)"),
        ("line 36", "last record has no ER line"),
    ]


def test_no_records_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "x.ris"
    path.write_text("TY  - JOUR\nAU  - Nobody\nER  - \n")
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.location == "line 1"
