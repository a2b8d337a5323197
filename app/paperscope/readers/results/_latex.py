"""Results tables in a paper's LaTeX source: every ``tabular`` (``tabular*``,
``tabularx``) found by pylatexenc, split into rows (``\\\\``) and cells (``&``).

Nothing is executed or expanded: cells are read as text. ``\\multicolumn`` and
``\\multirow`` give spans (a multirow's label fills the rows below it), ``\\textbf`` /
``\\mathbf`` mark a cell bold (the paper's best), ``\\cite{…}`` keys in a cell are kept
and taken out of its text, footnote marks are dropped, ``--``/``---`` are missing
values. A row holding one cell spanning the whole table is a group heading for the rows
after it. A table whose rows do not match its column spec (a single ``\\`` ending rows,
cells beyond the columns) gets a ``problem`` and is never guessed at: the caller shows
it raw. Which axis holds methods and whether the header names datasets or metrics is
the caller's choice (:func:`table_results`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from paperscope.core.records import ReadIssue, ReportedResult
from paperscope.readers.results._common import make_result

_RULES = re.compile(
    r"\\(?:toprule|midrule|bottomrule|hline|specialrule\{[^}]*\}\{[^}]*\}\{[^}]*\}"
    r"|cline\{[^}]*\}|cmidrule(?:\([^)]*\))?\{[^}]*\}|addlinespace(?:\[[^\]]*\])?)"
)
_RULE_AT_START = re.compile(r"\\(?:toprule|midrule|bottomrule|hline|cmidrule)")
_CITE = re.compile(
    r"\\(?:cite|citep|citet|citealp|citeauthor|parencite|textcite)\*?(?:\[[^\]]*\])*\{([^}]*)\}"
)
_FOOT = re.compile(
    r"\\footnotemark(?:\[[^\]]*\])?|\\textsuperscript\{[^}]*\}|\^\{?(?:\\dagger|\\ddagger|\\?[*a-z]|\d)\}?"
    r"|\\(?:dagger|ddagger)\b"
)
_BOLD = re.compile(r"\\(?:textbf|mathbf|boldsymbol|bm)\s*\{|\\bf\b|\\bfseries\b")
_SPAN = re.compile(r"^\\multi(column|row)\s*\{(\d+)\}\s*\{[^}]*\}\s*\{(.*)\}\s*$", re.DOTALL)
_WRAPPERS = re.compile(
    r"\\(?:textbf|mathbf|textit|textsc|emph|text|mathrm|textrm|boldsymbol|bm|underline"
    r"|textnormal|mathit|scriptsize|footnotesize|small|tiny|bf|it|bfseries|itshape|makecell)"
    r"\b\s*|\\(?:color|textcolor|raisebox)\s*\{[^}]*\}\s*"
)
_SPACES = re.compile(r"\s+")
MAX_COLUMNS = 1000


@dataclass(slots=True)
class TexCell:
    text: str  # plain text (value strings keep ± and %)
    raw: str
    bold: bool = False
    span: int = 1
    cites: tuple[str, ...] = ()


@dataclass(slots=True)
class TexTable:
    index: int  # 0-based, in the file's order
    line: int
    raw: str
    columns: int
    rows: list[list[TexCell]] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)  # the heading over each row ('' none)
    header: int = 0  # rows before the first data row (up to the first \midrule)
    problem: str = ""


def clean(raw: str) -> tuple[str, bool, tuple[str, ...]]:
    """A cell's text, whether it is bold, its cited keys."""
    cites = tuple(
        k.strip() for m in _CITE.finditer(raw) for k in m.group(1).split(",") if k.strip()
    )
    bold = bool(_BOLD.search(raw))
    s = _CITE.sub("", raw)
    s = _FOOT.sub("", s)
    s = s.replace("{,}", "")
    s = _WRAPPERS.sub("", s)
    s = s.replace("\\pm", "±").replace("\\%", "%").replace("\\_", "_").replace("\\&", "&")
    s = s.replace("\\textendash", "–").replace("\\textemdash", "—").replace("\\times", "×")
    s = re.sub(r"\\[,;:! ]|~", " ", s)
    s = s.replace("$", "").replace("{", "").replace("}", "")
    return _SPACES.sub(" ", s).strip(), bold, cites


