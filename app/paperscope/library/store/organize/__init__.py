"""SQL for what a researcher does with papers, one module per topic, each a mixin of
:class:`paperscope.library.store.Store`: ``tags.py`` (coloured, ordered so the number
keys can toggle the first nine), ``fields.py`` (reading status, a 1–5 rating, notes, and
edits of the paper's fields and of its source record's fields), ``collections.py``
(hand-made, or saved searches = smart collections), ``citation_keys.py`` (made once,
unique, kept) and ``deletion.py`` (removing papers with what hangs on them)."""

from __future__ import annotations

from paperscope.library.store.organize.citation_keys import CitationKeysMixin
from paperscope.library.store.organize.collections import Collection, CollectionsMixin
from paperscope.library.store.organize.deletion import DeletionMixin
from paperscope.library.store.organize.fields import EDITABLE, STATUSES, FieldsMixin
from paperscope.library.store.organize.tags import DEFAULT_COLORS, Tag, TagsMixin

__all__ = [
    "DEFAULT_COLORS",
    "EDITABLE",
    "STATUSES",
    "CitationKeysMixin",
    "Collection",
    "CollectionsMixin",
    "DeletionMixin",
    "FieldsMixin",
    "Tag",
    "TagsMixin",
]
