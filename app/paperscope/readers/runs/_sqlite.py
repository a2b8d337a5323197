"""Read-only access to foreign SQLite files (MLflow's ``mlflow.db``).

The project rule is that only ``paperscope.library.store`` speaks SQL to *our*
library. Readers may open someone else's SQLite file, read-only (``mode=ro`` URI,
``query_only``), through this one module, which keeps all the SQL text of the readers
in one place.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError

SQLITE_MAGIC = b"SQLite format 3\x00"


@contextmanager
def open_readonly(path: Path) -> Iterator[sqlite3.Connection]:
    uri = path.resolve().as_uri() + "?mode=ro"
    try:
        con = sqlite3.connect(uri, uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        raise ReadError(str(path), "", f"cannot open the SQLite file: {exc}") from None
    # text that is not UTF-8 (a damaged file) is read with replacement characters
    # rather than raising UnicodeDecodeError from deep inside a query
    con.text_factory = lambda b: b.decode("utf-8", "replace")
    try:
        con.execute("PRAGMA query_only = ON")
        yield con
    except sqlite3.DatabaseError as exc:
        raise ReadError(str(path), "", f"SQLite error: {exc}") from None
    except UnicodeDecodeError:  # SQLite's own message quoted the damaged, non-UTF-8 schema
        raise ReadError(str(path), "", "SQLite error: a damaged schema") from None
    finally:
        con.close()


def tables(con: sqlite3.Connection) -> set[str]:
    return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def columns(con: sqlite3.Connection, table: str) -> set[str]:
    if not table.isidentifier():
        return set()
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


def mlflow_runs(con: sqlite3.Connection) -> list[dict[str, Any]]:
    run_cols = columns(con, "runs")
    name_col = "r.name" if "name" in run_cols else "''"
    stage = "r.lifecycle_stage" if "lifecycle_stage" in run_cols else "NULL"
    exp = "experiments" in tables(con)
    exp_stage = (
        "e.lifecycle_stage" if exp and "lifecycle_stage" in columns(con, "experiments") else "NULL"
    )
    sql = (
        f"SELECT r.run_uuid, {name_col}, r.start_time, r.experiment_id"
        + (", e.name" if exp else ", NULL")
        + f", {stage}, {exp_stage}"
        + " FROM runs r"
        + (" LEFT JOIN experiments e ON e.experiment_id = r.experiment_id" if exp else "")
        + " ORDER BY r.start_time, r.run_uuid"
    )
    keys = (
        "run_uuid", "name", "start_time", "experiment_id", "experiment", "lifecycle_stage",
        "experiment_stage",
    )  # fmt: skip
    return [dict(zip(keys, row, strict=True)) for row in con.execute(sql)]


def mlflow_metrics(con: sqlite3.Connection) -> Iterator[tuple[str, str, float, int, int, int]]:
    """``(run_uuid, key, value, timestamp_ms, step, is_nan)`` in run, key, write order."""
    cols = columns(con, "metrics")
    step = "step" if "step" in cols else "0"
    is_nan = "is_nan" if "is_nan" in cols else "0"
    yield from con.execute(
        f"SELECT run_uuid, key, value, timestamp, {step}, {is_nan} FROM metrics "
        "ORDER BY run_uuid, key, rowid"
    )


def mlflow_key_values(con: sqlite3.Connection, table: str) -> Iterator[tuple[str, str, str]]:
    """``(run_uuid, key, value)`` from ``params`` or ``tags``."""
    if table not in ("params", "tags") or table not in tables(con):
        return
    yield from con.execute(f"SELECT run_uuid, key, value FROM {table} ORDER BY run_uuid, key")
