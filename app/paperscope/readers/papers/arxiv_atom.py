"""An arXiv API response: an Atom feed (``http://export.arxiv.org/api/query?...``).

Each ``<entry>`` has ``<id>http://arxiv.org/abs/2410.17243v2</id>``, ``<published>``
(first version), ``<updated>`` (this version), ``<title>``/``<summary>`` with hard line
wraps, ``<author><name>`` (with optional ``<arxiv:affiliation>``), ``<arxiv:primary_category
term=…>``, ``<category term=…>``, ``<arxiv:doi>``, ``<arxiv:journal_ref>``,
``<arxiv:comment>`` and ``<link title="pdf" href=…>``. The API reports a bad query as a
single entry whose id is ``http://arxiv.org/api/errors#…``.

The feed is parsed incrementally, so entries before a syntax error are kept and the
error is reported with its line and column.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import clean_text, head, iso_prefix, year_of
from paperscope.readers.papers._tex import decode as _decode

ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_VERSION = re.compile(r"v(\d+)$")


def _text(el: ET.Element | None) -> str:
    return clean_text("".join(el.itertext())) if el is not None else ""


def decode(text: str) -> str:
    return _decode(text, ligatures=False)


class ArxivAtomReader:
    name = "arxiv-atom"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.xml", "*.atom", "query*", "*.txt")
    priority = 20

    def sniff(self, path: Path) -> bool:
        text = head(path, 4096)
        return "http://www.w3.org/2005/Atom" in text and (
            "arxiv" in text.lower() or "<entry" in text
        )

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        result = ReadResult()
        parser: ET.XMLPullParser[ET.Element] = ET.XMLPullParser(events=("end",))
        n_entries = 0
        error: ReadError | None = None
        saw_feed = False
        try:
            with path.open("rb") as fh:
                while chunk := fh.read(1 << 16):
                    cancel.check()
                    parser.feed(chunk)
                    for _ev, el in cast("Iterator[tuple[str, Any]]", parser.read_events()):
                        if not isinstance(el, ET.Element):
                            continue
                        if el.tag == f"{ATOM}entry":
                            n_entries += 1
                            self._entry(path, el, n_entries, result)
                            el.clear()
                        elif el.tag == f"{ATOM}feed":
                            saw_feed = True
                parser.close()
                for _ev, el in cast("Iterator[tuple[str, Any]]", parser.read_events()):
                    if isinstance(el, ET.Element) and el.tag == f"{ATOM}feed":
                        saw_feed = True
        except ET.ParseError as exc:
            line, col = getattr(exc, "position", (0, 0))
            error = ReadError(str(path), f"line {line}, column {col + 1}", f"not valid XML: {exc}")
        except (ValueError, RecursionError, LookupError) as exc:  # LookupError: encoding="?"
            error = ReadError(str(path), "line 1", f"not valid XML: {exc}")
        if error is not None:
            if not result.papers:
                raise error
            result.issues.append(
                ReadIssue(
                    error.file, error.location, error.message + "; the rest is skipped", "skipped"
                )
            )
        elif not saw_feed and not result.papers:
            raise ReadError(str(path), "line 1", "not an Atom feed")
        if not result.papers and not result.issues:
            raise ReadError(str(path), "end of file", "the feed has no entries")
        if not result.papers:
            raise ReadError(
                result.issues[0].file, result.issues[0].location, result.issues[0].message
            )
        progress(1.0, f"{len(result.papers)} papers")
        return result

    def _entry(self, path: Path, el: ET.Element, n: int, result: ReadResult) -> None:
        where = f"entry {n}"
        raw_id = _text(el.find(f"{ATOM}id"))
        title = decode(_text(el.find(f"{ATOM}title")))
        if "/api/errors" in raw_id:
            message = _text(el.find(f"{ATOM}summary")) or title or "error"
            result.issues.append(
                ReadIssue(str(path), where, f"arXiv API error: {message}", "skipped")
            )
            return
        if not title:
            result.issues.append(ReadIssue(str(path), where, "entry without a title", "skipped"))
            return
        arxiv_id = normalise_arxiv_id(raw_id)
        extra: dict[str, Any] = {}
        if m := _VERSION.search(raw_id):
            extra["arxiv_version"] = int(m.group(1))
        published = iso_prefix(_text(el.find(f"{ATOM}published")))
        updated = iso_prefix(_text(el.find(f"{ATOM}updated")))
        if updated:
            extra["updated"] = updated
        authors: list[str] = []
        affiliations: dict[str, list[str]] = {}
        for a in el.findall(f"{ATOM}author"):
            name = decode(_text(a.find(f"{ATOM}name")))
            if name:
                authors.append(name)
                aff = [_text(x) for x in a.findall(f"{ARXIV}affiliation") if _text(x)]
                if aff:
                    affiliations[name] = aff
        if affiliations:
            extra["affiliations"] = affiliations
        primary = el.find(f"{ARXIV}primary_category")
        categories = [c.get("term", "") for c in el.findall(f"{ATOM}category") if c.get("term")]
        if primary is not None and primary.get("term"):
            extra["primary_category"] = primary.get("term")
        if categories:
            extra["categories"] = categories
        comment = _text(el.find(f"{ARXIV}comment"))
        if comment:
            extra["comment"] = comment
        pdf = None
        url = None
        for link in el.findall(f"{ATOM}link"):
            if link.get("title") == "pdf" or link.get("type") == "application/pdf":
                pdf = link.get("href")
            elif link.get("rel") == "alternate":
                url = link.get("href")
        if pdf:
            extra["pdf"] = pdf
        journal = _text(el.find(f"{ARXIV}journal_ref")) or None
        result.papers.append(
            Paper(
                title=title,
                authors=tuple(authors),
                abstract=decode(_text(el.find(f"{ATOM}summary"))),
                year=year_of(published) if published else None,
                date=published,
                arxiv_id=arxiv_id,
                doi=normalise_doi(_text(el.find(f"{ARXIV}doi"))),
                url=url or (f"https://arxiv.org/abs/{arxiv_id}" if arxiv_id else None),
                venue=journal,
                kind="preprint",
                extra=extra,
                source=path.name,
                location=where,
            )
        )


registry.register(ArxivAtomReader())
