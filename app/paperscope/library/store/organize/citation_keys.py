"""SQL for citation keys: made once per paper, unique in the library, and kept."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperscope.library.store._base import StoreBase
from paperscope.library.store.organize._common import _ids


class CitationKeysMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def ensure_citation_keys(self, paper_ids: Sequence[int] | np.ndarray) -> int:
        """Give every one of these papers a citation key that no other paper in the
        library has (``vaswani2017attention``, then ``…b``, ``…c``), and keep it, so
        the next export uses the same key. Returns how many keys were made."""
        from paperscope.library.export import citation_key_base

        ids = _ids(paper_ids)
        want = {"id": ids}  # noqa: F841
        lacking = [
            int(r[0])
            for r in self.cursor()
            .execute(
                "SELECT id FROM papers WHERE id IN (SELECT id FROM want) "
                "AND coalesce(citation_key, '') = '' ORDER BY id"
            )
            .fetchall()
        ]
        if not lacking:
            return 0
        taken = {
            str(r[0]).lower()
            for r in self.cursor()
            .execute("SELECT citation_key FROM papers WHERE citation_key IS NOT NULL")
            .fetchall()
        }
        papers = self.papers(lacking)
        new_keys: list[str] = []
        for p in papers:
            base = citation_key_base(p)
            key, n = base, 1
            while key.lower() in taken:
                n += 1
                key = base + (chr(ord("a") + n - 1) if n <= 26 else str(n))
            taken.add(key.lower())
            new_keys.append(key)
        fill = {  # noqa: F841
            "id": np.array(lacking, dtype=np.int64),
            "key": np.array(new_keys, dtype=object),
        }
        with self._write_lock:
            self.cursor().execute(
                "UPDATE papers SET citation_key = f.key FROM fill f WHERE papers.id = f.id"
            )
        return len(new_keys)
