"""The arXiv Atom API reader on a feed in the documented format."""

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

FEED = TEST_DATA / "papers" / "arxiv-query.atom"


def read(path: Path) -> ReadResult:
    return registry.get("arxiv-atom").read(path, no_progress, CancelToken())


def test_registry_picks_the_atom_reader() -> None:
    reader = registry.reader_for(FEED)
    assert reader is not None and reader.name == "arxiv-atom"


def test_reads_entries_ids_without_version_and_every_field() -> None:
    result = read(FEED)
    assert result.issues == []
    assert [p.arxiv_id for p in result.papers] == [
        "2410.17243", "1706.03762", "2210.02747", "hep-th/9711200",
    ]  # fmt: skip
    inf, attention, flow, maldacena = result.papers
    assert inf.title == (
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    )
    assert inf.extra["arxiv_version"] == 1
    assert inf.extra["affiliations"] == {"Lidong Bing": ["DAMO Academy, Alibaba Group"]}
    assert attention.extra["arxiv_version"] == 7
    assert attention.date == "2017-06-12" and attention.year == 2017
    assert attention.extra["updated"] == "2023-08-02"
    assert len(attention.authors) == 8 and attention.authors[-1] == "Illia Polosukhin"
    assert attention.extra["primary_category"] == "cs.CL"
    assert attention.extra["categories"] == ["cs.CL", "cs.LG"]
    assert attention.extra["pdf"] == "http://arxiv.org/pdf/1706.03762v7"
    assert attention.abstract.startswith("The dominant sequence transduction models")
    assert "\n" not in attention.abstract
    assert flow.extra["comment"] == "ICLR 2023"
    assert maldacena.doi == "10.1023/a:1026654312961"
    assert maldacena.venue == "Adv.Theor.Math.Phys.2:231-252,1998"
    assert maldacena.abstract.startswith("We show that the large $N$ limit")


def test_api_error_entry_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "error.atom"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v1</id>"
        "<title>Error</title><summary>incorrect id format for 1234.12345v1</summary>"
        "</entry></feed>"
    )
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.location == "entry 1"
    assert "incorrect id format" in err.value.message


def test_truncated_feed_keeps_the_entries_before_the_break(tmp_path: Path) -> None:
    text = FEED.read_text()
    cut = text.index("<entry>", text.index("<entry>", text.index("<entry>") + 1) + 1)
    path = tmp_path / "truncated.atom"
    path.write_text(text[: cut + 200])
    result = read(path)
    assert [p.arxiv_id for p in result.papers] == ["2410.17243", "1706.03762"]
    (issue,) = result.issues
    assert issue.severity == "skipped" and issue.location.startswith("line ")


def test_not_xml_at_all_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "junk.atom"
    path.write_text('<feed xmlns="http://www.w3.org/2005/Atom">\n<entry><id>x</entry>')
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.location == "line 2, column 15"
