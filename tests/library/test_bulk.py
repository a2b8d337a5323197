"""The bulk path for big arXiv snapshots: DuckDB's JSON reader straight into the store.
Checked against the record-by-record reader on the real head-200 file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.library.dedup import paper_keys
from paperscope.library.store import Store
from paperscope.readers import registry
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from typing import Any

    from paperscope.core.records import Paper
    from paperscope.library.store import ImportSummary

SNAPSHOT = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"


def reader_papers() -> list[Paper]:
    return registry.get("arxiv-kaggle-snapshot").read(SNAPSHOT, no_progress, CancelToken()).papers


def test_bulk_import_matches_the_reader_field_by_field_and_key_by_key(store: Store) -> None:
    summary = store.import_arxiv_snapshot(SNAPSHOT)
    assert (summary.added, summary.merged, summary.skipped) == (200, 0, 0)
    stored = {
        p.arxiv_id: (pid, p)
        for pid, p in zip(store.all_ids(), store.papers(store.all_ids()), strict=True)
    }
    for ref in reader_papers():
        pid, got = stored[ref.arxiv_id]
        assert got.authors == ref.authors
        assert (got.date, got.year, got.doi, got.venue, got.kind) == (
            ref.date, ref.year, ref.doi, ref.venue, ref.kind,
        )  # fmt: skip
        assert got.extra["categories"] == ref.extra["categories"]
        if not set("\\{}~") & set(got.title):  # the bulk path keeps TeX in titles as written
            assert got.title == ref.title
        keys = {
            r[0]
            for r in store.execute(
                "SELECT key FROM paper_keys WHERE paper_id = ?", [int(pid)]
            ).fetchall()
        }
        assert keys == set(paper_keys(ref)), ref.arxiv_id
    assert sum(1 for _, p in stored.values() if "\\" in p.title) == 5


def test_bulk_after_the_reader_merges_everything_and_twice_too(store: Store) -> None:
    store.add_papers(reader_papers()[:50])
    summary = store.import_arxiv_snapshot(SNAPSHOT)
    assert (summary.added, summary.merged) == (150, 50)
    again = store.import_arxiv_snapshot(SNAPSHOT)
    assert (again.added, again.merged) == (0, 200)
    assert store.paper_count() == 200
    assert len(store.search_ids("diphoton ")[0]) == 1  # the text index followed


def test_bulk_fills_only_what_stored_papers_lack_and_leaves_the_rest_untouched(
    store: Store, tmp_path: Path
) -> None:
    """A re-import fills the gaps of the papers it meets and rewrites no other row (their
    ``modified_at`` stays: rewriting every row met again made re-importing 100k papers
    take four times as long as the first import)."""
    from dataclasses import replace

    refs = reader_papers()[:20]
    lacking = [replace(p, abstract="", doi=None) if i % 4 == 0 else p for i, p in enumerate(refs)]
    store.add_papers(lacking)

    def stamps() -> dict[str, tuple[Any, ...]]:
        rows = store.execute("SELECT arxiv_id, modified_at, abstract, doi FROM papers").fetchall()
        return {r[0]: tuple(r[1:]) for r in rows}

    with Store(tmp_path / "bulk-only.duckdb") as fresh:  # what the bulk path stores
        fresh.import_arxiv_snapshot(SNAPSHOT)
        bulk = {
            r[0]: r[1:]
            for r in fresh.execute("SELECT arxiv_id, abstract, doi FROM papers").fetchall()
        }
    before = stamps()
    store.import_arxiv_snapshot(SNAPSHOT)
    after = stamps()
    for i, ref in enumerate(refs):
        then, now = before[ref.arxiv_id], after[ref.arxiv_id]
        if i % 4 == 0:  # the abstract (and the DOI where the snapshot has one) filled
            assert now[1:] == bulk[ref.arxiv_id] and now[1]
            assert now[0] >= then[0]
        else:
            assert now == then, ref.arxiv_id


def test_broken_lines_are_reported_and_the_rest_imported(store: Store, tmp_path: Path) -> None:
    lines = SNAPSHOT.read_text().splitlines()[:10]
    lines[2] = '{"id": "0704.0003", "title": "cut off'
    lines.insert(5, "")
    lines[7] = "[1, 2, 3]"
    path = tmp_path / "broken.jsonl"
    path.write_text("\n".join(lines) + "\n")
    summary = store.import_arxiv_snapshot(path)
    assert summary.added == 8
    assert [(i.location, i.severity) for i in summary.issues] == [
        ("line 3", "skipped"),
        ("line 8", "skipped"),
    ]
    assert summary.skipped == 2


def test_unreadable_file_changes_nothing(store: Store, tmp_path: Path) -> None:
    store.import_arxiv_snapshot(SNAPSHOT)
    path = tmp_path / "not.jsonl"
    path.write_bytes(b"\x00\x01 nothing like json")
    before = store.paper_count()
    with pytest.raises(ReadError):
        store.import_arxiv_snapshot(path)
    assert store.paper_count() == before


def test_import_workflow_takes_the_bulk_path_for_big_files(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = registry.get("arxiv-kaggle-snapshot")
    calls: list[Path] = []
    real = Store.import_arxiv_snapshot

    def spy(self: Store, path: Path, *args: Any, **kwargs: Any) -> ImportSummary:
        calls.append(path)
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(reader, "bulk_min_bytes", 1000)
    monkeypatch.setattr(Store, "import_arxiv_snapshot", spy)
    summary = import_paths(store, [SNAPSHOT])
    assert calls == [SNAPSHOT]
    assert summary.line() == "added 200, merged 0, skipped 0"
