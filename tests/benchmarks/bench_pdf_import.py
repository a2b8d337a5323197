"""Importing a folder of PDFs (issue 19: "1,000 PDFs at >= 20 PDFs/s on 2 cores").

    python tests/benchmarks/bench_pdf_import.py              # 1,000 PDFs
    python tests/benchmarks/bench_pdf_import.py --pdfs 200

Writes ``--pdfs`` distinct three-page papers with PDFium (``tests/data/pdf/make_pdfs.py``'s
writer: a title, authors, an abstract, the arXiv margin stamp, 40 lines of body text
per page) plus every 10th file a copy of the real ``open-preprints-biology.pdf`` (the
same paper again: matched, attached), then

1. baseline: plain text extraction of the first two pages of every file with
   pypdfium2 (``get_text_range``; no parsing, no store);
2. ``import_paths`` of the folder into a fresh library file (read, match, store,
   attach), PDFs/s and the ratio to the baseline;
3. the background full-text pass (``extract_fulltext``) over every attachment;
4. the reader alone (``paper_from_pdf``) on the real arXiv PDFs of
   ``tests/data/pdf-arxiv`` (dense first pages: figures, footnotes, two columns), 20
   rounds, PDFs/s and the ratio to the baseline on the same files.

Not collected by pytest (``tests/benchmarks`` is ignored there).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(0, str(ROOT / "tests" / "data" / "pdf"))
REAL = ROOT / "tests" / "data" / "pdf" / "open-preprints-biology.pdf"
ARXIV = ROOT / "tests" / "data" / "pdf-arxiv"


def make_folder(folder: Path, n: int) -> list[Path]:
    from make_pdfs import write_paper  # type: ignore[import-not-found]

    words = ("model", "data", "learning", "sparse", "graph", "signal", "memory", "robust")
    files: list[Path] = []
    for i in range(n):
        path = folder / f"paper-{i:05d}.pdf"
        if i % 10 == 9:
            shutil.copy(REAL, path)
        else:
            w = [words[(i + k) % len(words)] for k in range(4)]
            title = f"On {w[0].title()} {w[1].title()} for {w[2].title()} Number {i}"
            p1 = [
                (title, 100, 720, 20), (f"Author{i} One, Author{i} Two", 150, 690, 12),
                ("Abstract", 100, 650, 10),
                *[(f"We study {w[k % 4]} and {w[(k + 1) % 4]} in setting {i}.", 100,
                   636 - 14 * k, 10) for k in range(30)],
            ]  # fmt: skip
            body = [[f"Section {j} line {k}: {w[k % 4]} {w[(k + 2) % 4]} result {i}"
                     for k in range(40)] for j in range(2)]  # fmt: skip
            write_paper(path, p1, f"arXiv:2505.{i:05d}v1  [cs.LG]  20 May 2025", body)
        files.append(path)
    return files


def baseline(files: list[Path]) -> float:
    import pypdfium2 as pdfium

    t0 = time.perf_counter()
    for f in files:
        doc = pdfium.PdfDocument(str(f))
        for i in range(min(2, len(doc))):
            page = doc[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
        doc.close()
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pdfs", type=int, default=1000)
    args = ap.parse_args()
    from paperscope.library.store import Store
    from paperscope.workflows.attachments import extract_fulltext
    from paperscope.workflows.papers import import_paths

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "pdfs"
        folder.mkdir()
        t0 = time.perf_counter()
        files = make_folder(folder, args.pdfs)
        print(f"wrote {len(files):,} PDFs in {time.perf_counter() - t0:.1f} s")
        base = baseline(files)
        print(f"baseline, plain text of 2 pages: {len(files) / base:8.1f} PDFs/s ({base:.2f} s)")
        store = Store(Path(tmp) / "lib.duckdb")
        t0 = time.perf_counter()
        summary = import_paths(store, [folder])
        took = time.perf_counter() - t0
        print(f"import_paths (read, match, store, attach): {len(files) / took:8.1f} PDFs/s "
              f"({took:.2f} s; {summary.line()})")  # fmt: skip
        print(f"ratio import / baseline: {took / base:.1f}x the time of plain extraction")
        t0 = time.perf_counter()
        n = extract_fulltext(store)
        took = time.perf_counter() - t0
        print(f"full text pass: {n / took:8.1f} PDFs/s ({n:,} files, {took:.2f} s)")
        store.close()
    real(rounds=20)


def real(rounds: int) -> None:
    from paperscope.readers.papers.pdf import paper_from_pdf

    files = sorted(ARXIV.glob("*.pdf")) * rounds
    base = baseline(files)
    t0 = time.perf_counter()
    for f in files:
        paper_from_pdf(f)
    took = time.perf_counter() - t0
    print(f"reader on the arXiv PDFs of {ARXIV.name}: {len(files) / took:8.1f} PDFs/s "
          f"(baseline {len(files) / base:.1f} PDFs/s; {took / base:.1f}x its time)")  # fmt: skip


if __name__ == "__main__":
    main()
