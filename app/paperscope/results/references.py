"""Reference lines and curves: what papers report, drawn beside the runs.

A :class:`Reference` is one reported number (a horizontal line at ``value`` with a band
``[lower, upper]`` for its spread) or one reported curve (``x``/``y``, drawn dashed,
with an optional band). The library side (which papers, which metric and dataset) is
:mod:`paperscope.workflows.references`; this module is plain data plus the name
matching that suggests a mapping (``eval/mean_reward`` ↔ ``Score``, ``pong`` ↔
``Atari 2600 Pong``), so the pane, the figure and the CSV share it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

# tab10's colours the run palette (Okabe-Ito) does not use: references read apart from runs
REFERENCE_COLOURS: tuple[str, ...] = (
    "#444444", "#8C564B", "#7F7F7F", "#BCBD22", "#17BECF", "#9467BD", "#2CA02C", "#D62728",
)  # fmt: skip

# words that name the same measured quantity in RL logs and in papers' tables
SYNONYMS: tuple[frozenset[str], ...] = (
    frozenset({"score", "return", "reward", "rewards", "returns", "episode", "ep", "rew"}),
    frozenset({"accuracy", "acc", "top1"}),
    frozenset({"error", "err"}),
    frozenset({"loss", "nll"}),
)
# words that carry no meaning for a match (prefixes of logged tags, statistics)
STOP = frozenset({
    "eval", "evaluation", "train", "training", "test", "val", "validation", "mean", "avg",
    "average", "rollout", "charts", "metrics", "v0", "v1", "v2", "v3", "v4", "v5",
    "no", "frameskip", "noframeskip", "deterministic", "atari", "2600", "the", "of", "on",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Reference:
    """One reported result as drawn: a line (``x`` empty) or a dashed curve.

    ``lower``/``upper``: the band (± std, or the reported CI), ``None`` without a
    spread. ``label``: "method — paper" as the legend and the line's label read."""

    label: str
    value: float
    lower: float | None = None
    upper: float | None = None
    spread: str = ""  # "std" | "ci" | ""
    method: str = ""
    paper: str = ""
    paper_id: int | None = None
    result_id: int | None = None
    dataset: str = ""
    metric: str = ""
    source: str = ""
    x: np.ndarray = field(default_factory=lambda: np.empty(0))
    y: np.ndarray = field(default_factory=lambda: np.empty(0))
    y_lower: np.ndarray = field(default_factory=lambda: np.empty(0))
    y_upper: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def is_curve(self) -> bool:
        return len(self.x) > 0

    @property
    def has_band(self) -> bool:
        if self.is_curve:
            return len(self.y_lower) == len(self.x) and len(self.y_upper) == len(self.x)
        return self.lower is not None and self.upper is not None and self.lower < self.upper

    def y_span(self) -> tuple[float, float]:
        """The lowest and highest y drawn (for the view's range)."""
        if self.is_curve:
            parts = [self.y] + ([self.y_lower, self.y_upper] if self.has_band else [])
            a = np.concatenate(parts)
            a = a[np.isfinite(a)]
            return (float(a.min()), float(a.max())) if len(a) else (self.value, self.value)
        lo = self.lower if self.has_band and self.lower is not None else self.value
        hi = self.upper if self.has_band and self.upper is not None else self.value
        return lo, hi


def band_of(
    value: float, std: float | None, ci_low: float | None, ci_high: float | None
) -> tuple[float | None, float | None, str]:
    """The band of a reported value: ± std when given, else its CI, else none."""
    if std is not None and std > 0:
        return value - std, value + std, "std"
    if ci_low is not None and ci_high is not None and ci_low < ci_high:
        return ci_low, ci_high, "ci"
    return None, None, ""


def tokens(name: str) -> frozenset[str]:
    """The words of a metric, dataset or env name: folded to ASCII lower case, split
    at anything not a letter or digit and at camelCase, stop words dropped, each synonym
    replaced by its group's first word (sorted)."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"([a-z])([A-Z])", r"\1 \2", text).lower()
    words = {w for w in re.split(r"[^a-z0-9]+", text) if w and w not in STOP}
    out = set()
    for w in words:
        for group in SYNONYMS:
            if w in group:
                w = min(group)
                break
        out.add(w)
    return frozenset(out)


def _words(name: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", name.lower()) if w]


def similarity(a: str, b: str) -> float:
    """How alike two names are, 0 … 1: the share of the shorter name's words that the
    other has (1.0: every word of one is in the other)."""
    ta, tb = tokens(a), tokens(b)
    if not ta or not tb:
        return 1.0 if a.strip().lower() == b.strip().lower() and a.strip() else 0.0
    return len(ta & tb) / min(len(ta), len(tb))


def suggest(name: str, candidates: Iterable[str], threshold: float = 1.0) -> str | None:
    """The candidate that best matches ``name`` by normalised words (an exact match,
    case aside, first; ties go to the candidate with the fewest extra words, then the
    shortest, then the first), or ``None`` when none reaches ``threshold``."""
    cands = list(dict.fromkeys(c for c in candidates if c))
    low = name.strip().lower()
    for c in cands:
        if c.strip().lower() == low:
            return c
    best: tuple[float, int, int, int] | None = None
    pick = None
    tn = tokens(name)
    for i, c in enumerate(cands):
        s = similarity(name, c)
        if s < threshold:
            continue
        key = (s, -len(tokens(c) ^ tn), -len(_words(c)), -i)
        if best is None or key > best:
            best, pick = key, c
    return pick
