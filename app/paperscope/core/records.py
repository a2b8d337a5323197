"""Plain records that cross every boundary: papers, runs, series, reported results,
read problems.

Records are frozen dataclasses (numpy arrays inside a :class:`Series` are not copied).
Nothing here imports Qt, DuckDB or any reader library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class Creator:
    """One author or editor as its parts: ``family`` (``Neumann``), ``given``
    (``John``), ``particle`` (``von``, ``van de``), ``suffix`` (``Jr.``); a corporate
    name (``Center for History and New Media``) is a ``literal`` with no other part.
    ``others`` (BibTeX's "and others", et al.) is ``family="others"`` alone. The parts
    are plain Unicode text (TeX decoded)."""

    family: str = ""
    given: str = ""
    particle: str = ""
    suffix: str = ""
    literal: str = ""
    role: str = "author"  # "author" | "editor"

    @property
    def is_others(self) -> bool:
        return self.family == "others" and not (
            self.given or self.particle or self.suffix or self.literal
        )

    def display(self) -> str:
        """``Given particle Family Suffix`` (the order the table shows), or the literal."""
        if self.literal:
            return self.literal
        parts = (self.given, self.particle, self.family, self.suffix)
        return " ".join(p.strip() for p in parts if p.strip())

    def display_family_first(self) -> str:
        """``particle Family, G. I., Suffix`` (a reference list's order, Zotero's "Last,
        First" with initials), or the literal."""
        if self.literal:
            return self.literal
        family = " ".join(p.strip() for p in (self.particle, self.family) if p.strip())
        words: list[str] = []
        for word in self.given.replace(".", ". ").split():
            # "MP" (initials written together, as in memlab.bib) is two initials
            letters = word.isalpha() and word.isupper() and 1 < len(word) <= 4
            words.extend(list(word) if letters else [word])
        initials = " ".join(
            "-".join(part[:1] + "." for part in word.split("-") if part) for word in words
        )
        return ", ".join(p for p in (family, initials, self.suffix.strip()) if p)

    def to_dict(self) -> dict[str, str]:
        out = {
            k: v
            for k, v in (
                ("family", self.family), ("given", self.given), ("particle", self.particle),
                ("suffix", self.suffix), ("literal", self.literal),
            )
            if v
        }  # fmt: skip
        out["role"] = self.role
        return out

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Creator:
        return Creator(
            **{
                k: str(d[k])
                for k in ("family", "given", "particle", "suffix", "literal")
                if d.get(k)
            },
            role=str(d.get("role") or "author"),
        )


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as a reader produced it, before it is merged into the library.

    ``date`` is an ISO date (``YYYY-MM-DD``) when the day is known; ``year`` is always
    filled when any date is known. ``arxiv_id`` carries no version suffix; ``doi`` is
    lower-case without the ``https://doi.org/`` prefix. ``source``/``location`` say
    where the record came from (file name, ``line N`` or ``record N``).

    ``authors`` are display strings (``Given Family``); ``creators`` are the same
    people (and the editors) as parts, when the source had that structure. ``fields``
    is the rest of the source record, every field of it, in the source's own
    vocabulary: ``fields["_format"]`` names it (``bibtex``: lower-case BibTeX/biblatex
    names, plain-text values; ``csl``: CSL-JSON variables as in the item; ``ris``:
    rispy's names). Title, abstract, authors and editors are not repeated there.
    See :mod:`paperscope.library.fields`.
    """

    title: str
    authors: tuple[str, ...] = ()
    abstract: str = ""
    year: int | None = None
    date: str | None = None
    upvotes: int | None = None
    organisation: str | None = None
    arxiv_id: str | None = None
    doi: str | None = None
    hf_id: str | None = None
    url: str | None = None
    venue: str | None = None
    kind: str | None = None
    citation_key: str | None = None
    keywords: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)
    creators: tuple[Creator, ...] = ()
    fields: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    location: str = ""


@dataclass(frozen=True, slots=True)
class Cluster:
    """One named cluster of a map layout, as clustering makes it and the library stores
    it: ``id`` as in the layout's cluster-per-point array, its top ``terms`` (best
    first), ``label`` (the first few terms joined), ``size`` (papers) and the ``centre``
    where the label is drawn (the median of its points)."""

    id: int
    label: str
    terms: tuple[str, ...]
    size: int
    centre: tuple[float, float]


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Series:
    """One logged scalar series: ``steps``, ``wall_times`` (seconds since the epoch,
    NaN when unknown) and ``values``, all of the same length, sorted by step."""

    tag: str
    steps: IntArray
    wall_times: FloatArray
    values: FloatArray

    def __len__(self) -> int:
        return int(self.values.shape[0])


@dataclass(frozen=True, slots=True)
class Run:
    """One experiment run: its series by tag, its configuration and where it came from.

    ``id`` is stable across reloads (derived from the source path), ``name`` is what
    the user sees and may rename.
    """

    id: str
    name: str
    format: str
    source: tuple[str, ...]
    series: Mapping[str, Series]
    config: Mapping[str, Any] = field(default_factory=dict)
    start_time: float | None = None


@dataclass(frozen=True, slots=True)
class ReadIssue:
    """Something a reader skipped or repaired, with the file and the place in it."""

    file: str
    location: str
    message: str
    severity: str = "warning"  # "warning": data kept or repaired; "skipped": record dropped

    def __str__(self) -> str:
        where = f"{self.file}:{self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class ReadError(Exception):
    """A file could not be read at all. Carries the file and the location (line, record,
    byte offset) where reading failed, so every message can name them."""

    def __init__(self, file: str, location: str, message: str) -> None:
        self.file = file
        self.location = location
        self.message = message
        where = f"{file}:{location}" if location else file
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True, slots=True)
class ReportedResult:
    """One number a paper reports: ``value`` of ``metric`` for ``method`` on ``dataset``
    (of ``task``), with its spread when given (``std``; a ``[ci_low, ci_high]`` interval;
    ``n_runs``). ``raw`` is the value as written in the file. ``higher_is_better`` is
    ``None`` when unknown. The paper is named by what the file gives (``arxiv_id``,
    ``doi``, ``paper_title``, ``paper_url``); the library matches it to a stored paper.
    ``source``/``location`` say where the number came from (file, record)."""

    task: str
    dataset: str
    metric: str
    value: float
    method: str = ""
    std: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n_runs: int | None = None
    higher_is_better: bool | None = None
    raw: str = ""
    arxiv_id: str | None = None
    doi: str | None = None
    paper_title: str = ""
    paper_url: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""
    location: str = ""


@dataclass(slots=True)
class ReadResult:
    """What one read produced: papers, runs or reported results, plus the problems met
    on the way. ``hidden`` holds the runs their source marks as deleted (MLflow's
    ``lifecycle_stage: deleted``): read, but shown only on request, as the source's own UI
    does."""

    papers: list[Paper] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)
    results: list[ReportedResult] = field(default_factory=list)
    hidden: list[Run] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.papers.extend(other.papers)
        self.runs.extend(other.runs)
        self.issues.extend(other.issues)
        self.results.extend(other.results)
        self.hidden.extend(other.hidden)
