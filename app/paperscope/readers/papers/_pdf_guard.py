"""PDFium out of process: every PDF is opened and read in a worker process, under limits.

One malformed PDF can keep PDFium's C code spinning for ever (one byte changed in a
real arXiv page, a figure's ``/Resources`` key read as ``/Vesources``, does:
``tests/data/crashers/pdf-1@paper.pdf``) or crash it. So
:mod:`paperscope.readers.papers.pdf` never calls PDFium in the caller's process:
:func:`call` sends the job (read the first pages, the full text, draw page 1) to a
worker and waits for the answer, and

- the worker sets itself a CPU-time limit for each job (``RLIMIT_CPU``: the kernel ends
  it with ``SIGXCPU`` once the job has used :func:`cpu_limit` seconds of CPU, so the
  verdict does not depend on the machine's load) and a memory limit (``RLIMIT_AS``,
  :func:`memory_limit_mb`);
- the caller also gives up after :data:`WALL_FACTOR` times the CPU limit of wall
  time, at least :data:`WALL_MIN_S` (a worker blocked in I/O uses no CPU); on
  platforms without :mod:`resource` (Windows) a wall-clock limit of
  :data:`WALL_FACTOR_NO_RLIMIT` times the CPU limit is the only one;
- a :class:`~paperscope.core.tasks.CancelToken` set while a job runs kills the worker.

A killed or crashed worker is replaced on the next job; the others live on, so a
folder of PDFs is read by the same one or two processes (:data:`MAX_WORKERS`, started
with ``spawn``: never a fork of a process with Qt or threads). Whatever went wrong
becomes :class:`~paperscope.readers.papers.pdf.PdfUnreadable` with the note the
attachment gets (``could not be read: PDFium took more than 20 s of CPU time``).

``PAPERSCOPE_PDF_CPU_SECONDS`` and ``PAPERSCOPE_PDF_MEMORY_MB`` change the limits (read
at each call; the tests use a low CPU limit).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.core.tasks import Cancelled, CancelToken

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

CPU_LIMIT_S = 20.0  # one job; a paper's first pages take some 15 ms, its full text < 1 s
MEMORY_LIMIT_MB = 4096  # the worker's address space
WALL_FACTOR = 10.0  # the wall-clock backstop, in CPU limits (at least WALL_MIN_S)
WALL_MIN_S = 60.0
WALL_FACTOR_NO_RLIMIT = 3.0  # where there is no RLIMIT_CPU, the wall clock is the limit
MAX_WORKERS = 2
_POLL_S = 0.1  # how often a waiting caller looks at its cancel token

try:
    import resource

    HAVE_RLIMIT = hasattr(resource, "RLIMIT_CPU")
except ImportError:  # Windows
    HAVE_RLIMIT = False


def _env_limit(name: str, default: float) -> float:
    """A positive number from the environment variable ``name``, else ``default``."""
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


def cpu_limit() -> float:
    """The CPU seconds one job may take (``PAPERSCOPE_PDF_CPU_SECONDS``, else 20)."""
    return _env_limit("PAPERSCOPE_PDF_CPU_SECONDS", CPU_LIMIT_S)


def memory_limit_mb() -> int:
    """The worker's address-space limit in MiB (``PAPERSCOPE_PDF_MEMORY_MB``, else 4096)."""
    return int(_env_limit("PAPERSCOPE_PDF_MEMORY_MB", MEMORY_LIMIT_MB))


def _unreadable(note: str) -> Exception:
    from paperscope.readers.papers.pdf import PdfUnreadable

    return PdfUnreadable(note)


def _seconds(value: float) -> str:
    return f"{value:g}"


# -- the worker process ----------------------------------------------------------------
def _set_cpu_limit(seconds: float) -> None:
    """The kernel sends SIGXCPU (which ends the process) once this process has used
    ``seconds`` more CPU time than it has now (whole seconds: a little more at most)."""
    used = resource.getrusage(resource.RUSAGE_SELF)
    now = used.ru_utime + used.ru_stime
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    soft = math.ceil(now + seconds)
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))


