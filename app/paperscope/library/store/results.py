"""Runs linked to papers, and the results papers report (the SQL of both).

A link names a run by its source path (folder or file), its name inside a multi-run
file and a content fingerprint (computed by the caller: ``workflows/results.py``), so a
moved run can be found again and re-pointed with :meth:`ResultsMixin.relocate_run_link`.
Removing links or papers removes rows here only: run files are never touched.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paperscope.core.records import ReportedResult
from paperscope.library.store._base import StoreBase

ROLES = ("reproduces", "baseline", "my-method")


@dataclass(frozen=True, slots=True)
class RunLink:
    id: int
    paper_id: int
    source: str
    run_name: str
    fingerprint: str
    role: str
    note: str


@dataclass(frozen=True, slots=True)
class StoredResult:
    """A reported result as stored: its row id and paper (``None``: not matched)."""

    id: int
    paper_id: int | None
    result: ReportedResult


_RESULT_COLUMNS = (
    "task", "dataset", "metric", "method", "value", "std", "ci_low", "ci_high", "n_runs",
    "higher_is_better", "raw", "arxiv_id", "doi", "paper_title", "paper_url", "extra",
    "source", "location",
)  # fmt: skip


def _obj(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _float(values: list[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _stored(r: Sequence[Any]) -> StoredResult:
    values = dict(zip(_RESULT_COLUMNS, r[2:], strict=True))
    values["extra"] = json.loads(values["extra"]) if values["extra"] else {}
    values["paper_title"] = values["paper_title"] or ""
    return StoredResult(int(r[0]), None if r[1] is None else int(r[1]), ReportedResult(**values))


class ResultsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    # -- run links -------------------------------------------------------------------
    def _check_paper(self, paper_id: int) -> None:
        row = self.cursor().execute("SELECT 1 FROM papers WHERE id = ?", [paper_id]).fetchone()
        if row is None:
            raise ValueError(f"no paper {paper_id} in the library")

    def link_run(
        self,
        paper_id: int,
        source: str,
        fingerprint: str,
        run_name: str = "",
        role: str = "reproduces",
        note: str = "",
    ) -> int:
        """Link a run to a paper; linking the same run to the same paper again updates
        its role, note and fingerprint. Returns the link's id."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        self._check_paper(paper_id)
        with self._write_lock:
            cur = self.cursor()
            row = cur.execute(
                "SELECT id FROM run_links WHERE paper_id = ? AND source = ? AND run_name = ?",
                [paper_id, source, run_name],
            ).fetchone()
            if row is not None:
                cur.execute(
                    "UPDATE run_links SET fingerprint = ?, role = ?, note = ? WHERE id = ?",
                    [fingerprint, role, note, row[0]],
                )
                return int(row[0])
            got = cur.execute(
                "INSERT INTO run_links (paper_id, source, run_name, fingerprint, role, note) "
                "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                [paper_id, source, run_name, fingerprint, role, note],
            ).fetchone()
        assert got is not None
        return int(got[0])

    def run_links(self, paper_id: int | None = None, source: str | None = None) -> list[RunLink]:
        """Links, of one paper and/or one run source, oldest first."""
        where: list[str] = []
        params: list[Any] = []
        if paper_id is not None:
            where.append("paper_id = ?")
            params.append(paper_id)
        if source is not None:
            where.append("source = ?")
            params.append(source)
        sql = "SELECT id, paper_id, source, run_name, fingerprint, role, note FROM run_links"
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.cursor().execute(sql + " ORDER BY id", params).fetchall()
        return [RunLink(int(r[0]), int(r[1]), r[2], r[3], r[4], r[5], r[6]) for r in rows]

    def unlink_runs(
        self,
        sources: Sequence[str],
        paper_id: int | None = None,
        run_name: str | None = None,
    ) -> int:
        """Remove the links of these run sources (to one paper, or to all). Run files
        are not touched. Returns how many links went."""
        sql = "DELETE FROM run_links WHERE source IN (SELECT unnest(?))"
        params: list[Any] = [list(sources)]
        if paper_id is not None:
            sql += " AND paper_id = ?"
            params.append(paper_id)
        if run_name is not None:
            sql += " AND run_name = ?"
            params.append(run_name)
        with self._write_lock:
            row = self.cursor().execute(sql + " RETURNING id", params).fetchall()
        return len(row)

    def remove_run_link(self, link_id: int) -> bool:
        with self._write_lock:
            rows = (
                self.cursor()
                .execute("DELETE FROM run_links WHERE id = ? RETURNING id", [link_id])
                .fetchall()
            )
        return bool(rows)

    def set_run_link_role(self, link_id: int, role: str, note: str | None = None) -> None:
        """Change a link's role (and note, when given)."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
        sql, params = "UPDATE run_links SET role = ?", [role]
        if note is not None:
            sql += ", note = ?"
            params.append(note)
        with self._write_lock:
            self.cursor().execute(sql + " WHERE id = ?", [*params, link_id])

    def relocate_run_link(self, link_id: int, source: str) -> None:
        """Point a link at the run's new place (found by its fingerprint)."""
        with self._write_lock:
            self.cursor().execute("UPDATE run_links SET source = ? WHERE id = ?", [source, link_id])

    # -- reported results ------------------------------------------------------------
    def add_reported_results(
        self, results: Sequence[ReportedResult], paper_ids: Sequence[int | None]
    ) -> list[int]:
        """Store results (one transaction), each attached to its paper id or to none.
        Returns the new row ids, in order."""
        if len(results) != len(paper_ids):
            raise ValueError("one paper id (or None) per result")
        if not results:
            return []
        rs = list(results)
        data = {
            "paper_id": np.array([-1 if p is None else p for p in paper_ids], dtype=np.int64),
            "task": _obj([r.task for r in rs]),
            "dataset": _obj([r.dataset for r in rs]),
            "metric": _obj([r.metric for r in rs]),
            "method": _obj([r.method for r in rs]),
            "value": np.array([r.value for r in rs], dtype=np.float64),
            "std": _float([r.std for r in rs]),
            "ci_low": _float([r.ci_low for r in rs]),
            "ci_high": _float([r.ci_high for r in rs]),
            "n_runs": np.array([-1 if r.n_runs is None else r.n_runs for r in rs], dtype=np.int64),
            "hib": np.array(
                [-1 if r.higher_is_better is None else int(r.higher_is_better) for r in rs],
                dtype=np.int8,
            ),
            "raw": _obj([r.raw for r in rs]),
            "arxiv_id": _obj([r.arxiv_id or "" for r in rs]),
            "doi": _obj([r.doi or "" for r in rs]),
            "paper_title": _obj([r.paper_title for r in rs]),
            "paper_url": _obj([r.paper_url for r in rs]),
            "extra": _obj([json.dumps(dict(r.extra)) if r.extra else "" for r in rs]),
            "source": _obj([r.source for r in rs]),
            "location": _obj([r.location for r in rs]),
        }
        with self._transaction() as cur:
            ids = (
                cur.execute("SELECT nextval('reported_result_seq') AS id FROM range(?)", [len(rs)])
                .fetchnumpy()["id"]
                .astype(np.int64)
            )
            data["id"] = ids
            # (isnan, not = 'NaN': DuckDB orders NaN as equal to itself)
            cur.execute(
                """
                INSERT INTO reported_results (id, paper_id, task, dataset, metric, method,
                    value, std, ci_low, ci_high, n_runs, higher_is_better, raw, arxiv_id,
                    doi, paper_title, paper_url, extra, source, location)
                SELECT id, NULLIF(paper_id, -1), task, dataset, metric, method, value,
                    CASE WHEN isnan(std) THEN NULL ELSE std END,
                    CASE WHEN isnan(ci_low) THEN NULL ELSE ci_low END,
                    CASE WHEN isnan(ci_high) THEN NULL ELSE ci_high END,
                    NULLIF(n_runs, -1),
                    CASE hib WHEN -1 THEN NULL ELSE hib = 1 END,
                    raw, NULLIF(arxiv_id, ''), NULLIF(doi, ''), paper_title, paper_url,
                    json(NULLIF(extra, '')), source, location
                FROM data ORDER BY id
                """
            )
        return [int(i) for i in ids]

    def reported_results(
        self,
        paper_ids: Sequence[int] | None = None,
        metric: str | None = None,
        unattached: bool = False,
    ) -> list[StoredResult]:
        """Stored results of these papers (all attached ones when ``None``; only the
        ones matched to no paper with ``unattached``), optionally of one metric (case
        does not matter), in the order they were added."""
        cols = ", ".join(_RESULT_COLUMNS)
        where: list[str] = []
        params: list[Any] = []
        if unattached:
            where.append("paper_id IS NULL")
        elif paper_ids is not None:
            where.append("paper_id IN (SELECT unnest(?))")
            params.append([int(i) for i in paper_ids])
        else:
            where.append("paper_id IS NOT NULL")
        if metric is not None:
            where.append("lower(metric) = lower(?)")
            params.append(metric)
        rows = (
            self.cursor()
            .execute(
                f"SELECT id, paper_id, {cols} FROM reported_results WHERE "
                + " AND ".join(where)
                + " ORDER BY id",
                params,
            )
            .fetchall()
        )
        return [_stored(r) for r in rows]

    def reported_result(self, result_id: int) -> StoredResult:
        """One stored result by id; ``ValueError`` when there is none."""
        cols = ", ".join(_RESULT_COLUMNS)
        r = (
            self.cursor()
            .execute(f"SELECT id, paper_id, {cols} FROM reported_results WHERE id = ?", [result_id])
            .fetchone()
        )
        if r is None:
            raise ValueError(f"no reported result {result_id}")
        return _stored(r)

    def attach_results(self, result_ids: Sequence[int], paper_id: int | None) -> int:
        """Attach results to a paper (or detach them with ``None``)."""
        if paper_id is not None:
            self._check_paper(paper_id)
        with self._write_lock:
            rows = (
                self.cursor()
                .execute(
                    "UPDATE reported_results SET paper_id = ? WHERE id IN (SELECT unnest(?)) "
                    "RETURNING id",
                    [paper_id, [int(i) for i in result_ids]],
                )
                .fetchall()
            )
        return len(rows)

    def update_reported_result(self, result_id: int, result: ReportedResult) -> None:
        """Replace the stored values of one result (its id and paper stay)."""
        with self._write_lock:
            row = (
                self.cursor()
                .execute(
                    "UPDATE reported_results SET task = ?, dataset = ?, metric = ?, method = ?,"
                    " value = ?, std = ?, ci_low = ?, ci_high = ?, n_runs = ?,"
                    " higher_is_better = ?, raw = ?, source = ?, location = ?"
                    " WHERE id = ? RETURNING id",
                    [
                        result.task,
                        result.dataset,
                        result.metric,
                        result.method,
                        result.value,
                        result.std,
                        result.ci_low,
                        result.ci_high,
                        result.n_runs,
                        result.higher_is_better,
                        result.raw,
                        result.source,
                        result.location,
                        result_id,
                    ],
                )
                .fetchall()
            )
        if not row:
            raise ValueError(f"no reported result {result_id}")

    def delete_reported_results(self, result_ids: Sequence[int]) -> int:
        with self._write_lock:
            rows = (
                self.cursor()
                .execute(
                    "DELETE FROM reported_results WHERE id IN (SELECT unnest(?)) RETURNING id",
                    [[int(i) for i in result_ids]],
                )
                .fetchall()
            )
        return len(rows)

    def papers_by_keys(self, keys: Sequence[str]) -> dict[str, int]:
        """``arxiv:…`` / ``doi:…`` identity keys → the paper holding each (the lowest id
        when several do)."""
        if not keys:
            return {}
        rows = (
            self.cursor()
            .execute(
                "SELECT key, min(paper_id) FROM paper_keys WHERE key IN (SELECT unnest(?)) "
                "GROUP BY key",
                [list(keys)],
            )
            .fetchall()
        )
        return {r[0]: int(r[1]) for r in rows}

    def papers_by_normalised_title(self, titles: Sequence[str]) -> dict[str, int]:
        """Normalised titles (``dedup.normalised_title``) → the paper whose title key has
        that title, when exactly one paper has it (an ambiguous title matches none)."""
        if not titles:
            return {}
        rows = (
            self.cursor()
            .execute(
                "SELECT t, min(paper_id), count(DISTINCT paper_id) FROM ("
                " SELECT split_part(substr(key, 7), '|', 1) AS t, paper_id FROM paper_keys"
                " WHERE key LIKE 'title:%') WHERE t IN (SELECT unnest(?)) GROUP BY t",
                [list(titles)],
            )
            .fetchall()
        )
        return {r[0]: int(r[1]) for r in rows if r[2] == 1}

    def papers_with_results(self) -> np.ndarray:
        """Ids of the papers with reported results (for "has reported results")."""
        rows = self.cursor().execute(
            "SELECT DISTINCT paper_id FROM reported_results WHERE paper_id IS NOT NULL ORDER BY 1"
        )
        return np.asarray(rows.fetchnumpy()["paper_id"], dtype=np.int64)

    def papers_with_runs(self) -> np.ndarray:
        """Ids of the papers with linked runs (for "has my runs")."""
        rows = self.cursor().execute("SELECT DISTINCT paper_id FROM run_links ORDER BY 1")
        return np.asarray(rows.fetchnumpy()["paper_id"], dtype=np.int64)
