"""Run names ↔ reported names (the SQL of the mapping a reference line uses).

The user says once that a run's metric ``eval/mean_reward`` is a paper's ``Score`` and
that a run's env id ``pong`` is the dataset ``Atari 2600 Pong``; the library keeps it
(table ``result_mappings``, migration 0090).
"""

from __future__ import annotations

from paperscope.library.store._base import StoreBase

MAPPING_KINDS = ("metric", "dataset")


def _check_kind(kind: str) -> None:
    if kind not in MAPPING_KINDS:
        raise ValueError(f"unknown mapping kind {kind!r}; one of {', '.join(MAPPING_KINDS)}")


class MappingsMixin(StoreBase):
    """Mixed into :class:`paperscope.library.store.Store`."""

    def set_result_mapping(self, kind: str, run_name: str, reported_name: str) -> None:
        """Remember that ``run_name`` (a run's metric or task id) is ``reported_name``;
        an empty ``reported_name`` forgets it."""
        _check_kind(kind)
        if not run_name:
            raise ValueError("a mapping needs the run's name")
        with self._transaction() as cur:
            cur.execute(
                "DELETE FROM result_mappings WHERE kind = ? AND run_name = ?", [kind, run_name]
            )
            if reported_name:
                cur.execute(
                    "INSERT INTO result_mappings (kind, run_name, reported_name) VALUES (?, ?, ?)",
                    [kind, run_name, reported_name],
                )

    def result_mappings(self, kind: str) -> dict[str, str]:
        """Every remembered mapping of one kind: run name → reported name."""
        _check_kind(kind)
        rows = (
            self.cursor()
            .execute(
                "SELECT run_name, reported_name FROM result_mappings WHERE kind = ? "
                "ORDER BY run_name",
                [kind],
            )
            .fetchall()
        )
        return {r[0]: r[1] for r in rows}
