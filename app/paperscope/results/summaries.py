"""Run summaries for a runs table, and a filter language over config and summaries.

**Summary columns** are named ``METRIC.STAT`` (``eval/return.last``, ``loss.mean10``):

========================  ===================================================================
``last``                  the last point's value (NaN when the run logged NaN last)
``first``                 the first point's value
``min`` / ``max``         over the points that are not NaN (±inf count)
``mean``                  over all points that are not NaN
``meanN``                 over the last ``N`` points, NaN left out (``mean10``)
``count``                 the number of points
``atS``                   the value of the point whose step is nearest ``S`` (the earlier on
                          a tie), only when ``S`` lies within the run's steps (``at1000``)
``interpS``               linear interpolation between the points around step ``S``, only
                          within the run's steps (``interp1000``)
``smoothed`` / ``smoothedW``  the last value of the series smoothed with TensorBoard's EMA,
                          weight 0.6 or ``W`` (``smoothed0.9``)
========================  ===================================================================

A run without the metric, without points, or with a step outside its range has **no
value** (``None``: an empty cell, never a 0).

**Filter expressions** select runs by their config (flattened with ``.``:
``optimizer.lr``), their summary columns, and ``run.name``, ``run.format``, ``run.id``::

    lr < 1e-3 and eval/return.last > 200
    not (optimizer.name == "sgd" or seed in [1, 2]) and "baseline" in wandb_run.tags

Grammar (keywords case-insensitive; names are ``[A-Za-z_][\\w./:@-]*`` or quoted in
backticks for anything else)::

    expr  := and ("or" and)*          and := not ("and" not)*
    not   := "not" not | cmp          cmp := value [op value | ["not"] "in" (list | value)]
    value := NUMBER | STRING | true | false | null | NAME | "(" expr ")"
    list  := "[" [value ("," value)*] "]"          op := < <= > >= == = !=

A comparison with a missing value (``not in`` included), or between a number and a
text, is false (``!=`` is true for a number against a text); a NaN compares as IEEE
says. A bare name is true when its value is present, non-zero and non-empty. Parsing
never evaluates anything: the expression is tokenised and parsed here, by hand, and
every error is a :class:`FilterError` that says at which character.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from paperscope.core.records import Run, Series

# --- summaries ---------------------------------------------------------------------------

_STAT = re.compile(
    r"(?P<name>last|first|min|max|count|mean|smoothed|at|interp)"
    r"(?P<arg>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)?"
)
STATS = ("last", "first", "min", "max", "mean", "meanN", "count", "atS", "interpS", "smoothed")


@dataclass(frozen=True, slots=True)
class SummarySpec:
    """One summary column: ``metric`` and ``stat`` (``last``, ``mean``, ``at``, …) with
    its argument (``N`` of ``meanN``, ``S`` of ``atS``/``interpS``, ``W`` of ``smoothedW``)."""

    metric: str
    stat: str
    arg: float | None = None

    @property
    def column(self) -> str:
        return f"{self.metric}.{self.stat_token}"

    @property
    def stat_token(self) -> str:
        if self.arg is None:
            return self.stat
        a = self.arg
        return f"{self.stat}{int(a) if float(a).is_integer() and self.stat != 'smoothed' else a}"


def parse_stat(metric: str, token: str) -> SummarySpec:
    """``parse_stat("loss", "mean10")``; ``ValueError`` naming the token when it is none."""
    m = _STAT.fullmatch(token.strip())
    if m is None:
        raise ValueError(f"unknown summary {token!r} (one of {', '.join(STATS)})")
    name, arg_text = m.group("name"), m.group("arg")
    arg = float(arg_text) if arg_text is not None else None
    if name in ("last", "first", "min", "max", "count") and arg is not None:
        raise ValueError(f"summary {token!r}: {name} takes no number")
    if name in ("at", "interp") and (arg is None or not math.isfinite(arg)):
        raise ValueError(f"summary {token!r}: give the step, e.g. {name}1000")
    if name == "mean" and arg is not None and not (arg >= 1 and arg.is_integer()):
        raise ValueError(f"summary {token!r}: the number of points is a whole number ≥ 1")
    if name == "smoothed" and arg is not None and not 0 <= arg <= 1:
        raise ValueError(f"summary {token!r}: the EMA weight is between 0 and 1")
    return SummarySpec(metric, name, arg)


def parse_summary_option(text: str) -> list[SummarySpec]:
    """``"eval/return:last,max,mean10"`` → three specs (the last ``:`` splits)."""
    metric, sep, stats = text.rpartition(":")
    if not sep or not metric or not stats.strip():
        raise ValueError(f"{text!r}: write METRIC:STAT[,STAT…], e.g. loss:last,min")
    return [parse_stat(metric, t) for t in stats.split(",") if t.strip()]


def spec_from_column(column: str) -> SummarySpec | None:
    """``"eval/return.last"`` → its spec; ``None`` when the name is not a summary column."""
    metric, dot, token = column.rpartition(".")
    if not dot or not metric:
        return None
    # "smoothed0.9": the weight's dot is part of the token
    head, dot2, tail = metric.rpartition(".")
    if dot2 and re.fullmatch(r"(smoothed|at|interp|mean)-?\d*", tail) and token.isdigit():
        metric, token = head, f"{tail}.{token}"
    try:
        return parse_stat(metric, token)
    except ValueError:
        return None


def summarise(series: Series | None, spec: SummarySpec) -> float | None:
    """The value of one summary column for one series (``None``: no value)."""
    if series is None or len(series) == 0:
        return None
    v = series.values
    stat, arg = spec.stat, spec.arg
    if stat == "last":
        return float(v[-1])
    if stat == "first":
        return float(v[0])
    if stat == "count":
        return float(len(series))
    if stat in ("min", "max", "mean"):
        if stat == "mean" and arg is not None:
            v = v[-int(arg) :]
        if stat == "min":  # fmin/fmax leave NaN out, and give NaN when all are
            return float(np.fmin.reduce(v))
        if stat == "max":
            return float(np.fmax.reduce(v))
        nan = np.isnan(v)
        if not nan.any():
            return float(v.mean())
        kept = v[~nan]
        return float(kept.mean()) if kept.size else math.nan
    if stat in ("at", "interp"):
        assert arg is not None
        steps = series.steps
        if not steps[0] <= arg <= steps[-1]:
            return None
        if stat == "at":
            i = int(np.searchsorted(steps, arg, side="left"))
            if i < len(steps) and steps[i] == arg:
                return float(v[i])
            # between steps[i - 1] and steps[i]: the nearer, the earlier on a tie
            lo, hi = i - 1, i
            return float(v[lo] if arg - steps[lo] <= steps[hi] - arg else v[hi])
        i = int(np.searchsorted(steps, arg, side="left"))
        if steps[i] == arg:
            return float(v[i])
        x0, x1 = float(steps[i - 1]), float(steps[i])
        y0, y1 = float(v[i - 1]), float(v[i])
        t = (arg - x0) / (x1 - x0)
        return y0 + (y1 - y0) * t
    if stat == "smoothed":
        from paperscope.results.smoothing import DEFAULT_WEIGHT, ema

        return float(ema(v, DEFAULT_WEIGHT if arg is None else arg)[-1])
    raise ValueError(f"unknown summary {stat!r}")


def run_summaries(run: Run, specs: Iterable[SummarySpec]) -> dict[str, float | None]:
    """Every spec's column for one run."""
    return {s.column: summarise(run.series.get(s.metric), s) for s in specs}


