"""PDF files: the paper a PDF holds, found in the text of its first pages.

Read with pypdfium2 (PDFium, built without a JavaScript engine; no form environment is
set up, so no document script, action or embedded file is ever run or opened). Only the
first :data:`HEAD_PAGES` pages are read on import:

- the arXiv id from the stamp arXiv prints in the left margin
  (``arXiv:2505.12345v2 [cs.LG] 20 May 2025``: the id, ``extra["arxiv_version"]`` and
  the year), else an ``arXiv:`` id near the top of page 1; a DOI from the document
  metadata or page 1;
- the title from the metadata when it is meaningful (not a file name, not a word
  processor's ``Microsoft Word - draft.docx``), else the largest text in the upper part
  of page 1 (its pieces in other fonts joined as they sit on the line); the authors
  from the lines right below the title, up to an affiliation; the abstract after the
  ``Abstract`` heading, up to where its lines end (a caption, a footnote, a figure's
  gap) or the introduction.

Authors and abstract are read from page 1's text rebuilt from its characters
(:func:`_clean_page_text`): footnote and affiliation marks (raised, smaller
characters: ``Touvron∗``, ``AutoGen²``, ``±University``) left out, with the line break
PDFium puts after them; names set apart by a wide gap (``Jason Wei    Xuezhi Wang``)
kept apart. A hyphen at a line end is dropped inside a word (``founda-tion``), kept
in a compound (``chain-of-thought``, ``LLaMA-65B``).

PDFium never runs in the caller's process: :func:`read_head`, :func:`full_text` and
:func:`render_first_page` hand the file to a PDF worker process (:mod:`._pdf_guard`)
that runs their ``*_here`` twins under a CPU-time and a memory limit, so a PDF that
keeps PDFium spinning or crashes it costs a few seconds, not the import or the window.

A PDF that cannot be read (encrypted, truncated, no text layer, over the worker's
limits) still gives a paper titled after its file name, with the reason as the
attachment's note and as a warning naming the file: the file is attached, never
refused. The full text (for the search
index) is read later by :func:`full_text`, in the background.
"""

from __future__ import annotations

import itertools
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
HEAD_CHARS = 8000  # page 1's characters read one by one (its text before the body)
MAX_TEXT_PAGES = 500
MAX_TEXT_CHARS = 2_000_000
TEXT_CPU_FACTOR = 3  # the full text may take this many times the first pages' CPU limit

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
_ABSTRACT_HEAD = re.compile(r"(?i)\s*abstract\b")
_AFTER_ABSTRACT = re.compile(
    r"(?i)\s*(?:(?:\d+|[IVX]+)\.?\s*)?(?:introduction|keywords|key\s*words|index\s+terms|"
    r"ccs\s+concepts)\b"
)
_NOT_AUTHORS = re.compile(
    r"(?i)(@|\babstract\b|universit|institut|department|laborator|school\b|college|"
    r"\bcenter\b|\bcentre\b|\binc\b|corporation|https?://|\bemail\b|e-mail|\bpreprint\b)"
)
_NAME_SEP = re.compile(r"\s*(?:,|;|\band\b|&|·|\t)\s*")
_AFFIL_MARKS = re.compile(r"(?<=[^\W\d_])[\d∗*†‡§¶]+(?:,[\d∗*†‡§¶]+)*|[∗*†‡§¶]+")
_EMAIL = re.compile(r"\S+@\S+")
_SOFT_HYPHEN = re.compile(r"([^\s\ufffe]{0,64})\ufffe+(?:\r\n|\n|\r)?(\S?)")
# words that make a line below the authors an affiliation, not names
_ORGANISATION = re.compile(
    r"(?i:\b(?:research|labs?|laboratories|team|group|academy|hospital|foundation|"
    r"google|deepmind|microsoft|openai|nvidia|amazon|facebook|ibm|alibaba|tencent|baidu|"
    r"huawei|bytedance|meta\s+ai|ltd|llc|gmbh|corp)\b)|\bAI\b"
)
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
    index: int = -1  # the text page's index of its first character


@dataclass(slots=True)
class PdfHead:
    """What the first pages of a PDF say."""

    pages: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)  # page 1, in reading order
    page_height: float = 0.0
    # page 1's text without footnote marks, a wide gap on a line as a tab (see
    # :func:`_clean_page_text`): what the authors and the abstract are read from.
    # ``clean_upto``: "page" (all of it), "abstract" (a little past the abstract's end
    # that page 1's lines show) or "authors" (page 1 has no abstract heading: a little
    # past the title, for the authors)
    clean: str = ""
    clean_upto: str = "page"


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


