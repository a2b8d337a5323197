"""Every registered reader, papers and runs, under hypothesis with structure-aware
mutations of a small real seed file: truncated, bytes flipped, inserted and deleted,
lines and fields removed or repeated, huge fields, wrong encodings (latin-1, UTF-16,
invalid UTF-8). The only outcomes allowed: a result, a partial result with issues
naming the file, or ``ReadError`` naming the file. Any other exception fails, and so does
a call that takes longer than the per-call guard (a hang).

``PAPERSCOPE_FUZZ_EXAMPLES`` sets the examples per reader (default 2,000). Under the
default "ci" hypothesis profile (tests/conftest.py) the draws are derandomised: every run
tries the same examples and gives the same verdict. ``pytest --fuzz`` (or
``PAPERSCOPE_HYPOTHESIS_PROFILE=fuzz``) explores with fresh randomness, 50,000 examples per
reader unless ``PAPERSCOPE_FUZZ_EXAMPLES`` says otherwise, and saves the shrunk input of
every failure as ``tests/data/crashers/<reader>-<n>@<mutated file>`` (``/`` written as
``__``); ``test_crashers`` replays every file there in every run.

The per-call limit is CPU time (``ITIMER_PROF``), not wall time, so a busy machine never
turns a slow read into a "hang". PDFs are read by PDFium in the PDF worker process, whose
own CPU-time limit (``RLIMIT_CPU``, :data:`PDF_CPU_LIMIT_S` here) ends a hang there: the
file is then attached with that note (``crashers/pdf-1@paper.pdf``).
"""

from __future__ import annotations

import faulthandler
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS, RUNS, SHARED_DATA, TEST_DATA, mlflow_db_file

EXAMPLES = int(os.environ.get("PAPERSCOPE_FUZZ_EXAMPLES", "2000"))
CALL_LIMIT_S = 5.0  # CPU seconds; one read of a seed of a few kB takes milliseconds
# the last resort when compiled code never returns to the interpreter (SIGPROF cannot
# interrupt it): faulthandler ends the process after this much wall time
LAST_RESORT_S = 300.0
PDF_CPU_LIMIT_S = "2"  # the PDF worker's limit (PAPERSCOPE_PDF_CPU_SECONDS), under CALL_LIMIT_S
CRASHERS = TEST_DATA / "crashers"


@dataclass(frozen=True)
class Seed:
    files: dict[str, bytes]  # relative path -> content of the valid, small seed
    mutate: tuple[str, ...]  # which of them the mutations may hit
    read: str  # what is given to the reader ("" = the folder itself)


def _head_lines(path: Path, n: int) -> bytes:
    return b"".join(path.read_bytes().splitlines(keepends=True)[:n])


def _json_items(path: Path, n: int) -> bytes:
    data = json.loads(path.read_bytes())
    if isinstance(data, list):
        data = data[:n]
    else:
        data = dict(list(data.items())[:n])
    return json.dumps(data, indent=1).encode()


def _bib_entries(path: Path, n: int) -> bytes:
    text = path.read_text(encoding="utf-8")
    starts = [m.start() for m in re.finditer(r"^@", text, re.M)]
    entries = [m.start() for m in re.finditer(r"^@(?!string|comment|preamble)", text, re.M | re.I)]
    end = min(s for s in starts if s > entries[n - 1])
    # two @string macros, then n entries
    return (text[starts[1] : starts[3]] + text[entries[0] : end]).encode()


def _atom_entries(path: Path, n: int) -> bytes:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition("<entry>")
    entries = rest.split("<entry>")[:n]
    body = "<entry>".join(entries)
    body = body[: body.rfind("</entry>") + len("</entry>")]
    return (head + "<entry>" + body + "\n</feed>\n").encode()


def _ris_records(path: Path, n: int) -> bytes:
    """The first ``n`` records (the file's later records are deliberately broken)."""
    data = path.read_bytes()
    end = 0
    for _ in range(n):
        end = data.index(b"ER  -", end) + len(b"ER  -")
    return data[:end] + b"\r\n"


def _sacred_metrics(path: Path) -> bytes:
    data = json.loads(path.read_bytes())
    out = {}
    for k, v in list(data.items())[:2]:
        out[k] = {key: val[:20] if isinstance(val, list) else val for key, val in v.items()}
    return json.dumps(out, indent=1).encode()


