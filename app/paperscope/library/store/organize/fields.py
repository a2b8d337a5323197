"""SQL for what a researcher notes about a paper (reading status, a 1–5 rating, notes)
and for edits of the paper's own fields and of its source record's fields."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np

from paperscope.library.store._base import StoreBase
from paperscope.library.store.organize._common import _ids

STATUSES = ("unread", "reading", "read")
_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_\-:.+/]*")


def _column_value(paper: Any, column: str) -> Any:
    value = getattr(paper, column)
    return value if value not in ("", ()) else (() if column == "keywords" else None)


# The paper fields a user may edit (identity keys are recomputed for these).
EDITABLE = (
    "title", "authors", "abstract", "year", "date", "organisation", "arxiv_id", "doi", "url",
    "venue", "kind", "citation_key", "keywords",
)  # fmt: skip


class FieldsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def set_status(self, paper_ids: Sequence[int] | np.ndarray, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"unknown reading status {status!r}")
        self._set_column(paper_ids, "status", status)

    def set_rating(self, paper_ids: Sequence[int] | np.ndarray, rating: int | None) -> None:
        """1–5 stars, or ``None`` to clear."""
        if rating is not None and (isinstance(rating, bool) or not 1 <= int(rating) <= 5):
            raise ValueError(f"a rating is 1 to 5 (got {rating!r})")
        self._set_column(paper_ids, "rating", None if rating is None else int(rating))

    def set_notes(self, paper_id: int, notes: str) -> None:
        self._set_column([paper_id], "notes", notes)

    def _set_column(self, paper_ids: Sequence[int] | np.ndarray, column: str, value: Any) -> None:
        assert column in ("status", "rating", "notes")
        ids = {"id": _ids(paper_ids)}  # noqa: F841
        with self._write_lock:
            self.cursor().execute(
                f"UPDATE papers SET {column} = ?, modified_at = current_timestamp "
                "WHERE id IN (SELECT id FROM ids)",
                [value],
            )

    def update_paper(self, paper_id: int, **values: Any) -> None:
        """Edit a paper's own fields (see ``EDITABLE``); the identity keys and the text
        index follow."""
        from paperscope.library.dedup import paper_keys

        bad = set(values) - set(EDITABLE)
        if bad:
            raise ValueError(f"cannot edit {sorted(bad)}")
        if not values:
            return
        if "title" in values and not str(values["title"]).strip():
            raise ValueError("a paper needs a title")
        sets = []
        params: list[Any] = []
        for name, value in values.items():
            if name in ("authors", "keywords"):
                value = [str(v) for v in (value or ())]
            sets.append(f"{name} = TRY_CAST(? AS DATE)" if name == "date" else f"{name} = ?")
            params.append(value)
        with self._transaction() as cur:
            cur.execute(
                f"UPDATE papers SET {', '.join(sets)}, modified_at = current_timestamp "
                "WHERE id = ?",
                [*params, paper_id],
            )
            paper = self.papers([paper_id])
            if paper:
                cur.execute("DELETE FROM paper_keys WHERE paper_id = ?", [paper_id])
                for key in paper_keys(paper[0]):
                    cur.execute("INSERT INTO paper_keys VALUES (?, ?)", [key, paper_id])
            self.text_index.mark_changed(cur)
        self.text_index.papers_changed([paper_id])

    def set_field(self, paper_id: int, name: str, value: Any) -> Any:
        """Set one field of the paper's source record (``None`` or ``""`` removes it)
        and return the value it had (for undo). A column derived from that field (the
        venue from ``journal``, the year from ``year``…) follows, unless the column was
        edited apart from it."""
        from paperscope.core.fields import FORMAT, columns_of

        name = name.strip()
        if not _FIELD_NAME.fullmatch(name) or name == FORMAT:
            raise ValueError(f"not a field name: {name!r}")
        papers = self.papers([paper_id])
        if not papers:
            raise ValueError(f"no paper with id {paper_id}")
        paper = papers[0]
        fields = dict(paper.fields) or {FORMAT: "bibtex"}
        old = fields.get(name)
        if value in (None, ""):
            fields.pop(name, None)
        else:
            fields[name] = value
        before, after = columns_of(paper.fields or {FORMAT: "bibtex"}), columns_of(fields)
        follow = {
            c: after[c]
            for c in EDITABLE
            if c in after and after[c] != before[c] and before[c] == _column_value(paper, c)
        }
        with self._write_lock:
            self.cursor().execute(
                "UPDATE papers SET fields = CAST(? AS JSON), modified_at = current_timestamp "
                "WHERE id = ?",
                [json.dumps(fields), paper_id],
            )
        if follow:
            self.update_paper(paper_id, **follow)
        return old

    def paper_notes(self, paper_ids: Sequence[int] | np.ndarray) -> dict[int, str]:
        """The notes of these papers (papers without notes are left out)."""
        want = {"id": _ids(paper_ids)}  # noqa: F841
        return {
            int(r[0]): r[1]
            for r in self.cursor()
            .execute(
                "SELECT id, notes FROM papers WHERE id IN (SELECT id FROM want) AND notes <> ''"
            )
            .fetchall()
        }
