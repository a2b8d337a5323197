"""BibTeX (``.bib``) through bibtexparser 2.

bibtexparser splits the file into blocks (and reports broken blocks and duplicate
keys with their line); the values are resolved here as BibTeX does, block by block in
file order: ``@string`` macros (case-insensitive; a later definition holds from there
on and is a warning, not a duplicate key), macros of the other ``.bib`` files of the
same import (:func:`import_macros`), month macros (``sep``), ``#`` concatenation,
enclosing braces/quotes; an undefined macro reads as empty with a warning naming it
and the entry. Field names are case-insensitive (``Title`` = ``title``).

Every field is kept (:attr:`Paper.fields`, plain text, TeX decoded by the fast
decoder in :mod:`._tex` except in verbatim fields such as ``url``); names are split
into parts by bibtexparser's ``splitname`` (:attr:`Paper.creators`).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from paperscope.core.fields import (
    FORMAT,
    NAME_FIELDS,
    PREAMBLE,
    TEX,
    bibtex_columns,
    is_verbatim,
)  # fmt: skip
from paperscope.core.names import display_names
from paperscope.core.records import Creator, Paper, ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.papers._common import (
    MONTHS,
    clean_text,
    head,
    read_text_lenient,
    require_papers,
    split_top_level,
)
from paperscope.readers.papers._files import attachments_from_fields
from paperscope.readers.papers._tex import decode

_MONTH_NAMES = {
    name: full
    for name, full in zip(
        MONTHS,
        ("January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"),
        strict=True,
    )
}  # fmt: skip

# macros of the other .bib files of the import being read (see import_macros)
_IMPORT_MACROS: ContextVar[dict[str, str] | None] = ContextVar("bibtex_macros", default=None)
_STRING_BLOCK = re.compile(r"@\s*string\s*[{(]", re.IGNORECASE)
_ENTRY_TYPE = re.compile(r"^\s*@\s*([A-Za-z]+)", re.MULTILINE)


def _split_concat(raw: str) -> list[str]:
    """Split a raw value on ``#`` outside braces and quotes."""
    if "#" not in raw:
        return [raw]
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif ch == '"' and depth == 0 and (i == 0 or raw[i - 1] != "\\"):
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(raw[start:i])
            start = i + 1
    parts.append(raw[start:])
    return parts


def resolve(raw: str, strings: Mapping[str, str], undefined: list[str] | None = None) -> str:
    """A raw field value with macros, month names and ``#`` resolved; TeX left in.

    A macro that is not defined reads as empty, as BibTeX does; its name is appended
    to ``undefined`` (when given) so the caller can warn."""
    out: list[str] = []
    for part in _split_concat(raw):
        p = part.strip()
        if (len(p) >= 2 and p[0] == "{" and p[-1] == "}") or (
            len(p) >= 2 and p[0] == '"' and p[-1] == '"'
        ):
            out.append(p[1:-1])
        elif p.isdigit():
            out.append(p)
        elif p.lower() in strings:
            out.append(strings[p.lower()])
        elif p.lower() in _MONTH_NAMES:
            out.append(_MONTH_NAMES[p.lower()])
        elif p and undefined is not None:
            undefined.append(p)
        elif p:
            out.append(p)
    return "".join(out)


def _is_literal(name: str) -> bool:
    """``{Barnes and Noble, Inc.}``: the whole name is one brace group."""
    s = name.strip()
    if not (s.startswith("{") and s.endswith("}")):
        return False
    depth = 0
    for i, ch in enumerate(s):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0 and i != len(s) - 1:
                return False
    return True


# a TeX special character in braces, ``{\'E}``, ``{\"{o}}``: BibTeX takes the case of
# its letter, bibtexparser's splitname takes it as lower case, so it is decoded first
# (an accent command without braces, ``Go\~ni``, is decoded too: bibtexparser would
# split the name at its ``~``)
SPECIAL_GROUP = re.compile(
    r"\{\\[^{}]*(?:\{[^{}]*\}[^{}]*)?\}"
    r"|\\['`^\"~=.]\s*(?:\{[A-Za-z]?\}|[A-Za-z])|\\[uvHckrdbt]\s*\{[A-Za-z]\}"
)


