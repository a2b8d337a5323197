"""Personal names as parts (:class:`~paperscope.core.records.Creator`), without any
reader library: splitting a display string (``Ludwig van Beethoven``), a family name
with its particle (``van de Heuvel``), and BibTeX's case rule for words.

The BibTeX reader splits BibTeX names with bibtexparser's ``splitname``; this module
serves the records that only have display strings (arXiv, Hugging Face) and the
exporters, which must write names that BibTeX splits back into the same parts.
"""

from __future__ import annotations

import re

from paperscope.core.records import Creator

SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "v", "phd", "ph.d.", "md"}
_WORDS = re.compile(r"\S+")


def word_case(word: str) -> int:
    """BibTeX's case of a word: 1 upper, 0 lower, -1 caseless (no letter, or only
    letters inside braces that are not a TeX special character)."""
    depth = 0
    for ch in word:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0 and ch.isalpha():
            return 1 if ch.isupper() else 0
    return -1


def split_display(name: str, role: str = "author") -> Creator:
    """``Given von Family Suffix`` (plain text, BibTeX's "First von Last" rule) as parts.

    ``Ludwig van Beethoven`` → given Ludwig, particle van, family Beethoven;
    ``James H. Morris Jr.`` → suffix ``Jr.``; one word is a family name."""
    words = _WORDS.findall(name.strip())
    if not words:
        return Creator(role=role)
    suffix = ""
    if len(words) > 2 and words[-1].lower().rstrip(",") in SUFFIXES:
        suffix = words.pop().rstrip(",")
        words[-1] = words[-1].rstrip(",")
    if len(words) == 1:
        return Creator(family=words[0], suffix=suffix, role=role)
    cases = [word_case(w) for w in words]
    body = cases[:-1]
    if 0 in body[1:]:
        first_low = body.index(0, 1)
        last_low = len(body) - 1 - body[::-1].index(0)
        return Creator(
            given=" ".join(words[:first_low]),
            particle=" ".join(words[first_low : last_low + 1]),
            family=" ".join(words[last_low + 1 :]),
            suffix=suffix,
            role=role,
        )
    return Creator(given=" ".join(words[:-1]), family=words[-1], suffix=suffix, role=role)


def split_particle(family: str) -> tuple[str, str]:
    """``van de Heuvel`` → (``van de``, ``Heuvel``): leading lower-case words of a
    family name are its particle (the last word is always the family name)."""
    words = family.split()
    n = 0
    while n < len(words) - 1 and word_case(words[n]) == 0:
        n += 1
    return " ".join(words[:n]), " ".join(words[n:])


def parse_last_first(text: str, role: str = "author") -> Creator:
    """RIS's ``Family, Given, Suffix`` (or one word, or a corporate name) as parts."""
    pieces = [p.strip() for p in text.split(",")]
    if len(pieces) == 1:
        return split_display(pieces[0], role)
    particle, family = split_particle(pieces[0])
    return Creator(
        family=family,
        particle=particle,
        given=pieces[1],
        suffix=", ".join(p for p in pieces[2:] if p),
        role=role,
    )


def creators_from_display(authors: tuple[str, ...] | list[str]) -> tuple[Creator, ...]:
    """Display strings (a reader without name structure) as authors' parts."""
    return tuple(split_display(a) for a in authors if a.strip())


def display_names(creators: tuple[Creator, ...], role: str = "author") -> tuple[str, ...]:
    """What the table shows for one role (``others`` left out)."""
    return tuple(c.display() for c in creators if c.role == role and not c.is_others)
