"""Links a paper can be opened at, and "Copy BibTeX" of a selection."""

from __future__ import annotations

from paperscope.core.records import Paper
from paperscope.library.links import paper_links
from paperscope.library.store import Store
from paperscope.workflows.papers import bibtex_of, import_paths
from tests.conftest import PAPERS, TEST_DATA


def test_links_of_an_atom_paper_and_a_doi_only_paper(store: Store) -> None:
    import_paths(
        store, [TEST_DATA / "papers" / "arxiv-query.atom", PAPERS / "hf-api" / "daily_papers.json"]
    )
    (pid,) = store.find_papers(Paper("x", arxiv_id="2410.17243"))
    (paper,) = store.papers([pid])
    assert [(lk.kind, lk.url) for lk in paper_links(paper)] == [
        ("pdf", "http://arxiv.org/pdf/2410.17243v1"),
        ("arxiv", "https://arxiv.org/abs/2410.17243"),
        ("hf", "https://huggingface.co/papers/2410.17243"),
        ("url", "http://arxiv.org/abs/2410.17243v1"),
    ]
    doi_only = Paper(
        "Deep Residual Learning", doi="10.1109/cvpr.2016.90", url="javascript:alert(1)"
    )
    assert [(lk.kind, lk.url) for lk in paper_links(doi_only)] == [
        ("doi", "https://doi.org/10.1109/cvpr.2016.90")
    ]


def test_copy_bibtex_of_a_selection(store: Store) -> None:
    import_paths(store, [TEST_DATA / "papers" / "arxiv-query.atom"])
    (pid,) = store.find_papers(Paper("x", arxiv_id="1706.03762"))
    text = bibtex_of(store, [pid])
    assert text.startswith("@misc{vaswani2017attention,\n  title = {{Attention Is All You Need}},")
    assert bibtex_of(store, [pid]) == text  # the key is kept
