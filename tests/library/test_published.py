"""Preprint → published (issue #16 item 4), on pairs from ../shared/data/papers:

- the Kaggle arXiv snapshot's records whose own ``journal-ref``/``doi`` name the venue;
- the vLLM paper: arXiv 2309.06180 as a CSL item (context-review) ↔ cdl.bib's
  ``KwonEtal23`` (SOSP '23), which the import merges by itself;
- memlab.bib's bioRxiv ``LeeEtal20`` ↔ cdl.bib's eLife ``LeeEtal21`` ("Anticipation of
  temporally structured events in the brain"), found by ``merge --published``;

merged into one paper that keeps the arXiv id, shows "published as", is found by
``is:published``, exports the venue citation by default and the preprint with
``--preprint``; every merge undone restores both records exactly.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bibtexparser
import pytest
import rispy

from paperscope.cli import main
from paperscope.core.ids import normalise_arxiv_id
from paperscope.library import export
from paperscope.library.dedup import family_name
from paperscope.library.published import (
    citation_form,
    find_pairs,
    is_preprint,
    is_venue_version,
    merge_pairs,
    published_as,
    published_line,
)
from paperscope.library.store import Store
from paperscope.readers.papers.bibtex import BibTeXReader
from paperscope.workflows.papers import export_papers, import_paths
from tests.conftest import PAPERS

KAGGLE = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"
CSL = PAPERS / "context-review-references.csl.json"
TITLE_LEE = "Anticipation of temporally structured events in the brain"


def snapshot(store: Store) -> list[tuple[object, ...]]:
    """Every row a merge touches, timestamps included (an undo restores them exactly)."""
    return [
        *store.execute("SELECT * FROM papers ORDER BY id").fetchall(),
        *store.execute("SELECT * FROM paper_keys ORDER BY ALL").fetchall(),
        *store.execute("SELECT * FROM paper_tags ORDER BY ALL").fetchall(),
        *store.execute("SELECT * FROM collection_papers ORDER BY ALL").fetchall(),
    ]


def bib_entries(text: str) -> list[Any]:
    lib = bibtexparser.parse_string(text)
    assert not lib.failed_blocks
    return list(lib.entries)


def fields_of(entry: Any) -> dict[str, str]:
    return {f.key.lower(): str(f.value) for f in entry.fields}


def ids_of(store: Store, query: str) -> list[int]:
    ids, _ = store.search_ids(query, typing=False)
    return sorted(int(i) for i in ids)


def kaggle_published() -> dict[str, dict[str, Any]]:
    """The snapshot's records that name their published version, read with json."""
    out = {}
    for line in KAGGLE.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        doi = (rec.get("doi") or "").strip()
        if (rec.get("journal-ref") or "").strip() or (doi and not doi.startswith("10.48550")):
            out[normalise_arxiv_id(rec["id"]) or rec["id"]] = rec
    return out


def test_kaggle_records_carry_their_venue(store: Store, tmp_path: Path) -> None:
    import_paths(store, [KAGGLE])
    expected = kaggle_published()
    assert len(expected) == 132  # of the 200 head records
    found = ids_of(store, "is:published")
    arxiv = {int(i): p.arxiv_id for i, p in zip(found, store.papers(found), strict=True)}
    assert sorted(arxiv.values()) == sorted(expected)
    every = ids_of(store, "")
    assert len(ids_of(store, "-is:published")) == len(every) - len(found)
    # 0704.0001: "Phys.Rev.D76:013009,2007", doi 10.1103/PhysRevD.76.013009
    [pid] = ids_of(store, "arxiv:0704.0001")
    paper = store.papers([pid])[0]
    pub = published_as(paper)
    assert pub is not None and pub.how == "journal-ref"
    assert (pub.venue, pub.year, pub.doi) == (
        "Phys.Rev.D76:013009,2007",
        2007,
        "10.1103/physrevd.76.013009",
    )
    assert published_line(paper) == (
        "Published as Phys.Rev.D76:013009,2007 (doi:10.1103/physrevd.76.013009)"
    )
    # 0704.0006 has a DOI only: published, at that DOI
    [pid6] = ids_of(store, "arxiv:0704.0006")
    assert pid6 in found
    assert published_line(store.papers([pid6])[0]) == "Published as doi:10.1103/physreva.75.043613"
    # exported as the venue (an article with its journal and DOI, the eprint kept) …
    out = tmp_path / "k.bib"
    export_papers(store, "bibtex", out, ids=[pid])
    [entry] = bib_entries(out.read_text(encoding="utf-8"))
    f = fields_of(entry)
    assert entry.entry_type == "article"
    assert (f["journal"], f["doi"], f["year"]) == (
        "Phys.Rev.D76:013009,2007",
        "10.1103/physrevd.76.013009",
        "2007",
    )
    assert (f["eprint"], f["archiveprefix"]) == ("0704.0001", "arXiv")
    # … and, asked for, as the preprint: no journal, no venue DOI
    export_papers(store, "bibtex", out, ids=[pid], preprint=True)
    [entry] = bib_entries(out.read_text(encoding="utf-8"))
    f = fields_of(entry)
    assert entry.entry_type == "misc"
    assert "journal" not in f and "doi" not in f and "howpublished" not in f
    assert (f["eprint"], f["archiveprefix"]) == ("0704.0001", "arXiv")


