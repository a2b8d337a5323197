"""Run names ↔ reported names (the SQL of the mapping a reference line uses).

The user says once that a run's metric ``eval/mean_reward`` is a paper's ``Score`` and
that a run's env id ``pong`` is the dataset ``Atari 2600 Pong``; the library keeps it
(table ``result_mappings``, migration 0090). With the metric mapping goes the scale of
reported curves' x (migration 0140): 1 Dopamine iteration is 250,000 agent steps.
"""

from __future__ import annotations

import math

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
            row = cur.execute(
                "SELECT x_scale FROM result_mappings WHERE kind = ? AND run_name = ?",
                [kind, run_name],
            ).fetchone()
            cur.execute(
                "DELETE FROM result_mappings WHERE kind = ? AND run_name = ?", [kind, run_name]
            )
            if reported_name:
                cur.execute(
                    "INSERT INTO result_mappings (kind, run_name, reported_name, x_scale) "
                    "VALUES (?, ?, ?, ?)",
                    [kind, run_name, reported_name, row[0] if row else None],
                )

    def set_x_scale(self, run_metric: str, reported_metric: str, scale: float | None) -> None:
        """Remember that one x unit of the reported curves of ``run_metric`` (mapped to
        ``reported_metric``, kept when already mapped) is ``scale`` of the runs' x;
        ``None`` forgets the scale and keeps the mapping."""
        if scale is not None and not (math.isfinite(scale) and scale > 0):
            raise ValueError(f"an x scale is a positive number, not {scale!r}")
        if not run_metric:
            raise ValueError("a mapping needs the run's metric")
        with self._transaction() as cur:
            row = cur.execute(
                "SELECT reported_name FROM result_mappings WHERE kind = 'metric' AND run_name = ?",
                [run_metric],
            ).fetchone()
            if row is not None:
                cur.execute(
                    "UPDATE result_mappings SET x_scale = ?, updated_at = current_timestamp "
                    "WHERE kind = 'metric' AND run_name = ?",
                    [scale, run_metric],
                )
            elif reported_metric:
                cur.execute(
                    "INSERT INTO result_mappings (kind, run_name, reported_name, x_scale) "
                    "VALUES ('metric', ?, ?, ?)",
                    [run_metric, reported_metric, scale],
                )
            elif scale is not None:
                raise ValueError(f"map {run_metric!r} to a reported metric first")

    def result_x_scales(self) -> dict[str, float]:
        """Run metric → the remembered x scale of its reported curves."""
        rows = (
            self.cursor()
            .execute(
                "SELECT run_name, x_scale FROM result_mappings WHERE kind = 'metric' "
                "AND x_scale IS NOT NULL ORDER BY run_name"
            )
            .fetchall()
        )
        return {r[0]: float(r[1]) for r in rows}

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