def flat_config(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested config → ``{"optimizer.lr": 0.001}``; numpy scalars become Python ones."""
    out: dict[str, Any] = {}
    for k, v in config.items():
        key = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out.update(flat_config(v, key + "."))
        else:
            out[key] = v.item() if isinstance(v, np.generic) else v
    return out


def run_row(run: Run, specs: Iterable[SummarySpec] = ()) -> dict[str, Any]:
    """What a filter sees for one run: flattened config, ``run.name``/``run.format``/
    ``run.id``, and the summary columns (which win over a config key of the same name)."""
    row = flat_config(run.config)
    row.update({"run.name": run.name, "run.format": run.format, "run.id": run.id})
    _merge(row, run_summaries(run, specs))
    return row


def _merge(row: dict[str, Any], values: Mapping[str, float | None]) -> None:
    # a config key that merely looks like a column (``model.max``) keeps its value when
    # the run has no such metric
    for column, value in values.items():
        if value is not None or column not in row:
            row[column] = value


# --- the filter language -------------------------------------------------------------------


class FilterError(ValueError):
    """A filter expression that does not parse; ``position`` is the 0-based character."""

    def __init__(self, message: str, text: str, position: int) -> None:
        self.message = message
        self.text = text
        self.position = max(0, min(position, len(text)))
        super().__init__(f"character {self.position + 1}: {message}")

    def pointer(self) -> str:
        """The expression with a caret under the place (for a terminal)."""
        line = self.text.replace("\n", " ").replace("\t", " ")
        return f"{line}\n{' ' * self.position}^"


_MAX_DEPTH = 64
_KEYWORDS = {"and", "or", "not", "in", "true", "false", "null", "none"}
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![\w.]))
  | (?P<op><=|>=|==|!=|<|>|=)
  | (?P<punct>[()\[\],])
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<quoted>`[^`]*`)
  | (?P<name>[A-Za-z_][\w./:@-]*)
    """,
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "'": "'"}


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num str name op punct kw end
    value: Any
    pos: int


