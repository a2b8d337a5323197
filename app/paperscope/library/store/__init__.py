"""The library store: one DuckDB file, the only place in PaperScope that speaks SQL.

Schema changes are numbered SQL files in ``migrations/`` applied in order inside one
transaction each; ``schema_version`` records which ones ran. DuckDB wants a cursor per
thread, so :meth:`Store.cursor` hands each thread its own.

Area-specific SQL lives in sibling modules of this package as mixins (``papers.py``
...), so the store stays the one SQL speaker without becoming one huge file.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import duckdb

from paperscope.library.store import _pandas_guard
from paperscope.library.store.attachments import AttachmentsMixin
from paperscope.library.store.bulk import BulkMixin
from paperscope.library.store.maps import MapsMixin
from paperscope.library.store.merging import MergeMixin
from paperscope.library.store.organize import OrganizeMixin
from paperscope.library.store.papers import PapersMixin
from paperscope.library.store.results import ResultsMixin
from paperscope.library.store.searching import SearchMixin
from paperscope.library.store.vectors import VectorsMixin


class VersionedLock:
    """The store's write lock; every time a writer lets go, ``version`` goes up, so
    caches of query results (search filters) know the library may have changed."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self.version = 0

    def __enter__(self) -> VersionedLock:
        self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.version += 1
        self._lock.release()


class LibraryError(Exception):
    """A library file could not be used; the message is meant for the user."""


class LibraryLocked(LibraryError):
    """Another process holds the library open for writing."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        who = f"another process (PID {pid})" if pid else "another process"
        super().__init__(
            f"The library {path} is already open in {who}, probably another PaperScope "
            "window. Close it there first, or use --library to open a different library."
        )


def _migrations() -> list[tuple[int, str, str]]:
    found = []
    # a plain folder next to this file (importlib.resources would need the folder to be a
    # package, which a frozen app may not keep)
    for entry in sorted((Path(__file__).resolve().parent / "migrations").glob("*.sql")):
        m = re.match(r"(\d{4})_(\w+)\.sql$", entry.name)
        if m:
            found.append((int(m.group(1)), m.group(2), entry.read_text(encoding="utf-8")))
    found.sort()
    return found


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
    OrganizeMixin,
    BulkMixin,
    VectorsMixin,
    MapsMixin,
    ResultsMixin,
    AttachmentsMixin,
    PapersMixin,
):
    """A PaperScope library file.

    Parameters
    ----------
    path:
        The DuckDB file; created (with its folder) when missing. ``":memory:"`` works too.
    read_only:
        Open without taking the write lock (fails if a writer holds it).
    """

    def __init__(self, path: Path | str, read_only: bool = False) -> None:
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self.read_only = read_only
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            text = str(exc)
            if "lock" in text.lower():
                pid = re.search(r"PID (\d+)", text)
                raise LibraryLocked(self.path, int(pid.group(1)) if pid else None) from None
            raise LibraryError(f"The library {path} could not be opened: {text}") from None
        except duckdb.Error as exc:
            raise LibraryError(f"The library {path} is not a PaperScope library: {exc}") from None
        _pandas_guard.prime(self._con)  # (before any bound parameter: see the module)
        self._local = threading.local()
        self._write_lock = VersionedLock()
        self._closed = False
        if not read_only:
            self._migrate()

    # -- connection ------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (DuckDB connections are not shared between threads)."""
        if self._closed:
            raise LibraryError("the library is closed")
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.close_text_index()
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------------
    def schema_version(self) -> int:
        cur = self.cursor()
        exists = cur.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'"
        ).fetchone()
        if not exists or not exists[0]:
            return 0
        row = cur.execute("SELECT max(version) FROM schema_version").fetchone()
        return int(row[0]) if row and row[0] is not None else 0

    def _migrate(self) -> None:
        cur = self.cursor()
        cur.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version INTEGER PRIMARY KEY, name VARCHAR,"
            " applied_at TIMESTAMP DEFAULT current_timestamp)"
        )
        done = {int(r[0]) for r in cur.execute("SELECT version FROM schema_version").fetchall()}
        applied = False
        for version, name, sql in _migrations():
            if version in done:
                continue
            applied = True
            cur.execute("BEGIN TRANSACTION")
            try:
                cur.execute(sql)
                cur.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name]
                )
                cur.execute("COMMIT")
            except Exception:
                cur.execute("ROLLBACK")
                raise
        if applied:
            # Move the new schema out of the write-ahead log at once: DuckDB 1.5 cannot
            # replay a WAL holding CREATE TABLE … DEFAULT nextval(…) after a crash
            # ("GetDefaultDatabase with no default database set"), which would leave the
            # library unopenable if the process died before its first checkpoint.
            cur.execute("CHECKPOINT")

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        """Run one statement on this thread's cursor (for the store's own mixins)."""
        return (
            self.cursor().execute(sql, params) if params is not None else self.cursor().execute(sql)
        )
