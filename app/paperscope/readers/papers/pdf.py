"""PDF files: the paper a PDF holds, found in the text of its first pages.

Read with pypdfium2 (PDFium, built without a JavaScript engine; no form environment is
set up, so no document script, action or embedded file is ever run or opened). Only the
first :data:`HEAD_PAGES` pages are read on import:

- the arXiv id from the stamp arXiv prints in the left margin
  (``arXiv:2505.12345v2 [cs.LG] 20 May 2025``), else an ``arXiv:`` id near the top of
  page 1; a DOI from the document metadata or page 1;
- the title from the metadata when it is meaningful (not a file name, not a word
  processor's ``Microsoft Word - draft.docx``), else the largest text in the upper part
  of page 1; the authors from the lines right below the title; the abstract after the
  ``Abstract`` heading up to the introduction.

A PDF that cannot be read (encrypted, truncated, no text layer) still gives a paper
titled after its file name, with the reason as the attachment's note and as a warning
naming the file: the file is attached, never refused. The full text (for the search
index) is read later by :func:`full_text`, in the background.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from paperscope.core.ids import normalise_arxiv_id, normalise_doi
from paperscope.core.records import Attachment, Paper, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry

if TYPE_CHECKING:
    import numpy as np

HEAD_PAGES = 2
MAX_TEXT_PAGES = 500
MAX_TEXT_CHARS = 2_000_000

# the margin stamp: id, version, [category], date
_STAMP = re.compile(
    r"arXiv:\s*((?:\d{4}\.\d{4,5})|(?:[a-z\-]+(?:\.[A-Z]{2})?/\d{7}))(v\d+)?\s*"
    r"\[[A-Za-z\-]+(?:\.[A-Za-z\-]+)?\]\s*\d{1,2}\s+[A-Z][a-z]{2}\s+\d{4}"
)
_ARXIV_TOP = re.compile(r"arXiv:\s*(\d{4}\.\d{4,5})(v\d+)?", re.IGNORECASE)
_DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+)", re.IGNORECASE)
_JUNK_TITLE = re.compile(
    r"(?i)^(?:microsoft\s+(?:word|powerpoint)\s*-|untitled\b|title\b\s*$|document\d*$|"
    r"slide\s*\d*$|paper\s*$|main\s*$|manuscript\s*$|.*\.(?:docx?|pdf|tex|dvi|ps|rtf|odt)\s*$|"
    r"[\w\-]+\s*$)"
)
_ABSTRACT = re.compile(
    r"(?is)(?:^|\n)\s*abstract\b[\s.:\u2014\u2013-]*(.+?)"
    r"(?=\n\s*(?:(?:\d+|[IVX]+)\.?\s*)?(?:introduction|keywords|key\s*words|index\s+terms|"
    r"ccs\s+concepts)\b|\Z)"
)
_NOT_AUTHORS = re.compile(
    r"(?i)(@|\babstract\b|universit|institut|department|laborator|school\b|college|"
    r"\bcenter\b|\bcentre\b|\binc\b|corporation|https?://|\bemail\b|e-mail|\bpreprint\b)"
)
_AFFIL_MARKS = re.compile(r"(?<=[^\W\d_])[\d∗*†‡§¶]+(?:,[\d∗*†‡§¶]+)*|[∗*†‡§¶]+")
_EMAIL = re.compile(r"\S+@\S+")
_PARTICLES = frozenset(("van", "von", "de", "der", "den", "da", "di", "le", "la", "du", "del"))
# TeX's spacing accents that pdfTeX writes as separate characters ("Timoth´ee")
_SPACING_ACCENTS = {"´": "\u0301", "`": "\u0300", "¨": "\u0308", "^": "\u0302", "˜": "\u0303"}


class PdfUnreadable(Exception):
    """The PDF could not be opened; the message is the note shown to the user."""


@dataclass(slots=True)
class Line:
    text: str
    size: float
    top: float
    left: float
    width: float
    height: float


@dataclass(slots=True)
class PdfHead:
    """What the first pages of a PDF say."""

    pages: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # page 1, in reading order
    page_height: float = 0.0


def _fix_accents(text: str) -> str:
    if not any(a in text for a in _SPACING_ACCENTS):
        return text
    out = re.sub(
        r"([´`¨^˜])([A-Za-zıȷ])",
        lambda m: unicodedata.normalize(
            "NFC", m.group(2).replace("ı", "i") + _SPACING_ACCENTS[m.group(1)]
        ),
        text,
    )
    return out


def _clean(text: str) -> str:
    """PDFium's text: soft hyphens at line ends joined, CRLF to LF, accents composed."""
    text = text.replace("\ufffe\r\n", "").replace("\ufffe\n", "").replace("\ufffe", "")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _fix_accents(text)


