"""Recommendations: the unread papers ranked by what this reader liked, overall or for
one tag ("more like my ``offline-rl`` tag").

Liked (positives), overall: papers rated 4 or 5, tagged, or marked read — unless rated
1 or 2, which always counts as not liked. For a tag: the papers carrying it. Negatives:
the papers rated 1 or 2 and a seeded sample of the unlabelled rest. The classifier is
:func:`paperscope.mapping.recommend.train` on the stored embeddings of one model; the
papers ranked are the unread ones that are not liked and have a vector. A paper is "for
you" when the classifier puts it on the liked side (decision value above 0).

The GUI keeps a :class:`~paperscope.workflows.map.VectorIndex` and retrains on its
background lane when ratings, tags or statuses change (well under a second for 100k
papers: ``tests/benchmarks/bench_recommend.py``); the CLI's ``paperscope recommend``
calls :func:`recommend` once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.core.text import count
from paperscope.library.search import Filter
from paperscope.library.store import Store
from paperscope.mapping import recommend as ranking
from paperscope.workflows.map import MapError, VectorIndex

Ids = npt.NDArray[np.int64]


class RecommendError(Exception):
    """Why nothing can be recommended (no vectors, no liked paper, an unknown tag)."""


@dataclass(frozen=True, slots=True)
class Why:
    """One liked paper a recommendation is near, with its cosine similarity."""

    id: int
    title: str
    similarity: float


@dataclass(frozen=True)
class Recommendation:
    """The ranked unread papers (best first) with their decision values."""

    model_id: str
    tag: str | None
    ids: Ids
    scores: npt.NDArray[np.float32]
    liked_ids: Ids
    n_negatives: int
    scorer: ranking.LinearScorer
    index: VectorIndex

    @property
    def for_you(self) -> Ids:
        """The ranked papers on the liked side of the classifier, best first."""
        kept: Ids = self.ids[self.scores > 0]
        return kept

    def top(self, limit: int) -> list[tuple[int, float]]:
        return [
            (int(i), float(s)) for i, s in zip(self.ids[:limit], self.scores[:limit], strict=True)
        ]

    def order(self, ids: npt.ArrayLike) -> Ids:
        """``ids`` reordered by recommendation, best first; papers not ranked (liked,
        read, or without a vector) follow in the order given."""
        want = np.asarray(ids, dtype=np.int64)
        if len(want) == 0 or len(self.ids) == 0:
            return want
        place = _lookup(self.ids, want)
        key = np.where(place >= 0, place, len(self.ids))
        ordered: Ids = want[np.argsort(key, kind="stable")]
        return ordered

    def scores_of(self, ids: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """The decision value of each paper of ``ids`` (NaN where it is not ranked)."""
        want = np.asarray(ids, dtype=np.int64)
        place = _lookup(self.ids, want)
        out = np.full(len(want), np.nan, dtype=np.float32)
        out[place >= 0] = self.scores[place[place >= 0]]
        return out

    def score_new(self, ids: npt.ArrayLike) -> tuple[Ids, npt.NDArray[np.float32]]:
        """Papers added since training (an import): those of ``ids`` with a vector in
        the index and not liked, and their decision values."""
        want = np.asarray(ids, dtype=np.int64)
        rows = _lookup(self.index.ids, want)
        liked = np.isin(want, self.liked_ids)
        keep = (rows >= 0) & ~liked
        scores = self.scorer.decision(self.index.matrix[rows[keep]])
        kept: Ids = want[keep]
        return kept, scores

    def line(self) -> str:
        about = f"tag {self.tag!r}" if self.tag else "your ratings, tags and reading"
        return (
            f"{count(len(self.for_you), 'paper')} for you of {len(self.ids):,} unread, "
            f"learnt from {count(len(self.liked_ids), 'liked paper')} ({about})"
        )


def _lookup(keys: Ids, want: Ids) -> Ids:
    """The position of each of ``want`` in ``keys`` (any order), -1 where absent."""
    if len(keys) == 0 or len(want) == 0:
        return np.full(len(want), -1, dtype=np.int64)
    if bool(np.all(keys[1:] > keys[:-1])):  # sorted (the store's vectors are): no argsort
        pos = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
        hit: Ids = np.where(keys[pos] == want, pos, -1).astype(np.int64)
        return hit
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    pos = np.searchsorted(sorted_keys, want)
    pos = np.minimum(pos, len(keys) - 1)
    found = sorted_keys[pos] == want
    out: Ids = np.where(found, order[pos], -1).astype(np.int64)
    return out


def liked_and_disliked(store: Store, tag: str | None = None) -> tuple[Ids, Ids]:
    """``(liked ids, disliked ids)`` from the library's ratings, tags and statuses."""
    disliked = store.filter_ids([Filter("rating", "<=", 2)])
    if tag is not None:
        if store.tag_id(tag) is None:
            names = ", ".join(t.name for t in store.tags()) or "none yet"
            raise RecommendError(f"no tag {tag!r} in the library (tags: {names})")
        liked = store.filter_ids([Filter("tag", "=", tag)])
    else:
        liked = np.union1d(
            np.union1d(
                store.filter_ids([Filter("rating", ">=", 4)]),
                store.filter_ids([Filter("has", "has", "tags")]),
            ),
            store.filter_ids([Filter("status", "=", "read")]),
        )
    liked = np.setdiff1d(liked, disliked)
    return liked.astype(np.int64), np.asarray(disliked, dtype=np.int64)


