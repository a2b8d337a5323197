"""The PDF reader and the PDF import on real arXiv PDFs (tests/data/pdf-arxiv, CC BY
4.0, from a public repository; source, commit and licence in tests/data/README.md):
the arXiv id and version from the margin stamp, the title, every author (names set
apart by wide gaps, by line breaks, with footnote and affiliation marks), the whole
abstract (no footnote marks, no caption or footnote after it), and a word that occurs
only in a PDF's body found by full-text search in a real DuckDB library."""

from __future__ import annotations

from pathlib import Path

import pytest

from paperscope.core.records import Paper
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.library.store import Store
from paperscope.readers import registry
from paperscope.readers.papers.pdf import full_text
from paperscope.workflows.attachments import extract_fulltext
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA

ARXIV = TEST_DATA / "pdf-arxiv"
COT = "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models"
LLAMA_ABSTRACT = (
    "We introduce LLaMA, a collection of foundation language models ranging from 7B to "
    "65B parameters. We train our models on trillions of tokens, and show that it is "
    "possible to train state-of-the-art models using publicly available datasets "
    "exclusively, without resorting to proprietary and inaccessible datasets. In "
    "particular, LLaMA-13B outperforms GPT-3 (175B) on most benchmarks, and LLaMA-65B is "
    "competitive with the best models, Chinchilla-70B and PaLM-540B. We release all our "
    "models to the research community."
)

# file, arXiv id, version, year of the stamp, title, authors, abstract start and end
CASES = [
    pytest.param(
        "2201.11903v6.pdf", "2201.11903", 6, 2023, COT,
        # two lines of names set apart by wide gaps, no commas; then "Google Research,
        # Brain Team" (an affiliation without "University")
        ("Jason Wei", "Xuezhi Wang", "Dale Schuurmans", "Maarten Bosma", "Brian Ichter",
         "Fei Xia", "Ed H. Chi", "Quoc V. Le", "Denny Zhou"),
        "We explore how generating a chain of thought—a series of intermediate reasoning "
        "steps—significantly improves the ability of large language models to perform "
        "complex reasoning. In particular, we show how such reasoning abilities emerge "
        "naturally in sufficiently large language models via a simple method called "
        "chain-of-thought prompting, where",
        # then a figure, its caption, the venue footnote and the stamp: not the abstract
        "on the GSM8K benchmark of math word problems, surpassing even finetuned GPT-3 "
        "with a verifier.",
        id="chain-of-thought",
    ),
    pytest.param(
        "2302.13971v1-page1.pdf", "2302.13971", 1, 2023,
        "LLaMA: Open and Efficient Foundation Language Models",
        # "∗" marks, a line that ends without a comma, "Meta AI" below the names; the
        # PDF itself spells "Timothee" without its accent
        ("Hugo Touvron", "Thibaut Lavril", "Gautier Izacard", "Xavier Martinet",
         "Marie-Anne Lachaux", "Timothee Lacroix", "Baptiste Rozière", "Naman Goyal",
         "Eric Hambro", "Faisal Azhar", "Aurelien Rodriguez", "Armand Joulin",
         "Edouard Grave", "Guillaume Lample"),
        LLAMA_ABSTRACT, "We release all our models to the research community.",
        id="llama",
    ),
    pytest.param(
        "2308.08155v2-page1.pdf", "2308.08155", 2, 2023,
        # "AutoGen" is set in another font than the rest of the title line
        "AutoGen: Enabling Next-Gen LLM Applications via Multi-Agent Conversation",
        # marks "†", "∗", "±", "∓", "∗1" after the names, three lines of names
        ("Qingyun Wu", "Gagan Bansal", "Jieyu Zhang", "Yiran Wu", "Beibin Li",
         "Erkang Zhu", "Li Jiang", "Xiaoyun Zhang", "Shaokun Zhang", "Jiale Liu",
         "Ahmed Awadallah", "Ryen W. White", "Doug Burger", "Chi Wang"),
        # the footnote mark of "AutoGen²" is not part of the text
        "AutoGen is an open-source framework that allows developers to build LLM "
        "applications via multiple agents that can converse with each other to "
        "accomplish tasks.",
        # then the footnotes ("Corresponding author. Email: ...") and the stamp
        "from mathematics, coding, question answering, operations research, online "
        "decision-making, entertainment, etc.",
        id="autogen",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "arxiv_id", "version", "year", "title", "authors", "start", "end"), CASES
)
def test_reader_finds_the_paper(
    name: str,
    arxiv_id: str,
    version: int,
    year: int,
    title: str,
    authors: tuple[str, ...],
    start: str,
    end: str,
) -> None:
    path = ARXIV / name
    reader = registry.reader_for(path)
    assert reader is not None and reader.name == "pdf"
    result = reader.read(path, no_progress, CancelToken())
    assert result.issues == []
    (paper,) = result.papers
    assert (paper.arxiv_id, paper.extra, paper.year) == (arxiv_id, {"arxiv_version": version}, year)
    assert paper.title == title
    assert paper.authors == authors
    assert paper.abstract.startswith(start)
    assert paper.abstract.endswith(end)
    assert paper.doi is None
    assert paper.attachments[0].path == str(path.resolve())


