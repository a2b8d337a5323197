"""Ranking papers for one reader from their own choices (arxiv-sanity-lite's idea, on
the stored embeddings): a linear classifier — scikit-learn's logistic regression with
balanced class weights — separates the papers the reader liked from a seeded sample of
the rest; every other paper is ranked by its decision value. Pure numpy in and out: the
library's labels and vectors come from :mod:`paperscope.workflows.recommend`.

Also here: the two baselines the benchmark and the quality script compare against
(cosine to the mean liked vector; cosine to the last liked paper) and the "why" of a
recommendation (its nearest liked papers).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken

# negatives sampled from the unlabelled papers: enough to describe "the rest" of a
# library, few enough that training 100k papers stays far under a second
DEFAULT_NEGATIVES = 4000
# inverse regularisation; the embeddings are unit vectors (entries ~0.05), so a weak
# penalty: chosen on the fixture corpus (tests/workflows/test_recommend.py), not on
# the evaluation library
DEFAULT_C = 1.0

Rows = npt.NDArray[np.int64]
Matrix = npt.NDArray[np.float32]


class RankingError(ValueError):
    """Too few labels to train on (no liked paper, or nothing else to compare with)."""


@dataclass(frozen=True, slots=True)
class LinearScorer:
    """``score(x) = x · weights + bias``: above 0, more like the liked papers."""

    weights: npt.NDArray[np.float32]
    bias: float
    n_positive: int
    n_negative: int

    def decision(self, matrix: Matrix) -> npt.NDArray[np.float32]:
        out: npt.NDArray[np.float32] = (matrix @ self.weights + np.float32(self.bias)).astype(
            np.float32, copy=False
        )
        return out


def sample_negatives(
    n_rows: int,
    positive_rows: Rows,
    disliked_rows: Rows | None = None,
    n: int = DEFAULT_NEGATIVES,
    seed: int = 0,
) -> Rows:
    """Rows to train as negatives: every disliked row, plus a seeded sample of ``n`` of
    the rows that are neither liked nor disliked (all of them when there are fewer)."""
    taken = np.zeros(n_rows, dtype=bool)
    taken[positive_rows] = True
    disliked = np.zeros(0, dtype=np.int64) if disliked_rows is None else disliked_rows
    disliked = disliked[~taken[disliked]]
    taken[disliked] = True
    rest = np.flatnonzero(~taken)
    if len(rest) > n:
        rest = np.sort(np.random.default_rng(seed).choice(rest, size=n, replace=False))
    return np.unique(np.concatenate([disliked, rest]).astype(np.int64))


def train(
    matrix: Matrix,
    positive_rows: Rows,
    negative_rows: Rows,
    c: float = DEFAULT_C,
    cancel: CancelToken | None = None,
) -> LinearScorer:
    """Fit the classifier on ``matrix[positive_rows]`` (1) against
    ``matrix[negative_rows]`` (0); the two sets must not overlap. One BLAS thread: a
    few thousand rows gain nothing from more, and on a busy machine extra threads
    spinning for cores made the fit 9x slower (measured on 2 cores)."""
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    if len(positive_rows) == 0:
        raise RankingError("no liked paper to learn from: rate, tag or mark a paper read")
    if len(negative_rows) == 0:
        raise RankingError("every paper is liked: nothing to tell them apart from")
    if cancel is not None:
        cancel.check()
    x = np.concatenate([matrix[positive_rows], matrix[negative_rows]]).astype(np.float64)
    y = np.r_[np.ones(len(positive_rows)), np.zeros(len(negative_rows))]
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=300, tol=1e-4)
    with threadpool_limits(limits=1):
        model.fit(x, y)
    return LinearScorer(
        weights=np.asarray(model.coef_[0], dtype=np.float32),
        bias=float(model.intercept_[0]),
        n_positive=len(positive_rows),
        n_negative=len(negative_rows),
    )


def centroid_scores(matrix: Matrix, positive_rows: Rows) -> npt.NDArray[np.float32]:
    """Baseline: cosine of every row to the mean liked vector (rows are unit vectors)."""
    mean = matrix[positive_rows].mean(axis=0)
    norm = float(np.linalg.norm(mean)) or 1.0
    out: npt.NDArray[np.float32] = (matrix @ (mean / norm)).astype(np.float32, copy=False)
    return out


def last_liked_scores(matrix: Matrix, last_row: int) -> npt.NDArray[np.float32]:
    """Baseline: cosine of every row to one liked paper (the last one liked)."""
    out: npt.NDArray[np.float32] = (matrix @ matrix[last_row]).astype(np.float32, copy=False)
    return out


def top_rows(scores: npt.NDArray[np.float32], candidates: Rows, k: int | None = None) -> Rows:
    """``candidates`` best first by ``scores`` (ties by row), the first ``k`` if given."""
    if len(candidates) == 0:
        return candidates
    s = scores[candidates]
    if k is not None and k < len(candidates):
        part = np.argpartition(-s, k - 1)[:k]
        order = part[np.lexsort((candidates[part], -s[part]))]
    elif bool(np.all(candidates[1:] > candidates[:-1])):  # ascending: a stable sort ties by row
        order = np.argsort(-s, kind="stable")
    else:
        order = np.lexsort((candidates, -s))
    ranked: Rows = candidates[order]
    return ranked


def nearest_liked(
    matrix: Matrix, rows: Rows, positive_rows: Rows, k: int = 2
) -> tuple[Rows, npt.NDArray[np.float32]]:
    """For each of ``rows``, its ``k`` most similar liked rows and their cosines:
    ``(liked rows (len(rows), k), similarities)``, most similar first."""
    k = min(k, len(positive_rows))
    if len(rows) == 0 or k == 0:
        return np.zeros((len(rows), 0), np.int64), np.zeros((len(rows), 0), np.float32)
    sims = matrix[rows] @ matrix[positive_rows].T
    order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
    best = np.take_along_axis(sims, order, axis=1).astype(np.float32)
    liked: Rows = positive_rows[order]
    return liked, best


def precision_at(ranked: Rows, relevant: Rows, k: int = 20) -> float:
    """The share of the first ``k`` ranked rows that are relevant."""
    top = ranked[:k]
    return float(np.isin(top, relevant).sum()) / max(len(top), 1)