def vllm(store: Store) -> int:
    [pid] = ids_of(store, "arxiv:2309.06180")
    return pid


def test_importing_the_venue_record_merges_it_as_published(store: Store, tmp_path: Path) -> None:
    """The import's own merge (same title, first author and year) of cdl.bib's
    KwonEtal23 into the stored arXiv CSL item is a published merge: the venue's fields
    kept, "published as" shown, the venue exported by default, and undone exactly."""
    import_paths(store, [CSL])
    pid = vllm(store)
    before = store.paper_row(pid)
    assert (
        before is not None
        and before["venue"] == "arXiv"
        and not published_as(store.papers([pid])[0])
    )
    assert pid not in ids_of(store, "is:published")
    summary = import_paths(store, [PAPERS / "cdl.bib"])
    assert summary.published == 1
    assert "1 of the merged published as their venue version" in summary.line()
    assert vllm(store) == pid  # one paper, the arXiv one's id
    assert len(ids_of(store, '"PagedAttention"')) == 1
    row = store.paper_row(pid)
    assert row is not None
    assert row["arxiv_id"] == "2309.06180"
    assert row["venue"] == "Proceedings of the 29th ACM Symposium on Operating Systems Principles"
    assert (row["year"], row["kind"], row["citation_key"]) == (2023, "article", "KwonEtal23")
    assert row["fields"]["pages"] == "611–626"  # as read: plain text
    paper = store.papers([pid])[0]
    assert published_line(paper) == (
        "Published as Proceedings of the 29th ACM Symposium on Operating Systems Principles, 2023"
    )
    assert pid in ids_of(store, "is:published")
    [merge] = store.merges()
    assert (merge.kind, merge.kept_id) == ("published", pid)
    # BibTeX: the venue, with the eprint; --preprint: the arXiv report it was
    entry = bib_entries(export.to_bibtex([paper]))[0]
    f = fields_of(entry)
    assert (entry.entry_type, entry.key) == ("article", "KwonEtal23")
    assert "Operating Systems Principles" in f["journal"] and f["pages"] == "611--626"
    assert (f["eprint"], f["archiveprefix"]) == ("2309.06180", "arXiv")
    pre = fields_of(bib_entries(export.to_bibtex([paper], preprint=True))[0])
    assert pre["journal"] == "arXiv" and "pages" not in pre and pre["number"] == "2309.06180"
    assert (pre["eprint"], pre["archiveprefix"], pre["year"]) == ("2309.06180", "arXiv", "2023")
    # CSL-JSON and RIS the same way
    [item] = export.to_csl_items([paper])
    assert item["container-title"].endswith("Operating Systems Principles")
    assert item["page"] == "611–626"
    [pre_item] = export.to_csl_items([paper], preprint=True)
    assert (pre_item["container-title"], pre_item["number"]) == ("arXiv", "2309.06180")
    assert "page" not in pre_item
    [ris] = rispy.loads(export.to_ris([paper]))
    assert ris["type_of_reference"] == "JOUR" and ris["start_page"] == "611"
    assert "Operating Systems Principles" in (ris.get("journal_name") or ris["secondary_title"])
    [ris_pre] = rispy.loads(export.to_ris([paper], preprint=True))
    assert "start_page" not in ris_pre
    # undo: both records back as they were
    store.undo_merge(merge.id)
    assert store.paper_row(pid) == before
    [venue_id] = [i for i in ids_of(store, '"PagedAttention"') if i != pid]
    venue = store.papers([venue_id])[0]
    read = BibTeXReader().read(PAPERS / "cdl.bib", lambda *_: None, _never())
    [kwon] = [p for p in read.papers if p.citation_key == "KwonEtal23"]
    assert (venue.title, venue.venue, venue.year, venue.kind) == (
        kwon.title,
        kwon.venue,
        kwon.year,
        kwon.kind,
    )
    assert venue.fields == kwon.fields and venue.authors == kwon.authors
    assert pid not in ids_of(store, "is:published")


