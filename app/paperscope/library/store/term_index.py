"""Word search without FTS5's per-row ``bm25()``: postings derived from the FTS5 index.

FTS5 answers a keystroke in two parts: every matching id (cheap) and BM25 of the newest
``limit`` matches, which costs 1–2 µs per row for ``bm25()`` and most of a keystroke at
a million papers. :class:`TermPostings` holds, for every term of the FTS5 index, the
papers it occurs in (sorted ids, ``int32``) and its weighted frequency in each (the
column weights of :data:`text_index.WEIGHTS` applied to the counts, as ``bm25()`` does;
in quarters as ``uint16``), plus each paper's token count, and answers the same
question with numpy slices of memory-mapped arrays: the same ids, and scores equal to
``bm25()``'s (its formula and its order of operations: ``fts5_aux.c``). A prefix is the
slice of its terms' postings, which lie side by side. Only the sorted term list is
read into memory (a million terms: about 65 MB, a fraction of a second to read).

Only plain words (a bare word or a prefix, in every column) are answered here; a
phrase, a word of several tokens ("state-of-the-art") or a ``title:`` word goes to FTS5
(positions and per-column counts are not kept). The terms are FTS5's own, read from its
``fts5vocab`` tables, and a query word is tokenised by FTS5 itself (an in-memory table
with the same tokenizer), so stemming, case and diacritics are FTS5's.

The postings are derived, like the FTS5 file: built in the background when a library
is big enough to need them (:data:`TERMS_ABOVE`), in a folder beside the index, one
sub-folder per build (written under a temporary name and renamed, so a cancelled or
failed build leaves the previous one); they carry the FTS5 generation they reflect, and
the store uses them only while that is the index's and the library's generation (any
write of paper text makes FTS5 answer again until the next build).
"""

from __future__ import annotations

import bisect
import itertools
import json
import os
import shutil
import sqlite3
import threading
import uuid
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.search import Term

# a library of at least this many papers gets postings: at 50k papers FTS5 alone answers
# a keystroke through the view in p50 16 / p95 38 ms (the postings 8 / 16 ms, built in
# 2.3 s, 38 MB; bench_papers_gui.py --papers 50000), at 1M in 33 / 80 ms
TERMS_ABOVE = 50_000
FORMAT = 1
_CHUNK = 4_000_000  # instances read from FTS5 per query while building
_K1 = 1.2
_B = 0.75

# a word as the store hands it over: (token, prefix); a group: words ORed together
Word = tuple[str, bool]
Group = list[Word]


