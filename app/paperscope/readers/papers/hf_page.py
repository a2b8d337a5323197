"""The Hugging Face daily-papers web page, copied as text.

The page is a run of papers, each a title line and an abstract line, optionally followed
by a meta block::

      • 6 authors            (or an organisation line "handle Full Name")
    ·
    May 20 2               (date, then the upvote count when there is one)

HF prints the year only for dates of past years, so a date without a year belongs to
the page's year: the year after the latest year written on the page (the file's
modification year when the page names no year at all).
"""

from __future__ import annotations

import datetime as _dt
import re
from pathlib import Path

from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import MONTHS, clean_text, head, read_text

_DATE = re.compile(
    r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{1,2})(?:, (\d{4}))?(?: (\d+))?$"
)
_AUTHORS = re.compile(r"^\s*•\s*(\d+) authors?$")
_HEADER_END = "byAK and the research community"


class HFPageReader:
    name = "hf-daily-page"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.txt",)
    priority = 10

    def sniff(self, path: Path) -> bool:
        text = head(path)
        return "Daily Papers" in text or bool(re.search(r"•\s*\d+ authors?\s*\n·", text))

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        text = read_text(path)
        lines = text.splitlines()
        # (line number, kind, text, match) for every non-blank line
        tokens: list[tuple[int, str, str, re.Match[str] | None]] = []
        start = 0
        for i, line in enumerate(lines):
            if line.strip() == _HEADER_END:
                start = i + 1
                # the page's own date ("Nov 14") follows the header
                for j in range(i + 1, len(lines)):
                    if lines[j].strip():
                        if _DATE.match(lines[j].strip()):
                            start = j + 1
                        break
                break
        for i in range(start, len(lines)):
            s = lines[i].strip()
            if not s:
                continue
            if s == "·":
                tokens.append((i + 1, "dot", s, None))
            elif m := _AUTHORS.match(lines[i]):
                tokens.append((i + 1, "authors", s, m))
            elif (m := _DATE.match(s)) and tokens and tokens[-1][1] == "dot":
                tokens.append((i + 1, "date", s, m))
            else:
                tokens.append((i + 1, "text", s, None))
        # a text line right before the dot is an organisation line
        for k in range(len(tokens) - 1):
            if tokens[k][1] == "text" and tokens[k + 1][1] == "dot":
                tokens[k] = (tokens[k][0], "org", tokens[k][2], None)

        years = [int(t[3].group(3)) for t in tokens if t[1] == "date" and t[3] and t[3].group(3)]
        if years:
            page_year = max(years) + 1
        else:
            page_year = _dt.datetime.fromtimestamp(path.stat().st_mtime).year

        result = ReadResult()
        papers: list[dict[str, object]] = []
        pending_title: tuple[int, str] | None = None
        for lineno, kind, s, m in tokens:
            if kind == "text":
                if pending_title is None:
                    pending_title = (lineno, s)
                else:
                    papers.append(
                        {"line": pending_title[0], "title": pending_title[1], "abstract": s}
                    )
                    pending_title = None
                continue
            if pending_title is not None:
                result.issues.append(
                    ReadIssue(str(path), f"line {pending_title[0]}", "title without an abstract")
                )
                papers.append({"line": pending_title[0], "title": pending_title[1], "abstract": ""})
                pending_title = None
            if not papers:
                result.issues.append(
                    ReadIssue(str(path), f"line {lineno}", f"{s!r} before any paper", "skipped")
                )
                continue
            current = papers[-1]
            if kind == "authors" and m and len(m.group(1)) <= 9:  # no 70,000-digit counts
                current["n_authors"] = int(m.group(1))
            elif kind == "org":
                handle, _, full = s.partition(" ")
                current["organisation"] = full.strip() or handle
                current["org_handle"] = handle
            elif kind == "date" and m:
                month = MONTHS[m.group(1).lower()]
                year = int(m.group(3)) if m.group(3) else page_year
                try:
                    current["date"] = _dt.date(year, month, int(m.group(2))).isoformat()
                    current["year"] = year
                except ValueError:
                    result.issues.append(ReadIssue(str(path), f"line {lineno}", f"bad date {s!r}"))
                if m.group(4):
                    current["upvotes"] = int(m.group(4))
        if pending_title is not None:
            papers.append({"line": pending_title[0], "title": pending_title[1], "abstract": ""})
        if not papers:
            raise ReadError(str(path), "end of file", "no papers found in this daily-papers page")

        for p in papers:
            cancel.check()
            extra: dict[str, object] = {}
            if "n_authors" in p:
                extra["n_authors"] = p["n_authors"]
            if "org_handle" in p:
                extra["hf_org"] = p["org_handle"]
            result.papers.append(
                Paper(
                    title=clean_text(str(p["title"])),
                    abstract=clean_text(str(p["abstract"])),
                    year=p.get("year"),  # type: ignore[arg-type]
                    date=p.get("date"),  # type: ignore[arg-type]
                    upvotes=p.get("upvotes"),  # type: ignore[arg-type]
                    organisation=p.get("organisation"),  # type: ignore[arg-type]
                    extra=extra,
                    source=path.name,
                    location=f"line {p['line']}",
                )
            )
        progress(1.0, f"{len(result.papers)} papers")
        return result


registry.register(HFPageReader())
