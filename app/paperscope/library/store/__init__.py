"""The library store: one DuckDB file, the only place in PaperScope that speaks SQL.

Schema changes are numbered SQL files in ``migrations/`` applied in order inside one
transaction each; ``schema_version`` records which ones ran. DuckDB wants a cursor per
thread, so :meth:`Store.cursor` hands each thread its own.

:class:`~paperscope.library.store._base.StoreBase` holds the connection, the write lock,
the transaction and the text index; area-specific SQL lives in sibling modules of this
package as mixins over it (``papers.py`` ...), so the store stays the one SQL speaker
without becoming one huge file.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from paperscope.library.store._base import (
    LibraryError,
    LibraryLocked,
    StoreBase,
    _migrations,
    derived_paths,
)
from paperscope.library.store._transaction import VersionedLock
from paperscope.library.store.attachments import AttachmentsMixin
from paperscope.library.store.bulk import BulkMixin
from paperscope.library.store.mappings import MappingsMixin
from paperscope.library.store.maps import MapsMixin
from paperscope.library.store.merging import MergeMixin
from paperscope.library.store.organize import (
    CitationKeysMixin,
    CollectionsMixin,
    DeletionMixin,
    FieldsMixin,
    TagsMixin,
)
from paperscope.library.store.papers import PapersMixin
from paperscope.library.store.results import ResultsMixin
from paperscope.library.store.searching import SearchMixin
from paperscope.library.store.similar import ExactSimilarMixin
from paperscope.library.store.vectors import VectorsMixin

__all__ = [
    "LibraryError",
    "LibraryLocked",
    "Store",
    "StoreBase",
    "VersionedLock",
    "_migrations",
    "derived_paths",
    "fts_extension_path",
]


def fts_extension_path() -> Path:
    """The DuckDB full-text-search extension shipped in ``duckdb-extension-fts``."""
    import duckdb_extension_fts

    base = Path(duckdb_extension_fts.__file__).parent / "extensions"
    hits = sorted(base.glob(f"v{duckdb.__version__}/fts.duckdb_extension"))
    if not hits:
        raise LibraryError(f"the DuckDB fts extension for DuckDB {duckdb.__version__} is missing")
    return hits[0]


class Store(
    SearchMixin,
    MergeMixin,
    TagsMixin,
    FieldsMixin,
    CollectionsMixin,
    CitationKeysMixin,
    DeletionMixin,
    BulkMixin,
    VectorsMixin,
    MapsMixin,
    ExactSimilarMixin,
    ResultsMixin,
    AttachmentsMixin,
    MappingsMixin,
    PapersMixin,
):
    """A PaperScope library file: :class:`StoreBase` (the connection, the write lock,
    transactions, the text index; its docstring has the parameters) and the mixins of
    each area. It adds nothing of its own, so the order of the mixins does not matter
    (``tests/library/test_store_composition.py`` checks the reversed order)."""
