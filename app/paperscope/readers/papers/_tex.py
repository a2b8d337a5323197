"""Fast decoding of the TeX found in bibliographic text, for display.

Full LaTeX decoding (pylatexenc) costs seconds per thousand entries, so the common
cases are decoded here with a few regular expressions: accent commands (``\\'e``,
``{\\"o}``, ``\\v{s}``, ``\\c c``), special letters (``\\o``, ``\\ss``, ``{\\i}``),
escaped specials (``\\&``, ``\\%``), ``~``, dashes, TeX quotes, font commands
(``\\emph{x}``) and grouping braces. Math between ``$`` signs is left as written. Only
a string that still holds an unknown command after that goes to pylatexenc, and
pylatexenc is imported only then.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303",
    "=": "\u0304", ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b",
    "c": "\u0327", "k": "\u0328", "r": "\u030a", "d": "\u0323", "b": "\u0331",
    "t": "\u0361",
}  # fmt: skip
_LETTERS = {
    "i": "ı", "j": "ȷ", "o": "ø", "O": "Ø", "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ",
    "OE": "Œ", "aa": "å", "AA": "Å", "l": "ł", "L": "Ł", "dh": "ð", "DH": "Ð", "th": "þ",
    "TH": "Þ", "ng": "ŋ", "NG": "Ŋ",
}  # fmt: skip
_SYMBOLS = {
    "&": "&", "%": "%", "$": "$", "#": "#", "_": "_", "{": "{", "}": "}", " ": " ",
    ",": " ", ";": " ", "!": "", "/": "", "-": "",
}  # fmt: skip
_WORDS = {
    "textendash": "–", "textemdash": "—", "ldots": "…", "dots": "…", "textquoteright": "’",
    "textquoteleft": "‘", "S": "§", "P": "¶", "copyright": "©", "pounds": "£", "euro": "€",
    "textregistered": "®", "texttrademark": "™", "LaTeX": "LaTeX", "TeX": "TeX",
    "textasciitilde": "~", "textbackslash": "\\", "textbar": "|", "textless": "<",
    "textgreater": ">", "guillemotleft": "«", "guillemotright": "»", "relax": "",
    "noopsort": "", "/": "",
}  # fmt: skip
_FONT = (
    "emph|textit|textbf|textsc|textrm|textsf|texttt|textnormal|textup|textsl|mathrm|"
    "mathit|mathbf|mbox|hbox|text|uppercase|MakeUppercase|lowercase|url|href"
)

# an accent command followed by its letter: \'e  \'{e}  {\'e}  \'{\i}  \v{s}  \c c  \"{}
_ACCENT_RE = re.compile(
    r"""\\(?:(['`^"~=.])\s*|([uvHckrdbt])(?=[\s{]))\s*"""
    r"""(?:\{\s*(\\[ij](?![A-Za-z])|[A-Za-z]?)\s*\}|(\\[ij](?![A-Za-z])|[A-Za-z]))"""
)
_LETTER_RE = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|dh|DH|th|TH|ng|NG|[ijoOlL])(?![A-Za-z])\s?")
_SYMBOL_RE = re.compile(r"\\([&%$#_{} ,;!/\-])")
_WORD_RE = re.compile(r"\\([A-Za-z]+)(?![A-Za-z])\s*(?:\{\})?")
_FONT_RE = re.compile(r"\\(?:" + _FONT + r")\s*(?=\{)")
_FONT_GROUP_RE = re.compile(r"\{\\(?:em|it|bf|sc|rm|sf|tt|sl|small|large)\s+")
_MATH_RE = re.compile(r"(?<!\\)\$[^$]*(?<!\\)\$")
_SPECIAL = re.compile(r"[\\{}~]|--|``|''")
_SPECIAL_NO_LIG = re.compile(r"[\\{}~]")


def _accent(m: re.Match[str]) -> str:
    mark = _ACCENTS[m.group(1) or m.group(2)]
    base = m.group(3) if m.group(3) is not None else m.group(4)
    if base in ("\\i", "\\j"):
        base = base[1]
    if not base:
        return unicodedata.normalize("NFC", " " + mark).strip() or ""
    return unicodedata.normalize("NFC", base + mark)


# characters that must survive brace stripping and ``~`` handling: escaped ones are
# parked on private-use code points until the end
_PARK = {
    "{": "\ue001", "}": "\ue002", "\\": "\ue003", "~": "\ue004", "$": "\ue005",
    "%": "\ue006", "&": "\ue007", "#": "\ue008", "_": "\ue009",
}  # fmt: skip
_UNPARK = {v: k for k, v in _PARK.items()}
_UNPARK_RE = re.compile("[" + "".join(_UNPARK) + "]")


def _park(s: str) -> str:
    return "".join(_PARK.get(c, c) for c in s)


def _plain(text: str, ligatures: bool = True) -> str:
    """Decode one stretch of text outside math."""
    text = _ACCENT_RE.sub(_accent, text)
    text = _LETTER_RE.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _FONT_RE.sub("", text)
    text = _FONT_GROUP_RE.sub("{", text)
    text = _SYMBOL_RE.sub(lambda m: _park(_SYMBOLS[m.group(1)]), text)
    text = _WORD_RE.sub(
        lambda m: _park(_WORDS[m.group(1)]) if m.group(1) in _WORDS else m.group(0), text
    )
    if "\\" in text:
        text = _pylatexenc(text)
    if ligatures:
        text = text.replace("---", "—").replace("--", "–").replace("``", "“").replace("''", "”")
    text = text.replace("~", " ").replace("{", "").replace("}", "")
    return _UNPARK_RE.sub(lambda m: _UNPARK[m.group(0)], text)


def _pylatexenc(text: str) -> str:
    try:
        from pylatexenc.latex2text import LatexNodes2Text
    except ImportError:  # pragma: no cover - pylatexenc is a dependency
        return text
    try:
        return str(LatexNodes2Text(math_mode="verbatim").latex_to_text(text))
    except Exception:  # pylatexenc raises many kinds on odd input: keep the text as it was
        return text


@lru_cache(maxsize=65536)
def decode(text: str, ligatures: bool = True) -> str:
    """TeX to plain Unicode text for display; text without TeX comes back unchanged
    (apart from collapsed whitespace). ``ligatures=False`` keeps ``--`` and quotes as
    typed (arXiv metadata is mostly plain text with TeX accents)."""
    if not (_SPECIAL if ligatures else _SPECIAL_NO_LIG).search(text):
        return text
    out: list[str] = []
    pos = 0
    for m in _MATH_RE.finditer(text):
        out.append(_plain(text[pos : m.start()], ligatures))
        out.append(m.group(0))
        pos = m.end()
    out.append(_plain(text[pos:], ligatures))
    return re.sub(r"\s+", " ", "".join(out)).strip()


def needs_decoding(text: str) -> bool:
    return bool(_SPECIAL.search(text))
