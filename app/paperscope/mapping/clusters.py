"""Clusters on the map and the names they give themselves.

HDBSCAN (``sklearn.cluster.HDBSCAN``) finds dense regions of the 2-D layout; each
cluster is named by its top class-based TF-IDF terms (BERTopic's c-TF-IDF: a term's
frequency in the cluster's concatenated texts times ``log(1 + A / f_t)``, with ``A`` the
mean number of words per cluster and ``f_t`` the term's frequency over all clusters).
Terms are unigrams and bigrams of letters only (no numbers), English stop words and
academic boilerplate ("propose", "results") removed, and a *domain stop list learned
from the library* (:func:`domain_stop_words`): the terms about as common in most
clusters as where they are most common ("model", "learning" in an ML library), which
name none of them.

Clusters form a hierarchy (:func:`cluster_hierarchy`): level 0 are HDBSCAN's clusters
(each point's ``labels`` entry), and each level above merges the clusters of the one
below by Ward linkage of their centres, about three into one, until a level would have
fewer than two clusters. Every level is named by its own c-TF-IDF (its clusters are the
classes), so a broad label is distinct among the broad ones and a fine label among the
fine ones. :func:`label_distinctiveness` measures that: the share of a level's label
terms that no other label of the level has.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from paperscope.core.records import Cluster
from paperscope.core.tasks import CancelToken, Progress, no_progress

# words every abstract uses; they would name every cluster
BOILERPLATE = frozenset(
    [
        "able",
        "achieve",
        "achieved",
        "achieves",
        "across",
        "address",
        "addresses",
        "al",
        "allow",
        "allows",
        "also",
        "approach",
        "approaches",
        "art",
        "available",
        "based",
        "can",
        "code",
        "com",
        "could",
        "demonstrate",
        "demonstrated",
        "demonstrates",
        "different",
        "enable",
        "enables",
        "et",
        "existing",
        "experimental",
        "experiments",
        "extensive",
        "find",
        "first",
        "found",
        "framework",
        "furthermore",
        "github",
        "given",
        "high",
        "however",
        "http",
        "https",
        "important",
        "improve",
        "improved",
        "improvement",
        "improvements",
        "improves",
        "include",
        "includes",
        "including",
        "introduce",
        "introduced",
        "introduces",
        "key",
        "large",
        "lead",
        "leads",
        "like",
        "low",
        "make",
        "makes",
        "may",
        "method",
        "methods",
        "might",
        "moreover",
        "new",
        "novel",
        "one",
        "org",
        "paper",
        "paper's",
        "papers",
        "performance",
        "present",
        "presented",
        "presents",
        "previous",
        "problem",
        "problems",
        "propose",
        "proposed",
        "proposes",
        "provide",
        "provided",
        "provides",
        "recent",
        "recently",
        "result",
        "results",
        "second",
        "several",
        "show",
        "showing",
        "shown",
        "shows",
        "significant",
        "significantly",
        "small",
        "state",
        "studies",
        "study",
        "task",
        "tasks",
        "three",
        "thus",
        "two",
        "use",
        "used",
        "uses",
        "using",
        "various",
        "via",
        "way",
        "ways",
        "well",
        "within",
        "without",
        "work",
        "works",
        "would",
        "www",
    ]
)

TOKEN_PATTERN = r"(?u)\b[^\W\d_]{2,}(?:-[^\W\d_]+)*\b"
"""Words of two or more letters (hyphenated words kept whole); numbers never match."""

_MARKUP = re.compile(r"<[^>]{0,200}>|\\[A-Za-z]+|\$[^$]{0,200}\$|https?://\S+")


_TOKEN = re.compile(TOKEN_PATTERN)
_PHRASE_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”]|\s[-–—]\s")


def _terms_of(text: str, stop: frozenset[str], lo: int = 1, hi: int = 2) -> list[str]:
    """A text's terms: words that are not stop words and, for bigrams, two such words
    side by side within one phrase: "effects of free recall" gives no "effects free",
    "learning (RL)" no "learning rl"."""
    out: list[str] = []
    for phrase in _PHRASE_BREAK.split(_strip_markup(text).lower()):
        words = _TOKEN.findall(phrase)
        keep = [w not in stop for w in words]
        for n in range(lo, hi + 1):
            for i in range(len(words) - n + 1):
                if all(keep[i : i + n]):
                    out.append(" ".join(words[i : i + n]))
    return out


def _strip_markup(text: str) -> str:
    """Drop XML/JATS tags, LaTeX commands and maths, and links from an abstract."""
    return _MARKUP.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Clustering:
    """``labels``: one cluster id per point (``-1``: noise); ``clusters``: level 0 (the
    ids in ``labels``) by size, largest first, then each level above alike;
    ``stop_words``: the library's own stop words left out of the names; ``levels``:
    each point's cluster at every level (:func:`cluster_hierarchy`); ``nearest``: each
    point's cluster, or for a noise point the cluster of its nearest clustered point
    (what the map shades it by; see :func:`nearest_clusters`)."""

    labels: npt.NDArray[np.int32]
    clusters: list[Cluster]
    nearest: npt.NDArray[np.int32] | None = None
    stop_words: tuple[str, ...] = ()
    levels: tuple[npt.NDArray[np.int32], ...] = ()

    def members(self, cluster_id: int) -> npt.NDArray[np.bool_]:
        """Which points a cluster of any level holds."""
        for lab in self.levels or (self.labels,):
            if (lab == cluster_id).any():
                out: npt.NDArray[np.bool_] = lab == cluster_id
                return out
        return np.zeros(self.labels.shape[0], dtype=bool)

    def level(self, level: int) -> list[Cluster]:
        """The clusters of one level (0: HDBSCAN's, the ids in ``labels``), by size."""
        return [c for c in self.clusters if c.level == level]

    def by_id(self) -> dict[int, Cluster]:
        return {c.id: c for c in self.clusters}


def default_min_cluster_size(n: int) -> int:
    """About ``sqrt(n)/2`` (at least 5): a dozen clusters for a few hundred papers,
    a few dozen to a hundred for 100k."""
    return max(5, round(0.5 * math.sqrt(max(n, 1))))


def hdbscan_labels(
    points: npt.ArrayLike,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    selection: str = "leaf",
    max_points: int = 20_000,
    seed: int = 0,
) -> npt.NDArray[np.int32]:
    """HDBSCAN cluster ids for each point (``-1``: noise), numbered by decreasing size.

    ``selection="leaf"`` (the default) gives the finer clusters a map wants; ``"eom"``
    HDBSCAN's default, fewer and larger ones. Above ``max_points`` (sklearn's HDBSCAN
    takes ~35 s for 100k points on two cores) it runs on a random sample of that many,
    with ``min_cluster_size`` scaled down alike, and every other point takes the label of
    its nearest sampled point.
    """
    x = np.asarray(points, dtype=np.float64)
    n = x.shape[0]
    mcs = int(min_cluster_size or default_min_cluster_size(n))
    if n < max(mcs, 2):
        return np.full(n, -1, dtype=np.int32)
    ms = min_samples if min_samples is not None else max(2, mcs // 2)
    if n > max_points:
        from scipy.spatial import cKDTree

        frac = max_points / n
        sample = np.sort(np.random.default_rng(seed).choice(n, size=max_points, replace=False))
        sub = _hdbscan(x[sample], max(5, round(mcs * frac)), max(2, round(ms * frac)), selection)
        _, nearest = cKDTree(x[sample]).query(x, k=1)
        raw = sub[np.asarray(nearest, dtype=np.int64)]
    else:
        raw = _hdbscan(x, mcs, ms, selection)
    ids, counts = np.unique(raw[raw >= 0], return_counts=True)
    remap = np.full(int(raw.max()) + 2 if raw.size else 1, -1, dtype=np.int32)
    for new, old in enumerate(ids[np.argsort(-counts, kind="stable")]):
        remap[old] = new
    out = np.where(raw >= 0, remap[np.maximum(raw, 0)], -1).astype(np.int32)
    return out


def nearest_clusters(points: npt.ArrayLike, labels: npt.ArrayLike) -> npt.NDArray[np.int32]:
    """Each point's cluster; a noise point (``-1``) takes the cluster of its nearest
    clustered point (ties: the lower row), so a map can shade it by the region it lies
    in. All ``-1`` when nothing is clustered."""
    x = np.asarray(points, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int32)
    out = lab.copy()
    noise = lab < 0
    if not noise.any() or noise.all():
        return out
    from scipy.spatial import cKDTree

    members = np.flatnonzero(~noise)
    _, nearest = cKDTree(x[members]).query(x[noise], k=1)
    out[noise] = lab[members[np.asarray(nearest, dtype=np.int64)]]
    return out


def _hdbscan(
    x: npt.NDArray[np.float64], mcs: int, ms: int, selection: str
) -> npt.NDArray[np.int64]:
    from sklearn.cluster import HDBSCAN

    if x.shape[0] < max(mcs, 2):
        return np.full(x.shape[0], -1, dtype=np.int64)
    raw = HDBSCAN(
        min_cluster_size=mcs, min_samples=ms, cluster_selection_method=selection, copy=True
    ).fit_predict(x)
    out: npt.NDArray[np.int64] = np.asarray(raw, dtype=np.int64)
    return out


class _Counts:
    """The naming sample's document × term counts (uni- and bigrams, static stop words
    removed), built once and summed per cluster for every level."""

    def __init__(self, texts: Sequence[str], ngram_range: tuple[int, int] = (1, 2)) -> None:
        from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

        stop = ENGLISH_STOP_WORDS | BOILERPLATE
        lo, hi = ngram_range

        def analyse(text: str) -> list[str]:
            return _terms_of(text, stop, lo, hi)

        vec = CountVectorizer(analyzer=analyse)
        try:
            self.x = vec.fit_transform(texts).tocsr()
            self.vocab = np.asarray(vec.get_feature_names_out(), dtype=object)
        except ValueError:  # nothing but stop words
            from scipy.sparse import csr_matrix

            self.x = csr_matrix((len(texts), 0), dtype=np.int64)
            self.vocab = np.empty(0, dtype=object)

    def per_cluster(
        self,
        labels: npt.NDArray[np.int64],
        weights: npt.NDArray[np.float64] | None = None,
        presence: bool = False,
    ) -> tuple[list[int], Any]:
        """``(cluster ids, clusters × terms)``: summed (weighted) counts, or with
        ``presence`` the number of documents holding each term."""
        from scipy.sparse import csr_matrix

        ids = sorted(int(c) for c in np.unique(labels) if c >= 0)
        rows = np.flatnonzero(labels >= 0)
        pos = np.searchsorted(np.asarray(ids, dtype=np.int64), labels[rows])
        w = np.ones(rows.shape[0]) if weights is None else weights[rows]
        ind = csr_matrix((w, (pos, rows)), shape=(len(ids), labels.shape[0]))
        x = (self.x > 0).astype(np.float64) if presence else self.x.astype(np.float64)
        return ids, (ind @ x).tocsr()


def domain_stop_words(
    texts: Sequence[str], labels: npt.ArrayLike, share: float = 0.5
) -> frozenset[str]:
    """The library's own stop words: terms about as common in most clusters as where
    they are most common, so they name none of them ("model", "learning", "policy" on
    the daily page of RL papers).

    A term's rate in a cluster is the share of the cluster's documents that hold it.
    The term is a stop word when in at least ``share`` of the clusters its rate is at
    least ``share`` times its highest rate: a label term should be at least twice as
    common in its own cluster as in most others, and a term common in the majority of
    clusters would repeat on the majority of labels. Needs three clusters or more
    (with two, "most clusters" includes the term's own); fewer give no stop words.
    """
    lab = np.asarray(labels, dtype=np.int64)
    if len(texts) != lab.shape[0]:
        raise ValueError(f"{len(texts)} texts for {lab.shape[0]} labels")
    return _learned_stop(_Counts(texts), lab, share)


def _learned_stop(counts: _Counts, lab: npt.NDArray[np.int64], share: float) -> frozenset[str]:
    ids, held = counts.per_cluster(lab, presence=True)
    if len(ids) < 3 or held.shape[1] == 0:
        return frozenset()
    sizes = np.bincount(np.searchsorted(np.asarray(ids), lab[lab >= 0]), minlength=len(ids))
    coo = held.tocoo()  # sparse all the way: a big library has a million bigrams
    rate = coo.data / np.maximum(sizes, 1)[coo.row]
    top = np.zeros(held.shape[1])
    np.maximum.at(top, coo.col, rate)
    common = (rate >= share * top[coo.col]) & (rate > 0)
    stop = np.bincount(coo.col[common], minlength=held.shape[1]) >= share * len(ids)
    return frozenset(str(t) for t in counts.vocab[stop])


def ctfidf_terms(
    texts: Sequence[str],
    labels: npt.ArrayLike,
    top_n: int = 5,
    ngram_range: tuple[int, int] = (1, 2),
    stop_words: frozenset[str] | None = frozenset(),
    weights: npt.ArrayLike | None = None,
    exclusive: bool = False,
) -> dict[int, list[tuple[str, float]]]:
    """The ``top_n`` c-TF-IDF terms of every cluster (noise ``-1`` left out), best first.

    ``stop_words``: terms never used besides the static lists (``None``: learn them from
    these texts and labels, :func:`domain_stop_words`). ``weights``: what each text
    counts for (a sampled text stands for several papers of its cluster). ``exclusive``:
    a term goes to the one cluster where it scores highest (see :func:`cluster_map`)."""
    lab = np.asarray(labels, dtype=np.int64)
    if len(texts) != lab.shape[0]:
        raise ValueError(f"{len(texts)} texts for {lab.shape[0]} labels")
    counts = _Counts(texts, ngram_range)
    stop = _learned_stop(counts, lab, 0.5) if stop_words is None else stop_words
    w = None if weights is None else np.asarray(weights, dtype=np.float64)
    return _name(counts, lab, top_n, stop, w, exclusive)


def _name(
    counts: _Counts,
    lab: npt.NDArray[np.int64],
    top_n: int,
    stop: frozenset[str],
    weights: npt.NDArray[np.float64] | None,
    exclusive: bool = False,
) -> dict[int, list[tuple[str, float]]]:
    """The c-TF-IDF terms of each cluster of ``lab``; with ``exclusive`` a term goes
    to the one cluster where it scores highest, the others take their next terms."""
    cluster_ids, tf = counts.per_cluster(lab, weights)
    if not cluster_ids:
        return {}
    vocab = counts.vocab
    if stop and vocab.shape[0]:
        keep = np.flatnonzero(~np.isin(vocab, np.asarray(sorted(stop), dtype=object)))
        tf, vocab = tf[:, keep].tocsr(), vocab[keep]
    tf.eliminate_zeros()
    words_per_class = np.asarray(tf.sum(axis=1)).ravel()
    words_per_class[words_per_class == 0] = 1.0
    freq = np.asarray(tf.sum(axis=0)).ravel()
    avg_words = float(freq.sum()) / len(cluster_ids)
    idf = np.log(1.0 + avg_words / np.maximum(freq, 1e-12))
    pool = 4 * top_n if exclusive else top_n
    out: dict[int, list[tuple[str, float]]] = {}
    for row, c in enumerate(cluster_ids):
        lo, hi = tf.indptr[row], tf.indptr[row + 1]
        cols = tf.indices[lo:hi]
        score = tf.data[lo:hi] / words_per_class[row] * idf[cols]
        order = np.lexsort((cols, -score))  # best first, ties by vocabulary order
        chosen: list[tuple[str, float]] = []
        for j in order:
            if score[j] <= 0 or len(chosen) >= pool:
                break
            term = str(vocab[cols[j]])
            words = {_stem(w) for w in term.split()}
            inside = [
                i for i, (t, _) in enumerate(chosen) if {_stem(w) for w in t.split()} <= words
            ]
            if inside and len(chosen) >= top_n:  # past the label's own terms: no swaps
                continue
            if inside:  # a longer term ("in-context learning") replaces the word it holds
                chosen[inside[0]] = (term, chosen[inside[0]][1])
                for i in reversed(inside[1:]):
                    del chosen[i]
                continue
            if _redundant(term, [t for t, _ in chosen]):
                continue
            chosen.append((term, float(score[j])))
        out[c] = chosen
    return _exclusive(out, top_n) if exclusive else out


def _exclusive(
    candidates: dict[int, list[tuple[str, float]]], top_n: int
) -> dict[int, list[tuple[str, float]]]:
    """Each term (in the singular) to the cluster where it scores highest, best scores
    first; every cluster keeps up to ``top_n`` of its candidates in its own order, and
    at least its best one even when a sibling took it (a label is never empty)."""
    claims = sorted(
        ((score, c, rank, term) for c, ts in candidates.items()
         for rank, (term, score) in enumerate(ts)),
        key=lambda t: (-t[0], t[1], t[2]),
    )  # fmt: skip
    owner: dict[str, int] = {}
    for _score, c, _rank, term in claims:
        owner.setdefault(_term_key(term), c)
    out: dict[int, list[tuple[str, float]]] = {}
    for c, ts in candidates.items():
        mine = [(t, sc) for t, sc in ts if owner[_term_key(t)] == c][:top_n]
        out[c] = mine or ts[:1]
    return out


def cluster_hierarchy(
    coords: npt.ArrayLike, labels: npt.ArrayLike, ratio: int = 3
) -> list[npt.NDArray[np.int32]]:
    """Every point's cluster at each level, finest first: ``[labels, level 1, ...]``.

    Each level merges the clusters of the one below by Ward linkage of their centres
    (the mean of their points) into ``round(k / ratio)`` clusters, while that leaves
    at least two and fewer than ``k``. Ids are unique across levels (a level's ids
    follow the one below's), numbered by decreasing size; noise stays ``-1`` at every
    level. A cluster lies inside exactly one cluster of the level above."""
    from scipy.cluster.hierarchy import fcluster, linkage

    xy = np.asarray(coords, dtype=np.float64)
    lab = np.asarray(labels, dtype=np.int32)
    out = [lab]
    next_id = int(lab.max()) + 1 if lab.size else 0
    while True:
        cur = out[-1]
        ids = np.unique(cur[cur >= 0])
        target = round(ids.shape[0] / ratio)
        if target < 2 or target >= ids.shape[0]:
            return out
        centres = np.stack([xy[cur == c].mean(axis=0) for c in ids])
        group = fcluster(linkage(centres, method="ward"), t=target, criterion="maxclust")
        pos = np.searchsorted(ids, np.maximum(cur, 0))
        merged = np.where(cur >= 0, group[pos].astype(np.int64), -1)
        gids, sizes = np.unique(merged[merged >= 0], return_counts=True)
        first = np.array([ids[group == g].min() for g in gids])
        order = np.lexsort((first, -sizes))
        remap = np.full(int(gids.max()) + 1, -1, dtype=np.int64)
        remap[gids[order]] = next_id + np.arange(order.shape[0])
        nxt = np.where(merged >= 0, remap[np.maximum(merged, 0)], -1).astype(np.int32)
        next_id += order.shape[0]
        out.append(nxt)


class _Labelled(Protocol):
    @property
    def label(self) -> str: ...
    @property
    def level(self) -> int: ...


class _Nested(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def parent(self) -> int: ...
    @property
    def level(self) -> int: ...


def finest_under(clusters: Sequence[_Nested], cluster_id: int) -> set[int]:
    """The level-0 clusters (the ids a map stores per point) inside a cluster of any
    level: itself when it is of level 0."""
    children: dict[int, list[_Nested]] = {}
    for c in clusters:
        children.setdefault(c.parent, []).append(c)
    out: set[int] = set()
    todo = [c for c in clusters if c.id == cluster_id]
    while todo:
        c = todo.pop()
        if c.level == 0:
            out.add(c.id)
        todo.extend(children.get(c.id, []))
    return out


def _term_key(term: str) -> str:
    return " ".join(_stem(w) for w in term.lower().split())


def label_distinctiveness(labels: Sequence[str]) -> float:
    """The share of label terms that occur in no other label: each label is its terms
    joined by ", " (what :func:`cluster_map` writes); terms compare word by word in the
    singular (``language models`` is ``language model``). 1.0: every term names one
    cluster only. Needs two labels or more."""
    if len(labels) < 2:
        raise ValueError("distinctiveness needs at least two labels")
    keys = [{_term_key(t) for t in lab.split(", ") if t.strip()} for lab in labels]
    total = sum(len(k) for k in keys)
    if total == 0:
        return 0.0
    seen: dict[str, int] = {}
    for k in keys:
        for t in k:
            seen[t] = seen.get(t, 0) + 1
    return sum(1 for k in keys for t in k if seen[t] == 1) / total


def distinctiveness_by_level(clusters: Sequence[_Labelled]) -> dict[int, float]:
    """:func:`label_distinctiveness` of each level that has two clusters or more."""
    levels: dict[int, list[str]] = {}
    for c in clusters:
        levels.setdefault(c.level, []).append(c.label)
    return {lv: label_distinctiveness(ls) for lv, ls in sorted(levels.items()) if len(ls) >= 2}


def _stem(word: str) -> str:
    """A crude singular (``models`` → ``model``) so a label does not repeat itself."""
    if len(word) > 3 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _redundant(term: str, chosen: list[str]) -> bool:
    """A term whose words (singular) all occur in a chosen term adds nothing to a label
    (``models`` after ``model``, ``reward`` after ``reward model``)."""
    words = {_stem(w) for w in term.split()}
    return any(words <= {_stem(w) for w in t.split()} for t in chosen)


TextSource = Sequence[str] | Callable[[npt.NDArray[np.int64]], Sequence[str]]
"""All texts row-aligned with the points, or a function giving the texts of some rows
(so a library of 100k papers fetches only the few it names clusters with)."""


def naming_sample(
    labels: npt.NDArray[np.int32], max_per_cluster: int, seed: int = 0
) -> npt.NDArray[np.int64]:
    """Rows that name the clusters: all members of small clusters, a random
    ``max_per_cluster`` of large ones (sorted)."""
    rng = np.random.default_rng(seed)
    picked = []
    for c in np.unique(labels[labels >= 0]):
        members = np.flatnonzero(labels == c)
        if len(members) > max_per_cluster:
            members = np.sort(rng.choice(members, size=max_per_cluster, replace=False))
        picked.append(members)
    if not picked:
        return np.empty(0, dtype=np.int64)
    out: npt.NDArray[np.int64] = np.sort(np.concatenate(picked)).astype(np.int64)
    return out


def cluster_map(
    coords: npt.ArrayLike,
    texts: TextSource,
    min_cluster_size: int | None = None,
    label_terms: int = 3,
    max_docs_per_cluster: int = 300,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    seed: int = 0,
    learn_stop_words: bool = True,
    exclusive_terms: bool = True,
    hierarchy: bool = True,
) -> Clustering:
    """Cluster a layout with HDBSCAN, build the hierarchy above its clusters
    (:func:`cluster_hierarchy`) and name every cluster of every level by its c-TF-IDF
    terms, counted over up to ``max_docs_per_cluster`` random members of each HDBSCAN
    cluster (each standing for its share of the cluster), without the library's own
    stop words (:func:`domain_stop_words`, learnt on the finest level: the most
    clusters to compare). ``seed`` drives every random draw (HDBSCAN's sample of a big
    map, the naming sample): the same layout and seed give the same clusters and names.
    ``exclusive_terms``: a term names only the cluster of its level where it scores
    highest (the others show their next terms), since a label is there to tell its
    cluster from its neighbours. ``learn_stop_words=False, exclusive_terms=False,
    hierarchy=False``: flat clusters named with the static stop lists only."""
    cancel = cancel or CancelToken()
    xy = np.asarray(coords, dtype=np.float32)
    progress(0.0, "Clusters: HDBSCAN")
    labels = hdbscan_labels(xy, min_cluster_size, seed=seed)
    cancel.check()
    levels = cluster_hierarchy(xy, labels) if hierarchy else [labels]
    progress(0.5, "Clusters: naming")
    rows = naming_sample(labels, max_docs_per_cluster, seed=seed)
    sample = list(texts(rows)) if callable(texts) else [texts[int(i)] for i in rows]
    counts = _Counts(sample)
    leaf = labels[rows].astype(np.int64)
    stop = _learned_stop(counts, leaf, 0.5) if learn_stop_words else frozenset()
    # a sampled text stands for size / sampled of its cluster's papers
    all_sizes = np.bincount(labels[labels >= 0], minlength=1) if labels.size else np.zeros(1)
    sampled = np.bincount(leaf[leaf >= 0], minlength=all_sizes.shape[0])
    weights = np.where(
        leaf >= 0, all_sizes[np.maximum(leaf, 0)] / np.maximum(sampled[np.maximum(leaf, 0)], 1), 0
    ).astype(np.float64)
    clusters = []
    for depth, lab in enumerate(levels):
        cancel.check()
        parents = levels[depth + 1] if depth + 1 < len(levels) else None
        terms = _name(counts, lab[rows].astype(np.int64), max(label_terms, 5), stop, weights,
                      exclusive=exclusive_terms)  # fmt: skip
        level_clusters = []
        for c, ts in terms.items():
            members = lab == c
            centre = np.median(xy[members], axis=0)
            words = tuple(t for t, _ in ts)
            parent = -1 if parents is None else int(parents[np.flatnonzero(members)[0]])
            level_clusters.append(
                Cluster(
                    id=c,
                    label=", ".join(words[:label_terms]),
                    terms=words,
                    size=int(members.sum()),
                    centre=(float(centre[0]), float(centre[1])),
                    level=depth,
                    parent=parent,
                )
            )
        level_clusters.sort(key=lambda c: (-c.size, c.id))
        clusters.extend(level_clusters)
    nearest = nearest_clusters(xy, labels)
    n_leaf = sum(1 for c in clusters if c.level == 0)
    progress(1.0, f"Clusters: {n_leaf} in {len(levels)} levels")
    return Clustering(labels, clusters, nearest, tuple(sorted(stop)), tuple(levels))