def decode_special_groups(name: str) -> str:
    return SPECIAL_GROUP.sub(lambda m: decode(m.group(0)), name) if "\\" in name else name


@lru_cache(maxsize=65536)
def parse_name(name: str, role: str = "author") -> Creator:
    """One BibTeX name (TeX still in it) as parts, split by bibtexparser's
    ``splitname`` (braces, "von" parts, ``Last, Jr, First``)."""
    from bibtexparser.middlewares.names import parse_single_name_into_parts

    name = name.strip()
    if name.lower() == "others":
        return Creator(family="others", role=role)
    if _is_literal(name):
        return Creator(literal=decode(name), role=role)
    parts = parse_single_name_into_parts(decode_special_groups(name), strict=False)
    return Creator(
        family=decode(" ".join(parts.last)),
        given=decode(" ".join(parts.first)),
        particle=decode(" ".join(parts.von)),
        suffix=decode(" ".join(parts.jr)),
        role=role,
    )


def parse_names(raw: str, role: str = "author") -> list[Creator]:
    """A BibTeX name list (``A and B and others``) as parts."""
    from bibtexparser.middlewares.names import split_multiple_persons_names

    text = clean_text(raw)
    if not text:
        return []
    return [parse_name(n, role) for n in split_multiple_persons_names(text) if n.strip()]


# what the exporter would write otherwise than as read (escaped, or braces dropped)
_HAS_TEX = re.compile(r"[\\{}~&%#_$^]")


def plain_fields(fields: Mapping[str, str]) -> dict[str, Any]:
    """Resolved raw values as the stored plain-text fields (names left out), and under
    ``TEX`` the TeX of the title and of every field whose TeX says more than its plain
    text, for the exporter to write back as written."""
    out: dict[str, Any] = {FORMAT: "bibtex"}
    tex: dict[str, list[Any]] = {}
    for name, raw in fields.items():
        if name in NAME_FIELDS:  # names are kept as their parts (Creator)
            continue
        text = clean_text(raw)
        plain = text if is_verbatim(name) else decode(text)
        out[name] = plain
        if plain != text or name == "title" or (not is_verbatim(name) and _HAS_TEX.search(text)):
            # a title as read too: its capitals are the style's to change where the
            # file did not brace them (the exporter braces titles from elsewhere whole)
            tex[name] = [plain, text]
    if tex:
        out[TEX] = tex
    return out


def entry_to_paper(
    entry_type: str, key: str, fields: dict[str, str], source: str, where: str
) -> Paper:
    """A resolved entry (lower-case field names, TeX still in the values) as a Paper."""
    plain = plain_fields(fields)
    cols = bibtex_columns(plain)
    if not cols["title"]:
        raise ValueError("no title")
    creators = parse_names(fields.get("author", "")) + parse_names(
        fields.get("editor", ""), "editor"
    )
    authors = display_names(tuple(creators), "author") or display_names(tuple(creators), "editor")
    return Paper(
        title=cols["title"],
        authors=authors,
        abstract=cols["abstract"],
        year=cols["year"],
        date=cols["date"],
        arxiv_id=cols["arxiv_id"],
        doi=cols["doi"],
        url=cols["url"],
        venue=cols["venue"],
        kind=entry_type.lower(),
        citation_key=key or None,
        keywords=cols["keywords"],
        creators=tuple(creators),
        fields=plain,
        source=source,
        location=where,
    )


def _string_blocks(text: str) -> str:
    """Only the ``@string`` blocks of a BibTeX text (cheap: no entry is parsed)."""
    out: list[str] = []
    for m in _STRING_BLOCK.finditer(text):
        close = "}" if text[m.end() - 1] == "{" else ")"
        depth, i = 1, m.end()
        while i < len(text) and depth:
            ch = text[i]
            if ch == "{" or (close == ")" and ch == "("):
                depth += 1
            elif ch == "}" or (close == ")" and ch == ")"):
                depth -= 1
            i += 1
        out.append(text[m.start() : i])
    return "\n".join(out)