def _set_memory_limit(mb: int) -> None:
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        want = mb << 20
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ValueError, OSError, AttributeError):  # macOS may refuse RLIMIT_AS
        pass
    with contextlib.suppress(ValueError, OSError, AttributeError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file when ended


def _run(op: str, path: str, args: tuple[Any, ...]) -> Any:
    from paperscope.readers.papers import pdf

    if op == "head":
        return pdf.read_head_here(Path(path), *args)
    if op == "text":
        return pdf.full_text_here(Path(path), *args)
    if op == "render":
        return pdf.render_first_page_here(Path(path), *args)
    raise ValueError(f"unknown PDF job {op!r}")


def serve(conn: Connection, memory_mb: int) -> None:
    """The worker's loop: a job ``(op, path, args, cpu_seconds)`` in, ``("ok", value)``
    or ``("error", exception)`` out, until the pipe closes."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # numpy's pools within RLIMIT_AS
    if HAVE_RLIMIT:
        _set_memory_limit(memory_mb)
    while True:
        try:
            op, path, args, seconds = conn.recv()
        except (EOFError, OSError):
            return
        if HAVE_RLIMIT:
            _set_cpu_limit(seconds)
        try:
            reply: tuple[str, Any] = ("ok", _run(op, path, args))
        except MemoryError:
            reply = ("memory", None)
        except Exception as exc:
            reply = ("error", exc)
        try:
            conn.send(reply)
        except Exception as exc:  # an exception that does not pickle
            conn.send(("error", RuntimeError(f"{type(exc).__name__}: {exc}")))
        if reply[0] == "memory":
            return  # the C heap may be in a bad state: a fresh worker takes over


# -- the caller's side -----------------------------------------------------------------
class _Worker:
    def __init__(self, memory_mb: int) -> None:
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.memory_mb = memory_mb
        self.proc: BaseProcess = ctx.Process(
            target=serve, args=(child, memory_mb), daemon=True, name="paperscope-pdf"
        )
        self.proc.start()
        child.close()

    def alive(self) -> bool:
        return self.proc.is_alive()

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.proc.kill()
        self.proc.join(5.0)
        self.conn.close()

    def exitcode(self) -> int | None:
        self.proc.join(5.0)
        return self.proc.exitcode


class _Pool:
    """At most :data:`MAX_WORKERS` workers, started when needed and kept for the next
    jobs; one job at a time each."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._idle: list[_Worker] = []
        self._busy = 0

    def acquire(self, memory_mb: int, cancel: CancelToken | None = None) -> _Worker:
        with self._lock:
            while not self._idle and self._busy >= MAX_WORKERS:
                self._lock.wait(_POLL_S)
                if cancel is not None:
                    cancel.check()
            self._busy += 1
            while self._idle:
                w = self._idle.pop()
                if w.alive() and w.memory_mb == memory_mb:
                    return w
                w.kill()
        try:
            return _Worker(memory_mb)
        except BaseException:
            self.release(None)
            raise

    def release(self, worker: _Worker | None) -> None:
        with self._lock:
            self._busy -= 1
            if worker is not None:
                self._idle.append(worker)
            self._lock.notify()

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for w in idle:
            w.kill()


_POOL = _Pool()


def shutdown() -> None:
    """End the idle workers (the next job starts a fresh one)."""
    _POOL.shutdown()


def worker_pids() -> list[int]:
    """The process ids of the idle workers (for tests)."""
    with _POOL._lock:
        return [w.proc.pid for w in _POOL._idle if w.proc.pid is not None]


def call(
    op: str,
    path: Path,
    args: tuple[Any, ...] = (),
    cancel: CancelToken | None = None,
    cpu_seconds: float | None = None,
) -> Any:
    """Run one PDF job in a worker and return its value; raises what the job raised,
    ``PdfUnreadable`` when the worker ran out of time or memory or crashed, and
    :class:`Cancelled` (the worker killed) when ``cancel`` is set meanwhile."""
    from multiprocessing.connection import wait

    seconds = cpu_seconds if cpu_seconds is not None else cpu_limit()
    memory_mb = memory_limit_mb()
    wall = seconds * WALL_FACTOR_NO_RLIMIT
    if HAVE_RLIMIT:
        wall = max(seconds * WALL_FACTOR, WALL_MIN_S)
    if cancel is not None:
        cancel.check()
    worker = _send(memory_mb, (op, os.path.abspath(path), args, seconds), cancel)
    keep: _Worker | None = None
    try:
        deadline = time.monotonic() + wall
        while True:
            ready = wait([worker.conn, worker.proc.sentinel], timeout=_POLL_S)
            if worker.conn in ready:
                try:
                    kind, value = worker.conn.recv()
                except (EOFError, OSError):
                    raise _ended(worker, seconds) from None
                break
            if ready:  # the process ended without an answer
                raise _ended(worker, seconds)
            if cancel is not None and cancel.cancelled:
                worker.kill()
                raise Cancelled()
            if time.monotonic() > deadline:
                worker.kill()
                raise _unreadable(
                    f"could not be read: PDFium did not finish within {_seconds(wall)} s"
                )
        if kind == "memory":
            worker.kill()
            raise _unreadable(f"could not be read: it needs more than {memory_mb:,} MiB of memory")
        keep = worker
        if kind == "error":
            raise value
        return value
    finally:
        if keep is None:
            worker.kill()  # never left running a job nobody waits for
        _POOL.release(keep)


def _send(memory_mb: int, job: tuple[Any, ...], cancel: CancelToken | None) -> _Worker:
    """A worker that was given ``job``: an idle one, else a fresh one (also when the
    idle one turns out to have ended meanwhile)."""
    for attempt in range(2):
        worker = _POOL.acquire(memory_mb, cancel)
        try:
            worker.conn.send(job)
            return worker
        except OSError:
            worker.kill()
            _POOL.release(None)
            if attempt:
                raise
    raise AssertionError("unreachable")


def _ended(worker: _Worker, seconds: float) -> Exception:
    """The note for a worker that ended in a job: out of CPU time, or crashed."""
    code = worker.exitcode()
    worker.kill()
    sigxcpu = getattr(signal, "SIGXCPU", None)
    if sigxcpu is not None and code == -sigxcpu:
        return _unreadable(
            f"could not be read: PDFium took more than {_seconds(seconds)} s of CPU time"
        )
    if code is not None and code < 0:
        try:
            how = signal.Signals(-code).name
        except ValueError:
            how = f"signal {-code}"
        return _unreadable(
            f"could not be read: PDFium crashed ({how}; memory limit {worker.memory_mb:,} MiB)"
        )
    return _unreadable(f"could not be read: the PDF worker process ended (exit code {code})")
