"""Canonical identity: arXiv ids with/without version, DOIs, HF ids, title keys; the
two overlapping lab bibliographies imported one after the other."""

from __future__ import annotations

from pathlib import Path

from paperscope.core.records import Paper
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.library.dedup import (
    family_name,
    normalise_arxiv_id,
    normalise_doi,
    normalised_title,
    paper_keys,
)
from paperscope.library.store import Store
from paperscope.readers import registry
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS, TEST_DATA


def test_arxiv_ids_and_dois_normalise() -> None:
    assert normalise_arxiv_id("arXiv:2410.17243v2") == "2410.17243"
    assert normalise_arxiv_id("https://arxiv.org/abs/2410.17243") == "2410.17243"
    assert normalise_arxiv_id("http://arxiv.org/pdf/hep-th/9711200v3") == "hep-th/9711200"
    assert normalise_arxiv_id("not an id") is None
    assert normalise_doi("https://doi.org/10.1109/CVPR.2016.90") == "10.1109/cvpr.2016.90"
    assert normalise_doi("doi:10.1000/xyz.") == "10.1000/xyz"
    assert family_name("Pieter Abbeel Jr.") == "abbeel"
    assert family_name("Müller, Jörg") == "muller"


def test_keys_meet_across_versions_dois_and_the_hf_id() -> None:
    v1 = Paper(
        "Flow Matching for Generative Modeling",
        ("Yaron Lipman",),
        year=2022,
        arxiv_id="2210.02747v1",
    )
    hf = Paper(
        "Flow matching for generative modeling", ("Y. Lipman",), year=2022, hf_id="2210.02747"
    )
    csl = Paper("Flow Matching", year=2022, doi="10.48550/arXiv.2210.02747")
    assert "arxiv:2210.02747" in paper_keys(v1)
    assert "arxiv:2210.02747" in paper_keys(hf)
    assert paper_keys(csl)[0] == "arxiv:2210.02747" and not any(
        k.startswith("doi:") for k in paper_keys(csl)
    )
    # a preprint also carries next year's title key, so the published version meets it
    assert "title:flowmatchingforgenerativemodeling|lipman|2023" in paper_keys(v1)
    assert paper_keys(Paper("Introduction", ("A B",))) == []
    assert paper_keys(Paper("Introduction", ("A B",), year=2000)) == ["title:introduction|b|2000"]


def test_preprint_and_published_version_become_one_paper(store: Store) -> None:
    preprint = Paper(
        "Flow Matching for Generative Modeling", ("Yaron Lipman", "Ricky T. Q. Chen"),
        year=2022, arxiv_id="2210.02747v2", doi="10.48550/arXiv.2210.02747",
    )  # fmt: skip
    published = Paper(
        "Flow matching for generative modeling.", ("Lipman, Yaron",), year=2023,
        doi="10.5555/iclr.2023.flow", venue="ICLR", abstract="We introduce a new paradigm.",
    )  # fmt: skip
    first = store.add_papers([preprint])
    second = store.add_papers([published])
    assert (first.added, second.added, second.merged, second.published) == (1, 0, 1, 1)
    (p,) = store.papers(store.all_ids())
    # merged as "published" (issue 16): the venue's DOI and year, the arXiv id kept; the
    # preprint's own DOI stays with what it was (cited with export --preprint)
    assert p.venue == "ICLR" and p.doi == "10.5555/iclr.2023.flow" and p.year == 2023
    assert p.arxiv_id == "2210.02747"
    assert p.extra["published"]["preprint"]["doi"] == "10.48550/arxiv.2210.02747"
    assert p.abstract == "We introduce a new paradigm."
    assert store.find_papers(Paper("x", arxiv_id="2210.02747")) == [int(store.all_ids()[0])]
    # the published DOI now finds it too
    assert store.find_papers(Paper("x", doi="10.5555/ICLR.2023.flow")) == [int(store.all_ids()[0])]


def test_hf_api_then_atom_feed_then_hf_page_merge_on_arxiv_ids(store: Store) -> None:
    a = import_paths(store, [PAPERS / "hf-api" / "daily_papers.json"])
    b = import_paths(store, [TEST_DATA / "papers" / "arxiv-query.atom"])
    assert (a.added, a.merged) == (29, 0)
    assert (b.added, b.merged) == (3, 1)  # 2410.17243v1 is already there
    (p,) = store.papers(store.find_papers(Paper("x", arxiv_id="2410.17243")))
    assert p.upvotes == 64  # from the HF API
    assert p.extra["primary_category"] == "cs.CV"  # from the Atom feed


def test_cdl_then_memlab_does_not_double_the_overlap(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.duckdb")
    cdl = import_paths(store, [PAPERS / "cdl.bib"])
    assert (cdl.added, cdl.merged, cdl.skipped) == (6311, 4, 0)
    memlab = import_paths(store, [PAPERS / "memlab.bib"])
    assert (memlab.added, memlab.merged, memlab.skipped) == (52, 5701, 31)
    assert store.paper_count() == 6311 + 52
    # independent check: entries with the same citation key and title in both files
    # are one paper, found under cdl's citation key
    reader = registry.get("bibtex")
    cdl_papers = {
        p.citation_key: p
        for p in reader.read(PAPERS / "cdl.bib", no_progress, CancelToken()).papers
    }
    mem_papers = reader.read(PAPERS / "memlab.bib", no_progress, CancelToken()).papers
    shared = [
        (cdl_papers[m.citation_key], m)
        for m in mem_papers
        if m.citation_key in cdl_papers
        and normalised_title(cdl_papers[m.citation_key].title) == normalised_title(m.title)
    ]
    assert len(shared) == 5681
    for c, m in shared[::50]:
        (c_id,) = store.find_papers(c)[:1]
        assert c_id in store.find_papers(m)
    # importing memlab again changes nothing
    again = import_paths(store, [PAPERS / "memlab.bib"])
    assert (again.added, again.merged) == (0, 5753)
    assert store.paper_count() == 6363
    store.close()


def test_records_without_authors_meet_the_paper_but_authors_still_separate(store: Store) -> None:
    page = registry.get("hf-daily-page").read(
        PAPERS / "hf-daily-page" / "daily-papers-page.txt", no_progress, CancelToken()
    )
    assert len(page.papers) == 79 and not any(p.authors for p in page.papers)
    first = page.papers[0]
    assert first.year is not None
    with_authors = Paper(
        first.title, ("Ada Lovelace", "Alan Turing"), year=first.year, arxiv_id="2405.00001"
    )
    other_author = Paper(first.title, ("Grace Hopper",), year=first.year)
    a = store.add_papers([with_authors, other_author])
    assert (a.added, a.merged) == (2, 0)  # same title and year, different first authors
    b = store.add_papers(page.papers)
    assert (b.added, b.merged) == (78, 1)
    (pid,) = store.find_papers(with_authors)
    merged = store.papers([pid])[0]
    assert merged.abstract == first.abstract and merged.authors == with_authors.authors
    again = store.add_papers(page.papers)
    assert (again.added, again.merged) == (0, 79)
    dupes = store.execute(
        "SELECT count(*) FROM "
        "(SELECT key, paper_id FROM paper_keys GROUP BY ALL HAVING count(*) > 1)"
    ).fetchone()
    assert dupes == (0,)
