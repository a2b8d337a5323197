"""Crash safety: real processes killed with SIGKILL while importing 100,000 papers and
while writing vectors. After every kill the library opens, holds exactly what was
committed before the kill (the import is one transaction: all or nothing; vectors:
every batch the child reported committed, whole batches only), and the next import or
vector write completes. Also: an import that fails midway leaves no half-rows.

``PAPERSCOPE_FUZZ_EXAMPLES`` above the default (``pytest --fuzz``) adds kills at random
moments to the fixed ones.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from paperscope.core.tasks import CancelToken
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS, TEST_DATA
from tests.library.crash_child import batch_vectors

CHILD = Path(__file__).resolve().parent / "crash_child.py"
N = 100_000
LONG = int(os.environ.get("PAPERSCOPE_FUZZ_EXAMPLES", "2000")) > 2000
RANDOM_KILLS = 8 if LONG else 0
HEAD = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"
HEAD_PAPERS = 200
MODEL = "crash-test-model"
BATCHES, BATCH = 12, 4000


def generate(path: Path, n: int, seed: int = 7) -> None:
    """``n`` Kaggle-format snapshot lines re-sampled from the real head-200 records (the
    minimal part of ``generate()`` in tests/benchmarks/bench_library.py): line i has the
    unique arXiv id YYMM.NNNNN of slot i."""
    rng = random.Random(seed)
    with HEAD.open(encoding="utf-8") as fh:
        recs = [json.loads(line) for line in fh]
    words = [w for r in recs for w in r["title"].split() if w.isalpha() and len(w) > 3]
    sentences = [s for r in recs for s in " ".join(r["abstract"].split()).split(". ") if s]
    names = [a[:2] for r in recs for a in r["authors_parsed"] if len(a) > 1 and a[0] and a[1]]
    cats = [r["categories"] for r in recs]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    with path.open("w", encoding="utf-8") as out:
        buf: list[str] = []
        for i in range(n):
            slot = i % 228
            year, month = 2007 + slot // 12, slot % 12 + 1
            parsed = [[*rng.choice(names), ""] for _ in range(rng.randint(1, 5))]
            rec = {
                "id": f"{year % 100:02d}{month:02d}.{i // 228:05d}",
                "authors": ", ".join(f"{g} {f}" for f, g, _ in parsed),
                "title": " ".join(rng.choices(words, k=rng.randint(5, 14))),
                "doi": f"10.1000/crash.{i}" if rng.random() < 0.5 else None,
                "categories": rng.choice(cats),
                "abstract": ". ".join(rng.choices(sentences, k=rng.randint(4, 9))),
                "versions": [
                    {
                        "version": "v1",
                        "created": f"Mon, {rng.randint(1, 28)} {months[month - 1]} {year} "
                        "12:00:00 GMT",
                    }
                ],
                "update_date": f"{year}-06-01",
                "authors_parsed": parsed,
            }
            buf.append(json.dumps(rec))
            if len(buf) >= 10000:
                out.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            out.write("\n".join(buf) + "\n")


# ---- fixtures ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def work() -> Iterator[Path]:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="crash-safety-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def snapshot(work: Path) -> Path:
    """100,000 Kaggle-format lines (the benchmark's generator), bulk-import size."""
    path = work / "arxiv-100k.jsonl"
    generate(path, N)
    return path


@pytest.fixture(scope="module")
def base_library(work: Path) -> Path:
    """A library already holding the 200 real snapshot papers (committed earlier)."""
    path = work / "base.duckdb"
    with Store(path) as store:
        summary = import_paths(store, [HEAD])
        assert summary.added == HEAD_PAPERS
    assert not Path(str(path) + ".wal").exists()
    return path


@pytest.fixture(scope="module")
def full_library(work: Path, base_library: Path, snapshot: Path) -> Path:
    """The base library plus the 100,000 papers, for the vector kills."""
    path = work / "full.duckdb"
    shutil.copy(base_library, path)
    with Store(path) as store:
        assert import_paths(store, [snapshot]).added == N
    return path


def _copy(src: Path, dst: Path) -> Path:
    shutil.copy(src, dst)
    return dst


def _spawn(*args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _kill_after(
    child: subprocess.Popen[str], trigger: str, delay: float = 0.0, timeout: float = 120
) -> list[str]:
    """Read the child's lines until one contains ``trigger``, wait ``delay`` and kill
    it with SIGKILL. Returns every line read. Fails if the child ends before the
    trigger; a child that finished its work during ``delay`` (random moments) is fine."""
    assert child.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    for line in child.stdout:
        seen.append(line.rstrip("\n"))
        if trigger in line:
            break
        assert time.monotonic() < deadline, f"no {trigger!r} in time: {seen[-5:]}"
    else:
        err = child.stderr.read() if child.stderr else ""
        pytest.fail(f"the child ended before {trigger!r}: {seen[-5:]} {err}")
    if delay:
        time.sleep(delay)
    child.send_signal(signal.SIGKILL)
    child.wait(30)
    assert child.returncode in (-signal.SIGKILL, 0), (child.returncode, seen[-3:])
    if child.stdout:
        seen += [ln.rstrip("\n") for ln in child.stdout.readlines()]
    for stream in (child.stdout, child.stderr):
        if stream:
            stream.close()
    return seen


def _check_library(path: Path, expected: set[int]) -> int:
    """Open after the crash; the paper count is one of ``expected``; every identity key
    points at a stored paper and every paper has its keys (no half-written import)."""
    wal = Path(str(path) + ".wal")
    print(f"{path.name}: WAL left by the kill: {wal.stat().st_size if wal.exists() else 0} bytes")
    with Store(path) as store:  # replays the WAL; must not raise
        n = store.paper_count()
        assert n in expected, f"{n} papers after the kill; expected one of {sorted(expected)}"
        cur = store.cursor()
        orphans = cur.execute(
            "SELECT count(*) FROM paper_keys k WHERE NOT EXISTS "
            "(SELECT 1 FROM papers p WHERE p.id = k.paper_id)"
        ).fetchone()
        keyless = cur.execute(
            "SELECT count(*) FROM papers p WHERE NOT EXISTS "
            "(SELECT 1 FROM paper_keys k WHERE k.paper_id = p.id)"
        ).fetchone()
        assert orphans == (0,) and keyless == (0,), (orphans, keyless)
        if n == HEAD_PAPERS + N:
            # a spot value of the generated file: line 1 is arXiv id 0701.00000
            row = cur.execute("SELECT source FROM papers WHERE arxiv_id = '0701.00000'").fetchone()
            assert row == ("arxiv-100k.jsonl",)
        store.ensure_text_index()  # the derived search index catches up with the crash
        assert store.text_index_current()
    return n


# ---- (a) SIGKILL in the middle of importing 100,000 papers -----------------------------

# (line the child prints, delay, counts allowed after the kill). The bulk import is one
# transaction: "Reading JSON lines" is long before COMMIT, "Checking for unreadable
# lines" comes right after it; in between, the kill may land on either side.
IMPORT_KILLS = [
    # either side of COMMIT is allowed even here: a fast machine may reach it in 0.3 s,
    # a loaded one never does; what must hold is all-or-nothing
    ("Reading JSON lines", 0.3, {HEAD_PAPERS, HEAD_PAPERS + N}),
    ("Writing papers", 0.0, {HEAD_PAPERS, HEAD_PAPERS + N}),
    ("Recording identity keys", 0.05, {HEAD_PAPERS, HEAD_PAPERS + N}),
    ("Checking for unreadable lines", 0.0, {HEAD_PAPERS + N}),
]


def _import_moments() -> list[tuple[str, float, set[int]]]:
    rng = random.Random(1)
    extra = [
        ("open", rng.uniform(0.0, 8.0), {HEAD_PAPERS, HEAD_PAPERS + N}) for _ in range(RANDOM_KILLS)
    ]
    return IMPORT_KILLS + extra


@pytest.mark.parametrize(
    ("trigger", "delay", "allowed"),
    _import_moments(),
    ids=lambda x: x.split()[0] if isinstance(x, str) else None,
)
def test_kill_during_bulk_import(
    work: Path, base_library: Path, snapshot: Path, trigger: str, delay: float, allowed: set[int]
) -> None:
    lib = _copy(base_library, work / f"import-{trigger.split()[0]}-{delay:.3f}.duckdb")
    seen = _kill_after(_spawn("import", str(lib), str(snapshot)), trigger, delay)
    n = _check_library(lib, allowed)
    print(f"killed after {trigger!r} + {delay:.2f} s: {n} papers")
    # the next import completes and the library ends with every paper once
    with Store(lib) as store:
        summary = import_paths(store, [snapshot])
        assert summary.added == HEAD_PAPERS + N - n
        assert store.paper_count() == HEAD_PAPERS + N
    assert any(s.startswith("open") for s in seen)
    (lib).unlink()


# ---- (b) SIGKILL in the middle of writing vectors ---------------------------------------


def _stored_batches(path: Path) -> int:
    """How many leading batches are stored, each whole and exactly as written."""
    wal = Path(str(path) + ".wal")
    print(f"{path.name}: WAL left by the kill: {wal.stat().st_size if wal.exists() else 0} bytes")
    with Store(path) as store:
        ids, mat = store.vectors(MODEL)
        hashes = store.vector_hashes(MODEL)
        all_ids = store.all_ids()
    assert len(ids) % BATCH == 0, f"{len(ids)} vectors: a batch was half-written"
    k = len(ids) // BATCH
    np.testing.assert_array_equal(ids, all_ids[: k * BATCH])
    for b in range(k):
        want_hashes, want = batch_vectors(MODEL, b, ids[b * BATCH : (b + 1) * BATCH])
        np.testing.assert_array_equal(mat[b * BATCH : (b + 1) * BATCH], want)
        assert [hashes[int(i)] for i in ids[b * BATCH : (b + 1) * BATCH]] == want_hashes
    return k


VECTOR_KILLS = [(0, 0.0), (2, 0.15), (5, 0.05)]


def _vector_moments() -> list[tuple[int, float]]:
    rng = random.Random(2)
    extra = [(rng.randrange(BATCHES - 1), rng.uniform(0, 0.5)) for _ in range(RANDOM_KILLS)]
    return VECTOR_KILLS + extra


@pytest.mark.parametrize(("after", "delay"), _vector_moments())
def test_kill_while_writing_vectors(
    work: Path, full_library: Path, after: int, delay: float
) -> None:
    lib = _copy(full_library, work / f"vectors-{after}-{delay:.3f}.duckdb")
    child = _spawn("vectors", str(lib), MODEL, str(BATCHES), str(BATCH))
    seen = _kill_after(child, f"committed {after}", delay)
    committed = [int(s.split()[1]) for s in seen if s.startswith("committed")]
    assert committed == list(range(len(committed))) and len(committed) > after, committed
    stored = _stored_batches(lib)
    print(f"killed {delay:.2f} s after batch {after}: {len(committed)} reported, {stored} stored")
    # every batch reported committed is there; the one being written is all or nothing
    assert stored in (len(committed), len(committed) + 1), (stored, committed)
    # the next write completes (what embed_library would do: write the missing vectors)
    done = subprocess.run(
        [sys.executable, str(CHILD), "vectors", str(lib), MODEL, str(BATCHES), str(BATCH)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "done"
    assert _stored_batches(lib) == BATCHES
    lib.unlink()


# ---- a file that fails midway leaves no half-rows ------------------------------------


class Boom(Exception):
    pass


def _counts(store: Store) -> tuple[int, int, int]:
    cur = store.cursor()
    row = cur.execute(
        "SELECT (SELECT count(*) FROM papers), (SELECT count(*) FROM paper_keys), "
        "(SELECT count(*) FROM duckdb_tables() WHERE temporary)"
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


@pytest.mark.parametrize(
    "stage", ["Matching against the library", "Writing papers", "Recording identity keys"]
)
def test_bulk_import_failing_midway_changes_nothing(
    work: Path, base_library: Path, snapshot: Path, stage: str
) -> None:
    lib = _copy(base_library, work / "failing-bulk.duckdb")
    with Store(lib) as store:
        before = _counts(store)

        def progress(fraction: float | None, message: str = "") -> None:
            if message.startswith(stage):
                raise Boom(stage)

        with pytest.raises(Boom):
            store.import_arxiv_snapshot(snapshot, progress)
        assert _counts(store) == before
    with Store(lib) as store:  # and after reopening
        assert _counts(store)[:2] == before[:2]
    lib.unlink()


@pytest.mark.parametrize("stage", ["Writing", "Merging"])
def test_record_import_failing_midway_changes_nothing(
    work: Path, base_library: Path, stage: str
) -> None:
    """The record path (``add_papers``): cancelled while writing or merging one file,
    nothing of that file is stored; the next import of it completes."""
    lib = _copy(base_library, work / "failing-records.duckdb")
    ris = TEST_DATA / "papers" / "references.ris"
    with Store(lib) as store:
        before = _counts(store)
        cancel = CancelToken()

        def progress(fraction: float | None, message: str = "") -> None:
            if message.startswith(stage):
                cancel.cancel()

        from paperscope.core.tasks import Cancelled

        with pytest.raises(Cancelled):
            import_paths(store, [ris], progress, cancel)
        assert _counts(store) == before
        summary = import_paths(store, [ris])
        assert summary.added == 3
        assert _counts(store)[0] == before[0] + 3
    lib.unlink()
