"""The Hugging Face daily-papers API response (``GET /api/daily_papers``).

A JSON list of entries ``{paper: {id, title, summary, authors[{name}], publishedAt,
upvotes, organization?, ai_keywords?, githubRepo?, projectPage?, ...}, title, summary,
publishedAt, numComments, submittedBy, ...}``. The paper's ``id`` is its arXiv id;
``paper.title`` carries arXiv's hard line wraps (the entry's own ``title`` does not);
the upvotes sit on ``paper``. A single entry (an object instead of a list) is read too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paperscope.core.ids import normalise_arxiv_id
from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import clean_text, head, iso_prefix, read_text, year_of


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def load_json(path: Path) -> Any:
    """Parse a JSON file; a syntax error becomes ``ReadError`` with line and column."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReadError(
            str(path), f"line {exc.lineno}, column {exc.colno}", f"not valid JSON: {exc.msg}"
        ) from None
    except ValueError as exc:  # an integer literal longer than Python's digit limit
        raise ReadError(str(path), "a number", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise ReadError(str(path), "line 1", "JSON nested too deeply") from None


class HFApiReader:
    name = "hf-daily-api"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.json",)
    priority = 20

    def sniff(self, path: Path) -> bool:
        text = head(path, 8192).lstrip()
        return text[:1] in ("[", "{") and '"paper"' in text and '"upvotes"' in text

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = load_json(path)
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list):
            raise ReadError(str(path), "top level", "expected a list of daily-paper entries")
        result = ReadResult()
        for i, entry in enumerate(data):
            if i % 500 == 0:
                cancel.check()
            where = f"entry {i + 1}"
            if not isinstance(entry, dict):
                result.issues.append(ReadIssue(str(path), where, "not an object", "skipped"))
                continue
            paper = entry.get("paper", entry)
            if not isinstance(paper, dict):
                result.issues.append(
                    ReadIssue(str(path), where, "'paper' is not an object", "skipped")
                )
                continue
            title = clean_text(_str(entry.get("title")) or _str(paper.get("title")))
            if not title:
                result.issues.append(ReadIssue(str(path), where, "no title", "skipped"))
                continue
            raw_id = _str(paper.get("id")) or _str(entry.get("id"))
            arxiv_id = normalise_arxiv_id(raw_id)
            authors = tuple(
                clean_text(_str(a.get("name")))
                for a in paper.get("authors") or ()
                if isinstance(a, dict) and clean_text(_str(a.get("name")))
            )
            published = _str(paper.get("publishedAt")) or _str(entry.get("publishedAt"))
            date = iso_prefix(published)
            upvotes = paper.get("upvotes", entry.get("upvotes"))
            org = paper.get("organization") or entry.get("organization")
            organisation = None
            extra: dict[str, Any] = {}
            if isinstance(org, dict):
                organisation = (
                    clean_text(_str(org.get("fullname")) or _str(org.get("name"))) or None
                )
                if _str(org.get("name")):
                    extra["hf_org"] = org["name"]
            elif isinstance(org, str) and org.strip():
                organisation = org.strip()
            keywords = tuple(
                clean_text(k) for k in paper.get("ai_keywords") or () if isinstance(k, str) and k
            )
            for src, dst in (
                ("githubRepo", "github_repo"),
                ("projectPage", "project_page"),
                ("ai_summary", "ai_summary"),
                ("githubStars", "github_stars"),
            ):
                value = paper.get(src, entry.get(src))
                if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                    extra[dst] = value
            if isinstance(entry.get("numComments"), int):
                extra["hf_comments"] = entry["numComments"]
            if _str(entry.get("publishedAt")):
                extra["hf_daily_date"] = entry["publishedAt"][:10]
            submitter = entry.get("submittedBy")
            if isinstance(submitter, dict) and _str(submitter.get("name")):
                extra["hf_submitted_by"] = submitter["name"]
            result.papers.append(
                Paper(
                    title=title,
                    authors=authors,
                    abstract=clean_text(_str(entry.get("summary")) or _str(paper.get("summary"))),
                    year=year_of(date) if date else None,
                    date=date,
                    upvotes=upvotes
                    if isinstance(upvotes, int) and not isinstance(upvotes, bool)
                    else None,
                    organisation=organisation,
                    arxiv_id=arxiv_id,
                    hf_id=raw_id.strip() or None,
                    url=f"https://huggingface.co/papers/{raw_id.strip()}"
                    if raw_id.strip()
                    else None,
                    kind="preprint" if arxiv_id else None,
                    keywords=keywords,
                    extra=extra,
                    source=path.name,
                    location=where,
                )
            )
        if not result.papers:
            raise ReadError(str(path), "end of file", "no daily-paper entries with a title")
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(HFApiReader())
