"""The files a bibliography record names, as attachments.

- JabRef: ``file = {Description:path/to.pdf:PDF;...}`` (``\\:`` and ``\\;`` escape the
  separators; Mendeley and Zotero write the same, with a MIME type as the third part);
- Zotero / Better BibTeX: ``file`` or ``files`` holding plain paths, ``;``-separated;
- BibDesk: ``Bdsk-File-1``, ``Bdsk-File-2`` …: a base64 binary property list whose
  ``relativePath`` is relative to the ``.bib`` file, read with :mod:`plistlib` (a
  parser of plain values: nothing in it is executed or unpickled);
- CSL-JSON: a ``file`` string written by PaperScope's export (``;``-separated paths).

Paths are resolved against the folder of the file they were read from. A file that is
not there is an attachment with status ``missing``: flagged, never an error.
"""

from __future__ import annotations

import base64
import binascii
import plistlib
import re
from collections.abc import Mapping
from pathlib import Path, PureWindowsPath
from typing import Any
from urllib.parse import unquote

from paperscope.core.records import Attachment

_SPLIT_SEMI = re.compile(r"(?<!\\);")
_SPLIT_COLON = re.compile(r"(?<!\\):")
_TEX_UNDERSCORE = re.compile(r"\{\\_\}|\\_")
_ROOTS = frozenset(("Users", "home", "Volumes", "mnt", "media", "private"))
_KINDS = {"application/pdf": "pdf", "pdf": "pdf", "text/html": "html", "html": "html"}


def _unescape(text: str) -> str:
    text = _TEX_UNDERSCORE.sub("_", text)
    return re.sub(r"\\([:;\\])", r"\1", text).strip()


def _kind(path: str, given: str = "") -> str:
    given = given.strip().lower()
    if given in _KINDS:
        return _KINDS[given]
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix or given or "file"


def _resolve(written: str, base: Path | None) -> Attachment:
    """An attachment for a path as written, resolved against ``base``."""
    candidates: list[Path] = []
    p = Path(written)
    if p.is_absolute():
        candidates.append(p)
    elif PureWindowsPath(written).is_absolute():
        candidates.append(Path(written))
    else:
        if base is not None:
            candidates.append(base / written)
        # JabRef/Mendeley write "Users/me/x.pdf" (the leading "/" escaped away)
        candidates.append(Path("/") / written)
    for c in candidates:
        try:
            if c.is_file():
                return Attachment(str(c.resolve()), _kind(written), "ok", "", "record", written)
        except (OSError, ValueError):
            continue
    shown = str(candidates[0]) if candidates else written
    if not p.is_absolute() and p.parts and p.parts[0] in _ROOTS:
        shown = str(Path("/") / written)  # another machine's absolute path
    return Attachment(shown, _kind(written), "missing", "file not found", "record", written)


def parse_file_field(value: str) -> list[tuple[str, str]]:
    """(path, type) for every file of a JabRef/Zotero/Better BibTeX ``file`` value
    (BibDesk's ``Local-Url``: a ``file://`` URL)."""
    out: list[tuple[str, str]] = []
    for part in _SPLIT_SEMI.split(value or ""):
        part = part.strip()
        if not part:
            continue
        if part.lower().startswith("file://"):
            out.append((unquote(re.sub(r"(?i)^file://(localhost)?", "", part)), ""))
            continue
        pieces = _SPLIT_COLON.split(part)
        if len(pieces) >= 3:  # description:path:type (a Windows drive letter: C\:)
            path, kind = ":".join(pieces[1:-1]), pieces[-1]
        elif len(pieces) == 2 and len(pieces[0]) == 1 and pieces[0].isalpha():
            path, kind = part, ""  # C:\papers\a.pdf
        else:
            path, kind = part, ""
        path = _unescape(path)
        if path:
            out.append((path, kind))
    return out


def bdsk_relative_path(value: str) -> str | None:
    """The ``relativePath`` of a BibDesk ``Bdsk-File-N`` value, or ``None``."""
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
        plist = plistlib.loads(data)
    except (binascii.Error, ValueError, plistlib.InvalidFileException, OverflowError):
        return None
    except Exception:  # a damaged plist raises assorted errors; none is ours to pass on
        return None
    if isinstance(plist, dict):
        rel = plist.get("relativePath")
        if isinstance(rel, str) and rel:
            return rel
        objects = plist.get("$objects")  # a keyed archive (newer BibDesk)
        if isinstance(objects, list):
            for i, obj in enumerate(objects):
                if obj == "relativePath" and i + 1 < len(objects):
                    nxt = objects[i + 1]
                    if isinstance(nxt, str):
                        return nxt
            for obj in objects:
                if isinstance(obj, str) and "/" not in obj[:1] and obj.lower().endswith(".pdf"):
                    return obj
    return None


def attachments_from_fields(fields: Mapping[str, Any], base: Path | None) -> tuple[Attachment, ...]:
    """The attachments a record's fields name (lower-case field names)."""
    found: list[Attachment] = []
    seen: set[str] = set()

    def add(written: str, kind: str = "") -> None:
        if written in seen:
            return
        seen.add(written)
        att = _resolve(written, base)
        if kind:
            att = Attachment(att.path, _kind(written, kind), att.status, att.note, "record",
                             written)  # fmt: skip
        found.append(att)

    for name in ("file", "files", "pdf", "local-url"):
        value = fields.get(name)
        if isinstance(value, str) and value.strip():
            for path, kind in parse_file_field(value):
                add(path, kind)
    bdsk = sorted(
        (k for k in fields if isinstance(k, str) and k.startswith("bdsk-file-")),
        key=lambda k: int(k[10:]) if k[10:].isdigit() else 0,
    )
    for name in bdsk:
        value = fields.get(name)
        rel = bdsk_relative_path(value) if isinstance(value, str) else None
        if rel:
            add(rel)
    return tuple(found)
