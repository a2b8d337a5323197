"""The Hugging Face daily-papers page text (issue #2: every paper in the file right)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from paperscope.core.records import Paper

PAGE = PAPERS / "hf-daily-page" / "daily-papers-page.txt"


@pytest.fixture(scope="module")
def papers() -> dict[str, Paper]:
    result = registry.read_paths([PAGE], kind="papers")
    assert result.issues == []
    return {p.title: p for p in result.papers}


def test_reader_is_chosen_by_registry() -> None:
    reader = registry.reader_for(PAGE, "papers")
    assert reader is not None and reader.name == "hf-daily-page"


def test_every_paper_is_read(papers: dict[str, Paper]) -> None:
    # The README of shared/data/papers says the page holds 79 papers.
    assert len(papers) == 79


def test_first_paper_fields(papers: dict[str, Paper]) -> None:
    p = papers["RL Tango: Reinforcing Generator and Verifier Together for Language Reasoning"]
    assert p.abstract.startswith("Reinforcement learning (RL) has recently emerged")
    assert p.abstract.endswith("Code is at: https://github.com/kaiwenzha/rl-tango.")
    # 'May 20' without a year: the page's year is the one after the latest year it names (2024)
    assert p.date == "2025-05-20" and p.year == 2025
    assert p.upvotes == 2
    assert p.extra["n_authors"] == 6
    assert p.organisation is None
    assert p.location == "line 13"


def test_paper_with_explicit_year_and_upvotes(papers: dict[str, Paper]) -> None:
    p = papers["Secrets of RLHF in Large Language Models Part II: Reward Modeling"]
    assert p.date == "2024-01-11" and p.upvotes == 4 and p.extra["n_authors"] == 27


def test_paper_without_upvotes(papers: dict[str, Paper]) -> None:
    p = papers[
        "Attacking Cooperative Multi-Agent Reinforcement Learning by Adversarial Minority Influence"
    ]
    assert p.date == "2023-02-07" and p.upvotes is None and p.extra["n_authors"] == 8


def test_organisation_lines(papers: dict[str, Paper]) -> None:
    orgs = {p.organisation for p in papers.values() if p.organisation}
    assert orgs == {"PEARLS Lab", "Tencent", "Salesforce"}
    p = papers["A Practitioner's Guide to Multi-turn Agentic Reinforcement Learning"]
    assert p.organisation == "PEARLS Lab" and p.upvotes == 2 and p.date == "2025-10-01"


def test_papers_without_meta_block(papers: dict[str, Paper]) -> None:
    p = papers["Exploitation Is All You Need... for Exploration"]
    assert p.date is None and p.upvotes is None
    assert p.abstract.startswith("Ensuring sufficient exploration")
    assert sum(1 for q in papers.values() if q.date is None) == 8


def test_empty_page_is_a_read_error(tmp_path: Path) -> None:
    f = tmp_path / "page.txt"
    f.write_text("Daily Papers\n\nbyAK and the research community\n\nNov 14\n", encoding="utf-8")
    reader = registry.get("hf-daily-page")
    with pytest.raises(ReadError) as info:
        reader.read(f, no_progress, CancelToken())
    assert str(f) in str(info.value)


@settings(
    max_examples=200, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes_read_or_read_error(tmp_path: Path, data: bytes) -> None:
    f = tmp_path / "fuzz.txt"
    f.write_bytes(b"Daily Papers\n" + data)
    reader = registry.get("hf-daily-page")
    try:
        result = reader.read(f, no_progress, CancelToken())
    except ReadError as exc:
        assert exc.file == str(f)
    else:
        assert result.papers