def _open(path: Path) -> Any:
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text:
            raise PdfUnreadable("encrypted (a password is needed to read it)") from None
        if "format" in text or "file" in text:
            raise PdfUnreadable("damaged or truncated (PDFium could not parse it)") from None
        if "security" in text:
            raise PdfUnreadable("encrypted with an unsupported security handler") from None
        raise PdfUnreadable(f"could not be read ({exc})") from None


def _page_lines(textpage: Any, page_height: float) -> list[Line]:
    import pypdfium2.raw as raw

    lines: list[Line] = []
    n = textpage.count_rects()
    for i in range(min(n, 400)):
        left, bottom, right, top = textpage.get_rect(i)
        text = _clean(textpage.get_text_bounded(left, bottom, right, top)).strip()
        if not text:
            continue
        idx = textpage.get_index(left + 0.5, (top + bottom) / 2, 1.0, max((top - bottom) / 2, 1.0))
        size = float(raw.FPDFText_GetFontSize(textpage.raw, idx)) if idx is not None else 0.0
        if size <= 0:
            size = top - bottom
        lines.append(Line(text, size, top, left, right - left, top - bottom))
    return lines


def read_head(path: Path, pages: int = HEAD_PAGES) -> PdfHead:
    """The metadata, the text of the first ``pages`` pages and page 1's lines."""
    import pypdfium2 as pdfium

    doc = _open(path)
    head = PdfHead()
    try:
        head.pages = len(doc)
        try:
            head.metadata = {k: _clean(str(v)).strip() for k, v in doc.get_metadata_dict().items()}
        except Exception:  # a broken Info dictionary: no metadata
            head.metadata = {}
        for i in range(min(pages, head.pages)):
            try:
                _read_page(doc, i, head)
            except pdfium.PdfiumError as exc:
                if i == 0:
                    raise PdfUnreadable(f"damaged (page 1: {exc})") from None
                break  # page 1 was read: that is what the import needs
    finally:
        doc.close()
    return head


def _read_page(doc: Any, i: int, head: PdfHead) -> None:
    page = doc[i]
    try:
        textpage = page.get_textpage()
        try:
            head.texts.append(_clean(textpage.get_text_range()))
            if i == 0:
                head.page_height = float(page.get_height())
                head.lines = _page_lines(textpage, head.page_height)
        finally:
            textpage.close()
    finally:
        page.close()


def _page_text(doc: Any, i: int) -> str:
    page = doc[i]
    try:
        textpage = page.get_textpage()
        try:
            return _clean(textpage.get_text_range())
        finally:
            textpage.close()
    finally:
        page.close()


