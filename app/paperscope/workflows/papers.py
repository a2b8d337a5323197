"""Importing papers into the library."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paperscope.core.records import Paper, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
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
