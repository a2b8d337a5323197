"""SQL for removing papers with everything that hangs on them."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from paperscope.library.store._base import StoreBase
from paperscope.library.store.organize._common import _ids


class DeletionMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def delete_papers(self, paper_ids: Sequence[int] | np.ndarray) -> int:
        """Remove papers with their keys, tags, collection memberships and run links
        (the run files stay), one transaction; their reported results are kept,
        matched to no paper. Returns how many were removed."""
        ids = {"id": _ids(paper_ids)}
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT count(*) FROM papers WHERE id IN (SELECT id FROM ids)"
            ).fetchone()
            for table in ("paper_keys", "paper_tags", "collection_papers", "run_links"):
                cur.execute(f"DELETE FROM {table} WHERE paper_id IN (SELECT id FROM ids)")
            # a deleted paper's reported results stay, matched to no paper (the
            # file's record names the paper: it matches again if re-imported)
            cur.execute(
                "UPDATE reported_results SET paper_id = NULL WHERE paper_id IN (SELECT id FROM ids)"
            )
            cur.execute("DELETE FROM papers WHERE id IN (SELECT id FROM ids)")
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed([int(i) for i in ids["id"]])
        return int(row[0]) if row else 0