def _never() -> Any:
    from paperscope.core.tasks import CancelToken

    return CancelToken()


@pytest.fixture
def lab(store: Store) -> Store:
    """cdl.bib and the older memlab.bib (bioRxiv preprints that cdl.bib has as
    published papers)."""
    import_paths(store, [PAPERS / "cdl.bib", PAPERS / "memlab.bib"])
    return store


def lee_pair(store: Store) -> tuple[int, int]:
    ids = ids_of(store, f'title:"{TITLE_LEE}"')
    papers = dict(zip(ids, store.papers(ids), strict=True))
    [pre] = [i for i, p in papers.items() if p.venue == "bioRxiv"]
    [ven] = [i for i, p in papers.items() if p.venue == "eLife"]
    assert (papers[pre].citation_key, papers[ven].citation_key) == ("LeeEtal20", "LeeEtal21")
    return pre, ven


def test_pairs_found_follow_the_rule(lab: Store) -> None:
    pairs = find_pairs(lab)
    pre, ven = lee_pair(lab)
    assert (pre, ven) in {(p.preprint_id, p.venue_id) for p in pairs}
    for pair in pairs:
        a, b = lab.papers([pair.preprint_id, pair.venue_id])
        assert is_preprint(a) and is_venue_version(b), (a, b)
        assert a.year is None or b.year is None or 0 <= b.year - a.year <= 2
        assert family_name(a.authors[0]) == family_name(b.authors[0])
    # a pair the user said are different papers is not proposed again
    lab.mark_not_duplicates(pre, ven)
    assert (pre, ven) not in {(p.preprint_id, p.venue_id) for p in find_pairs(lab)}


def test_merge_the_biorxiv_preprint_with_its_elife_version_and_undo(
    lab: Store, tmp_path: Path
) -> None:
    pre, ven = lee_pair(lab)
    lab.add_tag([pre], "events")
    lab.add_tag([ven], "to-cite")
    before = snapshot(lab)
    [pair] = [p for p in find_pairs(lab) if p.preprint_id == pre]
    [mid] = merge_pairs(lab, [pair])
    assert lab.paper_row(ven) is None
    row = lab.paper_row(pre)
    assert row is not None
    assert (row["venue"], row["year"], row["citation_key"]) == ("eLife", 2021, "LeeEtal21")
    assert row["fields"]["volume"] == "10" and row["fields"]["pages"] == "e64972"
    assert row["extra"]["published"]["preprint"]["venue"] == "bioRxiv"
    assert {t.name for t in lab.paper_tags([pre])[pre]} == {"events", "to-cite"}
    paper = lab.papers([pre])[0]
    assert published_line(paper) == "Published as eLife, 2021"
    assert pre in ids_of(lab, "is:published")
    out = tmp_path / "lee.bib"
    export_papers(lab, "bibtex", out, ids=[pre])
    [entry] = bib_entries(out.read_text(encoding="utf-8"))
    f = fields_of(entry)
    # the journal as cdl.bib writes it, its capitals braced ({{eLife}})
    assert (entry.key, f["journal"], f["volume"], f["year"]) == ("LeeEtal21", "{eLife}", "10",
                                                                 "2021")  # fmt: skip
    assert f["ids"] == "LeeEtal20"  # \cite{LeeEtal20} still finds it
    export_papers(lab, "bibtex", out, ids=[pre], preprint=True)
    [entry] = bib_entries(out.read_text(encoding="utf-8"))
    f = fields_of(entry)
    assert (entry.key, f["journal"], f["year"]) == ("LeeEtal20", "{bioRxiv}", "2020")
    assert f["volume"] == "10.1101/2020.10.14.338145"
    assert citation_form(paper, preprint=True).year == 2020
    # undo restores both records exactly (timestamps, keys, tags)
    assert lab.undo_merge(mid) == mid
    assert snapshot(lab) == before
    assert pre not in ids_of(lab, "is:published")