def is_macro_file(text: str) -> bool:
    """A file of ``@string``/``@preamble``/``@comment`` blocks and no entry."""
    kinds = {m.group(1).lower() for m in _ENTRY_TYPE.finditer(text)}
    return bool(kinds) and kinds <= {"string", "preamble", "comment"}


def macros_of(text: str, known: Mapping[str, str] | None = None) -> dict[str, str]:
    """The ``@string`` macros a BibTeX text defines (in order; later ones win)."""
    from bibtexparser import model
    from bibtexparser.entrypoint import parse_string

    blocks = _string_blocks(text)
    if not blocks:
        return {}
    table = dict(known or {})
    own: dict[str, str] = {}
    for block in parse_string(blocks, parse_stack=[]).blocks:
        string = getattr(block, "ignore_error_block", block)
        if isinstance(string, model.String):
            value = resolve(str(string.value), table)
            table[str(string.key).lower()] = own[str(string.key).lower()] = value
    return own


@contextmanager
def import_macros(paths: Sequence[Path]) -> Iterator[None]:
    """While reading the ``.bib`` files of one import, each sees the ``@string``
    macros of all of them (files holding only macros first), as BibTeX sees the macros
    of every file named in ``\\bibliography{...}``."""
    texts: list[tuple[bool, str]] = []
    for path in paths:
        try:
            text, _note = read_text_lenient(path)
        except OSError:
            continue
        texts.append((not is_macro_file(text), text))
    table: dict[str, str] = {}
    for _not_macros, text in sorted(texts, key=lambda t: t[0]):  # stable: macro files first
        try:
            table.update(macros_of(text, table))
        except Exception:  # a broken file is reported when it is read
            continue
    token = _IMPORT_MACROS.set(table)
    try:
        yield
    finally:
        _IMPORT_MACROS.reset(token)