def _mlflow_db() -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.db"
        mlflow_db_file(path, steps=40)
        return path.read_bytes()


def _files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(s in p.parts for s in skip)
    }


TB_EVENTS = RUNS / "go-tensorboard/testdata/tfevents"
TB_NAME = "events.out.tfevents.1585499054.Jaakkos-Mac-mini.local.11684.5.v2"
MLFLOW_RUN = RUNS / "Swahili-Speech-To-Text/mlruns/1/ed05f9cd599442fe9a0c9222184710b8"
SB3 = RUNS / "rl-trained-agents/ppo/CartPole-v1_1"
LIGHTNING = RUNS / "ArcRoute/lightning_logs/version_0/metrics.csv"
WANDB = (
    'Step,"run-a - loss","run-a - loss__MIN","run-a - loss__MAX","run-b - loss"\n'
    + "".join(
        f"{i},{1 / (i + 1)},{0.9 / (i + 1)},{1.1 / (i + 1)},{2 / (i + 1)}\n" for i in range(20)
    )
).encode()
JSONL = b'{"step": 1, "loss": 0.5}\n{"step": 2, "loss": NaN, "acc": 1}\n' * 5


def _pwc_rows(path: Path, n: int) -> bytes:
    """The first task of a sota-extractor file with its first dataset's first ``n`` rows."""
    task = json.loads(path.read_bytes())[0]
    ds = dict(task["datasets"][0])
    ds["sota"] = dict(ds["sota"], rows=ds["sota"]["rows"][:n])
    return json.dumps([dict(task, datasets=[ds])], indent=1).encode()


RESULTS = SHARED_DATA / "results"


def _one(name: str, data: bytes) -> Seed:
    return Seed({name: data}, (name,), name)