def _spec_columns(spec: str) -> int:
    """Columns of a tabular spec (``l*{3}{c}p{2cm}`` → 5)."""
    s = re.sub(r"[@!<>]\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}", "", spec)
    s = re.sub(
        r"\*\{(\d+)\}\{([^}]*)\}", lambda m: m.group(2) * min(int(m.group(1)[:6]), MAX_COLUMNS), s
    )
    s = re.sub(r"\{[^}]*\}", "", s)  # p{3cm}, X widths
    return sum(1 for ch in s if ch.isalpha())


def find_tables(text: str) -> list[TexTable]:
    """Every tabular in ``text``, in order (nested ones too)."""
    from pylatexenc.latexwalker import (
        LatexEnvironmentNode,
        LatexMacroNode,
        LatexSpecialsNode,
        LatexWalker,
    )

    walker = LatexWalker(text, tolerant_parsing=True)
    try:
        nodes, _, _ = walker.get_latex_nodes()
    except Exception:
        return []
    envs: list[Any] = []
    stack = list(reversed(nodes or []))
    while stack:
        n = stack.pop()
        if n is None:
            continue
        if n.isNodeType(LatexEnvironmentNode) and n.environmentname in (
            "tabular", "tabular*", "tabularx", "tabulary", "longtable",
        ):  # fmt: skip
            envs.append(n)
        children = list(getattr(n, "nodelist", None) or [])
        argd = getattr(n, "nodeargd", None)
        for a in argd.argnlist if argd is not None and argd.argnlist else []:
            if a is not None and getattr(a, "nodelist", None):
                children.extend(a.nodelist)
        stack.extend(reversed(children))
    envs.sort(key=lambda e: e.pos)
    out = []
    for i, env in enumerate(envs):
        raw = env.latex_verbatim()
        args = [a for a in (env.nodeargd.argnlist if env.nodeargd else []) if a is not None]
        spec = args[-1].latex_verbatim()[1:-1] if args else ""
        body = list(env.nodelist or [])
        if not args and body and body[0].latex_verbatim().startswith("{"):
            spec = body.pop(0).latex_verbatim()[1:-1]  # the spec left in the body
        if env.environmentname in ("tabular*", "tabularx", "tabulary") and body:
            first = body[0].latex_verbatim()
            if first.startswith("{"):
                spec = body.pop(0).latex_verbatim()[1:-1]
        table = TexTable(i, text.count("\n", 0, env.pos) + 1, raw, _spec_columns(spec))
        rows: list[list[str]] = []
        cells: list[str] = []
        cur: list[str] = []
        for n in body:
            if n.isNodeType(LatexMacroNode) and n.macroname == "\\":
                cells.append("".join(cur))
                rows.append(cells)
                cells, cur = [], []
            elif n.isNodeType(LatexSpecialsNode) and n.specials_chars == "&":
                cells.append("".join(cur))
                cur = []
            else:
                cur.append(n.latex_verbatim())
        tail = "".join(cur)
        if cells or _RULES.sub("", tail).strip():
            cells.append(tail)
            rows.append(cells)
        _fill(table, rows)
        out.append(table)
    return out