def _join_hyphen(m: re.Match[str]) -> str:
    before, after = m.group(1), m.group(2)
    # "founda-tion" is one word; "chain-of-thought" broken after "of-" and
    # "LLaMA-65B" keep their hyphen
    drop = before[-1:].islower() and after.islower() and "-" not in before
    return before + ("" if drop else "-") + after


def _clean(text: str) -> str:
    """PDFium's text: hyphens at line ends (PDFium marks them U+FFFE, or U+0002 in a
    bounded text) joined, CRLF to LF, accents composed."""
    if "\ufffe" in text or "\x02" in text:
        text = _SOFT_HYPHEN.sub(_join_hyphen, text.replace("\x02", "\ufffe"))
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
        index = idx if idx is not None else -1
        lines.append(Line(text, size, top, left, right - left, top - bottom, index))
    return lines


@dataclass(slots=True)
class _Char:
    ch: str
    size: float
    y: float  # the baseline
    left: float
    right: float


def _page_chars(textpage: Any, limit: int) -> list[_Char]:
    """The first ``limit`` characters of a page, each with its font size, baseline and
    left and right. Text scaled by its matrix has a font size of 1: its size is then
    its loose box's height (the font's ascent to descent)."""
    import ctypes

    import pypdfium2.raw as raw

    tp = textpage.raw
    n = min(int(raw.FPDFText_CountChars(tp)), limit)
    box = raw.FS_RECTF()
    x, y = ctypes.c_double(), ctypes.c_double()
    get_unicode, get_size = raw.FPDFText_GetUnicode, raw.FPDFText_GetFontSize
    get_box, get_origin = raw.FPDFText_GetLooseCharBox, raw.FPDFText_GetCharOrigin
    chars: list[_Char] = []
    for i in range(n):
        code = int(get_unicode(tp, i))
        ch = chr(code) if 0 < code < 0x110000 else "\ufffd"
        if ch.isspace() or ch in "\ufffe\x02" or not get_box(tp, i, box):
            chars.append(_Char(ch, 0.0, 0.0, 0.0, 0.0))
            continue
        size = float(get_size(tp, i))
        if size < 2.0:
            size = max(box.top - box.bottom, 0.1)
        get_origin(tp, i, x, y)
        chars.append(_Char(ch, size, y.value, box.left, box.right))
    return chars


def _raised(c: _Char, ref: _Char) -> bool:
    """Whether ``c`` is a superscript of ``ref``: smaller, above its baseline (by less
    than its height) and next to it."""
    dy = c.y - ref.y
    return c.size < 0.9 * ref.size and 0.15 * ref.size < dy < ref.size


def _is_mark_after(c: _Char, base: _Char, word: int, prev: _Char) -> bool:
    # a superscript right after a word of two letters or more, or after punctuation
    # ("Touvron∗", "AutoGen²", "community¹", "Research, †Penn"); not an exponent
    # ("10⁶", "n²")
    if not _raised(c, base) or not -0.3 * base.size < c.left - prev.right < 0.6 * base.size:
        return False
    return word >= 2 or base.ch in ".,;:)]"


def _is_mark_before(chars: list[_Char], k: int) -> bool:
    # a superscript that starts a line, right before a word ("∗Microsoft Research")
    c = chars[k]
    for nxt in chars[k + 1 : k + 4]:
        if nxt.size == 0.0:
            if nxt.ch in "\r\n":
                return False
            continue
        if _raised(c, nxt) and -0.3 * nxt.size < nxt.left - c.right < 0.6 * nxt.size:
            return True
        if abs(nxt.size - c.size) < 0.5 and abs(nxt.y - c.y) < 0.1 * c.size:
            continue  # a mark of several characters ("∗1")
        return False
    return False