class TermPostings:
    """The postings of one build (see the module docstring); read-only, thread-safe."""

    def __init__(
        self,
        terms: list[str],
        offsets: np.ndarray,
        docs: np.ndarray,
        freq: np.ndarray,
        doclen: np.ndarray,
        meta: dict[str, Any],
    ) -> None:
        self.terms = terms
        self.offsets = offsets
        self.docs = docs
        self.freq = freq
        self.doclen = doclen
        self.meta = meta
        self.generation = int(meta["generation"])
        self.n_rows = int(meta["n_rows"])
        self.n_tokens = int(meta["n_tokens"])
        self.avgdl = self.n_tokens / self.n_rows if self.n_rows else 1.0
        self.scale = float(meta.get("freq_scale", 1.0))  # freq holds quarters as uint16
        self.folder: Path | None = None

    # -- files -------------------------------------------------------------------------
    @classmethod
    def load(cls, folder: Path, fingerprint: str) -> TermPostings | None:
        """The build in ``folder``, memory-mapped, or ``None`` when there is none that
        was made by this format for this index's schema (``fingerprint``)."""
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or meta.get("fingerprint") != fingerprint:
                return None
            terms = (folder / "terms.txt").read_text(encoding="utf-8").split("\n")
            if terms == [""]:
                terms = []
            arrays = {
                name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                for name in ("offsets", "docs", "freq", "doclen")
            }
        except (OSError, ValueError, KeyError):
            return None
        if len(arrays["offsets"]) != len(terms) + 1:
            return None
        self = cls(terms, arrays["offsets"], arrays["docs"], arrays["freq"], arrays["doclen"], meta)
        self.folder = folder
        return self

    # -- answering ---------------------------------------------------------------------
    def _range(self, token: str, prefix: bool) -> tuple[int, int]:
        lo = bisect.bisect_left(self.terms, token)
        if not prefix:
            hit = lo < len(self.terms) and self.terms[lo] == token
            return lo, lo + 1 if hit else lo
        if not token:
            return 0, len(self.terms)
        last = ord(token[-1])
        if last >= 0x10FFFF:
            return lo, len(self.terms)
        return lo, bisect.bisect_left(self.terms, token[:-1] + chr(last + 1), lo)

    def phrase(self, token: str, prefix: bool) -> tuple[np.ndarray, np.ndarray]:
        """The papers a word (a term, or every term of a prefix) occurs in, sorted, and
        its weighted frequency in each (float64)."""
        lo, hi = self._range(token, prefix)
        a, b = int(self.offsets[lo]), int(self.offsets[hi])
        docs = self.docs[a:b]
        freq = np.asarray(self.freq[a:b], dtype=np.float64)
        if self.scale != 1.0:
            freq *= self.scale
        if hi - lo <= 1:
            return np.asarray(docs, dtype=np.int64), freq
        # several terms: the same paper in several runs, frequencies added (multiples
        # of 1/4: exact in any order, as FTS5's sum over the instances is)
        size = len(self.doclen)
        if len(docs) * 16 >= size:
            acc = np.bincount(docs, weights=freq, minlength=size)
            where = np.flatnonzero(acc)
            return where.astype(np.int64), acc[where]
        order = np.argsort(docs, kind="stable")
        sd = docs[order]
        starts = np.flatnonzero(np.concatenate(([True], sd[1:] != sd[:-1])))
        summed = np.add.reduceat(freq[order], starts)
        return sd[starts].astype(np.int64), summed

    def search(
        self, groups: Sequence[Group], limit: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What :meth:`text_index.Fts5File.search` returns for the FTS5 expression of
        these groups (every group must match; a group's words are ORed): every matching
        id (sorted), the newest ``limit`` matches (sorted) and their BM25 scores (higher
        is better)."""
        phrases: list[tuple[np.ndarray, np.ndarray]] = []
        matched: np.ndarray | None = None
        for group in groups:
            found = [self.phrase(token, prefix) for token, prefix in group]
            phrases.extend(found)
            ids = found[0][0]
            for other, _f in found[1:]:
                ids = np.union1d(ids, other)
            matched = ids if matched is None else _intersect(matched, ids)
        ids = matched if matched is not None else np.zeros(0, dtype=np.int64)
        sids = ids[-limit:] if limit > 0 else ids[:0]
        # bm25() of fts5_aux.c, operation for operation
        length = self.doclen[sids].astype(np.float64)
        norm = _K1 * (1 - _B + _B * length / self.avgdl)
        score = np.zeros(len(sids), dtype=np.float64)
        for docs, freq in phrases:
            n_hit = len(docs)
            idf = float(np.log((self.n_rows - n_hit + 0.5) / (n_hit + 0.5)))
            if idf <= 0.0:
                idf = 1e-6
            f = _gather(docs, freq, sids)
            score += idf * ((f * (_K1 + 1.0)) / (f + norm))
        return (sids if len(ids) <= limit else ids), sids, score

    def union(self, words: Sequence[Word]) -> np.ndarray:
        """Sorted ids of the papers any of these words occurs in (the negated words)."""
        ids = np.zeros(0, dtype=np.int64)
        for token, prefix in words:
            ids = np.union1d(ids, self.phrase(token, prefix)[0])
        return ids


def _intersect(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Sorted unique ``a`` ∩ ``b`` by binary search of the shorter in the longer."""
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 0:
        return a
    pos = np.minimum(np.searchsorted(b, a), len(b) - 1)
    kept: np.ndarray = a[b[pos] == a]
    return kept


def _gather(docs: np.ndarray, freq: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``freq`` of the papers ``at`` (0 where a paper is not in ``docs``)."""
    if len(docs) == 0:
        return np.zeros(len(at), dtype=np.float64)
    pos = np.minimum(np.searchsorted(docs, at), len(docs) - 1)
    out: np.ndarray = np.where(docs[pos] == at, freq[pos], 0.0)
    return out


# -- query words -----------------------------------------------------------------------
class Tokenizer:
    """FTS5's own tokenizer on one word: an in-memory FTS5 table made like the index's,
    read back through ``fts5vocab`` (so a query word gets the index's stemming)."""

    def __init__(self, tokenize: str) -> None:
        self._lock = threading.Lock()
        self._con = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._con.execute(f"CREATE VIRTUAL TABLE w USING fts5(x, tokenize = {tokenize})")
        self._con.execute("CREATE VIRTUAL TABLE wv USING fts5vocab(w, 'instance')")
        self.tokens = lru_cache(maxsize=4096)(self._tokens)

    def _tokens(self, word: str) -> tuple[str, ...]:
        with self._lock:
            c = self._con
            c.execute("DELETE FROM w")
            c.execute("INSERT INTO w (rowid, x) VALUES (1, ?)", [word])
            rows = c.execute("SELECT term, offset FROM wv").fetchall()
        return tuple(term for term, _offset in sorted(rows, key=lambda r: r[1]))

    def close(self) -> None:
        with self._lock:
            self._con.close()


def plan_groups(terms: Sequence[Term], tokenizer: Tokenizer) -> list[Group] | None:
    """The positive terms as groups of plain words (``or_next`` pairs grouped, as
    ``text_index.fts_expression`` does), or ``None`` when one of them is not a plain
    word in every column (a phrase, a ``title:`` word, a word FTS5 reads as several
    tokens): FTS5 answers those."""
    words = plain_words(terms, tokenizer)
    if words is None:
        return None
    groups: list[Group] = []
    group: Group = []
    for t, word in zip(terms, words, strict=True):
        group.append(word)
        if not t.or_next:
            groups.append(group)
            group = []
    if group:
        groups.append(group)
    return groups


def plain_words(terms: Sequence[Term], tokenizer: Tokenizer) -> list[Word] | None:
    """Each term as a plain word (its one FTS5 token, and whether it is a prefix), or
    ``None`` when one of them is not (see :func:`plan_groups`)."""
    words: list[Word] = []
    for t in terms:
        if t.phrase or t.column is not None:
            return None
        tokens = tokenizer.tokens(t.text)
        if len(tokens) != 1:
            return None
        words.append((tokens[0], t.prefix))
    return words


# -- building --------------------------------------------------------------------------
def build_postings(
    con: sqlite3.Connection,
    folder: Path | None,
    fingerprint: str,
    columns: Sequence[str],
    weights: Sequence[float],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> TermPostings:
    """Read every term of the FTS5 table ``docs`` on ``con`` (in one read transaction:
    the generation in its ``meta`` table is the one these postings reflect) and write
    the postings into a new sub-folder of ``folder`` (in memory when ``None``).

    The weighted frequencies are kept in quarters as ``uint16`` (half the bytes of
    ``float32``, and exact: the weights are quarters); a word that occurs so often in
    one paper that its sum does not fit makes the build start again in ``float32``."""
    cancel = cancel or CancelToken()
    try:
        return _build(con, folder, fingerprint, columns, weights, progress, cancel, True)
    except _Overflow:
        return _build(con, folder, fingerprint, columns, weights, progress, cancel, False)


class _Overflow(Exception):
    """A weighted frequency does not fit in ``uint16`` quarters."""


def _build(
    con: sqlite3.Connection,
    folder: Path | None,
    fingerprint: str,
    columns: Sequence[str],
    weights: Sequence[float],
    progress: Progress,
    cancel: CancelToken,
    quarters: bool,
) -> TermPostings:
    con.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.ps_row USING fts5vocab(main, docs, 'row')")
    con.execute(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.ps_inst USING fts5vocab(main, docs, 'instance')"
    )
    target: Path | None = None
    con.execute("BEGIN")
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        generation = int(row[0]) if row else -1
        n_rows, max_id = con.execute("SELECT count(*), max(rowid) FROM docs").fetchone()
        progress(0.0, "Indexing words: reading the vocabulary")
        vocab = con.execute("SELECT term, doc, cnt FROM temp.ps_row").fetchall()
        terms = [r[0] for r in vocab]
        n_docs = np.array([r[1] for r in vocab], dtype=np.int64)
        n_inst = np.array([r[2] for r in vocab], dtype=np.int64)
        if any(a >= b for a, b in itertools.pairwise(terms)):
            raise ValueError("FTS5's vocabulary is not in term order")
        offsets = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(n_docs, out=offsets[1:])
        size = int(max_id or 0) + 1
        total = int(offsets[-1])
        w = np.asarray(weights, dtype=np.float64)
        quarters = quarters and bool(np.all(w * 4 == np.round(w * 4)))
        dtype = np.uint16 if quarters else np.float32
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / f".building-{os.getpid()}-{threading.get_ident()}"
            shutil.rmtree(target, ignore_errors=True)
            target.mkdir()
        docs: np.ndarray
        freq: np.ndarray
        if target is not None and total > 0:  # written in place, never all in memory
            fmt = np.lib.format
            docs = fmt.open_memmap(target / "docs.npy", "w+", np.int32, (total,))
            freq = fmt.open_memmap(target / "freq.npy", "w+", dtype, (total,))
        else:
            docs, freq = np.empty(total, np.int32), np.empty(total, dtype)
        doclen = np.zeros(size, dtype=np.int64)
        # fts5vocab names the column; its place in the table is what the weights follow
        column = (
            "CASE col "
            + " ".join(f"WHEN '{name}' THEN {i}" for i, name in enumerate(columns))
            + " END"
        )
        all_inst = int(n_inst.sum())
        done = 0
        t = 0
        while t < len(terms):
            cancel.check()
            # a run of terms of about _CHUNK instances (at least one term)
            end = t + 1
            acc = int(n_inst[t])
            while end < len(terms) and acc + int(n_inst[end]) <= _CHUNK:
                acc += int(n_inst[end])
                end += 1
            text = con.execute(
                f"SELECT group_concat(doc * 4 + {column}) FROM temp.ps_inst "
                "WHERE term >= ? AND term <= ?",
                [terms[t], terms[end - 1]],
            ).fetchone()[0]
            codes = np.fromstring(text or "", dtype=np.int64, sep=",")
            if len(codes) != acc:
                raise ValueError("FTS5's instances do not add up to its vocabulary")
            doc = codes >> 2
            bounds = np.zeros(end - t + 1, dtype=np.int64)
            np.cumsum(n_inst[t:end], out=bounds[1:])
            new = np.ones(len(doc), dtype=bool)
            new[1:] = doc[1:] != doc[:-1]
            new[bounds[:-1]] = True
            starts = np.flatnonzero(new)
            a, b = int(offsets[t]), int(offsets[end])
            if len(starts) != b - a or np.any(
                np.diff(np.searchsorted(starts, bounds)) != n_docs[t:end]
            ):
                raise ValueError("FTS5's instances are not in paper order within a term")
            docs[a:b] = doc[starts]
            summed = np.add.reduceat(w[codes & 3], starts)
            if quarters:
                summed *= 4
                if len(summed) and summed.max() >= 65536:
                    raise _Overflow
            freq[a:b] = summed
            doclen += np.bincount(doc, minlength=size)
            done += acc
            t = end
            fraction = done / max(all_inst, 1)
            progress(fraction, f"Indexing the words of {int(n_rows):,} papers: {fraction:.0%}")
        meta = {
            "format": FORMAT,
            "fingerprint": fingerprint,
            "generation": generation,
            "n_rows": int(n_rows),
            "n_tokens": int(doclen.sum()),
            "freq_scale": 0.25 if quarters else 1.0,
        }
        lengths = doclen.astype(np.int32)
        if folder is None:
            return TermPostings(terms, offsets, docs, freq, lengths, meta)
        assert target is not None
        for name, array in (("docs", docs), ("freq", freq)):
            if isinstance(array, np.memmap):
                array.flush()
            else:
                np.save(target / f"{name}.npy", array)
        del docs, freq
        np.save(target / "offsets.npy", offsets)
        np.save(target / "doclen.npy", lengths)
        (target / "terms.txt").write_text("\n".join(terms), encoding="utf-8")
        (target / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
        cancel.check()  # the last moment a cancel leaves the last build alone
        final = folder / f"g{generation}-{uuid.uuid4().hex[:12]}"
        shutil.rmtree(final, ignore_errors=True)
        target.rename(final)
        target = None
        built = TermPostings.load(final, fingerprint)
        if built is None:
            raise ValueError(f"the word index written in {final} cannot be read back")
        for old in folder.iterdir():  # earlier builds (a Windows reader may still map one)
            if old != final:
                shutil.rmtree(old, ignore_errors=True)
        return built
    finally:
        con.execute("COMMIT")
        if target is not None:
            shutil.rmtree(target, ignore_errors=True)


def newest_build(folder: Path, fingerprint: str) -> TermPostings | None:
    """The last complete build written in ``folder`` that this format can read (each
    build removes the earlier ones; one still mapped by a reader on Windows may stay)."""
    if not folder.is_dir():
        return None
    done = []
    for sub in folder.iterdir():
        meta = sub / "meta.json"
        if not sub.name.startswith(".") and meta.is_file():
            done.append((meta.stat().st_mtime_ns, sub.name, sub))
    for _mtime, _name, sub in sorted(done, reverse=True):
        built = TermPostings.load(sub, fingerprint)
        if built is not None:
            return built
    return None