class BibTeXReader:
    name = "bibtex"
    kind: registry.Kind = "papers"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.bib", "*.bibtex")
    priority = 20

    def sniff(self, path: Path) -> bool:
        # a .bib is read as BibTeX (what it holds otherwise is said when it is read)
        return path.suffix.lower() in (".bib", ".bibtex") or "@" in head(path, 65536)

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        from bibtexparser import model
        from bibtexparser.entrypoint import parse_string

        text, note = read_text_lenient(path)
        result = ReadResult()
        if note:
            result.issues.append(ReadIssue(str(path), "", note))
        progress(0.05, "Parsing")
        logger = logging.getLogger("bibtexparser")
        old_level = logger.level
        logger.setLevel(logging.CRITICAL)  # its failures are reported below, by line
        try:
            library = parse_string(text, parse_stack=[])
        except RecursionError:
            raise ReadError(str(path), "line 1", "BibTeX nested too deeply") from None
        except Exception as exc:  # bibtexparser's own errors have no common base class
            raise ReadError(str(path), "line 1", f"not BibTeX: {exc}") from None
        finally:
            logger.setLevel(old_level)
        cancel.check()
        strings: dict[str, str] = dict(_IMPORT_MACROS.get() or {})
        defined_at: dict[str, int] = {}
        first_line: dict[str, int] = {}
        n_entries = 0
        preambles: list[str] = []
        progress(0.3, "Reading entries")
        blocks = library.blocks
        for i, block in enumerate(blocks):
            if i % 1000 == 0:
                cancel.check()
                progress(0.3 + 0.7 * i / max(len(blocks), 1), "Reading entries")
            line = (block.start_line or 0) + 1
            where = f"line {line}"
            if isinstance(block, model.DuplicateBlockKeyBlock) and isinstance(
                block.ignore_error_block, model.String
            ):
                block = block.ignore_error_block
                name = str(block.key).lower()
                result.issues.append(
                    ReadIssue(
                        str(path), where,
                        f"macro {str(block.key)!r} defined again (first at line "
                        f"{defined_at.get(name, '?')}); the later value is used from here on",
                    )
                )  # fmt: skip
            if isinstance(block, model.String):
                name = str(block.key).lower()
                undefined: list[str] = []
                strings[name] = resolve(str(block.value), strings, undefined)
                defined_at.setdefault(name, line)
                for u in undefined:
                    result.issues.append(
                        ReadIssue(
                            str(path), where,
                            f"macro {str(block.key)!r}: undefined macro {u!r} read as empty",
                        )
                    )  # fmt: skip
            elif isinstance(block, model.Preamble):
                preambles.append(str(block.value))
            elif isinstance(block, model.DuplicateBlockKeyBlock):
                n_entries += 1
                result.issues.append(
                    ReadIssue(
                        str(path), where,
                        f"duplicate citation key {block.key!r}: this entry is skipped", "skipped",
                    )
                )  # fmt: skip
            elif isinstance(block, model.DuplicateFieldKeyBlock) and isinstance(
                block.ignore_error_block, model.Entry
            ):
                n_entries += 1  # read, with a warning for each repeated field
                self._read_entry(
                    block.ignore_error_block, strings, path, where, line, first_line, result
                )
            elif isinstance(block, model.ParsingFailedBlock):
                n_entries += 1
                error = getattr(block, "error", None)
                reason = getattr(error, "abort_reason", None) or str(error or "")
                detail = (reason.splitlines() or ["syntax error"])[0]
                kind = type(block).__name__.removesuffix("Block")
                result.issues.append(
                    ReadIssue(str(path), where, f"broken entry ({kind}): {detail}", "skipped")
                )
            elif isinstance(block, model.Entry):
                n_entries += 1
                self._read_entry(block, strings, path, where, line, first_line, result)
        if n_entries == 0:
            if strings and not result.papers and _STRING_BLOCK.search(text):
                result.issues.append(
                    ReadIssue(
                        str(path), "",
                        f"{len(defined_at)} @string macros and no entry: the macros serve "
                        "the other files of this import",
                    )
                )  # fmt: skip
                progress(1.0, "macros only")
                return result
            if not text.strip():
                raise ReadError(str(path), "line 1", "empty file")
            raise ReadError(str(path), "end of file", "not a BibTeX file: no entry found")
        if preambles:
            # kept with every entry of the file (the ``_preamble`` field, never shown as a
            # BibTeX field) and written again, once, at the top of a BibTeX export
            result.papers[:] = [
                dataclasses.replace(p, fields={**p.fields, PREAMBLE: list(preambles)})
                for p in result.papers
            ]
        require_papers(result, path, "BibTeX entries", "no BibTeX entries found")
        result.issues.sort(
            key=lambda i: int(i.location[5:]) if i.location.startswith("line ") else 0
        )
        progress(1.0, f"{len(result.papers)} papers")
        return result

    @staticmethod
    def _read_entry(
        entry: Any,
        strings: Mapping[str, str],
        path: Path,
        where: str,
        line: int,
        first_line: dict[str, int],
        result: ReadResult,
    ) -> None:
        key = str(entry.key)
        if key in first_line:
            return
        first_line[key] = line
        fields: dict[str, str] = {}
        for f in entry.fields:
            name = str(f.key).strip().lower()
            undefined: list[str] = []
            value = resolve(str(f.value), strings, undefined)
            for u in undefined:
                result.issues.append(
                    ReadIssue(
                        str(path), where,
                        f"entry {key!r}: undefined macro {u!r} in field {name!r} read as "
                        "empty (define it with @string, in this file or another of the import)",
                    )
                )  # fmt: skip
            if name in fields:
                if value != fields[name]:
                    result.issues.append(
                        ReadIssue(
                            str(path), where,
                            f"entry {key!r}: field {name!r} given twice; the first value is "
                            f"kept, not {clean_text(value)[:60]!r}",
                        )
                    )  # fmt: skip
                continue
            fields[name] = value
        try:
            paper = entry_to_paper(str(entry.entry_type), key, fields, path.name, where)
            files = attachments_from_fields(paper.fields, path.parent)
            result.papers.append(replace(paper, attachments=files) if files else paper)
        except ValueError as exc:
            result.issues.append(
                ReadIssue(str(path), where, f"entry {key!r} skipped: {exc}", "skipped")
            )


registry.register(BibTeXReader())

# keep the helper importable for the exporter's tests
__all__ = [
    "BibTeXReader", "entry_to_paper", "import_macros", "parse_name", "parse_names", "resolve",
    "split_top_level",
]  # fmt: skip
