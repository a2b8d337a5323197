"""Vectors in files and the papers they name: Parquet read and written by DuckDB's own
Parquet reader and writer (no pyarrow), and the lookup of papers by paper id, arXiv id
or DOI. Module functions beside the :class:`Store` mixins (they take the store), used
by :mod:`paperscope.workflows.vectors`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from paperscope.library.store import Store


class VectorFileError(Exception):
    """A vector file cannot be read or written; the message names the file."""


def read_parquet(path: Path) -> dict[str, list[Any]]:
    """Every column of a Parquet file as a list of Python values (lists stay lists)."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        rel = con.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = [d[0] for d in rel.description or []]
        rows = rel.fetchall()
    except duckdb.Error as exc:
        raise VectorFileError(f"{path}: not a readable Parquet file ({exc})") from None
    finally:
        con.close()
    return {name: [r[k] for r in rows] for k, name in enumerate(names)}


def write_parquet(
    path: Path,
    columns: dict[str, npt.NDArray[Any]],
    vectors: npt.NDArray[np.float32],
    vector_column: str = "vector",
) -> None:
    """Write ``columns`` (1-D arrays, row-aligned) and ``vectors`` (one ``FLOAT[]`` list
    per row) to a Parquet file with DuckDB's writer."""
    import duckdb

    n, dim = vectors.shape
    rows = np.arange(n, dtype=np.int64)
    cols = {"_r": rows, **{k: v for k, v in columns.items()}}  # noqa: F841 (scanned by name)
    flat = {  # noqa: F841
        "_r": np.repeat(rows, dim),
        "_k": np.tile(np.arange(dim, dtype=np.int32), n),
        "_x": np.ascontiguousarray(vectors, dtype=np.float32).ravel(),
    }
    names = ", ".join(f'c."{k}"' for k in columns)
    con = duckdb.connect(":memory:")
    try:
        con.execute(
            f"""COPY (SELECT {names}, v._v AS "{vector_column}" FROM cols c
                      LEFT JOIN (SELECT _r, list(_x ORDER BY _k) AS _v FROM flat GROUP BY _r) v
                      ON v._r = c._r ORDER BY c._r)
                TO '{_quoted(path)}' (FORMAT parquet)"""
        )
    except duckdb.Error as exc:
        raise VectorFileError(f"{path}: cannot write ({exc})") from None
    finally:
        con.close()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def find_papers(store: Store, kinds: Sequence[str], values: Sequence[str]) -> npt.NDArray[np.int64]:
    """The paper id each ``(kind, value)`` names (``kind``: ``paper``, ``arxiv`` or
    ``doi``, values normalised), -1 where the library has none."""
    n = len(values)
    out = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return out
    wanted = {  # noqa: F841
        "r": np.arange(n, dtype=np.int64),
        "kind": np.array(list(kinds), dtype=object),
        "value": np.array(list(values), dtype=object),
    }
    rows = (
        store.cursor()
        .execute(
            """SELECT w.r, min(p.id) FROM wanted w JOIN papers p ON
                 (w.kind = 'paper' AND CAST(p.id AS VARCHAR) = w.value)
              OR (w.kind = 'arxiv' AND p.arxiv_id = w.value)
              OR (w.kind = 'doi' AND lower(p.doi) = w.value)
               GROUP BY w.r"""
        )
        .fetchall()
    )
    for r, pid in rows:
        out[int(r)] = int(pid)
    return out


def paper_keys(store: Store, paper_ids: npt.ArrayLike) -> dict[int, tuple[str, str, str]]:
    """paper id -> (arXiv id, DOI, title), empty strings where unknown."""
    ids = np.asarray(paper_ids, dtype=np.int64)
    wanted = {"id": ids}  # noqa: F841
    rows = (
        store.cursor()
        .execute(
            "SELECT p.id, coalesce(p.arxiv_id, ''), coalesce(p.doi, ''), coalesce(p.title, '') "
            "FROM papers p JOIN wanted w ON w.id = p.id"
        )
        .fetchall()
    )
    return {int(r[0]): (str(r[1]), str(r[2]), str(r[3])) for r in rows}