def test_llama_abstract_is_exactly_the_papers() -> None:
    (paper,) = registry.get("pdf").read(ARXIV / "2302.13971v1-page1.pdf", no_progress,
                                        CancelToken()).papers  # fmt: skip
    # "founda-tion" and "avail-able" joined, "LLaMA-65B" keeps its hyphen, the
    # footnote mark after "community" left out
    assert paper.abstract == LLAMA_ABSTRACT


def test_full_text_keeps_hyphens_of_compounds_broken_at_a_line_end() -> None:
    text, note = full_text(ARXIV / "2201.11903v6.pdf")
    assert note == "" and len(text) > 100_000
    # "chain-of-" / "thought" at a line end is "chain-of-thought", not "chain-ofthought"
    assert "chain-ofthought" not in text.lower()
    assert text.count("chain-of-thought") > 50
    text, _ = full_text(ARXIV / "2302.13971v1-page1.pdf")
    assert "collection of foundation language models" in text and "LLaMA-65B" in text


# a word of each PDF's body (not in its title, authors or abstract, not in the others)
BODY_WORDS = {
    "2201.11903": "asiana",  # page 33 of 43: "book a flight on Asiana Airlines?"
    "2302.13971": "disregards",  # "this objective disregards the inference budget"
    "2308.08155": "yfinance",  # Figure 1: "pip install yfinance"
}


def test_import_match_and_search_the_body(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.duckdb")
    # the paper already in the library from a bibliography, without an arXiv id: the
    # PDF is matched to it by its normalised title and attached
    title = "Chain-of-thought prompting elicits reasoning in large language models"
    store.add_papers([Paper(title=title, year=2022, authors=("Jason Wei",))])
    (stored,) = store.all_ids().tolist()
    summary = import_paths(store, [ARXIV])
    assert (summary.added, summary.merged) == (2, 1)
    assert summary.issues == []
    assert store.paper_count() == 3
    ids = {"2201.11903": stored}
    for arxiv_id in ("2302.13971", "2308.08155"):
        (ids[arxiv_id],) = store.find_papers(Paper(title="x", arxiv_id=arxiv_id))
    assert [a.name for a in store.attachments_of(stored)] == ["2201.11903v6.pdf"]
    # the PDF filled the stored paper's gaps (its arXiv id and version, the abstract);
    # what the bibliography gave stays (the title as written, the year, the one author)
    (cot,) = store.papers([stored])
    assert cot.arxiv_id == "2201.11903" and cot.extra.get("arxiv_version") == 6
    assert cot.abstract.startswith("We explore how generating a chain of thought")
    assert (cot.title, cot.year, cot.authors) == (title, 2022, ("Jason Wei",))
    assert store.find_papers(Paper(title="x", arxiv_id="2201.11903v6")) == [stored]
    (llama,) = store.papers([ids["2302.13971"]])
    assert llama.title == "LLaMA: Open and Efficient Foundation Language Models"
    assert llama.abstract == LLAMA_ABSTRACT and len(llama.authors) == 14
    names = [a.name for a in store.attachments_of(ids["2308.08155"])]
    assert names == ["2308.08155v2-page1.pdf"]

    for word in BODY_WORDS.values():
        assert store.search_ids(word)[0].tolist() == []  # the full text is not read yet
    assert extract_fulltext(store) == 3
    for arxiv_id, word in BODY_WORDS.items():
        assert store.search_ids(word)[0].tolist() == [ids[arxiv_id]], word
        assert store.search_ids(f"fulltext:{word}")[0].tolist() == [ids[arxiv_id]], word
        assert store.search_ids(f"title:{word}")[0].tolist() == [], word
        assert store.search_ids(f"abstract:{word}")[0].tolist() == [], word
    snippet = store.fulltext_snippet(ids["2201.11903"], "asiana")
    assert "[Asiana]" in snippet and "flight" in snippet
    store.close()
    again = Store(tmp_path / "lib.duckdb")
    assert again.search_ids("disregards")[0].tolist() == [ids["2302.13971"]]
    # imported again: the same papers, the files already attached
    summary = import_paths(again, [ARXIV])
    assert (summary.added, summary.merged) == (0, 3)
    assert again.paper_count() == 3
    assert [a.name for a in again.attachments_of(stored)] == ["2201.11903v6.pdf"]
    again.close()