def _clean_page_text(chars: list[_Char]) -> str:
    """Page text rebuilt from its characters: footnote and affiliation marks (raised,
    smaller characters after a word or before one at a line start) dropped, with the
    line break PDFium puts after such a mark when the line goes on; a gap of more than
    a font size between two characters of one line (names set apart with a quad)
    written as a tab; exponents and subscripts kept."""
    out: list[str] = []
    base: _Char | None = None  # the last character on the baseline of its line
    prev: _Char | None = None  # the last visible character, kept or dropped
    word = 0  # letters in the word that ends at ``base``
    space = ""  # what PDFium put between ``prev`` and the next character
    for k, c in enumerate(chars):
        if c.size == 0.0:
            if c.ch in "\r\n":
                space = "\n"
            elif c.ch in "\ufffe\x02":
                out.append("\ufffe")
                space = ""
            elif space != "\n":
                space = " "
            continue
        if base is not None and prev is not None and _is_mark_after(c, base, word, prev):
            prev = c
            continue
        on_line = base is not None and abs(c.y - base.y) < 0.3 * max(c.size, base.size)
        if (not on_line or space == "\n") and _is_mark_before(chars, k):
            prev = c
            continue
        sep = space
        if base is not None and prev is not None and on_line and c.left > base.right - c.size:
            gap = c.left - base.right
            if space == " " and gap > max(c.size, base.size):
                sep = "\t"  # a space PDFium saw, wider than a quad
            elif space == "\n":  # the break PDFium put after a dropped mark
                sep = " " if c.left - prev.right > 0.25 * c.size else ""
        out.append(sep + c.ch)
        space = ""
        prev = c
        if base is None or not (on_line and c.size < 0.9 * base.size):
            base = c  # a subscript or an exponent does not move the baseline
        word = word + 1 if c.ch.isalpha() else 0
    return _clean("".join(out))


def read_head(path: Path, pages: int = HEAD_PAGES, cancel: CancelToken | None = None) -> PdfHead:
    """The metadata, the text of the first ``pages`` pages and page 1's lines, read in
    a PDF worker process under a CPU-time and memory limit (:mod:`._pdf_guard`).
    Raises :class:`PdfUnreadable`."""
    from paperscope.readers.papers import _pdf_guard

    head: PdfHead = _pdf_guard.call("head", path, (pages,), cancel)
    return head


def read_head_here(path: Path, pages: int = HEAD_PAGES) -> PdfHead:
    """:func:`read_head` in this process (the PDF worker's job)."""
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
                _read_clean(textpage, head)
        finally:
            textpage.close()
    finally:
        page.close()


