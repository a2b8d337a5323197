"""The Hugging Face daily-papers API reader on the real one-day response."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from paperscope.core.records import ReadResult

HF_API = PAPERS / "hf-api" / "daily_papers.json"


def read(path: Path) -> ReadResult:
    return registry.get("hf-daily-api").read(path, no_progress, CancelToken())


def test_registry_picks_the_hf_api_reader() -> None:
    reader = registry.reader_for(HF_API)
    assert reader is not None and reader.name == "hf-daily-api"


def test_reads_all_29_papers_with_ids_upvotes_and_clean_titles() -> None:
    result = read(HF_API)
    assert len(result.papers) == 29
    assert result.issues == []
    first = result.papers[0]
    assert first.arxiv_id == "2410.17243"
    assert first.hf_id == "2410.17243"
    assert first.upvotes == 64
    assert first.title == (
        "Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss"
    )
    assert first.authors[:2] == ("Zesen Cheng", "Hang Zhang")
    assert len(first.authors) == 9
    assert first.date == "2024-10-22" and first.year == 2024
    assert first.abstract.startswith("Contrastive loss is a powerful approach")
    assert "\n" not in first.abstract
    assert first.extra["hf_comments"] == 3
    assert first.extra["hf_daily_date"] == "2024-10-25"
    assert [p.upvotes for p in result.papers][-1] == 2
    assert result.papers[-1].arxiv_id == "2410.18234"
    assert all("\n" not in p.title and "  " not in p.title for p in result.papers)
    assert sum(p.upvotes or 0 for p in result.papers) == sum(
        e["paper"]["upvotes"] for e in json.loads(HF_API.read_text())
    )


def test_line_wrapped_paper_title_is_cleaned_when_the_entry_title_is_missing(
    tmp_path: Path,
) -> None:
    entries = json.loads(HF_API.read_text())
    entry = entries[0]
    del entry["title"]
    assert "\n" in entry["paper"]["title"]
    entry["paper"]["organization"] = {"name": "DAMO-NLP-SG", "fullname": "DAMO Academy"}
    entry["paper"]["ai_keywords"] = ["contrastive loss", "tile-based computation"]
    entry["paper"]["githubRepo"] = "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    entry["paper"]["projectPage"] = "https://example.org/inf-clip"
    path = tmp_path / "one.json"
    path.write_text(json.dumps([entry]))
    (p,) = read(path).papers
    assert p.title.endswith("Scaling for Contrastive Loss") and "\n" not in p.title
    assert p.organisation == "DAMO Academy"
    assert p.extra["hf_org"] == "DAMO-NLP-SG"
    assert p.keywords == ("contrastive loss", "tile-based computation")
    assert p.extra["github_repo"] == "https://github.com/DAMO-NLP-SG/Inf-CLIP"
    assert p.extra["project_page"] == "https://example.org/inf-clip"


def test_bad_entries_are_skipped_with_their_number(tmp_path: Path) -> None:
    entries = json.loads(HF_API.read_text())[:3]
    entries.insert(1, "not an entry")
    entries[2]["paper"]["title"] = ""
    entries[2]["title"] = "  "
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(entries))
    result = read(path)
    assert len(result.papers) == 2
    assert [(i.location, i.severity) for i in result.issues] == [
        ("entry 2", "skipped"),
        ("entry 3", "skipped"),
    ]


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[{"paper": {"id": "1", "upvotes": 3},\n  "title": }]')
    with pytest.raises(ReadError) as err:
        read(path)
    assert err.value.location == "line 2, column 12"
    assert str(path) in str(err.value)
