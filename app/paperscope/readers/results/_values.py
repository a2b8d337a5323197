"""Reported values as papers and leaderboards write them, parsed in one place.

``0.8428 ± 0.0014``, ``1518.70 +/- 568.14``, ``0.14 [0.14, 0.15]`` (a point with its CI),
``81.3``, ``93.2%``, ``1.2M``, ``190k``, ``1{,}000``, ``−3.5`` (Unicode minus), plain
numbers. Placeholders for "no value" (``""``, ``–``, ``---``, ``n/a``) are *missing*, not
errors; anything else that is not a number is an error with the reason.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

MISSING = frozenset({"", "-", "--", "---", "–", "—", "n/a", "na", "none", "null", "?", "x"})
_SCALE = {"k": 1e3, "K": 1e3, "m": 1e6, "M": 1e6, "b": 1e9, "B": 1e9, "G": 1e9}
_NUM = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_ONE = re.compile(rf"^({_NUM})\s*(%|[kKmMbBG])?$")
_PM = re.compile(rf"^({_NUM})\s*(%|[kKmMbBG])?\s*(?:±|\+/-|\+-|\\pm)\s*({_NUM})\s*(%|[kKmMbBG])?$")
_CI = re.compile(
    rf"^({_NUM})\s*(%|[kKmMbBG])?\s*[\[(]\s*({_NUM})\s*[,;]\s*({_NUM})\s*[\])]\s*(%)?$"
)
_DASHES = str.maketrans({"−": "-", "‒": "-", "\u2009": " ", "\u202f": " ", "\xa0": " "})


@dataclass(frozen=True, slots=True)
class Value:
    """A parsed value; ``percent`` when written with ``%`` (the number is kept as
    written: ``93.2%`` is 93.2), ``scale`` the suffix's factor already applied."""

    value: float
    std: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    percent: bool = False
    scale: float = 1.0


class ValueProblem(ValueError):
    """Not a number, and not a placeholder for a missing one."""


def is_missing(raw: Any) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip().lower() in MISSING)


def _num(text: str) -> float:
    v = float(text)
    if not math.isfinite(v):
        raise ValueProblem(f"{text!r} is not a finite number")
    return v


def parse_value(raw: Any) -> Value | None:
    """The value in ``raw`` (a JSON/YAML number or a string), ``None`` when it is a
    placeholder for a missing value; :class:`ValueProblem` when it cannot be read."""
    if raw is None:  # JSON null, YAML ~
        return None
    if isinstance(raw, bool):
        raise ValueProblem(f"{raw!r} is a yes/no, not a number")
    if isinstance(raw, int):
        if abs(raw) > 2**63:
            raise ValueProblem("an integer too large to be a result")
        return Value(float(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ValueProblem(f"{raw!r} is not a finite number")
        return Value(raw)
    if not isinstance(raw, str):
        raise ValueProblem(f"a {type(raw).__name__}, not a number")
    if is_missing(raw):
        return None
    if len(raw) > 200:
        raise ValueProblem("a text of more than 200 characters, not a number")
    s = raw.translate(_DASHES).strip().strip("$").strip()
    s = s.replace("{,}", "").replace("\\%", "%").replace("\\,", " ").replace("\\;", " ")
    s = re.sub(r"(?<=\d),(?=\d{3}(?!\d))", "", s)  # thousands separators: 1,000
    s = re.sub(r"\s+", " ", s)
    if m := _ONE.match(s):
        scale = _SCALE.get(m.group(2) or "", 1.0)
        return Value(_num(m.group(1)) * scale, percent=m.group(2) == "%", scale=scale)
    if m := _PM.match(s):
        unit = m.group(2) or m.group(4) or ""
        scale = _SCALE.get(unit, 1.0)
        return Value(
            _num(m.group(1)) * scale,
            std=abs(_num(m.group(3))) * scale,
            percent=unit == "%",
            scale=scale,
        )
    if m := _CI.match(s):
        unit = m.group(2) or m.group(5) or ""
        scale = _SCALE.get(unit, 1.0)
        lo, hi = sorted((_num(m.group(3)) * scale, _num(m.group(4)) * scale))
        return Value(
            _num(m.group(1)) * scale, ci_low=lo, ci_high=hi, percent=unit == "%", scale=scale
        )
    raise ValueProblem(f"{raw!r} is not a number (nor value ± spread, value [low, high])")


_LOWER = ("error", "loss", "wer", "cer", "perplexity", "ppl", "mae", "mse", "rmse", "fid",
          "regret", "distance", "latency")  # fmt: skip
_NEUTRAL = ("param", "size", "flops", "time", "total", "gen", "count", "samples",
            "memory", "steps")  # fmt: skip


@lru_cache(maxsize=4096)
def higher_is_better(metric: str) -> bool | None:
    """A guess from the metric's name: error, loss, WER… are lower-is-better; counts
    (parameters, gen_len, total) are neither (``None``); every other score is higher."""
    words = re.findall(r"[a-z]+", metric.lower())
    if any(w.startswith(n) for w in words for n in _NEUTRAL) or "number of" in metric.lower():
        return None
    return not any(w.startswith(n) for w in words for n in _LOWER)
