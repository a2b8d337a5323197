"""The store's write lock and its one way to run a transaction (DuckDB, and SQLite for
the text index: both speak ``BEGIN TRANSACTION`` / ``COMMIT`` / ``ROLLBACK``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar


class _Executes(Protocol):
    def execute(self, sql: str, /) -> Any: ...


C = TypeVar("C", bound=_Executes)


@contextmanager
def transaction(con: C) -> Iterator[C]:
    """``BEGIN`` on ``con``; ``COMMIT`` when the block ends; ``ROLLBACK`` and re-raise when
    the block or the commit raises anything (``KeyboardInterrupt`` and ``Cancelled``
    included)."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


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
