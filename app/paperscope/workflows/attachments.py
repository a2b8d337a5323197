"""Attachments: PDFs matched to papers, attached, relinked, and their full text read.

- :func:`store_read_papers` is the import's step for papers that carry files: a PDF's
  paper is matched to a stored one by arXiv id, DOI or normalised title (then only the
  file is attached), else added; a bibliography's records are added (merged as usual)
  and the files their ``file`` fields name are attached to them.
- :func:`attach_files` attaches PDFs dropped onto a paper.
- :func:`extract_fulltext` reads the text of attached PDFs not read yet, in the
  background, a file at a time: incremental (what was read stays read) and cancellable.
- :func:`relink` points a missing attachment at its file, and the others of its folder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from paperscope.core.records import Attachment, Paper, ReadIssue
from paperscope.core.tasks import CancelToken, Progress, no_progress
from paperscope.library.dedup import lookup_keys, normalised_title
from paperscope.library.store import Store
from paperscope.library.store.papers import ImportSummary


def export_path(path: str, folder: Path) -> str:
    """A file's path as an export beside ``folder`` writes it: relative when the file
    lies under that folder, else absolute."""
    try:
        rel = Path(path).resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return path
    return rel.as_posix()


def with_attachments(
    store: Store, papers: Sequence[Paper], ids: Sequence[int], folder: Path
) -> list[Paper]:
    """The papers with their stored attachments, paths as an export to ``folder``
    writes them."""
    from dataclasses import replace

    found = store.attachments_for(ids)
    out: list[Paper] = []
    for p, pid in zip(papers, ids, strict=True):
        atts = found.get(int(pid)) or []
        if not atts:
            out.append(p)
            continue
        files = tuple(
            Attachment(export_path(a.path, folder), a.kind, a.status, a.note, a.origin, a.written)
            for a in atts
        )
        out.append(replace(p, attachments=files))
    return out


def match_paper(store: Store, paper: Paper) -> int | None:
    """The stored paper this one is (shared arXiv id / DOI / title key, else the same
    normalised title), or ``None``."""
    return match_papers(store, [paper])[0]


def match_papers(store: Store, papers: Sequence[Paper]) -> list[int | None]:
    """:func:`match_paper` for many papers at once (two queries)."""
    return store.match_keys(
        [lookup_keys(p) for p in papers], [normalised_title(p.title) for p in papers]
    )


def split_matched(
    store: Store, papers: Sequence[Paper]
) -> tuple[list[Paper], list[tuple[int, Paper]]]:
    """PDF papers that are already in the library (matched: only their file is to be
    attached) and the papers to add."""
    pdfs = [p for p in papers if p.attachments and all(a.origin == "import" for a in p.attachments)]
    found = dict(zip(map(id, pdfs), match_papers(store, pdfs), strict=True)) if pdfs else {}
    # the same file imported again is the paper it is attached to (even one with no key)
    known = store.papers_with_files([a.path for p in pdfs for a in p.attachments])
    for p in pdfs:
        at = next((known[a.path] for a in p.attachments if a.path in known), None)
        if at is not None:
            found[id(p)] = at
    to_add: list[Paper] = []
    matched: list[tuple[int, Paper]] = []
    for p in papers:
        pid = found.get(id(p))
        if pid is not None:
            matched.append((pid, p))
        else:
            to_add.append(p)
    return to_add, matched


def store_attachments(
    store: Store, added: Sequence[Paper], matched: Sequence[tuple[int, Paper]]
) -> int:
    """Attach the files of papers just added (found by their keys) and of papers
    matched before the import. Returns how many attachments were stored."""
    with_files = [p for p in added if p.attachments]
    targets = match_papers(store, with_files) if with_files else []
    items: list[tuple[int, Attachment]] = []
    for pid, p in [*matched, *zip(targets, with_files, strict=True)]:
        if pid is not None:
            items.extend((pid, a) for a in p.attachments)
    return len(store.add_attachments(items))


def store_read_papers(
    store: Store, papers: Sequence[Paper], progress: Progress, cancel: CancelToken
) -> ImportSummary:
    """Add what a reader read, attaching the files the papers carry."""
    to_add, matched = split_matched(store, papers)
    # a paper with a file but no identity key (a PDF titled after a short file name)
    # cannot be found again after the import: it is added alone and keeps its new id
    keyless = [p for p in to_add if p.attachments and not lookup_keys(p)]
    keyed = [p for p in to_add if not (p.attachments and not lookup_keys(p))]
    summary = store.add_papers(keyed, progress, cancel) if keyed else ImportSummary()
    n_matched = len(matched)
    for p in keyless:
        one = store.add_papers([p], cancel=cancel)
        summary.added += one.added
        summary.paper_ids.extend(one.paper_ids)
        matched.extend((pid, p) for pid in one.paper_ids[:1])
    summary.merged += n_matched
    # a PDF found by its title fills the paper's gaps (its arXiv id and version, DOI,
    # abstract), as Zotero's "retrieve metadata" does; the stored values win
    store.fill_gaps(matched[:n_matched])
    summary.paper_ids.extend(pid for pid, _ in matched[:n_matched] if pid not in summary.paper_ids)
    store_attachments(store, keyed, matched)
    if matched:
        store.text_index.papers_changed([pid for pid, _ in matched])
    return summary


def attach_files(
    store: Store,
    paper_id: int,
    paths: Iterable[Path],
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> list[ReadIssue]:
    """Attach files (PDFs dropped onto a paper) to one paper; what each PDF's first
    pages say (encrypted, no text layer) becomes its note."""
    from paperscope.readers.papers.pdf import paper_from_pdf

    issues: list[ReadIssue] = []
    items: list[tuple[int, Attachment]] = []
    for path in paths:
        path = Path(path)
        if not path.is_file():
            issues.append(ReadIssue(str(path), "", "no such file", "skipped"))
            continue
        if path.suffix.lower() == ".pdf":
            paper, found = paper_from_pdf(path, cancel)
            issues.extend(found)
            items.extend((paper_id, a) for a in paper.attachments)
        else:
            items.append((paper_id, Attachment(str(path.resolve()), path.suffix.lower()[1:])))
    store.add_attachments(items)
    store.text_index.papers_changed([paper_id])
    progress(1.0, f"Attached {len(items)} files")
    return issues


def thumbnail(
    path: Path, width: int, progress: Progress = no_progress, cancel: CancelToken | None = None
) -> Any:
    """Page 1 of a PDF as an RGB array ``width`` pixels wide, or ``None`` when it
    cannot be drawn (for the task runner: the GUI never renders on its own thread)."""
    from paperscope.readers.papers.pdf import PdfUnreadable, render_first_page

    try:
        return render_first_page(Path(path), width, cancel)
    except (PdfUnreadable, OSError):
        return None


def check_files(store: Store, paper_ids: Iterable[int] | None = None) -> int:
    """Look at the files again: mark the ones gone ``missing`` and the ones back
    ``ok``. Returns how many changed."""
    changed = 0
    ids = list(paper_ids) if paper_ids is not None else None
    rows = store.attachments_for(ids).values() if ids is not None else [store.missing_attachments()]
    for group in rows:
        for a in group:
            status = "ok" if a.exists() else "missing"
            if status != a.status:
                store.set_attachment_status(
                    a.id, status, "" if status == "ok" else "file not found"
                )
                changed += 1
    return changed


def relink(store: Store, attachment_id: int, new_path: Path) -> list[int]:
    """ "Locate…": this attachment is at ``new_path``; the other missing files of its
    old folder are looked for beside it. Returns the attachments relinked."""
    return store.relink_attachment(attachment_id, Path(new_path))


def extract_fulltext(
    store: Store,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
    limit: int | None = None,
) -> int:
    """Read the text of every attached PDF not read yet (at most ``limit``) into the
    library and the search index. Returns how many files were read."""
    from paperscope.readers.papers.pdf import PdfUnreadable, full_text

    cancel = cancel or CancelToken()
    total = store.pending_text_count()
    if limit is not None:
        total = min(total, limit)
    done = 0
    while done < total:
        batch = store.pending_text(min(10, total - done))
        if not batch:
            break
        results: list[tuple[int, str | None, str]] = []
        try:
            for a in batch:
                progress(done / max(total, 1), f"Reading the text of {a.name}")
                cancel.check()
                if not a.exists():
                    store.set_attachment_status(a.id, "missing", "file not found")
                else:
                    try:
                        text, note = full_text(Path(a.path), cancel=cancel)
                        results.append((a.id, text if text.strip() else None, note))
                    except PdfUnreadable as exc:
                        results.append((a.id, None, str(exc)))
                    except (OSError, MemoryError) as exc:
                        results.append((a.id, None, f"could not be read: {exc}"))
                done += 1
        finally:
            # what was read stays read, also when cancelled halfway through a batch
            store.set_attachment_texts(results)
    progress(1.0, f"Read the text of {done:,} PDFs")
    return done
