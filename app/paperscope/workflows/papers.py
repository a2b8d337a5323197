"""Importing papers into the library."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from paperscope.core.records import ReadIssue
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
