"""A PDF that keeps PDFium busy for ever (``tests/data/crashers/pdf-1@paper.pdf``: the
real AutoGen page 1 with one byte changed: its figure's form XObject's ``/Resources``
key reads ``/Vesources``) is
read in the PDF worker process under a CPU-time limit: the import of a folder holding
it finishes, the good PDFs are imported as usual, the bad one is attached with a note
naming the limit; the full-text pass and the thumbnail say the same; Cancel kills the
worker. The limit is CPU time (``RLIMIT_CPU`` in the worker), so the verdicts do not
depend on the machine's load; it is set low here (``PAPERSCOPE_PDF_CPU_SECONDS``)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest

from paperscope.core.tasks import Cancelled, CancelToken
from paperscope.library.store import Store
from paperscope.readers.papers import _pdf_guard
from paperscope.readers.papers.pdf import (
    PdfUnreadable,
    full_text,
    paper_from_pdf,
    render_first_page,
)
from paperscope.workflows.attachments import extract_fulltext
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA

HANG = TEST_DATA / "crashers" / "pdf-1@paper.pdf"
ARXIV = TEST_DATA / "pdf-arxiv"
PDF = TEST_DATA / "pdf"
GOOD = {
    ARXIV / "2302.13971v1-page1.pdf": "LLaMA: Open and Efficient Foundation Language Models",
    ARXIV / "2308.08155v2-page1.pdf": (
        "AutoGen: Enabling Next-Gen LLM Applications via Multi-Agent Conversation"
    ),
    PDF / "arxiv-stamped.pdf": (
        "Stamped Margins and Large Titles Reading Identifiers from Preprints"
    ),
}
CPU_S = 1
NOTE = f"could not be read: PDFium took more than {CPU_S} s of CPU time"
TEXT_NOTE = f"could not be read: PDFium took more than {3 * CPU_S} s of CPU time"

needs_rlimit = pytest.mark.skipif(not _pdf_guard.HAVE_RLIMIT, reason="no RLIMIT_CPU here")


@pytest.fixture(autouse=True)
def _low_cpu_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", str(CPU_S))


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for path in GOOD:
        shutil.copy(path, folder / path.name)
    # between the good ones in the scan's order: the import goes on after it
    shutil.copy(HANG, folder / "2305.00000-hangs.pdf")
    return folder


def test_the_fixture_is_the_real_page_with_one_byte_changed() -> None:
    good, bad = (ARXIV / "2308.08155v2-page1.pdf").read_bytes(), HANG.read_bytes()
    assert len(good) == len(bad)
    assert [i for i in range(len(good)) if good[i] != bad[i]] == [130686]
    assert good[130685:130696] == b"/Resources<" and bad[130685:130696] == b"/Vesources<"


@needs_rlimit
def test_import_of_a_folder_with_a_hanging_pdf_finishes(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.duckdb")
    summary = import_paths(store, [_folder(tmp_path)])
    assert (summary.added, summary.merged, summary.skipped) == (4, 0, 0)
    ids = store.all_ids().tolist()
    titles = {p.title: pid for p, pid in zip(store.papers(ids), ids, strict=True)}
    assert set(titles) == {*GOOD.values(), "2305.00000-hangs"}
    for title in GOOD.values():
        (att,) = store.attachments_of(titles[title])
        assert att.note == "" and att.status == "ok"
    (bad,) = store.attachments_of(titles["2305.00000-hangs"])
    assert (bad.name, bad.status, bad.note) == ("2305.00000-hangs.pdf", "ok", NOTE)
    (issue,) = [i for i in summary.issues if "hangs" in i.file]
    assert issue.file.endswith("2305.00000-hangs.pdf") and NOTE in issue.message
    # the background full-text pass: the good ones read, the bad one noted
    assert extract_fulltext(store) == 4
    (bad,) = store.attachments_of(titles["2305.00000-hangs"])
    assert bad.note == TEXT_NOTE and store.fulltext_of(titles["2305.00000-hangs"]) == ""
    autogen = titles[GOOD[ARXIV / "2308.08155v2-page1.pdf"]]
    assert "multi-agent" in store.fulltext_of(autogen).lower()
    store.close()


@needs_rlimit
def test_every_read_of_the_hanging_pdf_is_limited() -> None:
    paper, issues = paper_from_pdf(HANG)
    assert paper.title == "pdf-1@paper" and paper.attachments[0].note == NOTE
    assert [i.file for i in issues] == [str(HANG)]
    with pytest.raises(PdfUnreadable, match=NOTE):
        render_first_page(HANG, 200)  # the thumbnail (the full text: the test above)
    # a killed worker is replaced: the next PDF is read as before
    good = ARXIV / "2308.08155v2-page1.pdf"
    assert paper_from_pdf(good)[0].title == GOOD[good]
    assert render_first_page(good, 120).shape[1] == 120


def test_one_worker_reads_a_batch() -> None:
    _pdf_guard.shutdown()
    for path in GOOD:
        paper_from_pdf(path)
    pids = _pdf_guard.worker_pids()
    assert len(pids) == 1 and pids[0] != os.getpid()
    for path in GOOD:
        full_text(path)
        paper_from_pdf(path)
    assert _pdf_guard.worker_pids() == pids


def test_cancel_kills_the_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    # a limit the hang would take long to reach: only Cancel ends the read
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", "600")
    _pdf_guard.shutdown()
    cancel = CancelToken()
    started = threading.Event()

    def cancel_when_started() -> None:
        started.wait(60)
        cancel.cancel()

    real_send = _pdf_guard._Worker.__init__

    def tracking_init(self: _pdf_guard._Worker, memory_mb: int) -> None:
        real_send(self, memory_mb)
        workers.append(self)
        started.set()

    workers: list[_pdf_guard._Worker] = []
    monkeypatch.setattr(_pdf_guard._Worker, "__init__", tracking_init)
    threading.Thread(target=cancel_when_started, daemon=True).start()
    with pytest.raises(Cancelled):
        paper_from_pdf(HANG, cancel)
    (worker,) = workers
    assert not worker.alive() and worker.proc.exitcode is not None
    assert _pdf_guard.worker_pids() == []


def test_a_worker_that_crashes_gives_a_note_and_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker dies of SIGSEGV (as when PDFium crashes) right after it was given the
    job: the file gets a note, the next one is read by a fresh worker."""
    import signal

    if not hasattr(signal, "SIGSEGV") or os.name != "posix":
        pytest.skip("POSIX signals")
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", "600")
    _pdf_guard.shutdown()
    real_init = _pdf_guard._Worker.__init__

    class CrashAfterSend:
        def __init__(self, worker: _pdf_guard._Worker) -> None:
            self.worker, self.conn = worker, worker.conn

        def send(self, job: object) -> None:
            self.conn.send(job)
            os.kill(self.worker.proc.pid or 0, signal.SIGSEGV)

        def __getattr__(self, name: str) -> object:
            return getattr(self.conn, name)

    def crashing_init(self: _pdf_guard._Worker, memory_mb: int) -> None:
        real_init(self, memory_mb)
        self.conn = CrashAfterSend(self)  # type: ignore[assignment]

    monkeypatch.setattr(_pdf_guard._Worker, "__init__", crashing_init)
    paper, issues = paper_from_pdf(HANG)
    note = paper.attachments[0].note
    mb = _pdf_guard.memory_limit_mb()
    assert note == f"could not be read: PDFium crashed (SIGSEGV; memory limit {mb:,} MiB)"
    assert [i.file for i in issues] == [str(HANG)]
    assert _pdf_guard.worker_pids() == []
    monkeypatch.setattr(_pdf_guard._Worker, "__init__", real_init)
    good = ARXIV / "2308.08155v2-page1.pdf"
    assert paper_from_pdf(good)[0].title == GOOD[good]