SEEDS: dict[str, Callable[[], Seed]] = {
    "arxiv-atom": lambda: _one(
        "query.atom", _atom_entries(TEST_DATA / "papers/arxiv-query.atom", 2)
    ),
    "arxiv-kaggle-snapshot": lambda: _one(
        "snap.jsonl", _head_lines(PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl", 3)
    ),
    "bibtex": lambda: _one("refs.bib", _bib_entries(PAPERS / "memlab.bib", 3)),
    "hf-daily-api": lambda: _one(
        "daily_papers.json", _json_items(PAPERS / "hf-api/daily_papers.json", 2)
    ),
    "csl-json": lambda: _one(
        "refs.json", _json_items(PAPERS / "context-review-references.csl.json", 3)
    ),
    "hf-model-card": lambda: _one(
        "README.md",
        (RESULTS / "hf_model_cards/sb3_ppo-BreakoutNoFrameskip-v4_README.md").read_bytes(),
    ),
    "pwc-sota": lambda: _one("ogb.json", _pwc_rows(RESULTS / "pwc_sota_extractor/ogb.json", 3)),
    "hf-daily-page": lambda: _one(
        "page.txt", _head_lines(PAPERS / "hf-daily-page/daily-papers-page.txt", 60)
    ),
    # a small PDF written by PDFium (tests/data/pdf/make_pdfs.py): stamp, title, abstract
    "pdf": lambda: _one("paper.pdf", (TEST_DATA / "pdf/arxiv-stamped.pdf").read_bytes()),
    "ris": lambda: _one("refs.ris", _ris_records(TEST_DATA / "papers/references.ris", 2)),
    "csv": lambda: _one("metrics.csv", _head_lines(LIGHTNING, 25)),
    "dopamine": lambda: _one(
        "breakout.json", _json_items(RUNS / "dopamine/baselines/atari/data/breakout.json", 12)
    ),
    "jsonl": lambda: _one("log.jsonl", JSONL),
    "lightning-csv": lambda: _one("metrics.csv", _head_lines(LIGHTNING, 25)),
    "mlflow-db": lambda: _one("mlflow.db", _mlflow_db()),
    "mlflow-store": lambda: Seed(
        _files(MLFLOW_RUN, skip=("artifacts",)),
        ("metrics/loss", "meta.yaml", "tags/mlflow.user"),
        "",
    ),
    "rliable-scores": lambda: _one(
        "IRIS.json", _json_items(RUNS / "iris/results/data/IRIS.json", 6)
    ),
    "sacred": lambda: Seed(
        {
            "config.json": (RUNS / "ml-pws/runs/78/config.json").read_bytes(),
            "metrics.json": _sacred_metrics(RUNS / "ml-pws/runs/78/metrics.json"),
            "run.json": _json_items(RUNS / "ml-pws/runs/78/run.json", 30),
        },
        ("config.json", "metrics.json", "run.json"),
        "",
    ),
    "sb3-evaluations": lambda: _one("evaluations.npz", (SB3 / "evaluations.npz").read_bytes()),
    "sb3-monitor": lambda: Seed(
        {"0.monitor.csv": _head_lines(SB3 / "0.monitor.csv", 15)}, ("0.monitor.csv",), ""
    ),
    "sb3-progress": lambda: _one(
        "progress.csv", _head_lines(RUNS / "warp-mujoco-domain-randomization/logs/progress.csv", 8)
    ),
    "tensorboard": lambda: Seed({TB_NAME: (TB_EVENTS / TB_NAME).read_bytes()}, (TB_NAME,), ""),
    "tensorboard-file": lambda: _one(TB_NAME, (TB_EVENTS / TB_NAME).read_bytes()),
    "wandb": lambda: _one("run-seed.wandb", (TEST_DATA / "wandb/run-seed.wandb").read_bytes()),
    "wandb-export": lambda: _one("export.csv", WANDB),
}


# ---- mutations ---------------------------------------------------------------------------

OPS = (
    "truncate", "flip", "insert", "delete", "drop_line", "dup_line", "drop_field",
    "huge_field", "latin1", "utf16", "bad_utf8", "splice_special",
)  # fmt: skip
SPECIAL = b'{}[]",:\\@<>/-=#\n\r\t\x00\xff\xc3\x80 eE.NaN-1e999TY  ER'
HUGE = 70_000  # past the 4,300-digit int limit and 64 kB line buffers; cheap enough for CI


def _at(data: bytes | bytearray, where: float) -> int:
    return min(int(where * len(data)), max(len(data) - 1, 0))


def apply(data: bytes, ops: list[tuple[str, float, int]]) -> bytes:
    """Apply the drawn mutations, in order, to one seed file."""
    out = bytearray(data)
    for op, where, value in ops:
        i = _at(out, where)
        if op == "truncate":
            del out[i:]
        elif op == "flip" and out:
            out[i] ^= 1 << (value % 8)
        elif op == "insert":
            out[i:i] = bytes([value % 256]) * (1 + value % 7)
        elif op == "delete":
            del out[i : i + 1 + value % 64]
        elif op in ("drop_line", "dup_line"):
            lines = bytes(out).splitlines(keepends=True)
            if lines:
                k = _at(lines, where)
                lines[k:k] = [] if op == "drop_line" else [lines[k]] * (1 + value % 50)
                if op == "drop_line":
                    del lines[k]
                out = bytearray(b"".join(lines))
        elif op == "drop_field":
            # remove one `"key": value,` / `key = {...},` / `a,` cell around a separator
            seps = [m.start() for m in re.finditer(rb"[,;\n]", out)]
            if len(seps) >= 2:
                k = min(int(where * (len(seps) - 1)), len(seps) - 2)
                del out[seps[k] : seps[k + 1]]
        elif op == "huge_field":
            quote = out.find(b'"', i)
            at = quote + 1 if quote >= 0 else i
            out[at:at] = (b"9" if value % 2 else b"x") * (HUGE + value)
        elif op == "latin1":
            out = bytearray(bytes(out).decode("utf-8", "replace").encode("latin-1", "replace"))
        elif op == "utf16":
            out = bytearray(bytes(out).decode("utf-8", "replace").encode("utf-16"))
        elif op == "bad_utf8":
            out[i:i] = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\x80\x80"][
                value % 5
            ]
        elif op == "splice_special":
            out[i:i] = SPECIAL[value % len(SPECIAL) : value % len(SPECIAL) + 1 + value % 5]
    return bytes(out)


