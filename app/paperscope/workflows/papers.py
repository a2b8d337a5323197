"""Importing papers into the library."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperscope.core.records import Paper, ReadError, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.core.text import count
from paperscope.library.store import Store
from paperscope.library.store.papers import ImportSummary
from paperscope.readers import registry


def import_paths(
    store: Store,
    paths: Iterable[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportSummary:
    """Read every paper file under ``paths`` and add the papers to ``store``.

    Files are read first, then stored in one transaction per file, so a file that
    fails to read or store changes nothing and the others still land.
    """
    cancel = cancel or CancelToken()
    jobs, scan_issues = registry.scan([Path(p) for p in paths], kind="papers")
    total = ImportSummary(issues=list(scan_issues))
    total.skipped += sum(1 for i in scan_issues if i.severity == "skipped")
    n = max(len(jobs), 1)
    for k, job in enumerate(jobs):
        cancel.check()
        bulk_min = getattr(job.reader, "bulk_min_bytes", None)
        if bulk_min is not None and _size(job.path) >= bulk_min:
            # a big arXiv snapshot: DuckDB reads it straight into the library
            try:
                summary = store.import_arxiv_snapshot(
                    job.path, sub_progress(progress, k / n, (k + 1) / n), cancel
                )
            except ReadError as exc:
                total.issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
                total.skipped += 1
                continue
            total.added += summary.added
            total.merged += summary.merged
            total.skipped += summary.skipped
            total.issues.extend(summary.issues)
            total.paper_ids.extend(summary.paper_ids)
            continue
        read = registry.read_jobs([job], sub_progress(progress, k / n, (k + 0.6) / n), cancel)
        total.issues.extend(read.issues)
        total.skipped += sum(1 for i in read.issues if i.severity == "skipped")
        if not read.papers:
            continue
        try:
            summary = store.add_papers(
                read.papers, sub_progress(progress, (k + 0.6) / n, (k + 1) / n), cancel
            )
        except (ValueError, OSError) as exc:
            total.issues.append(ReadIssue(str(job.path), "", f"not stored: {exc}", "skipped"))
            total.skipped += len(read.papers)
            continue
        total.added += summary.added
        total.merged += summary.merged
        total.paper_ids.extend(summary.paper_ids)
    progress(1.0, total.line())
    return total


@dataclass(slots=True)
class ImportPreview:
    """What importing some files would do, before anything is stored."""

    papers: list[Paper] = field(default_factory=list)
    new: int = 0
    merged: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    def line(self) -> str:
        names = ", ".join(p.name for p in self.files)
        return (
            f"{len(self.papers):,} papers in {names}: {self.new:,} new, "
            f"{self.merged:,} already in the library (merged)"
        )


def preview_import(
    store: Store,
    paths: Iterable[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportPreview:
    """Read the files and count how many papers are new and how many would merge."""
    from paperscope.library.dedup import paper_keys

    files = [Path(p) for p in paths]
    read = registry.read_paths(files, kind="papers", progress=progress, cancel=cancel)
    preview = ImportPreview(papers=read.papers, issues=read.issues, files=files)
    keys = [paper_keys(p) for p in read.papers]
    known = store.known_keys(sorted({k for ks in keys for k in ks}))
    seen: set[str] = set()
    for ks in keys:
        if any(k in known or k in seen for k in ks):
            preview.merged += 1
        else:
            preview.new += 1
        seen.update(ks)
    return preview


def add_previewed(
    store: Store,
    preview: ImportPreview,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportSummary:
    """Store what :func:`preview_import` read (the files are not read again)."""
    summary = store.add_papers(preview.papers, progress, cancel)
    summary.issues[:0] = preview.issues
    summary.skipped += sum(1 for i in preview.issues if i.severity == "skipped")
    return summary


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def export_papers(
    store: Store,
    fmt: str,
    out: Path,
    query: str | None = None,
    ids: Sequence[int] | np.ndarray | None = None,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> int:
    """Write papers to ``out`` in ``fmt`` (bibtex, csljson, ris, csv): the given ``ids``
    (a selection, in that order), else those matching ``query`` (best first), else the
    whole library. Papers without a citation key get a stable one first. Returns how
    many papers were written. The file is replaced only when everything is written."""
    from paperscope.library import export

    cancel = cancel or CancelToken()
    if fmt not in export.FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (one of {', '.join(export.FORMATS)})")
    if ids is None:
        if query and query.strip():
            ids, _scores = store.search_ids(query, typing=False)
        else:
            ids = store.order_ids(None, "id")
    id_list = [int(i) for i in ids]
    if fmt in ("bibtex", "csljson", "ris"):
        store.ensure_citation_keys(id_list)
    chunks: list[str] = []
    step = 5000
    for start in range(0, len(id_list), step):
        cancel.check()
        part = id_list[start : start + step]
        papers = store.papers(part)
        user: dict[int, dict[str, object]] = {}
        if fmt == "csv":
            tags = store.paper_tags(part)
            rows = store.table_rows(part, ["status", "rating"])
            notes = store.paper_notes(part)
            for pid in part:
                status, rating = rows.get(pid, (None, None))
                user[pid] = {"status": status, "rating": rating, "notes": notes.get(pid, ""),
                             "tags": [t.name for t in tags.get(pid, [])]}  # fmt: skip
        text = export.render(fmt, papers, part, user)
        if fmt == "csv" and start > 0:
            text = text.split("\n", 1)[1]
        chunks.append(text)
        progress(
            min(1.0, (start + step) / max(len(id_list), 1)),
            f"Exported {count(start + len(part), 'paper')}",
        )
    if fmt == "csljson" and len(chunks) > 1:
        import json

        items = [item for c in chunks for item in json.loads(c)]
        body = json.dumps(items, ensure_ascii=False, indent=2) + "\n"
    elif fmt == "csljson" and not chunks:
        body = "[]\n"
    elif fmt == "csv" and not chunks:
        body = export.render("csv", [], [], {})
    else:
        body = ("\n" if fmt == "bibtex" else "").join(chunks)
    out = Path(out)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(out)
    progress(1.0, f"Exported {count(len(id_list), 'paper')}")
    return len(id_list)


def bibtex_of(store: Store, ids: Sequence[int] | np.ndarray) -> str:
    """BibTeX of a selection, for the clipboard ("Copy BibTeX"); papers without a
    citation key get a stable one first."""
    from paperscope.library import export

    id_list = [int(i) for i in ids]
    store.ensure_citation_keys(id_list)
    return export.to_bibtex(store.papers(id_list))
