"""Clusters on the map and the names they give themselves.

HDBSCAN (``sklearn.cluster.HDBSCAN``) finds dense regions of the 2-D layout; each
cluster is named by its top class-based TF-IDF terms (BERTopic's c-TF-IDF: a term's
frequency in the cluster's concatenated texts times ``log(1 + A / f_t)``, with ``A`` the
mean number of words per cluster and ``f_t`` the term's frequency over all clusters).
Terms are unigrams and bigrams of letters only (no numbers), English stop words and
academic boilerplate ("propose", "results") removed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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


def _strip_markup(text: str) -> str:
    """Drop XML/JATS tags, LaTeX commands and maths, and links from an abstract."""
    return _MARKUP.sub(" ", text)


@dataclass(frozen=True, slots=True)
class Clustering:
    """``labels``: one cluster id per point (``-1``: noise); ``clusters`` by size, largest
    first; ``nearest``: each point's cluster, or for a noise point the cluster of its
    nearest clustered point (what the map shades it by; see :func:`nearest_clusters`)."""

    labels: npt.NDArray[np.int32]
    clusters: list[Cluster]
    nearest: npt.NDArray[np.int32] | None = None

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


def ctfidf_terms(
    texts: Sequence[str],
    labels: npt.ArrayLike,
    top_n: int = 5,
    ngram_range: tuple[int, int] = (1, 2),
) -> dict[int, list[tuple[str, float]]]:
    """The ``top_n`` c-TF-IDF terms of every cluster (noise ``-1`` left out), best first."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    lab = np.asarray(labels, dtype=np.int64)
    if len(texts) != lab.shape[0]:
        raise ValueError(f"{len(texts)} texts for {lab.shape[0]} labels")
    cluster_ids = sorted(int(c) for c in np.unique(lab) if c >= 0)
    if not cluster_ids:
        return {}
    docs = [
        " ".join(_strip_markup(texts[int(i)]) for i in np.flatnonzero(lab == c))
        for c in cluster_ids
    ]
    stop = sorted(ENGLISH_STOP_WORDS | BOILERPLATE)
    vec = CountVectorizer(
        ngram_range=ngram_range,
        stop_words=stop,
        token_pattern=TOKEN_PATTERN,
        lowercase=True,
    )
    try:
        counts = vec.fit_transform(docs)
    except ValueError:  # nothing but stop words
        return {c: [] for c in cluster_ids}
    vocab = vec.get_feature_names_out()
    tf = counts.tocsr().astype(np.float64)  # clusters × vocabulary, sparse
    words_per_class = np.asarray(tf.sum(axis=1)).ravel()
    words_per_class[words_per_class == 0] = 1.0
    freq = np.asarray(tf.sum(axis=0)).ravel()
    avg_words = float(freq.sum()) / len(cluster_ids)
    idf = np.log(1.0 + avg_words / np.maximum(freq, 1.0))
    out: dict[int, list[tuple[str, float]]] = {}
    for row, c in enumerate(cluster_ids):
        lo, hi = tf.indptr[row], tf.indptr[row + 1]
        cols = tf.indices[lo:hi]
        score = tf.data[lo:hi] / words_per_class[row] * idf[cols]
        order = np.lexsort((cols, -score))  # best first, ties by vocabulary order
        chosen: list[tuple[str, float]] = []
        for j in order:
            if score[j] <= 0 or len(chosen) >= top_n:
                break
            term = str(vocab[cols[j]])
            words = {_stem(w) for w in term.split()}
            inside = [
                i for i, (t, _) in enumerate(chosen) if {_stem(w) for w in t.split()} <= words
            ]
            if inside:  # a longer term ("in-context learning") replaces the word it holds
                chosen[inside[0]] = (term, chosen[inside[0]][1])
                for i in reversed(inside[1:]):
                    del chosen[i]
                continue
            if _redundant(term, [t for t, _ in chosen]):
                continue
            chosen.append((term, float(score[j])))
        out[c] = chosen
    return out


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
) -> Clustering:
    """Cluster a layout with HDBSCAN and name each cluster by its c-TF-IDF terms,
    counted over up to ``max_docs_per_cluster`` random members of each cluster.
    ``seed`` drives every random draw (HDBSCAN's sample of a big map, the naming
    sample): the same layout and seed give the same clusters and names."""
    cancel = cancel or CancelToken()
    xy = np.asarray(coords, dtype=np.float32)
    progress(0.0, "Clusters: HDBSCAN")
    labels = hdbscan_labels(xy, min_cluster_size, seed=seed)
    cancel.check()
    progress(0.5, "Clusters: naming")
    rows = naming_sample(labels, max_docs_per_cluster, seed=seed)
    sample = list(texts(rows)) if callable(texts) else [texts[int(i)] for i in rows]
    terms = ctfidf_terms(sample, labels[rows], top_n=max(label_terms, 5))
    clusters = []
    for c, ts in terms.items():
        members = labels == c
        centre = np.median(xy[members], axis=0)
        words = tuple(t for t, _ in ts)
        clusters.append(
            Cluster(
                id=c,
                label=", ".join(words[:label_terms]),
                terms=words,
                size=int(members.sum()),
                centre=(float(centre[0]), float(centre[1])),
            )
        )
    clusters.sort(key=lambda c: (-c.size, c.id))
    nearest = nearest_clusters(xy, labels)
    progress(1.0, f"Clusters: {len(clusters)}")
    return Clustering(labels, clusters, nearest)
