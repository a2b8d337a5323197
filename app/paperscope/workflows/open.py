"""Routing what a user drops or opens: papers go to the library, logs to the plots."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from paperscope.core import paths as app_paths
from paperscope.core.records import ReadIssue
from paperscope.library.store import Store, derived_paths
from paperscope.readers import registry


@dataclass(slots=True)
class Routed:
    papers: list[Path] = field(default_factory=list)
    runs: list[Path] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)


def route_paths(paths: Iterable[Path]) -> Routed:
    """Split dropped files and folders by what they hold. A folder may hold both."""
    routed = Routed()
    for path in (Path(p) for p in paths):
        paper_jobs, _ = registry.scan([path], kind="papers")
        run_jobs, _ = registry.scan([path], kind="runs")
        if paper_jobs:
            routed.papers.append(path)
        if run_jobs:
            routed.runs.append(path)
        if not paper_jobs and not run_jobs:
            what = "folder" if path.is_dir() else "file"
            msg = "no such file or folder" if not path.exists() else f"no reader knows this {what}"
            routed.issues.append(ReadIssue(str(path), "", msg, "skipped"))
    return routed


def demo_page() -> Path:
    return app_paths.demo_dir() / "daily-papers-page.txt"


def demo_runs() -> Path:
    return app_paths.demo_dir() / "runs"


def create_demo_library(path: Path | None = None) -> Path:
    """A fresh library holding the bundled daily-papers page (replaces an older demo)."""
    from paperscope.workflows.papers import import_paths

    path = path or app_paths.demo_library_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # the older demo, its WAL and everything the store derived from it
    for stale in (path, path.with_name(path.name + ".wal"), *derived_paths(path)):
        if stale.is_dir():
            shutil.rmtree(stale, ignore_errors=True)
        else:
            stale.unlink(missing_ok=True)
    with Store(path) as store:
        import_paths(store, [demo_page()])
    return path