def _tokens(text: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            ch = text[pos]
            if ch in "\"'":
                raise FilterError("a text that is never closed", text, pos)
            if ch == "`":
                raise FilterError("a quoted name that is never closed", text, pos)
            raise FilterError(f"unexpected character {ch!r}", text, pos)
        kind = m.lastgroup or ""
        raw = m.group()
        if kind == "num":
            out.append(_Tok("num", float(raw), pos))
        elif kind == "str":
            body = raw[1:-1]
            out.append(_Tok("str", re.sub(r"\\(.)", lambda e: _ESCAPES.get(e[1], e[1]), body), pos))
        elif kind == "quoted":
            if len(raw) == 2:
                raise FilterError("an empty quoted name", text, pos)
            out.append(_Tok("name", raw[1:-1], pos))
        elif kind == "name":
            low = raw.lower()
            out.append(_Tok("kw", low, pos) if low in _KEYWORDS else _Tok("name", raw, pos))
        elif kind in ("op", "punct"):
            out.append(_Tok(kind, "==" if raw == "=" else raw, pos))
        pos = m.end()
    out.append(_Tok("end", None, len(text)))
    return out


# the parsed expression: nested tuples
# ("or", a, b) ("and", a, b) ("not", a) ("cmp", op, a, b) ("in", a, b, negated)
# ("lit", value) ("name", str) ("list", (values…)) ("truth", a)
Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def error(self, message: str, tok: _Tok | None = None) -> FilterError:
        tok = tok or self.peek()
        return FilterError(message, self.text, tok.pos)

    def is_kw(self, word: str) -> bool:
        t = self.peek()
        return t.kind == "kw" and t.value == word

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise self.error("an empty filter")
        node = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            raise self.error(f"unexpected {_describe(tok)} (expected and, or or the end)")
        return node

    def enter(self) -> None:
        self.depth += 1
        if self.depth > _MAX_DEPTH:
            raise self.error(f"nested more than {_MAX_DEPTH} deep")

    def expr(self) -> Node:
        self.enter()
        node = self.conj()
        while self.is_kw("or"):
            self.take()
            node = ("or", node, self.conj())
        self.depth -= 1
        return node

    def conj(self) -> Node:
        node = self.neg()
        while self.is_kw("and"):
            self.take()
            node = ("and", node, self.neg())
        return node

    def neg(self) -> Node:
        if self.is_kw("not"):
            self.take()
            self.enter()
            node = ("not", self.neg())
            self.depth -= 1
            return node
        return self.cmp()

    def cmp(self) -> Node:
        left = self.value()
        tok = self.peek()
        if tok.kind == "op":
            self.take()
            return ("cmp", tok.value, left, self.value())
        negated = False
        if (
            self.is_kw("not")
            and self.toks[self.i + 1].kind == "kw"
            and self.toks[self.i + 1].value == "in"
        ):
            self.take()
            negated = True
        if self.is_kw("in"):
            self.take()
            right = (
                self.list()
                if self.peek().value == "[" and self.peek().kind == "punct"
                else self.value()
            )
            return ("in", left, right, negated)
        if negated:  # pragma: no cover - "not" followed by "in" was checked above
            raise self.error("expected in")
        return left if left[0] in ("or", "and", "not", "cmp", "in", "truth") else ("truth", left)

    def value(self) -> Node:
        tok = self.take()
        if tok.kind in ("num", "str"):
            return ("lit", tok.value)
        if tok.kind == "name":
            return ("name", tok.value)
        if tok.kind == "kw" and tok.value in ("true", "false"):
            return ("lit", tok.value == "true")
        if tok.kind == "kw" and tok.value in ("null", "none"):
            return ("lit", None)
        if tok.kind == "punct" and tok.value == "(":
            node = self.expr()
            close = self.take()
            if not (close.kind == "punct" and close.value == ")"):
                raise self.error(f"expected ')' for the '(' at character {tok.pos + 1}", close)
            return node
        raise self.error(f"expected a name, a number or a text, not {_describe(tok)}", tok)

    def list(self) -> Node:
        open_ = self.take()
        items: list[Any] = []
        if self.peek().kind == "punct" and self.peek().value == "]":
            self.take()
            return ("list", tuple(items))
        while True:
            tok = self.take()
            if tok.kind in ("num", "str"):
                items.append(tok.value)
            elif tok.kind == "kw" and tok.value in ("true", "false", "null", "none"):
                items.append({"true": True, "false": False}.get(tok.value))
            else:
                raise self.error(f"a list holds numbers and texts, not {_describe(tok)}", tok)
            sep = self.take()
            if sep.kind == "punct" and sep.value == "]":
                return ("list", tuple(items))
            if not (sep.kind == "punct" and sep.value == ","):
                raise self.error(
                    f"expected ',' or ']' in the list opened at character {open_.pos + 1}", sep
                )


def _describe(tok: _Tok) -> str:
    if tok.kind == "end":
        return "the end"
    if tok.kind == "str":
        return "a text"
    if tok.kind == "num":
        return "a number"
    return repr(str(tok.value))


_MISSING = object()


def _cmp(op: str, a: Any, b: Any) -> bool:
    if a is _MISSING or b is _MISSING or a is None or b is None:
        return op == "==" and a is None and b is None
    na, nb = _as_number(a), _as_number(b)
    if na is not None and nb is not None:
        a, b = na, nb
    elif isinstance(a, str) and isinstance(b, str):
        pass
    else:
        return op == "!=" and a != b
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _as_number(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int):
        try:
            return float(v)
        except OverflowError:
            return math.inf if v > 0 else -math.inf
    if isinstance(v, float):
        return v
    return None


def _truth(v: Any) -> bool:
    if v is _MISSING or v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    try:
        return bool(v)
    except (TypeError, ValueError):
        return True


@dataclass(frozen=True)
class Filter:
    """A parsed filter: ``matches(row)`` for a :func:`run_row` dict."""

    text: str
    tree: Node

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the expression reads, in order of appearance."""
        out: list[str] = []

        def walk(node: Node) -> None:
            if node[0] == "name":
                if node[1] not in out:
                    out.append(node[1])
                return
            for part in node[1:]:
                if isinstance(part, tuple) and part and isinstance(part[0], str):
                    walk(part)

        walk(self.tree)
        return tuple(out)

    def summary_specs(self) -> list[SummarySpec]:
        """The summary columns the expression names (``eval/return.last``)."""
        return [s for s in (spec_from_column(n) for n in self.names) if s is not None]

    def matches(self, row: Mapping[str, Any]) -> bool:
        return _truth(self._eval(self.tree, row))

    def _eval(self, node: Node, row: Mapping[str, Any]) -> Any:
        kind = node[0]
        if kind == "lit":
            return node[1]
        if kind == "name":
            return row.get(node[1], _MISSING)
        if kind == "list":
            return list(node[1])
        if kind == "or":
            return self.matches_node(node[1], row) or self.matches_node(node[2], row)
        if kind == "and":
            return self.matches_node(node[1], row) and self.matches_node(node[2], row)
        if kind == "not":
            return not self.matches_node(node[1], row)
        if kind == "truth":
            return _truth(self._eval(node[1], row))
        if kind == "cmp":
            return _cmp(node[1], self._eval(node[2], row), self._eval(node[3], row))
        if kind == "in":
            needle, hay = self._eval(node[1], row), self._eval(node[2], row)
            if needle is _MISSING or hay is _MISSING:
                return False  # like any comparison with a missing value, also "not in"
            found = _contains(hay, needle)
            return (not found) if node[3] else found
        raise ValueError(f"unknown node {kind!r}")  # pragma: no cover

    def matches_node(self, node: Node, row: Mapping[str, Any]) -> bool:
        return _truth(self._eval(node, row))

    def mask(self, columns: Mapping[str, Sequence[Any]], count: int) -> np.ndarray | None:
        """:meth:`matches` for ``count`` runs at once: ``columns`` holds, for each of
        :attr:`names`, every run's value (:data:`MISSING`: none), as :func:`run_row`
        would give it. ``None`` when the expression needs the row-by-row rule (``in``,
        ``null``, columns mixing numbers and texts or holding lists)."""
        try:
            vectors = {name: _vector(columns[name]) for name in self.names}
            out = self._truth_of(self._vec(self.tree, vectors, count), count)
        except _Unsupported:
            return None
        return np.asarray(out, dtype=bool)

    def _vec(self, node: Node, vectors: Mapping[str, _Vec], count: int) -> Any:
        """A node over every run: a bool array, a :class:`_Vec`, or a literal."""
        kind = node[0]
        if kind == "lit":
            if node[1] is None:
                raise _Unsupported
            return node[1]
        if kind == "name":
            return vectors[node[1]]
        if kind in ("or", "and"):
            a = self._truth_of(self._vec(node[1], vectors, count), count)
            b = self._truth_of(self._vec(node[2], vectors, count), count)
            return (a | b) if kind == "or" else (a & b)
        if kind == "not":
            return ~self._truth_of(self._vec(node[1], vectors, count), count)
        if kind == "truth":
            return self._truth_of(self._vec(node[1], vectors, count), count)
        if kind == "cmp":
            a = self._vec(node[2], vectors, count)
            b = self._vec(node[3], vectors, count)
            return self._compare(node[1], a, b, count)
        raise _Unsupported  # "in", lists

    @staticmethod
    def _truth_of(v: Any, count: int) -> np.ndarray:
        if isinstance(v, np.ndarray):
            return v
        if isinstance(v, _Vec):
            if v.num is not None:
                return np.asarray(~v.missing & (v.num != 0) & ~np.isnan(v.num), dtype=bool)
            assert v.text is not None
            return np.asarray(~v.missing & (v.text != ""), dtype=bool)
        return np.full(count, _truth(v))

    @staticmethod
    def _compare(op: str, a: Any, b: Any, count: int) -> np.ndarray:
        def parts(v: Any) -> tuple[np.ndarray | float | str, np.ndarray, str]:
            if isinstance(v, np.ndarray):  # a comparison's result: True/False as 1/0
                return v.astype(np.float64), np.zeros(count, dtype=bool), "num"
            if isinstance(v, _Vec):
                if v.num is not None:
                    return v.num, v.missing, "num"
                assert v.text is not None
                return v.text, v.missing, "text"
            if isinstance(v, str):
                return v, np.zeros(count, dtype=bool), "text"
            number = _as_number(v)
            if number is None:  # pragma: no cover - literals are numbers, texts, bools
                raise _Unsupported
            return number, np.zeros(count, dtype=bool), "num"

        va, ma, ka = parts(a)
        vb, mb, kb = parts(b)
        present = ~(ma | mb)
        if ka != kb:  # a number and a text: only "!=" holds
            out = present & (op == "!=")
        else:
            out = present & np.asarray(_OPS[op](va, vb), dtype=bool)
        if op == "==" and isinstance(a, _Vec) and isinstance(b, _Vec):
            out = out | (a.none & b.none)  # two runs' null values are equal
        return np.broadcast_to(out, (count,)).copy()


MISSING = _MISSING
"""The value of a name a run does not have (for :meth:`Filter.mask`'s columns)."""


class _Unsupported(Exception):
    """A part of the expression :meth:`Filter.mask` leaves to the row-by-row rule."""


@dataclass(frozen=True, slots=True)
class _Vec:
    """A column over the runs: numbers (``num``, NaN kept) or texts (``text``), with
    where a run has no value (``missing``) and where its value is ``None``."""

    num: np.ndarray | None
    text: np.ndarray | None
    missing: np.ndarray
    none: np.ndarray


_NUMERIC = frozenset({float, int, bool, type(None), object})  # object: MISSING
_TEXTUAL = frozenset({str, type(None), object})


def _vector(values: Sequence[Any]) -> _Vec:
    n = len(values)
    kinds = {type(v) for v in values}
    missing = np.fromiter((v is _MISSING or v is None for v in values), bool, n)
    none = np.fromiter((v is None for v in values), bool, n)
    if kinds <= _NUMERIC:
        try:
            num = np.fromiter(
                (math.nan if v is _MISSING or v is None else v for v in values), np.float64, n
            )
        except OverflowError:
            raise _Unsupported from None
        return _Vec(num, None, missing, none)
    if kinds <= _TEXTUAL:
        texts = ["" if v is _MISSING or v is None else v for v in values]
        if any(t.endswith("\0") for t in texts):  # numpy's texts drop trailing NULs
            raise _Unsupported
        return _Vec(None, np.asarray(texts, dtype=str), missing, none)
    raise _Unsupported


_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
    ">": np.greater, ">=": np.greater_equal,
}  # fmt: skip


def _contains(hay: Any, needle: Any) -> bool:
    if hay is _MISSING or needle is _MISSING or hay is None:
        return False
    if isinstance(hay, str):
        return isinstance(needle, str) and needle in hay
    if isinstance(hay, list | tuple):
        return any(_cmp("==", item, needle) for item in hay)
    return _cmp("==", hay, needle)


def parse_filter(text: str) -> Filter:
    """Parse a filter expression; :class:`FilterError` says where it goes wrong."""
    if not isinstance(text, str):
        raise TypeError("a filter expression is a str")
    return Filter(text, _Parser(text).parse())


# --- a runs table ---------------------------------------------------------------------------


@dataclass
class RunsTable:
    """Runs with their summary columns, filtered: what ``paperscope runs --summary`` prints
    and what a runs-table model shows."""

    runs: list[Run]
    columns: list[str]
    rows: list[dict[str, float | None]]


def runs_table(
    runs: Sequence[Run],
    specs: Sequence[SummarySpec] = (),
    where: Filter | None = None,
) -> RunsTable:
    """The summary columns of ``runs`` (in their order), keeping those ``where`` matches.
    Columns the filter names are computed for it without being shown."""
    shown = list(dict.fromkeys(s.column for s in specs))
    extra = [s for s in (where.summary_specs() if where else []) if s.column not in shown]
    all_specs = list({s.column: s for s in [*specs, *extra]}.values())
    kept: list[Run] = []
    rows: list[dict[str, float | None]] = []
    for run in runs:
        values = run_summaries(run, all_specs)
        if where is not None:
            row = run_row(run)
            _merge(row, values)
            if not where.matches(row):
                continue
        kept.append(run)
        rows.append({c: values[c] for c in shown})
    return RunsTable(kept, shown, rows)


def format_value(value: float | None, nan: str = "NaN") -> str:
    """A cell: empty for no value, ``NaN``/``inf``/``-inf`` spelt out, else ``repr``-exact."""
    if value is None:
        return ""
    if math.isnan(value):
        return nan
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return repr(float(value))


Formatter = Callable[[RunsTable], str]


def to_csv(table: RunsTable) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["run", *table.columns])
    for run, row in zip(table.runs, table.rows, strict=True):
        w.writerow([run.name, *(format_value(row[c]) for c in table.columns)])
    return buf.getvalue()


def _md_cell(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(table: RunsTable) -> str:
    head = ["run", *table.columns]
    lines = [
        "| " + " | ".join(_md_cell(h) for h in head) + " |",
        "|" + "|".join(["---"] + ["---:"] * len(table.columns)) + "|",
    ]
    for run, row in zip(table.runs, table.rows, strict=True):
        cells = [_md_cell(run.name), *(format_value(row[c]) for c in table.columns)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