MUTATIONS = st.lists(
    st.tuples(st.sampled_from(OPS), st.floats(0.0, 1.0), st.integers(0, 1000)),
    min_size=1,
    max_size=4,
)


# ---- running one read under the guard --------------------------------------------------


MEMORY_LIMIT = 2 << 30  # growth of the resident set during one read


def _rss() -> int:
    with open("/proc/self/statm", "rb") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


_armed: list[int] = []  # the resident set when the current read began


def _memory_watchdog() -> None:
    """A read that allocates without bound (pandas' tokenizer once took 24 GB on a
    100-byte file) would take the machine down; end the run with a traceback instead."""
    while True:
        time.sleep(0.02)
        base = next(iter(_armed), None)
        if base is not None and _rss() - base > MEMORY_LIMIT:
            sys.stderr.write(f"a read grew memory by more than {MEMORY_LIMIT >> 30} GB\n")
            faulthandler.dump_traceback(all_threads=True)
            os._exit(70)


if Path("/proc/self/statm").exists():
    threading.Thread(target=_memory_watchdog, daemon=True, name="fuzz-memory").start()


class Hang(BaseException):
    """The per-call CPU-time limit ran out (a BaseException: readers catch Exception)."""


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"a read took more than {CALL_LIMIT_S} s of CPU time")


def guarded_read(reader_name: str, path: Path) -> ReadResult | ReadError:
    """Read ``path`` under a CPU-time and memory limit; a ``ReadError`` is returned.

    SIGPROF (after ``CALL_LIMIT_S`` of the process's CPU time, which a busy machine does
    not inflate) interrupts Python code; faulthandler ends the process with a traceback if
    compiled code (numba) never returns to the interpreter, the memory watchdog if the
    read grows the process by more than ``MEMORY_LIMIT``."""
    reader = registry.get(reader_name)
    previous = signal.signal(signal.SIGPROF, _alarm)
    faulthandler.dump_traceback_later(LAST_RESORT_S, exit=True)
    signal.setitimer(signal.ITIMER_PROF, CALL_LIMIT_S)
    _armed[:] = [_rss()]
    try:
        return reader.read(path, no_progress, CancelToken())
    except ReadError as exc:
        return exc
    finally:
        _armed.clear()
        signal.setitimer(signal.ITIMER_PROF, 0)
        faulthandler.cancel_dump_traceback_later()
        signal.signal(signal.SIGPROF, previous)


def check_outcome(outcome: ReadResult | ReadError, root: Path) -> None:
    if isinstance(outcome, ReadError):
        assert outcome.file, f"ReadError without a file: {outcome}"
        assert Path(outcome.file).is_relative_to(root), outcome.file
        assert isinstance(outcome.location, str)
        assert outcome.message
        return
    assert isinstance(outcome, ReadResult)
    for issue in outcome.issues:
        assert issue.file, f"an issue without a file: {issue}"
        assert isinstance(issue.location, str)


# ---- the tests ---------------------------------------------------------------------------


def test_every_registered_reader_is_fuzzed() -> None:
    assert {r.name for r in registry.readers()} == set(SEEDS)


# one folder per reader, holding its seed, reused by every example (module state, not a
# fixture argument, so a failing example's report stays short)
_WORKDIRS: dict[str, tuple[Seed, Path]] = {}


@pytest.fixture(scope="module", autouse=True)
def _pdf_cpu_limit() -> Iterator[None]:
    """A PDF that keeps PDFium busy ends in its worker after a few CPU seconds."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PAPERSCOPE_PDF_CPU_SECONDS", PDF_CPU_LIMIT_S)
        yield


@pytest.fixture(scope="module", autouse=True)
def _warm_readers(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Read every seed once outside the guard: the first CSV or TensorBoard read compiles
    numba kernels (seconds of CPU on a fresh clone), which is not a read taking long."""
    for name, make in SEEDS.items():
        seed = make()
        folder = tmp_path_factory.mktemp(f"warm-{name}")
        _write(folder, seed.files)
        registry.get(name).read(folder / seed.read, no_progress, CancelToken())


@pytest.fixture(scope="module", autouse=True)
def _clean_workdirs() -> Iterator[None]:
    yield
    for _, folder in _WORKDIRS.values():
        shutil.rmtree(folder, ignore_errors=True)
    _WORKDIRS.clear()


