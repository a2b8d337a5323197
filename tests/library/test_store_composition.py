"""How the store is put together: the text index is a component the store calls
where papers change (not a hook that works only in one order of the mixins), and every
write runs in one ``_transaction`` that rolls back on any exception, interrupts included."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.records import Paper
from paperscope.library.store import Store
from paperscope.library.store._base import StoreBase
from paperscope.library.store.papers import PapersMixin
from paperscope.library.store.searching import SearchMixin
from paperscope.library.store.text_index import TextIndex
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS, TEST_DATA

ATOM = TEST_DATA / "papers" / "arxiv-query.atom"
SNAPSHOT = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"

# the same store with its mixins in the opposite order (PapersMixin first)
ReorderedStore = type("ReorderedStore", tuple(reversed(Store.__bases__)), {})


def test_store_is_its_mixins_over_one_base() -> None:
    """``Store`` adds nothing to its bases, so ``ReorderedStore`` is the same store
    with another method resolution order; every mixin sees the one ``StoreBase``."""
    own = [k for k, v in vars(Store).items() if inspect.isfunction(v) or isinstance(v, property)]
    assert own == []
    assert all(issubclass(b, StoreBase) for b in Store.__bases__)
    mro = ReorderedStore.__mro__
    assert mro.index(PapersMixin) < mro.index(SearchMixin) < mro.index(StoreBase)
    assert Store.__mro__.index(SearchMixin) < Store.__mro__.index(PapersMixin)


def hits(store: Store, query: str) -> list[int]:
    return [int(i) for i in store.search_ids(query)[0]]


@contextmanager
def indexed_at_once(store: Store) -> Iterator[None]:
    """The block changes paper text: the library's text generation moves (so an index
    that missed the change would know) and the index is current as soon as the block
    ends (updated in place, not left for a rebuild on the next search)."""
    generation = store.text_generation()
    yield
    assert store.text_generation() > generation
    assert store.text_index_current()


@pytest.mark.parametrize("kind", [Store, ReorderedStore], ids=["store", "reordered"])
def test_text_index_follows_every_change_in_any_mixin_order(
    kind: type[Store], tmp_path: Path
) -> None:
    """Every change of paper text reaches the index at once, and a search finds it."""
    store = kind(tmp_path / "lib.duckdb")
    try:
        assert isinstance(store.text_index, TextIndex)
        assert hits(store, "flow ") == []
        # import (record by record)
        with indexed_at_once(store):
            import_paths(store, [ATOM])
        (flow,) = store.find_papers(Paper("x", arxiv_id="2210.02747"))
        (attention,) = store.find_papers(Paper("x", arxiv_id="1706.03762"))
        assert hits(store, "title:flow ") == [flow]
        assert hits(store, "diphoton ") == []
        # import (the bulk path for big arXiv snapshots)
        with indexed_at_once(store):
            store.import_arxiv_snapshot(SNAPSHOT)
        assert len(hits(store, "diphoton ")) == 1
        # edit
        with indexed_at_once(store):
            store.update_paper(flow, title="Zyzzogeton matching for generative modelling")
        assert hits(store, "zyzzogeton ") == [flow]
        assert flow not in hits(store, "title:flow ")
        # merge and its undo
        store.update_paper(attention, abstract="Quokkanomics of attention.")
        with indexed_at_once(store):
            mid = store.merge(flow, [attention], {"abstract": attention})
        assert hits(store, "quokkanomics ") == [flow]  # the kept paper took that abstract
        assert attention not in hits(store, '"attention is all you need" ')
        with indexed_at_once(store):
            store.undo_merge(mid)
        assert hits(store, "quokkanomics ") == [attention]
        assert hits(store, '"attention is all you need" ') == [attention]
        # delete
        with indexed_at_once(store):
            assert store.delete_papers([flow]) == 1
        assert hits(store, "zyzzogeton ") == []
    finally:
        store.close()
    # what was written reached the index file: a fresh store needs no rebuild
    with kind(tmp_path / "lib.duckdb") as again:
        assert again.ensure_text_index() is False
        assert hits(again, "quokkanomics ") == [attention]


class Interrupt(BaseException):
    """Stands in for KeyboardInterrupt (which pytest would take as the user's)."""


def test_a_transaction_rolls_back_on_any_exception(store: Store) -> None:
    import_paths(store, [ATOM])
    (flow,) = store.find_papers(Paper("x", arxiv_id="2210.02747"))
    version = store._write_lock.version
    for error in (ValueError("no"), Interrupt()):
        with pytest.raises(type(error)), store._transaction() as cur:
            cur.execute("DELETE FROM papers WHERE id = ?", [flow])
            assert cur.execute("SELECT count(*) FROM papers").fetchone() == (3,)
            raise error
        assert store.paper_count() == 4
    assert store._write_lock.version == version + 2  # the lock was taken and let go
    with store._transaction() as cur:
        cur.execute("DELETE FROM paper_keys WHERE paper_id = ?", [flow])
    assert store.find_papers(Paper("x", arxiv_id="2210.02747")) == []


def test_an_interrupted_import_leaves_library_and_index_as_they_were(store: Store) -> None:
    import_paths(store, [ATOM])
    before = store.all_ids()

    def interrupt(fraction: float, _text: str) -> None:
        if fraction >= 0.7:  # after the new papers are written, before the commit
            raise Interrupt()

    with pytest.raises(Interrupt):
        store.import_arxiv_snapshot(SNAPSHOT, progress=interrupt)
    assert np.array_equal(store.all_ids(), before)
    assert hits(store, "diphoton ") == []
    assert store.text_index_current()