def _read_clean(textpage: Any, head: PdfHead) -> None:
    # characters read one by one cost some 2 µs each: only as far as needed, the
    # abstract's end (not when it runs to the last line read: it may go on), else the
    # authors below the title
    limit, upto = HEAD_CHARS, "page"
    kept = _abstract_lines(head.lines)
    if kept and kept[-1] is not head.lines[-1] and kept[-1].index >= 0:
        limit, upto = kept[-1].index + len(kept[-1].text) + 200, "abstract"
    elif not kept:
        _, end = _title_lines(head)
        if end >= 0 and head.lines[end].index >= 0:
            limit, upto = head.lines[end].index + 2000, "authors"
    chars = _page_chars(textpage, min(limit, HEAD_CHARS))
    head.clean = _clean_page_text(chars)
    head.clean_upto = upto if len(chars) < textpage.count_chars() else "page"


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
    and a note ("" when all was read, else why not), read in a PDF worker process with
    :data:`TEXT_CPU_FACTOR` times the CPU limit of the first pages' read. Raises
    :class:`PdfUnreadable`; ``cancel`` ends the worker."""
    from paperscope.readers.papers import _pdf_guard

    seconds = _pdf_guard.cpu_limit() * TEXT_CPU_FACTOR
    text: tuple[str, str] = _pdf_guard.call(
        "text", path, (max_pages, max_chars), cancel, cpu_seconds=seconds
    )
    return text


def full_text_here(
    path: Path, max_pages: int = MAX_TEXT_PAGES, max_chars: int = MAX_TEXT_CHARS
) -> tuple[str, str]:
    """:func:`full_text` in this process (the PDF worker's job)."""
    import pypdfium2 as pdfium

    doc = _open(path)
    parts: list[str] = []
    size = 0
    note = ""
    try:
        n = len(doc)
        for i in range(n):
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


def render_first_page(
    path: Path, width: int = 300, cancel: CancelToken | None = None
) -> np.ndarray:
    """Page 1 as an RGB array (height × width × 3, uint8) ``width`` pixels wide, for a
    thumbnail, drawn in a PDF worker process. Raises :class:`PdfUnreadable`. Forms and
    annotations' scripts are not run (no form environment), so rendering runs nothing
    from the file."""
    from paperscope.readers.papers import _pdf_guard

    image: np.ndarray = _pdf_guard.call("render", path, (width,), cancel)
    return image


def render_first_page_here(path: Path, width: int = 300) -> np.ndarray:
    """:func:`render_first_page` in this process (the PDF worker's job)."""
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
def find_arxiv_stamp(texts: list[str]) -> tuple[str | None, int | None, int | None]:
    """The arXiv id (without its version), the version and the stamp's year: from the
    margin stamp (``arXiv:2201.11903v6 [cs.CL] 10 Jan 2023``), else from an ``arXiv:``
    id near the top of page 1 (no year then)."""
    for t in texts:
        if m := _STAMP.search(t):
            version = int(m.group(2)[1:]) if m.group(2) else None
            return normalise_arxiv_id(m.group(1)), version, int(m.group(0)[-4:])
    if texts and (m := _ARXIV_TOP.search(texts[0][:1500])):
        version = int(m.group(2)[1:]) if m.group(2) else None
        return normalise_arxiv_id(m.group(1)), version, None
    return None, None, None


def find_arxiv_id(texts: list[str]) -> str | None:
    return find_arxiv_stamp(texts)[0]


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
        last_i, last = block[-1]
        # only footnote marks ("Title∗") between two pieces of the title
        between = head.lines[last_i + 1 : i]
        marks = all(len(b.text) <= 3 and b.size < biggest - 0.5 for b in between)
        if marks and last.top - ln.top <= 2.5 * biggest:
            block.append((i, ln))
        else:
            break
    title = block[0][1].text
    for (_, a), (_, b) in itertools.pairwise(block):
        # pieces of one line in two fonts ("AutoGen" + ": Enabling ...") are one text
        glued = abs(a.top - b.top) < 0.5 * biggest and b.left - (a.left + a.width) < 0.15 * a.size
        title += ("" if glued else " ") + b.text
    title = re.sub(r"\s+", " ", title).strip(" .")
    return (title or None), block[-1][0]


def _split_names(text: str) -> list[str]:
    """Names separated by commas, semicolons, "and", "&", "·" or tabs (wide gaps),
    footnote marks (digits after a name, daggers, asterisks and other symbols) left
    out."""
    text = _AFFIL_MARKS.sub(" ", text)
    text = "".join(
        " " if ch in "*†‡§¶#" or unicodedata.category(ch) in ("Sm", "So") else ch for ch in text
    )
    text = re.sub(r"[^\S\t]+", " ", text)
    parts = _NAME_SEP.split(text)
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


def _join_author_lines(collected: str, line: str) -> str:
    """A line break between names separates them ("Xavier Martinet" / "Marie-Anne
    Lachaux, ..."), unless the line goes on with a separator or the name before it
    is not whole (a name broken across two lines: "Dominique" / "Gravel", "Joel J." /
    "Adamson", "Ludwig van" / "Beethoven")."""
    if not collected:
        return line
    tail = _NAME_SEP.split(collected)[-1].split()
    goes_on = line[:1] in ",;&·" or re.match(r"and\b", line) is not None
    ended = collected[-1:] in ",;&·" or re.search(r"\band$", collected) is not None
    broken = (
        len(tail) < 2
        or re.fullmatch(r"[^\W\d_]\.?", tail[-1]) is not None
        or tail[-1].lower() in _PARTICLES
    )
    return collected + (" " if goes_on or ended or broken else "\t") + line


def find_authors(head: PdfHead, title_end: int) -> tuple[str, ...]:
    """The names on the text lines right below the title, up to the first line that
    is an affiliation (an institution, a company, a lab, a team), an e-mail address,
    a footnote mark or the abstract. Read from page 1's text without footnote marks
    (:attr:`PdfHead.clean`), where a wide gap between two names is a tab."""
    text = head.clean or (head.texts[0] if head.texts else "")
    if title_end < 0 or not text:
        return ()
    words = head.lines[title_end].text.split()
    m = re.search(r"\s*".join(re.escape(w) for w in words), text) if words else None
    if m is None:
        return ()
    collected = ""
    for raw_line in text[m.end() :].split("\n")[:12]:
        line = _EMAIL.sub("", raw_line).strip()
        if not line:
            continue
        if (
            _NOT_AUTHORS.search(line)
            or _ORGANISATION.search(line)
            or re.fullmatch(r"[\d\s,∗*†‡§¶]+", line)
        ):
            break
        collected = _join_author_lines(collected, line)
    return tuple(_split_names(collected))


def _abstract_lines(lines: list[Line]) -> list[Line]:
    """The abstract's lines on page 1: the lines below the ``Abstract`` heading in the
    size of its first line, up to a line of another size (a caption, a footnote, the
    margin stamp), a gap of more than a few lines (a figure) or the introduction's
    heading; none when page 1 has no such heading."""
    k = next((i for i, ln in enumerate(lines) if _ABSTRACT_HEAD.match(ln.text)), None)
    if k is None:
        return []
    size: float | None = None
    kept: list[Line] = []
    for ln in lines[k + 1 :]:
        if size is None:
            if sum(c.isalpha() for c in ln.text) < 3:
                continue
            size = ln.size
        elif len(ln.text.strip()) <= 3 and ln.size <= size + 0.5:
            continue  # a footnote mark, a lone full stop
        if abs(ln.size - size) > 0.6 or _AFTER_ABSTRACT.match(ln.text):
            break
        if kept and kept[-1].top - ln.top > 2.5 * size + ln.height:
            break  # a figure or the footnotes below (the next column, above, goes on)
        kept.append(ln)
    return kept


def abstract_tail(head: PdfHead) -> str:
    """The end of the abstract on page 1, as its last lines say (about 40 letters)."""
    tail = ""
    for ln in reversed(_abstract_lines(head.lines)):
        tail = ln.text + " " + tail
        if sum(c.isalpha() for c in tail) >= 40:
            break
    return tail


def _cut_abstract(body: str, tail: str) -> str:
    """``body`` up to where ``tail`` (the abstract's last lines) ends in it, compared
    on letters only (the lines' marks, spaces and hyphens differ from the text's)."""
    key = "".join(c for c in tail if c.isalpha()).lower()[-40:]
    if len(key) < 12:
        return body
    at_letter = [i for i, c in enumerate(body) if c.isalpha()]
    flat = "".join(body[i] for i in at_letter).lower()
    at = flat.find(key)
    if at < 0:
        return body
    end = at_letter[at + len(key) - 1] + 1
    while end < len(body) and body[end] in ".,;:!?)]\"'’”":
        end += 1
    return body[:end]


def find_abstract(texts: list[str], tail: str = "") -> str:
    """The text after the ``Abstract`` heading up to the introduction, or up to where
    ``tail`` (:func:`abstract_tail`) ends in it."""
    joined = "\n".join(texts)
    m = _ABSTRACT.search(joined)
    if not m:
        return ""
    body = m.group(1)
    body = re.sub(r"-\n(?=[a-z])", "", body)
    body = " ".join(body.split())
    if tail:
        body = _cut_abstract(body, tail)
    return body[:3000]


def _abstract_texts(head: PdfHead) -> list[str]:
    if head.clean and head.clean_upto == "abstract":
        return [head.clean]  # the abstract ends in it
    if head.clean and head.clean_upto == "page":
        return [head.clean, *head.texts[1:]]
    return head.texts


def _file_title(path: Path) -> str:
    return re.sub(r"[_\s]+", " ", path.stem).strip() or path.name


def paper_from_pdf(path: Path, cancel: CancelToken | None = None) -> tuple[Paper, list[ReadIssue]]:
    """The paper in one PDF, with the PDF attached; never raises for a bad PDF (one
    that PDFium cannot read within its limits is attached with the reason as its
    note); raises :class:`~paperscope.core.tasks.Cancelled` when ``cancel`` is set."""
    issues: list[ReadIssue] = []
    try:
        head = read_head(path, cancel=cancel)
    except PdfUnreadable as exc:
        note = str(exc)
        issues.append(ReadIssue(str(path), "", f"PDF {note}; attached, titled after the file"))
        att = Attachment(str(path.resolve()), "pdf", "ok", note)
        return Paper(title=_file_title(path), source=path.name, attachments=(att,)), issues
    note = ""
    if not any(t.strip() for t in head.texts):
        note = "no text layer (a scan without OCR?)"
        issues.append(ReadIssue(str(path), "", f"PDF has {note}; attached, titled after the file"))
    arxiv_id, version, stamp_year = find_arxiv_stamp(head.texts)
    doi = find_doi(head.texts, head.metadata)
    title_text, title_end = _title_lines(head)
    title = meaningful_title(head.metadata.get("Title", "")) or title_text or _file_title(path)
    meta_authors = head.metadata.get("Author", "")
    authors = tuple(_split_names(meta_authors)) if meaningful_title(meta_authors + " x x") else ()
    if not authors:
        authors = find_authors(head, title_end)
    # the stamp's date is this version's; the file's CreationDate says when the file
    # was made, not when the paper was published
    year = stamp_year
    att = Attachment(str(path.resolve()), "pdf", "ok", note)
    paper = Paper(
        title=title,
        authors=authors,
        abstract=find_abstract(_abstract_texts(head), abstract_tail(head)),
        year=year,
        arxiv_id=arxiv_id,
        extra={"arxiv_version": version} if arxiv_id and version else {},
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
        paper, issues = paper_from_pdf(path, cancel)
        progress(1.0, paper.title)
        return ReadResult(papers=[paper], issues=issues)


def is_pdf(path: Path) -> bool:
    return path.suffix.lower() == ".pdf"


registry.register(PdfReader())