def _prepare(name: str) -> tuple[Seed, Path]:
    if name not in _WORKDIRS:
        _WORKDIRS[name] = (SEEDS[name](), Path(tempfile.mkdtemp(prefix=f"fuzz-{name}-")))
    return _WORKDIRS[name]


def _write(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


@pytest.mark.parametrize("reader_name", sorted(SEEDS))
def test_seed_is_valid(reader_name: str, tmp_path: Path) -> None:
    """The fuzzing starts from a file the reader reads fully, without issues."""
    seed = SEEDS[reader_name]()
    _write(tmp_path, seed.files)
    outcome = guarded_read(reader_name, tmp_path / seed.read)
    assert isinstance(outcome, ReadResult), outcome
    assert outcome.papers or outcome.runs or outcome.results
    assert not [i for i in outcome.issues if i.severity != "warning"], outcome.issues


SAVE_CRASHERS = os.environ.get("PAPERSCOPE_HYPOTHESIS_PROFILE") == "fuzz"
_SAVED: dict[str, Path] = {}  # reader -> the crasher file written for its current failure


def crasher_name(reader_name: str, n: int, target: str) -> str:
    return f"{reader_name}-{n}@{target.replace('/', '__')}"


def _save_crasher(reader_name: str, target: str, data: bytes) -> None:
    """Keep the failing input (hypothesis shrinks it: the last failure is the smallest)."""
    old = _SAVED.pop(reader_name, None)
    if old is not None:
        old.unlink(missing_ok=True)
    CRASHERS.mkdir(parents=True, exist_ok=True)
    taken = {p.name for p in CRASHERS.iterdir()}
    n = 1
    while any(t.startswith(f"{reader_name}-{n}.") or t.startswith(f"{reader_name}-{n}@")
              for t in taken):  # fmt: skip
        n += 1
    path = CRASHERS / crasher_name(reader_name, n, target)
    path.write_bytes(data)
    _SAVED[reader_name] = path
    print(f"\n[fuzz] crasher saved: {path}", file=sys.stderr)


@pytest.mark.parametrize("reader_name", sorted(SEEDS))
@settings(
    max_examples=EXAMPLES,
    suppress_health_check=list(HealthCheck),
    database=None,
)
@given(which=st.integers(0, 2), ops=MUTATIONS)
def test_mutated_seed(
    reader_name: str,
    which: int,
    ops: list[tuple[str, float, int]],
) -> None:
    seed, folder = _prepare(reader_name)
    target = seed.mutate[which % len(seed.mutate)]
    data = apply(seed.files[target], ops)
    _write(folder, {**seed.files, target: data})
    try:
        check_outcome(guarded_read(reader_name, folder / seed.read), folder)
    except BaseException:
        if SAVE_CRASHERS:
            _save_crasher(reader_name, target, data)
        raise


def _crasher_cases() -> list[Path]:
    return sorted(CRASHERS.glob("*")) if CRASHERS.is_dir() else []


def _reader_of(crasher: Path) -> str:
    return max((n for n in SEEDS if crasher.name.startswith(n + "-")), key=len)


@pytest.mark.parametrize("crasher", _crasher_cases(), ids=lambda p: p.name)
def test_crashers(crasher: Path, tmp_path: Path) -> None:
    """Every input that once crashed a reader is now read or refused cleanly. A file
    stands for the mutated file of the reader's seed; the other seed files stay valid."""
    name = _reader_of(crasher)
    seed = SEEDS[name]()
    if "@" in crasher.name:  # <reader>-<n>@<mutated file, "/" as "__">
        target = crasher.name.split("@", 1)[1].replace("__", "/")
        assert target in seed.mutate, (crasher.name, seed.mutate)
    else:  # the older names: the mutated file is told by the suffix
        target = next(
            (m for m in seed.mutate if crasher.name.endswith(Path(m).suffix or "\0")), None
        )
        target = target or seed.mutate[0]
    _write(tmp_path, {**seed.files, target: crasher.read_bytes()})
    check_outcome(guarded_read(name, tmp_path / seed.read), tmp_path)