def recommend(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    tag: str | None = None,
    model_id: str | None = None,
    vectors: VectorIndex | None = None,
    seed: int = 0,
    n_negatives: int = ranking.DEFAULT_NEGATIVES,
) -> Recommendation:
    """Train on the library's labels and rank its unread papers (see the module text).
    ``vectors``: an index already loaded (the GUI's); else the store's vectors of
    ``model_id`` (``None``: the model with the most vectors)."""
    cancel = cancel or CancelToken()
    progress(0.0, "Reading the embeddings")
    if vectors is None:
        try:
            vectors = VectorIndex.load(store, model_id)
        except MapError as exc:
            raise RecommendError(str(exc)) from None
    cancel.check()
    progress(0.3, "Reading ratings and tags")
    liked, disliked = liked_and_disliked(store, tag)
    unread = store.filter_ids([Filter("status", "=", "unread")])
    ids, matrix = vectors.ids, vectors.matrix
    pos_rows = _lookup(ids, liked)
    pos_rows = np.sort(pos_rows[pos_rows >= 0])
    if len(pos_rows) == 0:
        what = f"carries tag {tag!r}" if tag else "is rated 4 or 5, tagged or read"
        extra = " with an embedding" if len(liked) else ""
        raise RecommendError(
            f"no paper{extra} {what} yet: rate, tag or read a few papers first"
            + (" (then `paperscope embed`)" if len(liked) else "")
        )
    dis_rows = _lookup(ids, disliked)
    neg_rows = ranking.sample_negatives(len(ids), pos_rows, dis_rows[dis_rows >= 0],
                                        n_negatives, seed)  # fmt: skip
    cancel.check()
    progress(0.4, f"Learning from {count(len(pos_rows), 'liked paper')}")
    try:
        scorer = ranking.train(matrix, pos_rows, neg_rows, cancel=cancel)
    except ranking.RankingError as exc:
        raise RecommendError(str(exc)) from None
    cancel.check()
    progress(0.8, "Ranking the unread papers")
    is_cand = np.zeros(len(ids), dtype=bool)
    unread_rows = _lookup(ids, np.asarray(unread, dtype=np.int64))
    is_cand[unread_rows[unread_rows >= 0]] = True
    is_cand[pos_rows] = False
    cand = np.flatnonzero(is_cand)
    full = scorer.decision(matrix)  # every row: one product, no copy of the rows
    ranked_rows = ranking.top_rows(full, cand)
    progress(1.0, "")
    return Recommendation(
        model_id=vectors.model_id, tag=tag, ids=ids[ranked_rows].astype(np.int64),
        scores=full[ranked_rows], liked_ids=ids[pos_rows].astype(np.int64),
        n_negatives=len(neg_rows), scorer=scorer, index=vectors,
    )  # fmt: skip


def explain(
    store: Store, rec: Recommendation, paper_ids: npt.ArrayLike, k: int = 2
) -> dict[int, list[Why]]:
    """The "why" of each paper: its ``k`` nearest liked papers (cosine on the vectors)."""
    want = np.asarray(paper_ids, dtype=np.int64)
    rows = _lookup(rec.index.ids, want)
    want, rows = want[rows >= 0], rows[rows >= 0]
    pos_rows = _lookup(rec.index.ids, rec.liked_ids)
    pos_rows = pos_rows[pos_rows >= 0]
    liked, sims = ranking.nearest_liked(rec.index.matrix, rows, pos_rows, k)
    liked_ids = rec.index.ids[liked] if liked.size else np.zeros((len(rows), 0), np.int64)
    titles = store.table_rows(np.unique(liked_ids).tolist(), ["title"]) if liked.size else {}
    out: dict[int, list[Why]] = {}
    for pid, row_ids, row_sims in zip(want.tolist(), liked_ids, sims, strict=True):
        out[int(pid)] = [
            Why(int(i), str(titles.get(int(i), ("",))[0] or ""), float(s))
            for i, s in zip(row_ids.tolist(), row_sims.tolist(), strict=True)
        ]
    return out


def why_text(whys: list[Why]) -> str:
    """``like “A” (0.71) and “B” (0.64)``: a short reason for one recommendation."""
    if not whys:
        return ""

    def one(w: Why) -> str:
        title = w.title if len(w.title) <= 60 else w.title[:59] + "…"
        return f"“{title}” ({w.similarity:.2f})"

    return "like " + " and ".join(one(w) for w in whys)


def new_papers_line(rec: Recommendation | None, new_ids: npt.ArrayLike) -> str | None:
    """After an import: ``12 of today's 79 papers are for you`` (``None`` when there is
    nothing to say: no recommender yet or no new paper)."""
    want = np.unique(np.asarray(new_ids, dtype=np.int64))
    if rec is None or len(want) == 0:
        return None
    scored, scores = rec.score_new(want)
    n_yours = int((scores > 0).sum())
    verb = "is" if n_yours == 1 else "are"
    line = f"{n_yours:,} of today's {count(len(want), 'paper')} {verb} for you"
    missing = len(want) - len(scored) - int(np.isin(want, rec.liked_ids).sum())
    if missing > 0:
        line += f" ({missing:,} not embedded yet: Library → Embed papers)"
    return line
