"""PDFs in the library: imported (matched to a stored paper or added), attached, their
full text searched (``fulltext:``, lower weight than title and abstract), snippets,
missing files relinked; on a real DuckDB file and its real FTS5 side index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from paperscope.core.records import Paper
from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.library.store import Store
from paperscope.workflows.attachments import attach_files, extract_fulltext, relink
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA

PDF = TEST_DATA / "pdf"


def _store(tmp_path: Path) -> Store:
    return Store(tmp_path / "lib.duckdb")


def test_import_folder_attaches_each_pdf(tmp_path: Path) -> None:
    store = _store(tmp_path)
    summary = import_paths(store, [PDF])
    # 7 PDFs; junk-metadata.pdf is the same paper as arxiv-stamped.pdf (same arXiv id)
    assert (summary.added, summary.merged) == (6, 1)
    notes = sorted(str(i) for i in summary.issues)
    assert any("encrypted.pdf: PDF encrypted" in n for n in notes)
    assert any("no-text.pdf: PDF has no text layer" in n for n in notes)
    assert any("truncated.pdf: PDF damaged or truncated" in n for n in notes)
    (pid,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    names = sorted(a.name for a in store.attachments_of(pid))
    assert names == ["arxiv-stamped.pdf", "junk-metadata.pdf"]
    enc = next(a for g in store.attachments_for(store.all_ids()).values() for a in g
               if a.name == "encrypted.pdf")  # fmt: skip
    assert enc.note == "encrypted (a password is needed to read it)" and enc.status == "ok"
    counts = store.attachment_counts([pid, enc.paper_id])
    assert counts.tolist() == [2, 1]


def test_pdf_matches_a_stored_paper_by_title(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_papers([Paper(title="The Case for Open Preprints in Biology", year=2013,
                            authors=("P. Desjardins-Proulx",), doi="10.1371/journal.pbio.1001563")])  # fmt: skip  # noqa: E501
    summary = import_paths(store, [PDF / "open-preprints-biology.pdf"])
    assert (summary.added, summary.merged) == (0, 1)
    assert store.paper_count() == 1
    (pid,) = store.all_ids().tolist()
    assert [a.name for a in store.attachments_of(pid)] == ["open-preprints-biology.pdf"]


def test_full_text_search_and_snippet_survive_a_restart(tmp_path: Path) -> None:
    store = _store(tmp_path)
    import_paths(store, [PDF / "arxiv-stamped.pdf", PDF / "open-preprints-biology.pdf"])
    assert store.search_ids("zyxwvutsonic")[0].tolist() == []  # not read yet
    assert store.pending_text_count() == 2
    assert extract_fulltext(store) == 2
    assert store.pending_text_count() == 0
    (pid,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    assert store.search_ids("zyxwvutsonic")[0].tolist() == [pid]
    assert store.search_ids("fulltext:zyxwvutsonic")[0].tolist() == [pid]
    assert store.search_ids("title:zyxwvutsonic")[0].tolist() == []
    snippet = store.fulltext_snippet(pid, "zyxwvutsonic")
    assert "The [zyxwvutsonic] procedure appears only in" in snippet
    store.close()
    again = Store(tmp_path / "lib.duckdb")
    assert again.search_ids("zyxwvutsonic")[0].tolist() == [pid]
    assert again.pending_text_count() == 0
    again.close()


def test_title_words_outrank_full_text_words(tmp_path: Path) -> None:
    store = _store(tmp_path)
    # "preprints" is in the title of one paper and only in the body of the other
    import_paths(store, [PDF / "arxiv-stamped.pdf", PDF / "open-preprints-biology.pdf"])
    extract_fulltext(store)
    ids, scores = store.search_ids("margins")
    (stamped,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    assert ids[0] == stamped
    ids, scores = store.search_ids("preprint")
    assert len(ids) == 2 and scores[0] > scores[1]


def test_extract_is_incremental_and_cancellable(tmp_path: Path) -> None:
    store = _store(tmp_path)
    import_paths(store, [PDF])
    cancel = CancelToken()

    def progress(fraction: float | None, message: str = "") -> None:
        if fraction is not None and fraction >= 2 / 7 - 1e-9:
            cancel.cancel()

    with pytest.raises(Cancelled):
        extract_fulltext(store, progress, cancel)
    assert store.pending_text_count() == 5  # the first two stay read
    assert extract_fulltext(store) == 5


def test_drop_on_paper_and_relink_a_folder(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_papers([Paper(title="A paper with files somewhere else", year=2020)])
    (pid,) = store.all_ids().tolist()
    away = tmp_path / "away"
    away.mkdir()
    for n in ("arxiv-stamped.pdf", "no-text.pdf"):
        shutil.copy(PDF / n, away / n)
    issues = attach_files(store, pid, [away / "arxiv-stamped.pdf", away / "no-text.pdf"])
    assert [i.message.split(";")[0] for i in issues] == [
        "PDF has no text layer (a scan without OCR?)"
    ]
    assert [a.name for a in store.attachments_of(pid)] == ["arxiv-stamped.pdf", "no-text.pdf"]
    # the folder moves: both files are missing; locating one relinks the other too
    moved = tmp_path / "moved"
    away.rename(moved)
    from paperscope.workflows.attachments import check_files

    assert check_files(store, [pid]) == 2
    first, second = store.attachments_of(pid)
    assert first.status == second.status == "missing"
    done = relink(store, first.id, moved / "arxiv-stamped.pdf")
    assert sorted(done) == [first.id, second.id]
    assert [(a.path, a.status) for a in store.attachments_of(pid)] == [
        (str(moved / "arxiv-stamped.pdf"), "ok"), (str(moved / "no-text.pdf"), "ok"),
    ]  # fmt: skip


def test_an_index_from_before_the_fulltext_column_is_rebuilt(tmp_path: Path) -> None:
    import sqlite3

    store = _store(tmp_path)
    import_paths(store, [PDF / "arxiv-stamped.pdf"])
    extract_fulltext(store)
    path = store.text_index_path()
    generation = store.text_generation()
    store.close()
    assert path is not None
    path.unlink()
    for extra in ("-wal", "-shm"):
        Path(str(path) + extra).unlink(missing_ok=True)
    old = sqlite3.connect(path)  # the three-column index of earlier versions
    old.execute("CREATE VIRTUAL TABLE docs USING fts5(title, authors, abstract)")
    old.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER)")
    # claiming to be current: only the missing column tells it is not
    old.execute("INSERT INTO meta VALUES ('generation', ?)", [generation])
    old.commit()
    old.close()
    again = Store(tmp_path / "lib.duckdb")
    assert not again.text_index_current()
    assert len(again.search_ids("zyxwvutsonic")[0]) == 1
    assert again.text_index_current()
    again.close()


def test_a_deleted_papers_file_imported_again_makes_a_new_paper(tmp_path: Path) -> None:
    store = _store(tmp_path)
    import_paths(store, [PDF / "no-text.pdf"])
    (old,) = store.all_ids().tolist()
    store.delete_papers([old])
    assert store.pending_text_count() == 0  # the deleted paper's file is not read
    summary = import_paths(store, [PDF / "no-text.pdf"])
    assert (summary.added, summary.merged) == (1, 0)
    (new,) = store.all_ids().tolist()
    assert new != old and [a.name for a in store.attachments_of(new)] == ["no-text.pdf"]


def test_deleting_a_paper_deletes_its_attachment_rows(tmp_path: Path) -> None:
    """The rows go with the paper (the files on disk stay); another paper's stay."""
    store = _store(tmp_path)
    import_paths(store, [PDF / "arxiv-stamped.pdf", PDF / "open-preprints-biology.pdf"])
    extract_fulltext(store)
    (gone,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    kept = next(i for i in store.all_ids().tolist() if i != gone)
    ids = [a.id for a in store.attachments_of(gone)]
    assert ids and store.search_ids("zyxwvutsonic")[0].tolist() == [gone]
    assert store.delete_papers([gone]) == 1
    assert store.attachments_of(gone) == [] and all(store.attachment(i) is None for i in ids)
    assert store.attachment_counts([gone, kept]).tolist() == [0, 1]
    assert store.fulltext_of(gone) == ""
    assert store.search_ids("zyxwvutsonic")[0].tolist() == []
    assert (PDF / "arxiv-stamped.pdf").is_file()
    store.close()


def test_merging_papers_keeps_their_files_and_full_text(tmp_path: Path) -> None:
    store = _store(tmp_path)
    import_paths(store, [PDF / "arxiv-stamped.pdf", PDF / "doi-metadata.pdf"])
    extract_fulltext(store)
    (a,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    (b,) = store.find_papers(Paper(title="x", doi="10.1371/journal.pbio.1001563"))
    store.merge(b, [a])
    assert sorted(x.name for x in store.attachments_of(b)) == [
        "arxiv-stamped.pdf", "doi-metadata.pdf",
    ]  # fmt: skip
    assert store.search_ids("zyxwvutsonic")[0].tolist() == [b]


def test_has_pdf_and_has_fulltext_filters(tmp_path: Path) -> None:
    store = _store(tmp_path)
    store.add_papers([Paper(title="A paper without any file at all", year=2020)])
    import_paths(store, [PDF / "arxiv-stamped.pdf", PDF / "no-text.pdf"])
    (stamped,) = store.find_papers(Paper(title="x", arxiv_id="2505.12345"))
    assert len(store.search_ids("has:pdf")[0]) == 2
    assert store.search_ids("has:fulltext")[0].tolist() == []
    extract_fulltext(store)
    assert store.search_ids("has:fulltext")[0].tolist() == [stamped]  # no-text.pdf has none
    assert len(store.search_ids("-has:pdf")[0]) == 1
