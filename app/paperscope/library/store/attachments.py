"""Attachments: the files (PDFs) that belong to papers, and their full text.

One row per file and paper (``attachments``, migration 0080): where the file is, whether
it was there when last looked at (``ok`` / ``missing``), what reading it found (a
note), where the path came from (the record's own ``file`` field, or an import), and
the text read from it in the background. The text feeds the search index's
``fulltext`` column (see ``text_index.py``): writing it bumps the text generation like
any other change of paper text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.records import Attachment
from paperscope.library.store._base import StoreBase

_COLUMNS = "id, paper_id, path, kind, status, note, origin, written, text_extracted"
# rows of papers still in the library (deleting a paper deletes its rows too; this also
# keeps out rows left by libraries written before that)
_LIVE = "paper_id IN (SELECT id FROM papers)"


@dataclass(frozen=True, slots=True)
class StoredAttachment:
    id: int
    paper_id: int
    path: str
    kind: str
    status: str  # "ok" | "missing"
    note: str
    origin: str  # "record" | "import"
    written: str  # the path as the source record wrote it ("" for an import)
    text_extracted: bool

    @property
    def name(self) -> str:
        return Path(self.path).name

    def exists(self) -> bool:
        try:
            return os.path.isfile(self.path)
        except (OSError, ValueError):
            return False


def _row(r: Sequence[Any]) -> StoredAttachment:
    return StoredAttachment(
        int(r[0]), int(r[1]), str(r[2]), str(r[3]), str(r[4]), str(r[5]), str(r[6]),
        str(r[7]), bool(r[8]),
    )  # fmt: skip


class AttachmentsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- writing -------------------------------------------------------------------------
    def add_attachments(self, items: Sequence[tuple[int, Attachment]]) -> list[int]:
        """Attach files to papers: (paper id, attachment) pairs, in one transaction. A
        file already attached to the same paper is not added twice (its status and
        note are refreshed). Returns the ids, in the order given."""
        if not items:
            return []
        rows = {  # scanned by DuckDB by name
            "k": np.arange(len(items), dtype=np.int64),
            "paper_id": np.array([int(p) for p, _ in items], dtype=np.int64),
            "path": np.array([a.path for _, a in items], dtype=object),
            "kind": np.array([a.kind for _, a in items], dtype=object),
            "status": np.array([a.status for _, a in items], dtype=object),
            "note": np.array([a.note for _, a in items], dtype=object),
            "origin": np.array([a.origin for _, a in items], dtype=object),
            "written": np.array([a.written for _, a in items], dtype=object),
        }
        with self._transaction() as cur:
            cur.register("new_attachments", rows)
            try:
                cur.execute(
                    "UPDATE attachments a SET status = n.status, note = n.note "
                    "FROM new_attachments n WHERE a.paper_id = n.paper_id AND a.path = n.path"
                )
                cur.execute(
                    "INSERT INTO attachments (paper_id, path, kind, status, note, origin, written) "
                    "SELECT paper_id, path, any_value(kind), any_value(status), any_value(note), "
                    "any_value(origin), any_value(written) FROM new_attachments n "
                    "WHERE NOT EXISTS (SELECT 1 FROM attachments a "
                    "WHERE a.paper_id = n.paper_id AND a.path = n.path) "
                    "GROUP BY paper_id, path ORDER BY min(k)"
                )
                got = cur.execute(
                    "SELECT n.k, min(a.id) FROM new_attachments n JOIN attachments a "
                    "ON a.paper_id = n.paper_id AND a.path = n.path GROUP BY n.k ORDER BY n.k"
                ).fetchall()
            finally:
                cur.unregister("new_attachments")
        return [int(r[1]) for r in got]

    def remove_attachment(self, attachment_id: int) -> None:
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT paper_id FROM attachments WHERE id = ?", [int(attachment_id)]
            ).fetchone()
            cur.execute("DELETE FROM attachments WHERE id = ?", [int(attachment_id)])
            self.text_index.mark_changed(cur)
        if row:
            self.text_index.papers_changed([int(row[0])])

    def relink_attachment(self, attachment_id: int, new_path: Path) -> list[int]:
        """Point a (missing) attachment at ``new_path``; every other missing
        attachment that lay in the same folder is looked for in the new folder and
        relinked when its file is there. Returns the ids relinked."""
        old = self.attachment(attachment_id)
        if old is None:
            return []
        new_path = Path(new_path)
        old_dir = _parent(old.path)
        new_dir = str(new_path.parent)
        changes: list[tuple[str, int]] = [(str(new_path), old.id)]
        for a in self.missing_attachments():
            if a.id != old.id and _parent(a.path) == old_dir:
                candidate = Path(new_dir) / _basename(a.path)
                if candidate.is_file():
                    changes.append((str(candidate), a.id))
        papers = sorted({a.paper_id for a in self.attachments_by_id([aid for _, aid in changes])})
        with self._transaction() as cur:
            for path, aid in changes:
                cur.execute(
                    "UPDATE attachments SET path = ?, status = 'ok', note = '', written = '', "
                    "text_extracted = false, fulltext = NULL WHERE id = ?",
                    [path, aid],
                )
            self.text_index.mark_changed(cur)  # their old text is dropped until read again
        self.text_index.papers_changed(papers)
        return [aid for _, aid in changes]

    def set_attachment_text(self, attachment_id: int, text: str | None, note: str = "") -> None:
        """Store the text read from a file (``None``: reading it failed; ``note``
        says why) and bring the search index up to date for its paper."""
        self.set_attachment_texts([(attachment_id, text, note)])

    def set_attachment_texts(self, items: Sequence[tuple[int, str | None, str]]) -> None:
        """:meth:`set_attachment_text` for several files in one transaction."""
        if not items:
            return
        ids = [int(i) for i, _, _ in items]
        with self._transaction() as cur:
            papers = [
                int(r[0])
                for r in cur.execute(
                    "SELECT DISTINCT paper_id FROM attachments WHERE id IN (SELECT unnest(?))",
                    [ids],
                ).fetchall()
            ]
            for aid, text, note in items:
                cur.execute(
                    "UPDATE attachments SET fulltext = ?, text_extracted = true, "
                    "note = CASE WHEN ? = '' THEN note ELSE ? END WHERE id = ?",
                    [text, note, note, int(aid)],
                )
            self.text_index.mark_changed(cur)
        if papers:
            self.text_index.papers_changed(papers)

    def set_attachment_status(self, attachment_id: int, status: str, note: str = "") -> None:
        with self._write_lock:
            self.cursor().execute(
                "UPDATE attachments SET status = ?, note = ? WHERE id = ?",
                [status, note, int(attachment_id)],
            )

    # -- reading -------------------------------------------------------------------------
    def attachment(self, attachment_id: int) -> StoredAttachment | None:
        row = (
            self.cursor()
            .execute(f"SELECT {_COLUMNS} FROM attachments WHERE id = ?", [int(attachment_id)])
            .fetchone()
        )
        return _row(row) if row else None

    def attachments_by_id(self, attachment_ids: Sequence[int]) -> list[StoredAttachment]:
        ids = [int(i) for i in attachment_ids]
        if not ids:
            return []
        rows = (
            self.cursor()
            .execute(
                f"SELECT {_COLUMNS} FROM attachments WHERE id IN (SELECT unnest(?)) ORDER BY id",
                [ids],
            )
            .fetchall()
        )
        return [_row(r) for r in rows]

    def attachments_of(self, paper_id: int) -> list[StoredAttachment]:
        rows = (
            self.cursor()
            .execute(
                f"SELECT {_COLUMNS} FROM attachments WHERE paper_id = ? ORDER BY id",
                [int(paper_id)],
            )
            .fetchall()
        )
        return [_row(r) for r in rows]

    def attachments_for(self, paper_ids: Iterable[int]) -> dict[int, list[StoredAttachment]]:
        ids = [int(i) for i in paper_ids]
        out: dict[int, list[StoredAttachment]] = {i: [] for i in ids}
        if not ids:
            return out
        rows = (
            self.cursor()
            .execute(
                f"SELECT {_COLUMNS} FROM attachments WHERE paper_id IN (SELECT unnest(?)) "
                "ORDER BY id",
                [ids],
            )
            .fetchall()
        )
        for r in rows:
            out.setdefault(int(r[1]), []).append(_row(r))
        return out

    def attachment_counts(self, paper_ids: Sequence[int]) -> np.ndarray:
        """How many files each paper has (the table's paperclip column)."""
        ids = [int(i) for i in paper_ids]
        if not ids:
            return np.zeros(0, dtype=np.int64)
        rows = dict(
            self.cursor()
            .execute(
                "SELECT paper_id, count(*) FROM attachments "
                "WHERE paper_id IN (SELECT unnest(?)) GROUP BY paper_id",
                [ids],
            )
            .fetchall()
        )
        return np.array([int(rows.get(i, 0)) for i in ids], dtype=np.int64)

    def missing_attachments(self) -> list[StoredAttachment]:
        rows = (
            self.cursor()
            .execute(
                f"SELECT {_COLUMNS} FROM attachments WHERE status = 'missing' AND {_LIVE} "
                "ORDER BY id"
            )
            .fetchall()
        )
        return [_row(r) for r in rows]

    def pending_text(self, limit: int = 100) -> list[StoredAttachment]:
        """Attachments whose text has not been read yet (present files only)."""
        rows = (
            self.cursor()
            .execute(
                f"SELECT {_COLUMNS} FROM attachments WHERE status = 'ok' "
                f"AND NOT text_extracted AND kind = 'pdf' AND {_LIVE} ORDER BY id LIMIT ?",
                [int(limit)],
            )
            .fetchall()
        )
        return [_row(r) for r in rows]

    def pending_text_count(self) -> int:
        row = (
            self.cursor()
            .execute(
                "SELECT count(*) FROM attachments WHERE status = 'ok' "
                f"AND NOT text_extracted AND kind = 'pdf' AND {_LIVE}"
            )
            .fetchone()
        )
        return int(row[0]) if row else 0

    def fulltext_of(self, paper_id: int) -> str:
        row = (
            self.cursor()
            .execute(
                "SELECT string_agg(fulltext, chr(10) ORDER BY id) FROM attachments "
                "WHERE paper_id = ? AND fulltext IS NOT NULL",
                [int(paper_id)],
            )
            .fetchone()
        )
        return str(row[0]) if row and row[0] else ""

    def match_keys(self, keys: Sequence[Sequence[str]], titles: Sequence[str]) -> list[int | None]:
        """For each paper (its lookup keys and its normalised title), the stored
        paper it is: the lowest id sharing a key, else the lowest id with that
        normalised title (any authors, any year), else ``None``. Two queries for all."""
        cur = self.cursor()
        wanted = sorted({k for ks in keys for k in ks})
        by_key: dict[str, int] = {}
        if wanted:
            by_key = {
                str(k): int(pid)
                for k, pid in cur.execute(
                    "SELECT key, min(paper_id) FROM paper_keys WHERE key IN (SELECT unnest(?)) "
                    "GROUP BY key",
                    [wanted],
                ).fetchall()
            }
        long_titles = sorted({t for t in titles if len(t) >= 8})
        by_title: dict[str, int] = {}
        if long_titles:
            by_title = {
                str(t): int(pid)
                for t, pid in cur.execute(
                    "SELECT split_part(substr(key, 7), '|', 1) AS t, min(paper_id) FROM paper_keys "
                    "WHERE starts_with(key, 'title:') AND t IN (SELECT unnest(?)) GROUP BY t",
                    [long_titles],
                ).fetchall()
            }
        out: list[int | None] = []
        for ks, t in zip(keys, titles, strict=True):
            hits = [by_key[k] for k in ks if k in by_key]
            out.append(min(hits) if hits else by_title.get(t))
        return out

    def papers_with_files(self, paths: Sequence[str]) -> dict[str, int]:
        """The paper each of these files is already attached to (the lowest id)."""
        if not paths:
            return {}
        rows = (
            self.cursor()
            .execute(
                "SELECT path, min(paper_id) FROM attachments WHERE path IN (SELECT unnest(?)) "
                f"AND {_LIVE} GROUP BY path",
                [sorted(set(paths))],
            )
            .fetchall()
        )
        return {str(p): int(i) for p, i in rows}

    def papers_with_title(self, normalised: str) -> list[int]:
        """Papers whose normalised title (``dedup.normalised_title``) is this one,
        whatever their authors and year."""
        if len(normalised) < 8:
            return []
        rows = (
            self.cursor()
            .execute(
                "SELECT DISTINCT paper_id FROM paper_keys WHERE starts_with(key, ?) ORDER BY 1",
                [f"title:{normalised}|"],
            )
            .fetchall()
        )
        return [int(r[0]) for r in rows]


def _parent(path: str) -> str:
    """The folder of a path written on any system (``/`` or ``\\``)."""
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[:cut] if cut >= 0 else ""


def _basename(path: str) -> str:
    cut = max(path.rfind("/"), path.rfind("\\"))
    return path[cut + 1 :]