def full_text(
    path: Path,
    max_pages: int = MAX_TEXT_PAGES,
    max_chars: int = MAX_TEXT_CHARS,
    cancel: CancelToken | None = None,
) -> tuple[str, str]:
    """The text of every page (up to ``max_pages`` pages / ``max_chars`` characters),
    and a note ("" when all was read, else why not). Raises :class:`PdfUnreadable`."""
    import pypdfium2 as pdfium

    doc = _open(path)
    parts: list[str] = []
    size = 0
    note = ""
    try:
        n = len(doc)
        for i in range(n):
            if cancel is not None:
                cancel.check()
            if i >= max_pages or size >= max_chars:
                note = f"full text read for the first {i} of {n} pages"
                break
            try:
                t = _page_text(doc, i)
            except pdfium.PdfiumError:
                note = f"page {i + 1} of {n} is damaged: the text after it was not read"
                break
            parts.append(t)
            size += len(t)
    finally:
        doc.close()
    text = "\n".join(parts)[:max_chars]
    if not text.strip():
        note = "no text layer (a scan without OCR?)"
    return text, note


def render_first_page(path: Path, width: int = 300) -> np.ndarray:
    """Page 1 as an RGB array (height × width × 3, uint8) ``width`` pixels wide, for a
    thumbnail. Raises :class:`PdfUnreadable`. Forms and annotations' scripts are not
    run (no form environment), so rendering runs nothing from the file."""
    import pypdfium2 as pdfium

    doc = _open(path)
    try:
        if len(doc) == 0:
            raise PdfUnreadable("has no pages")
        try:
            return _render(doc, width)
        except pdfium.PdfiumError as exc:
            raise PdfUnreadable(f"page 1 could not be drawn ({exc})") from None
    finally:
        doc.close()


def _render(doc: Any, width: int) -> np.ndarray:
    import numpy as np

    page = doc[0]
    try:
        w = float(page.get_width()) or 1.0
        bitmap = page.render(scale=max(min(width / w, 4.0), 0.05), rev_byteorder=True)
        try:
            arr = np.array(bitmap.to_numpy(), dtype=np.uint8, copy=True)
        finally:
            bitmap.close()
    finally:
        page.close()
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = np.ascontiguousarray(arr[:, :, :3])
    return arr


# -- finding the paper in the text ---------------------------------------------------
def find_arxiv_id(texts: list[str]) -> str | None:
    for t in texts:
        if m := _STAMP.search(t):
            return normalise_arxiv_id(m.group(1))
    if texts and (m := _ARXIV_TOP.search(texts[0][:1500])):
        return normalise_arxiv_id(m.group(1))
    return None


def find_doi(texts: list[str], metadata: dict[str, str]) -> str | None:
    for key in ("doi", "DOI", "Subject", "Keywords"):
        value = metadata.get(key) or ""
        if (m := _DOI.search(value)) and (doi := normalise_doi(m.group(1))):
            return doi
    if texts and (m := _DOI.search(texts[0][:4000])):
        return normalise_doi(m.group(1).rstrip(".,;)]"))
    return None


def meaningful_title(value: str) -> str | None:
    """The metadata title, unless it is empty, a file name or a tool's placeholder."""
    value = " ".join(value.split())
    if len(value) < 8 or _JUNK_TITLE.match(value) or sum(c.isalpha() for c in value) < 6:
        return None
    return value


def _title_lines(head: PdfHead) -> tuple[str | None, int]:
    """The largest text in the upper 60 % of page 1 (horizontal lines only) and the
    index of its last line."""
    cut = head.page_height * 0.4
    candidates = [
        (i, ln)
        for i, ln in enumerate(head.lines)
        if ln.top >= cut
        and ln.width >= ln.height
        and sum(c.isalpha() for c in ln.text) >= 3
        and not _STAMP.search(ln.text)
    ]
    if not candidates:
        return None, -1
    biggest = max(ln.size for _, ln in candidates)
    picked = [(i, ln) for i, ln in candidates if ln.size >= biggest - 0.5]
    block = [picked[0]]
    for i, ln in picked[1:]:
        if i == block[-1][0] + 1 and block[-1][1].top - ln.top <= 2.5 * biggest:
            block.append((i, ln))
        else:
            break
    title = " ".join(ln.text for _, ln in block)
    title = re.sub(r"\s+", " ", title).strip(" .")
    return (title or None), block[-1][0]