@needs_rlimit
def test_the_limits_are_set_in_the_worker_not_here() -> None:
    if not Path("/proc/self/limits").exists():
        pytest.skip("no /proc")
    _pdf_guard.shutdown()
    paper_from_pdf(PDF / "arxiv-stamped.pdf")
    (pid,) = _pdf_guard.worker_pids()

    def limits(of: str) -> dict[str, list[str]]:
        rows = Path(f"/proc/{of}/limits").read_text().splitlines()[1:]
        return {r[:26].strip(): r[26:].split() for r in rows}

    worker = limits(str(pid))
    assert worker["Max address space"][0] == str(_pdf_guard.memory_limit_mb() << 20)
    cpu = int(worker["Max cpu time"][0])  # seconds used so far + the job's limit, rounded up
    assert CPU_S <= cpu <= CPU_S + 10
    assert worker["Max core file size"][0] == "0"


def test_without_rlimit_the_wall_clock_limit_ends_the_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Where there is no RLIMIT_CPU (Windows) the caller's wall-clock limit is the only
    one: the hanging PDF never finishes, so it is ended whatever the machine's load
    (the worker's own CPU limit is set out of reach here)."""
    monkeypatch.setenv("PAPERSCOPE_PDF_CPU_SECONDS", "600")
    monkeypatch.setattr(_pdf_guard, "HAVE_RLIMIT", False)
    monkeypatch.setattr(_pdf_guard, "WALL_FACTOR_NO_RLIMIT", 1 / 300)  # 2 s
    paper, _ = paper_from_pdf(HANG)
    assert paper.attachments[0].note == "could not be read: PDFium did not finish within 2 s"
    assert _pdf_guard.worker_pids() == []