def test_the_merge_verb(lab: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = str(lab.path)
    pre, ven = lee_pair(lab)
    before = snapshot(lab)
    lab.close()
    assert main(["--library", path, "merge", "--published", "--dry-run", "--json"]) == 0
    out, err = capsys.readouterr()
    listed = [json.loads(line) for line in out.splitlines()]
    assert {"preprint_id": pre, "venue_id": ven} | {"merge_id": None} in [
        {k: d[k] for k in ("preprint_id", "venue_id", "merge_id")} for d in listed
    ]
    assert f"would merge {len(listed)} preprints" in err
    with Store(Path(path)) as s:
        assert snapshot(s) == before  # a dry run changes nothing
    assert main(["--library", path, "merge", "--published"]) == 0
    out, err = capsys.readouterr()
    assert f"merged {len(listed)} preprints" in err
    assert f"#{pre} ← #{ven}  {TITLE_LEE}  → published as eLife, 2021" in out
    assert main(["--library", path, "merge", "--history", "--json"]) == 0
    history = [json.loads(line) for line in capsys.readouterr()[0].splitlines()]
    assert len(history) == len(listed) and {h["kind"] for h in history} == {"published"}
    bib = tmp_path / "pre.bib"
    assert main(["--library", path, "export", "--format", "bibtex", "--preprint",
                 "--out", str(bib), f'title:"{TITLE_LEE}"']) == 0  # fmt: skip
    assert "bioRxiv" in bib.read_text(encoding="utf-8")
    assert main(["--library", path, "search", "is:published", "--json"]) == 0
    found = {json.loads(line)["id"] for line in capsys.readouterr()[0].splitlines()}
    assert {h["kept_id"] for h in history} <= found
    for _ in history:
        assert main(["--library", path, "merge", "--undo"]) == 0
    capsys.readouterr()
    assert main(["--library", path, "merge", "--undo"]) == 2
    assert "no merge to undo" in capsys.readouterr()[1]
    with Store(Path(path)) as s:
        assert snapshot(s) == before


def test_both_versions_in_one_import_are_merged_as_published(store: Store) -> None:
    """The vLLM CSL item and cdl.bib's KwonEtal23 added together (one import): one
    paper, published as SOSP, and the undo gives the two records as read."""
    from paperscope.readers.papers.csl_json import CSLJSONReader

    csl = CSLJSONReader().read(CSL, lambda *_: None, _never()).papers
    [arxiv] = [p for p in csl if p.arxiv_id == "2309.06180"]
    bib = BibTeXReader().read(PAPERS / "cdl.bib", lambda *_: None, _never()).papers
    [kwon] = [p for p in bib if p.citation_key == "KwonEtal23"]
    summary = store.add_papers([arxiv, kwon])
    assert (summary.added, summary.merged, summary.published) == (1, 1, 1)
    [pid] = summary.paper_ids
    paper = store.papers([pid])[0]
    assert paper.arxiv_id == "2309.06180" and paper.citation_key == "KwonEtal23"
    assert published_line(paper) == (
        "Published as Proceedings of the 29th ACM Symposium on Operating Systems Principles, 2023"
    )
    [merge] = store.merges()
    assert (merge.kind, merge.kept_id) == ("published", pid)
    store.undo_merge()
    got = sorted(store.papers(store.all_ids()), key=lambda p: p.arxiv_id is None)
    assert [(p.title, p.venue, p.year, p.kind, dict(p.fields)) for p in got] == [
        (p.title, p.venue, p.year, p.kind, dict(p.fields)) for p in (arxiv, kwon)
    ]