def _fill(table: TexTable, rows: list[list[str]]) -> None:
    group = ""
    seen_rule_after_first = False
    below: dict[int, tuple[TexCell, int]] = {}  # column -> (multirow cell, rows left)
    for cells in rows:
        first = cells[0] if cells else ""
        if table.rows and _RULE_AT_START.search(first) and not seen_rule_after_first:
            seen_rule_after_first = True
            table.header = len(table.rows)
        cells[0] = _RULES.sub("", first)
        if len(cells) == 1 and not cells[0].strip():
            continue
        row: list[TexCell] = []
        for raw in cells:
            raw = raw.strip()
            span, inner, kind = 1, raw, ""
            if m := _SPAN.match(raw):
                kind, inner = m.group(1), m.group(3)
                if kind == "column":
                    span = int(m.group(2)[:6])
                    if span > max(table.columns, 1) or span > MAX_COLUMNS:
                        table.problem = f"a \\multicolumn over {m.group(2)} columns"
                        span = 1
            text, bold, cites = clean(inner)
            cell = TexCell(text, raw, bold, span, cites)
            if kind == "row":
                below[len(row)] = (cell, int(m.group(2)) - 1)  # type: ignore[union-attr]
            elif not text and len(row) in below:
                above, left = below[len(row)]
                cell = TexCell(above.text, raw, above.bold, 1, above.cites)
                if left <= 1:
                    del below[len(row)]
                else:
                    below[len(row)] = (above, left - 1)
            row.append(cell)
        width = sum(c.span for c in row)
        if table.columns and width > table.columns:
            table.problem = (
                f"row {len(table.rows) + 1} has {width} cells for {table.columns} columns "
                "(rows must end with \\\\; a single \\ does not end a row)"
            )
        if len(row) == 1 and table.columns > 1 and (row[0].span == table.columns):
            group = row[0].text
            continue
        table.rows.append(row)
        table.groups.append(group)
    if not table.rows:
        table.problem = table.problem or "no rows"


Columns = Literal["metrics", "datasets"]


def _expand(row: list[TexCell]) -> list[TexCell]:
    out: list[TexCell] = []
    for c in row:
        out.extend([c] * c.span)
    return out


def table_results(
    table: TexTable,
    file: str,
    *,
    columns: Columns = "metrics",
    metric: str = "",
    dataset: str = "",
    task: str = "",
    methods: Literal["rows", "columns"] = "rows",
) -> tuple[list[ReportedResult], list[ReadIssue]]:
    """The table's results: the methods in the first column (``methods="rows"``) or
    the first row (``"columns"``); the header's labels are metrics (then every result
    has ``dataset``) or datasets (then ``metric``). A table with a ``problem`` gives
    none, and one issue saying why."""
    where = f"table {table.index + 1} (line {table.line})"
    if table.problem:
        return [], [ReadIssue(file, where, f"not read: {table.problem}", "skipped")]
    grid = [_expand(r) for r in table.rows]
    header_rows = max(table.header, 1)
    groups = table.groups
    if methods == "columns":
        width = max(len(r) for r in grid)
        grid = [[r[j] if j < len(r) else TexCell("", "") for r in grid] for j in range(width)]
        groups = [""] * len(grid)
        header_rows = 1
    head = grid[header_rows - 1]
    issues: list[ReadIssue] = []
    out: list[ReportedResult] = []
    for r in range(header_rows, len(grid)):
        row = grid[r]
        if not row or not row[0].text:
            continue
        label = row[0]
        for c in range(1, len(row)):
            col = head[c].text if c < len(head) else f"column {c + 1}"
            cell = row[c]
            extra: dict[str, Any] = {"table": table.index + 1, "row": r + 1, "column": c + 1}
            if cell.bold:
                extra["bold"] = True
            if label.cites:
                extra["cites"] = list(label.cites)
            if groups[r] if r < len(groups) else "":
                extra["group"] = groups[r]
            made = make_result(
                cell.text,
                task=task,
                dataset=col if columns == "datasets" else dataset,
                metric=col if columns == "metrics" else metric,
                method=label.text,
                file=file,
                location=f"{where} row {r + 1} column {c + 1}",
                issues=issues,
                extra=extra,
            )
            if made is not None:
                out.append(made)
    return out, issues
