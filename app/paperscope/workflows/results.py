"""Papers meet runs: linking runs to papers, finding moved runs again, importing the
results papers report (matched to library papers) and listing them.

A run is named by its source (folder or file), its name inside a multi-run file and a
*content fingerprint*: a hash of the relative names of the run's files and the first
64 KiB of each (a run still being written keeps its fingerprint: logs grow at the
end). :func:`locate_run` walks a folder for the fingerprint of a link whose run is gone.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paperscope.core.ids import arxiv_from_doi, normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadIssue, ReportedResult, Run
from paperscope.core.tasks import CancelToken, Progress, no_progress, sub_progress
from paperscope.library.dedup import normalised_title
from paperscope.library.store import Store
from paperscope.library.store.results import RunLink, StoredResult
from paperscope.readers import registry
from paperscope.readers.results._latex import TexTable

HEAD_BYTES = 64 << 10
MAX_FILES = 4096  # a run folder with more files is fingerprinted by its first ones
MAX_DEPTH = 6


# --------------------------------------------------------------------------- fingerprints


def _head_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.sha256(fh.read(HEAD_BYTES)).hexdigest()


def _run_files(root: Path) -> list[Path]:
    out: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return
        for e in entries:
            if len(out) >= MAX_FILES:
                return
            if e.name.startswith("."):
                continue
            if e.is_file(follow_symlinks=False):
                out.append(Path(e.path))
            elif e.is_dir(follow_symlinks=False) and depth < MAX_DEPTH:
                walk(Path(e.path), depth + 1)

    walk(root, 0)
    return out


def content_fingerprint(path: Path | str) -> str:
    """``f:<hash>`` for a run file, ``d:<hash>`` for a run folder (the relative names
    of its files and the head of each); independent of where the run lies."""
    path = Path(path)
    h = hashlib.sha256()
    if path.is_file():
        h.update(_head_hash(path).encode())
        return "f:" + h.hexdigest()[:32]
    if not path.is_dir():
        raise FileNotFoundError(f"{path}: no such run file or folder")
    files = _run_files(path)
    if not files:
        raise ValueError(f"{path}: an empty folder is not a run")
    for f in files:
        h.update(f.relative_to(path).as_posix().encode() + b"\0")
        try:
            h.update(_head_hash(f).encode())
        except OSError:
            h.update(b"?")
    return "d:" + h.hexdigest()[:32]


# --------------------------------------------------------------------------- papers by reference


def resolve_paper(store: Store, ref: str | int) -> int:
    """A paper id from a library id, an arXiv id or a DOI; ``ValueError`` saying why
    not otherwise."""
    text = str(ref).strip()
    if text.isdigit() and store.paper_row(int(text)) is not None:
        return int(text)
    doi = normalise_doi(text)
    aid = normalise_arxiv_id(text) or arxiv_from_doi(doi)
    keys = [f"arxiv:{aid}"] if aid else []
    if doi and not aid:
        keys.append(f"doi:{doi}")
    found = store.papers_by_keys(keys)
    for k in keys:
        if k in found:
            return found[k]
    if text.isdigit():
        raise ValueError(f"no paper {text} in the library")
    raise ValueError(f"no paper with id, arXiv id or DOI {text!r} in the library")


# --------------------------------------------------------------------------- links


def link_runs(
    store: Store,
    run_paths: Sequence[Path | str],
    paper: str | int,
    role: str = "reproduces",
    note: str = "",
    run_name: str = "",
) -> list[int]:
    """Link each run (folder or file) to the paper; returns the link ids."""
    paper_id = resolve_paper(store, paper)
    ids = []
    for p in run_paths:
        path = Path(p).resolve()
        ids.append(
            store.link_run(paper_id, str(path), content_fingerprint(path), run_name, role, note)
        )
    return ids


def unlink_runs(
    store: Store, run_paths: Sequence[Path | str], paper: str | int | None = None
) -> int:
    """Remove links of these runs (to one paper, or all). The run files stay."""
    paper_id = None if paper is None else resolve_paper(store, paper)
    sources = [str(Path(p).resolve()) for p in run_paths]
    # a link to a run that was moved away still names its old path as given
    sources += [str(Path(p)) for p in run_paths if str(Path(p)) not in sources]
    return store.unlink_runs(sources, paper_id)


@dataclass(frozen=True, slots=True)
class LinkState:
    link: RunLink
    state: str  # "ok" | "missing" (the source is gone) | "changed" (another content)


def link_states(store: Store, paper_id: int | None = None) -> list[LinkState]:
    """Each link with whether its run is still where it was (never raises for a gone
    run: it is ``missing``)."""
    out = []
    for link in store.run_links(paper_id):
        path = Path(link.source)
        if not path.exists():
            state = "missing"
        else:
            try:
                state = "ok" if content_fingerprint(path) == link.fingerprint else "changed"
            except (OSError, ValueError):
                state = "missing"
        out.append(LinkState(link, state))
    return out


def locate_run(
    store: Store,
    link_id: int,
    search_root: Path | str,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> str | None:
    """Find the run of a link under ``search_root`` by its fingerprint ("Locate…"),
    point the link there and return the new source; ``None`` when not found."""
    cancel = cancel or CancelToken()
    link = next((k for k in store.run_links() if k.id == link_id), None)
    if link is None:
        raise ValueError(f"no run link {link_id}")
    want_dir = link.fingerprint.startswith("d:")
    old_name = Path(link.source).name
    candidates: list[Path] = []
    for folder, dirs, files in os.walk(search_root):
        dirs.sort()
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        base = Path(folder)
        if want_dir:
            candidates.append(base)
        else:
            candidates.extend(base / f for f in sorted(files))
    # the old name first: a moved run usually keeps it
    candidates.sort(key=lambda p: p.name != old_name)
    n = max(len(candidates), 1)
    for i, cand in enumerate(candidates):
        cancel.check()
        if i % 64 == 0:
            progress(i / n, f"looking in {cand}")
        try:
            if content_fingerprint(cand) == link.fingerprint:
                store.relocate_run_link(link_id, str(cand.resolve()))
                progress(1.0, "")
                return str(cand.resolve())
        except (OSError, ValueError):
            continue
    progress(1.0, "")
    return None


# --------------------------------------------------------------------------- reported results


@dataclass(slots=True)
class ResultsImport:
    """What importing result files did."""

    added: int = 0
    matched: int = 0
    result_ids: list[int] = field(default_factory=list)
    paper_ids: list[int] = field(default_factory=list)  # the papers results went to
    new_papers: list[Paper] = field(default_factory=list)  # named, not in the library
    added_papers: int = 0
    issues: list[ReadIssue] = field(default_factory=list)
    skipped: int = 0

    def line(self) -> str:
        out = (
            f"{self.added:,} reported results: {self.matched:,} attached to "
            f"{len(set(self.paper_ids)):,} papers"
        )
        if self.added_papers:
            out += f" ({self.added_papers:,} papers added)"
        rest = self.added - self.matched
        if rest:
            out += f", {rest:,} name papers not in the library"
            if self.new_papers:
                out += f" ({len(self.new_papers):,} with a title could be added)"
        if self.skipped:
            out += f"; {self.skipped:,} skipped"
        return out


def _result_keys(r: ReportedResult) -> list[str]:
    keys = []
    aid = normalise_arxiv_id(r.arxiv_id) if r.arxiv_id else None
    doi = normalise_doi(r.doi) if r.doi else None
    aid = aid or arxiv_from_doi(doi)
    if aid:
        keys.append(f"arxiv:{aid}")
    if doi and not arxiv_from_doi(doi):
        keys.append(f"doi:{doi}")
    return keys


def _title(r: ReportedResult) -> str:
    t = normalised_title(r.paper_title) if r.paper_title else ""
    return t if len(t) >= 8 else ""


def match_results(store: Store, results: Sequence[ReportedResult]) -> list[int | None]:
    """The library paper of each result: by arXiv id or DOI, else by normalised title
    (when exactly one paper has it); ``None`` when none matches."""
    keys = [_result_keys(r) for r in results]
    by_key = store.papers_by_keys(sorted({k for ks in keys for k in ks}))
    folded: dict[str, str] = {}  # rows of one paper repeat its title: fold each once
    titles = [
        folded[r.paper_title] if r.paper_title in folded
        else folded.setdefault(r.paper_title, _title(r))
        for r in results
    ]  # fmt: skip
    by_title = store.papers_by_normalised_title(sorted({t for t in titles if t}))
    out: list[int | None] = []
    for ks, t in zip(keys, titles, strict=True):
        pid = next((by_key[k] for k in ks if k in by_key), None)
        if pid is None and t:
            pid = by_title.get(t)
        out.append(pid)
    return out


def paper_from_result(r: ReportedResult) -> Paper | None:
    """The paper a result names, as a new library paper (needs a title)."""
    if not r.paper_title.strip():
        return None
    return Paper(
        title=r.paper_title.strip(),
        arxiv_id=normalise_arxiv_id(r.arxiv_id) if r.arxiv_id else None,
        doi=normalise_doi(r.doi) if r.doi else None,
        url=r.paper_url or None,
        kind="preprint" if r.arxiv_id else None,
        source=r.source,
        location=r.location,
    )


def _unique_papers(results: Iterable[ReportedResult]) -> list[Paper]:
    seen: set[str] = set()
    out = []
    for r in results:
        p = paper_from_result(r)
        if p is None:
            continue
        # one paper however its rows name it (with an arXiv link, or by title only)
        keys = {*_result_keys(r), "title:" + (_title(r) or p.title)}
        if not keys & seen:
            out.append(p)
        seen |= keys
    return out


def results_files(paths: Iterable[Path | str]) -> tuple[list[registry.Job], list[ReadIssue]]:
    return registry.scan([Path(p) for p in paths], kind="results")


def import_results(
    store: Store,
    paths: Iterable[Path | str],
    *,
    paper: str | int | None = None,
    add_papers: bool = False,
    scan_issues: bool = True,
    progress: Progress = no_progress,
    cancel: CancelToken | None = None,
) -> ResultsImport:
    """Read result files and store every reported result, attached to ``paper`` when
    given, else to the library paper each one names (:func:`match_results`). Papers
    named but not in the library are returned in ``new_papers`` and added first with
    ``add_papers``. Unreadable values are ``skipped`` issues; the rest imports.
    ``scan_issues=False`` leaves out the paths no results reader knows (the caller
    imports them as papers)."""
    cancel = cancel or CancelToken()
    jobs, issues = results_files(paths)
    summary = ResultsImport(issues=list(issues) if scan_issues else [])
    fixed = None if paper is None else resolve_paper(store, paper)
    read = registry.read_jobs(jobs, sub_progress(progress, 0.0, 0.7), cancel)
    summary.issues.extend(read.issues)
    summary.skipped = sum(1 for i in summary.issues if i.severity == "skipped")
    results = read.results
    if fixed is not None:
        pids: list[int | None] = [fixed] * len(results)
    else:
        progress(0.75, "matching papers")
        pids = match_results(store, results)
        missing = [r for r, p in zip(results, pids, strict=True) if p is None]
        summary.new_papers = _unique_papers(missing)
        if add_papers and summary.new_papers:
            added = store.add_papers(summary.new_papers)
            summary.added_papers = added.added
            summary.new_papers = []
            pids = match_results(store, results)
    cancel.check()
    progress(0.85, "storing")
    summary.result_ids = store.add_reported_results(results, pids)
    summary.added = len(results)
    summary.paper_ids = [p for p in pids if p is not None]
    summary.matched = len(summary.paper_ids)
    progress(1.0, summary.line())
    return summary


def attach_unmatched(store: Store) -> int:
    """Match the stored results that have no paper yet (a paper imported later);
    returns how many found theirs."""
    pending = store.reported_results(unattached=True)
    if not pending:
        return 0
    pids = match_results(store, [s.result for s in pending])
    done = 0
    by_paper: dict[int, list[int]] = {}
    for s, pid in zip(pending, pids, strict=True):
        if pid is not None:
            by_paper.setdefault(pid, []).append(s.id)
    for pid, ids in by_paper.items():
        done += store.attach_results(ids, pid)
    return done


def results_of(store: Store, paper: str | int) -> list[StoredResult]:
    return store.reported_results([resolve_paper(store, paper)])


def spread_text(r: ReportedResult) -> str:
    """``± 0.0014`` / ``[0.14, 0.15]`` / ``(n=5)``, or ''."""
    parts = []
    if r.std is not None:
        parts.append(f"± {r.std:g}")
    if r.ci_low is not None and r.ci_high is not None:
        parts.append(f"[{r.ci_low:g}, {r.ci_high:g}]")
    if r.n_runs is not None:
        parts.append(f"(n={r.n_runs})")
    return " ".join(parts)


def add_manual_result(
    store: Store,
    paper: str | int,
    *,
    dataset: str,
    metric: str,
    value: str,
    method: str = "",
    task: str = "",
    n_runs: int | None = None,
) -> int:
    """Enter one reported result by hand (``value`` as written: ``1.8 ± 0.1``,
    ``0.14 [0.14, 0.15]``, ``93.2%``); returns its id. ``ValueError`` on a bad value."""
    pid = resolve_paper(store, paper)
    made = _manual(value, dataset=dataset, metric=metric, method=method, task=task, n_runs=n_runs)
    return store.add_reported_results([made], [pid])[0]


# --------------------------------------------------------------------------- LaTeX tables

TEX_MAX_BYTES = 16 << 20


def tex_sources(path: Path | str) -> list[tuple[str, str]]:
    """``(name, text)`` of the LaTeX in ``path``: a ``.tex`` (or Markdown) file, or an
    arXiv e-print (``.tar.gz`` read in memory, nothing extracted; a gzipped single
    ``.tex``). Members over 16 MB and non-UTF-8 bytes are skipped / replaced."""
    import gzip
    import tarfile

    path = Path(path)
    name = path.name.lower()
    if name.endswith((".tar.gz", ".tgz", ".tar")) or (
        name.endswith(".gz") and tarfile.is_tarfile(path)
    ):
        out: list[tuple[str, str]] = []
        with tarfile.open(path) as tar:
            for m in tar.getmembers():
                if m.isfile() and m.name.endswith(".tex") and m.size <= TEX_MAX_BYTES:
                    member = tar.extractfile(m)
                    if member is not None:
                        out.append((f"{path}:{m.name}", member.read().decode("utf-8", "replace")))
        return out
    if name.endswith(".gz"):
        with gzip.open(path) as gz:
            return [(str(path), gz.read(TEX_MAX_BYTES).decode("utf-8", "replace"))]
    if path.stat().st_size > TEX_MAX_BYTES:
        raise ValueError(f"{path}: larger than 16 MB, not a LaTeX source")
    return [(str(path), path.read_bytes().decode("utf-8", "replace"))]


def tex_tables(path: Path | str) -> list[tuple[str, TexTable]]:
    """Every tabular of the source, numbered from 1 across its files (for a preview:
    each table's rows, or its ``problem`` and raw text)."""
    from paperscope.readers.results._latex import find_tables

    out: list[tuple[str, TexTable]] = []
    for name, text in tex_sources(path):
        out.extend((name, t) for t in find_tables(text))
    return out


def import_tex_table(
    store: Store,
    path: Path | str,
    number: int,
    *,
    paper: str | int,
    columns: str = "metrics",
    metric: str = "",
    dataset: str = "",
    task: str = "",
    methods: str = "rows",
) -> ResultsImport:
    """Import table ``number`` (1-based, as :func:`tex_tables` counts) of a LaTeX
    source as the paper's reported results; the caller says the axes."""
    from paperscope.readers.results._latex import table_results

    if columns not in ("metrics", "datasets") or methods not in ("rows", "columns"):
        raise ValueError("columns must be metrics or datasets, methods rows or columns")
    if (columns == "metrics" and not dataset) or (columns == "datasets" and not metric):
        raise ValueError(
            "say what the table's values are: with columns=metrics give the dataset, "
            "with columns=datasets the metric"
        )
    tables = tex_tables(path)
    if not 1 <= number <= len(tables):
        raise ValueError(f"{path} has {len(tables)} tables; there is no table {number}")
    pid = resolve_paper(store, paper)
    name, table = tables[number - 1]
    results, issues = table_results(
        table, name, columns=columns, metric=metric, dataset=dataset, task=task,  # type: ignore[arg-type]
        methods=methods,  # type: ignore[arg-type]
    )  # fmt: skip
    summary = ResultsImport(issues=issues)
    summary.skipped = sum(1 for i in issues if i.severity == "skipped")
    summary.result_ids = store.add_reported_results(results, [pid] * len(results))
    summary.added = summary.matched = len(results)
    summary.paper_ids = [pid] * len(results)
    return summary


# --------------------------------------------------------------------------- loaded runs


def run_link_target(run: Run, others: Sequence[Run] = ()) -> tuple[str, str]:
    """What a link to a loaded run names: ``(source, run_name)``. The source is the
    run's folder when the folder holds only this run's files (a TensorBoard run
    folder), else its file; ``run_name`` is set only when another of ``others`` comes
    from the same source (a multi-run file)."""
    if not run.source:
        raise ValueError(f"run {run.name!r} has no source file to link")
    files = [Path(s).resolve() for s in run.source]
    folder = Path(os.path.commonpath([f.parent for f in files]))
    mine = set(files)
    try:
        rest = [
            p for p in folder.iterdir() if not p.name.startswith(".") and p.resolve() not in mine
        ]
    except OSError:
        rest = []
    source = folder if not rest or len(files) > 1 else files[0]
    shared = any(
        o.id != run.id and o.source and Path(o.source[0]).resolve() in mine for o in others
    )
    return str(source), run.name if shared else ""


def link_loaded_runs(
    store: Store,
    runs: Sequence[Run],
    paper: str | int,
    role: str = "reproduces",
    note: str = "",
    others: Sequence[Run] = (),
) -> list[int]:
    """Link loaded runs (by :func:`run_link_target`) to a paper; returns link ids."""
    paper_id = resolve_paper(store, paper)
    out = []
    for run in runs:
        source, name = run_link_target(run, others)
        fp = content_fingerprint(source)
        out.append(store.link_run(paper_id, source, fp, name, role, note))
    return out


def _covers(link: RunLink, run: Run) -> bool:
    if link.run_name and link.run_name != run.name:
        return False
    base = Path(link.source)
    for s in run.source:
        p = Path(s)
        if p == base or p.is_relative_to(base):
            return True
    return False


def links_of_runs(store: Store, runs: Sequence[Run]) -> dict[str, list[RunLink]]:
    """The links covering each loaded run (a link to a folder covers the runs in it)."""
    links = store.run_links()
    out: dict[str, list[RunLink]] = {}
    for run in runs:
        hit = [k for k in links if _covers(k, run)]
        if hit:
            out[run.id] = hit
    return out


def runs_of_link(link: RunLink, runs: Sequence[Run]) -> list[str]:
    """Ids of the loaded runs a link covers."""
    return [r.id for r in runs if _covers(link, r)]


def paper_labels(store: Store, paper_ids: Sequence[int]) -> dict[int, str]:
    """A short name per paper: "Mnih et al. 2015", "Mnih 2015", or the title cut."""
    rows = store.table_rows(list(paper_ids), ["title", "authors", "year"])
    out = {}
    for pid, (title, authors, year) in rows.items():
        family = ""
        if authors:
            first = str(authors[0]).strip()
            family = first.split(",")[0] if "," in first else first.split(" ")[-1]
        if family:
            who = family + (" et al." if len(authors) > 2 else "")
            out[pid] = f"{who} {year}" if year else who
        else:
            text = str(title or "")
            out[pid] = text if len(text) <= 32 else text[:31] + "…"
    return out


def run_paper_labels(store: Store, runs: Sequence[Run]) -> dict[str, str]:
    """Run id → the short names of the papers it is linked to ("Paper" column)."""
    by_run = links_of_runs(store, runs)
    labels = paper_labels(store, sorted({k.paper_id for ks in by_run.values() for k in ks}))
    return {
        rid: "; ".join(dict.fromkeys(labels.get(k.paper_id, str(k.paper_id)) for k in ks))
        for rid, ks in by_run.items()
    }


def paper_flags(store: Store, paper_ids: Sequence[int] | np.ndarray, which: str) -> np.ndarray:
    """For the map's colouring: whether each paper ``has-runs`` (linked runs) or
    ``has-results`` (reported results), aligned with ``paper_ids``."""
    if which == "has-runs":
        marked = store.papers_with_runs()
    elif which == "has-results":
        marked = store.papers_with_results()
    else:
        raise ValueError(f"unknown flag {which!r}; has-runs or has-results")
    return np.isin(np.asarray(paper_ids, dtype=np.int64), marked)


# --------------------------------------------------------------------------- manual edits


def _manual(
    value: str, *, dataset: str, metric: str, method: str, task: str, n_runs: int | None
) -> ReportedResult:
    from dataclasses import replace

    from paperscope.readers.results._common import make_result

    if not dataset.strip() or not metric.strip():
        raise ValueError("a reported result needs a dataset and a metric")
    problems: list[ReadIssue] = []
    made = make_result(
        value, task=task, dataset=dataset, metric=metric, method=method,
        file="manual entry", location="", issues=problems,
    )  # fmt: skip
    if made is None:
        raise ValueError(problems[0].message if problems else f"{value!r}: no value given")
    return replace(made, n_runs=n_runs) if n_runs is not None else made


def edit_manual_result(
    store: Store,
    result_id: int,
    *,
    dataset: str,
    metric: str,
    value: str,
    method: str = "",
    task: str = "",
    n_runs: int | None = None,
) -> ReportedResult:
    """Change a stored result to what was typed (as :func:`add_manual_result` reads
    it); returns the result as it was before (for undo). ``ValueError`` on a bad value."""
    old = store.reported_result(result_id)
    new = _manual(value, dataset=dataset, metric=metric, method=method, task=task, n_runs=n_runs)
    if old.result.source != "manual entry":  # an edited import keeps where it came from
        from dataclasses import replace

        new = replace(new, source=old.result.source, location=old.result.location)
    store.update_reported_result(result_id, new)
    return old.result


def delete_results(store: Store, result_ids: Sequence[int]) -> list[StoredResult]:
    """Delete stored results; returns them as they were (:func:`restore_results`
    puts them back)."""
    gone = [store.reported_result(i) for i in result_ids]
    store.delete_reported_results(list(result_ids))
    return gone


def restore_results(store: Store, results: Sequence[StoredResult]) -> list[int]:
    """Put deleted results back (new ids, in order)."""
    return store.add_reported_results([s.result for s in results], [s.paper_id for s in results])
