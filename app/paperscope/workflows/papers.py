"""Importing papers into the library."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperscope.core.records import Paper, ReadError, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.core.text import count
from paperscope.library.store import Store
from paperscope.library.store.papers import ImportSummary
from paperscope.readers import registry
from paperscope.workflows.attachments import store_read_papers, with_attachments

PDF_BATCH = 100  # PDFs read before they are stored together (one transaction)


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
    with bibtex_macros(jobs):
        return _import_jobs(store, jobs, scan_issues, progress, cancel)


def bibtex_macros(jobs: Sequence[registry.Job]) -> AbstractContextManager[None]:
    """The ``@string`` macros of every ``.bib`` file of one import, seen by each of
    them while they are read (macro files first, as BibTeX sees them)."""
    from paperscope.readers.papers.bibtex import import_macros

    return import_macros([j.path for j in jobs if j.reader.name == "bibtex"])


def _import_jobs(
    store: Store,
    jobs: Sequence[registry.Job],
    scan_issues: Sequence[ReadIssue],
    progress: Progress,
    cancel: CancelToken,
) -> ImportSummary:
    total = ImportSummary(issues=list(scan_issues))
    total.skipped += sum(1 for i in scan_issues if i.severity == "skipped")
    n = max(len(jobs), 1)
    k = 0
    while k < len(jobs):
        job = jobs[k]
        cancel.check()
        if job.reader.name == "pdf":
            # PDFs one paper each: read a run of them, then store them in one go
            end = k
            while end < len(jobs) and end - k < PDF_BATCH and jobs[end].reader.name == "pdf":
                end += 1
            read = registry.read_jobs(jobs[k:end], sub_progress(progress, k / n, end / n), cancel)
            total.issues.extend(read.issues)
            total.skipped += sum(1 for i in read.issues if i.severity == "skipped")
            if read.papers:
                try:
                    summary = store_read_papers(store, read.papers, no_progress, cancel)
                except (ValueError, OSError) as exc:
                    where = f"{jobs[k].path.name} … {jobs[end - 1].path.name}"
                    total.issues.append(ReadIssue(where, "", f"not stored: {exc}", "skipped"))
                    total.skipped += len(read.papers)
                    k = end
                    continue
                total.added += summary.added
                total.merged += summary.merged
                total.published += summary.published
                total.paper_ids.extend(summary.paper_ids)
            k = end
            continue
        at = k
        k += 1
        bulk_min = getattr(job.reader, "bulk_min_bytes", None)
        if bulk_min is not None and _size(job.path) >= bulk_min:
            # a big arXiv snapshot: DuckDB reads it straight into the library
            try:
                summary = store.import_arxiv_snapshot(
                    job.path, sub_progress(progress, at / n, (at + 1) / n), cancel
                )
            except ReadError as exc:
                total.issues.append(ReadIssue(exc.file, exc.location, exc.message, "skipped"))
                total.skipped += 1
                continue
            total.added += summary.added
            total.merged += summary.merged
            total.published += summary.published
            total.skipped += summary.skipped
            total.issues.extend(summary.issues)
            total.paper_ids.extend(summary.paper_ids)
            continue
        read = registry.read_jobs([job], sub_progress(progress, at / n, (at + 0.6) / n), cancel)
        total.issues.extend(read.issues)
        total.skipped += sum(1 for i in read.issues if i.severity == "skipped")
        if not read.papers:
            continue
        try:
            sub = sub_progress(progress, (at + 0.6) / n, (at + 1) / n)
            if any(p.attachments for p in read.papers):  # PDFs, bibliographies' file fields
                summary = store_read_papers(store, read.papers, sub, cancel)
            else:
                summary = store.add_papers(read.papers, sub, cancel)
        except (ValueError, OSError) as exc:
            total.issues.append(ReadIssue(str(job.path), "", f"not stored: {exc}", "skipped"))
            total.skipped += len(read.papers)
            continue
        total.added += summary.added
        total.merged += summary.merged
        total.published += summary.published
        total.paper_ids.extend(summary.paper_ids)
    progress(1.0, total.line())
    return total


@dataclass(slots=True)
class ImportPreview:
    """What importing some files would do, before anything is stored: counted by the
    library's own matching (:meth:`Store.plan_import`), so the import then does
    exactly this (unless the library changes in between)."""

    papers: list[Paper] = field(default_factory=list)
    new: int = 0
    merged: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return sum(1 for i in self.issues if i.severity == "skipped")

    @property
    def can_import(self) -> bool:
        return bool(self.papers)

    def line(self) -> str:
        names = ", ".join(p.name for p in self.files)
        if not self.papers:
            why = skip_reasons(self.issues) or next(
                (i.message for i in self.issues), "no papers found"
            )
            return f"Nothing to import from {names}: {why}"
        text = (
            f"{len(self.papers):,} papers in {names}: {self.new:,} new, "
            f"{self.merged:,} merged (already in the library or twice in the files)"
        )
        if self.skipped:
            text += f"; skipped {self.skipped:,}: {skip_reasons(self.issues)}"
        return text


_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


def skip_reasons(issues: Sequence[ReadIssue], limit: int = 4) -> str:
    """The skipped records' reasons, counted (``28 × duplicate citation key: this entry
    is skipped``); a file refused as a whole is named with its reason."""
    counts: dict[str, int] = {}
    for i in issues:
        if i.severity != "skipped":
            continue
        if i.location in ("", "line 1", "end of file", "top level"):
            reason = f"{Path(i.file).name}: {i.message}"
        else:
            reason = _QUOTED.sub(
                "…", i.message.split(": ", 1)[0] if "(" in i.message else i.message
            )
        counts[reason] = counts.get(reason, 0) + 1
    parts = [f"{n:,} × {r}" if n > 1 else r for r, n in sorted(counts.items(), key=lambda x: -x[1])]
    if len(parts) > limit:
        parts = [*parts[:limit], f"{len(parts) - limit} other reasons"]
    return "; ".join(parts)


def preview_import(
    store: Store,
    paths: Iterable[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportPreview:
    """Read the files and count what the import will do: new papers, papers merged
    (into the library or with each other), records skipped and why."""
    files = [Path(p) for p in paths]
    jobs, scan_issues = registry.scan(files, kind="papers")
    with bibtex_macros(jobs):
        read = registry.read_jobs(jobs, progress, cancel)
    read.issues[:0] = scan_issues
    preview = ImportPreview(papers=read.papers, issues=read.issues, files=files)
    preview.new, preview.merged = store.plan_import(read.papers)
    return preview


def add_previewed(
    store: Store,
    preview: ImportPreview,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ImportSummary:
    """Store what :func:`preview_import` read (the files are not read again)."""
    summary = store_read_papers(store, preview.papers, progress, cancel or CancelToken())
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
    preprint: bool = False,
) -> int:
    """Write papers to ``out`` in ``fmt`` (bibtex, csljson, ris, csv): the given ``ids``
    (a selection, in that order), else those matching ``query`` (best first), else the
    whole library. Papers without a citation key get a stable one first. A preprint
    published as a venue version is cited as that version, or with ``preprint`` as the
    preprint. Returns how many papers were written. The file is replaced only when
    everything is written."""
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
        if fmt in ("bibtex", "csljson"):
            papers = with_attachments(store, papers, part, Path(out).parent)
        user: dict[int, dict[str, object]] = {}
        if fmt == "csv":
            tags = store.paper_tags(part)
            rows = store.table_rows(part, ["status", "rating"])
            notes = store.paper_notes(part)
            for pid in part:
                status, rating = rows.get(pid, (None, None))
                user[pid] = {"status": status, "rating": rating, "notes": notes.get(pid, ""),
                             "tags": [t.name for t in tags.get(pid, [])]}  # fmt: skip
        text = export.render(fmt, papers, part, user, preprint)
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
