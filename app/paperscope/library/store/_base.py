"""What every part of the store shares: the DuckDB connection with a cursor per thread,
the write lock, the one way to run a write transaction, the schema migrations, and the
derived text index. Each mixin of :class:`paperscope.library.store.Store` derives from
:class:`StoreBase`, so this comes last in the store's method resolution order whatever
order the mixins are listed in."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import duckdb

from paperscope.library.store import _pandas_guard
from paperscope.library.store._transaction import VersionedLock, transaction
from paperscope.library.store.text_index import TextIndex, terms_folder_of

if TYPE_CHECKING:
    import numpy as np

    from paperscope.core.records import Paper


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


def text_index_path_of(library: Path) -> Path:
    """The FTS5 side index of the library file ``library``."""
    return library.with_name(library.name + ".search.sqlite")


def vector_files_of(library: Path) -> Path:
    """The folder of the library's memory-mapped vectors."""
    return library.with_name(library.name + ".vectors")


def derived_paths(library: Path) -> list[Path]:
    """Every side file and folder the store derives from the library file ``library``
    (the text index with its WAL, the word postings, the vectors' map): what goes when
    the library is replaced by another."""
    index = text_index_path_of(library)
    return [index, index.with_name(index.name + "-wal"), index.with_name(index.name + "-shm"),
            terms_folder_of(index), vector_files_of(library)]  # fmt: skip


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


class StoreBase:
    """A PaperScope library file.

    Parameters
    ----------
    path:
        The DuckDB file; created (with its folder) when missing. ``":memory:"`` works too.
    read_only:
        Open without taking the write lock (fails if a writer holds it).
    """

    path: Path
    read_only: bool
    text_index: TextIndex  # derived from the papers; see text_index.py
    _write_lock: VersionedLock

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
        self.text_index = TextIndex(
            self.text_index_path(), self.cursor, self._write_lock, read_only
        )
        if not read_only:
            self._migrate()

    # -- connection ------------------------------------------------------------------
    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (DuckDB connections are not shared between threads)."""
        if self._closed:
            raise LibraryError("the library is closed")
        cur: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cur is None:
            cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    @property
    def write_version(self) -> int:
        """Goes up each time a writer lets go of the write lock: what was read under an
        older value may have changed since (the table's fetched rows)."""
        return self._write_lock.version

    def execute(self, sql: str, params: Any = None) -> duckdb.DuckDBPyConnection:
        """Run one statement on this thread's cursor (for the store's own mixins)."""
        return (
            self.cursor().execute(sql, params) if params is not None else self.cursor().execute(sql)
        )

    @contextmanager
    def _transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """Hold the write lock and run the block in one transaction on this thread's
        cursor: committed when the block ends, rolled back (and re-raised) when it raises
        anything. Derived work that must follow the commit (the text index) goes after
        the ``with`` block, once the lock is let go."""
        with self._write_lock, transaction(self.cursor()) as cur:
            yield cur

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.text_index.close()
            self._con.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the text index ----------------------------------------------------------------
    def text_index_path(self) -> Path | None:
        """Where the side index lives (``None``: in memory)."""
        if str(self.path) == ":memory:":
            return None
        return text_index_path_of(self.path)

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
            with self._transaction() as tx:
                tx.execute(sql)
                tx.execute(
                    "INSERT INTO schema_version (version, name) VALUES (?, ?)", [version, name]
                )
        if applied:
            # Move the new schema out of the write-ahead log at once: DuckDB 1.5 cannot
            # replay a WAL holding CREATE TABLE … DEFAULT nextval(…) after a crash
            # ("GetDefaultDatabase with no default database set"), which would leave the
            # library unopenable if the process died before its first checkpoint.
            cur.execute("CHECKPOINT")

    if TYPE_CHECKING:  # defined by the mixins, called across them

        def papers(self, ids: Iterable[int]) -> list[Paper]: ...

        def paper_row(self, paper_id: int) -> dict[str, Any] | None: ...

        def order_ids(
            self, ids: np.ndarray | None, sort: str = "id", descending: bool = False
        ) -> np.ndarray: ...

        def search_ids(
            self,
            query: str,
            sort: str = "score",
            descending: bool = True,
            typing: bool | None = None,
        ) -> tuple[np.ndarray, np.ndarray]: ...
