"""Plain records that cross every boundary: papers, runs, series, read problems.

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
class Paper:
    """One paper as a reader produced it, before it is merged into the library.

    ``date`` is an ISO date (``YYYY-MM-DD``) when the day is known; ``year`` is always
    filled when any date is known. ``arxiv_id`` carries no version suffix; ``doi`` is
    lower-case without the ``https://doi.org/`` prefix. ``source``/``location`` say
    where the record came from (file name, ``line N`` or ``record N``).
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
    source: str = ""
    location: str = ""


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


@dataclass(slots=True)
class ReadResult:
    """What one read produced: papers or runs, plus the problems met on the way.
    ``hidden`` holds the runs their source marks as deleted (MLflow's ``lifecycle_stage:
    deleted``): read, but shown only on request, as the source's own UI does."""

    papers: list[Paper] = field(default_factory=list)
    runs: list[Run] = field(default_factory=list)
    issues: list[ReadIssue] = field(default_factory=list)
    hidden: list[Run] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.papers.extend(other.papers)
        self.runs.extend(other.runs)
        self.issues.extend(other.issues)
        self.hidden.extend(other.hidden)