def _split_names(text: str) -> list[str]:
    text = _AFFIL_MARKS.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    parts = re.split(r"\s*(?:,|;|\band\b|&|·)\s*", text)
    names: list[str] = []
    for p in parts:
        p = p.strip(" .")
        words = p.split()
        if not 2 <= len(words) <= 5:
            continue
        if not all(w[:1].isupper() for w in words if w.lower() not in _PARTICLES):
            continue
        if any(ch.isdigit() for ch in p):
            continue
        names.append(p)
    return names


def find_authors(head: PdfHead, title_end: int) -> tuple[str, ...]:
    """The names on the text lines right below the title, up to the first line that
    is an affiliation, an e-mail address, a footnote mark or the abstract."""
    if title_end < 0 or not head.texts:
        return ()
    text = head.texts[0]
    last = head.lines[title_end].text
    at = text.find(last)
    if at < 0:
        return ()
    collected: list[str] = []
    for raw_line in text[at + len(last) :].split("\n")[:12]:
        line = _EMAIL.sub("", raw_line).strip()
        if not line:
            continue
        if _NOT_AUTHORS.search(line) or re.fullmatch(r"[\d\s,∗*†‡§¶]+", line):
            break
        collected.append(line)
    return tuple(_split_names(" ".join(collected)))


def find_abstract(texts: list[str]) -> str:
    joined = "\n".join(texts)
    m = _ABSTRACT.search(joined)
    if not m:
        return ""
    body = m.group(1)
    body = re.sub(r"-\n(?=[a-z])", "", body)
    body = " ".join(body.split())
    return body[:3000]


def _file_title(path: Path) -> str:
    return re.sub(r"[_\s]+", " ", path.stem).strip() or path.name


def paper_from_pdf(path: Path) -> tuple[Paper, list[ReadIssue]]:
    """The paper in one PDF, with the PDF attached; never raises for a bad PDF."""
    issues: list[ReadIssue] = []
    try:
        head = read_head(path)
    except PdfUnreadable as exc:
        note = str(exc)
        issues.append(ReadIssue(str(path), "", f"PDF {note}; attached, titled after the file"))
        att = Attachment(str(path.resolve()), "pdf", "ok", note)
        return Paper(title=_file_title(path), source=path.name, attachments=(att,)), issues
    note = ""
    if not any(t.strip() for t in head.texts):
        note = "no text layer (a scan without OCR?)"
        issues.append(ReadIssue(str(path), "", f"PDF has {note}; attached, titled after the file"))
    arxiv_id = find_arxiv_id(head.texts)
    doi = find_doi(head.texts, head.metadata)
    title_text, title_end = _title_lines(head)
    title = meaningful_title(head.metadata.get("Title", "")) or title_text or _file_title(path)
    meta_authors = head.metadata.get("Author", "")
    authors = tuple(_split_names(meta_authors)) if meaningful_title(meta_authors + " x x") else ()
    if not authors:
        authors = find_authors(head, title_end)
    year = None  # the file's CreationDate says when it was made, not published
    if arxiv_id and (stamp := _STAMP.search("\n".join(head.texts))):
        year = int(stamp.group(0)[-4:])
    att = Attachment(str(path.resolve()), "pdf", "ok", note)
    paper = Paper(
        title=title,
        authors=authors,
        abstract=find_abstract(head.texts),
        year=year,
        arxiv_id=arxiv_id,
        doi=doi,
        kind="article",
        source=path.name,
        location=f"{head.pages} pages",
        attachments=(att,),
    )
    return paper, issues


class PdfReader:
    name = "pdf"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.pdf",)
    priority = 10

    def sniff(self, path: Path) -> bool:
        with open(path, "rb") as f:
            return b"%PDF-" in f.read(1024)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        cancel.check()
        paper, issues = paper_from_pdf(path)
        progress(1.0, paper.title)
        return ReadResult(papers=[paper], issues=issues)


def is_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"


registry.register(PdfReader())
