"""A new demo library replaces the older one with everything derived from it."""

from __future__ import annotations

from pathlib import Path

from paperscope.library.store import Store, derived_paths
from paperscope.workflows.open import create_demo_library


def test_a_new_demo_leaves_nothing_of_the_older_ones_derived_files(tmp_path: Path) -> None:
    path = create_demo_library(tmp_path / "demo.duckdb")
    with Store(path) as store:
        store.ensure_text_index()
        assert store.ensure_term_index(minimum=0)
        folder = store.vector_files_dir()
        assert folder is not None
        folder.mkdir()
        (folder / "old.f32").write_bytes(b"\0" * 16)
    derived = derived_paths(path)
    assert {p.name for p in derived if p.exists()} >= {
        "demo.duckdb.search.sqlite", "demo.duckdb.search.sqlite.terms", "demo.duckdb.vectors"
    }  # fmt: skip
    again = create_demo_library(path)
    # only what the new demo's own import wrote: a fresh text index, no postings, no map
    assert not any(p.exists() for p in derived if p.is_dir())
    with Store(again) as store:
        assert store.paper_count() == 79 and not store.term_index_current()
