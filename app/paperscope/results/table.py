"""The comparison table: rows of run groups and papers' reported methods, columns of
dataset × metric, one cell per row and column, best per column marked; rendered as
LaTeX (booktabs, ``\\cite{key}``, ``\\pm``), Markdown or CSV (long form, full precision).

Qt-free and store-free: ``workflows/table.py`` fills it from runs and the library.
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass, field
from typing import Literal

RowKind = Literal["runs", "reported"]
Stat = Literal["mean-std", "iqm-ci"]

_TEX = {
    "\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "&": "\\&", "%": "\\%", "#": "\\#",
    "_": "\\_", "{": "\\{", "}": "\\}", "$": "\\$", "^": "\\textasciicircum{}",
}  # fmt: skip
_TEX_SPECIAL = re.compile(r"[\\~&%#_{}$^]")


def tex_escape(text: str) -> str:
    return _TEX_SPECIAL.sub(lambda m: _TEX[m.group(0)], text)


@dataclass(frozen=True, slots=True)
class Column:
    dataset: str
    metric: str
    higher_is_better: bool = True

    @property
    def title(self) -> str:
        return f"{self.dataset} / {self.metric}" if self.dataset else self.metric


@dataclass(frozen=True, slots=True)
class Cell:
    """A centre value with its spread: ``std`` (± std) or ``[ci_low, ci_high]``; ``n``
    runs behind it (``None`` for a reported number that does not say)."""

    value: float
    std: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    n: int | None = None


@dataclass(slots=True)
class Row:
    label: str
    kind: RowKind
    cells: dict[int, Cell] = field(default_factory=dict)  # column index -> cell
    cite_key: str | None = None
    paper_id: int | None = None


@dataclass(slots=True)
class ComparisonTable:
    columns: list[Column]
    rows: list[Row]
    stat: Stat = "mean-std"
    at: str = "final"

    def best(self) -> dict[int, set[int]]:
        """Column index → the row indices holding its best value (ties: all)."""
        out: dict[int, set[int]] = {}
        for c, col in enumerate(self.columns):
            vals = [
                (r, row.cells[c].value)
                for r, row in enumerate(self.rows)
                if c in row.cells and math.isfinite(row.cells[c].value)
            ]
            if not vals:
                continue
            pick = max if col.higher_is_better else min
            target = pick(v for _, v in vals)
            out[c] = {r for r, v in vals if v == target}
        return out


def _num(v: float, digits: int) -> str:
    return f"{v:.{digits}f}"


def _plain_cell(cell: Cell, digits: int) -> tuple[str, str]:
    """(centre, spread) as plain text."""
    centre = _num(cell.value, digits)
    if cell.std is not None:
        return centre, f"± {_num(cell.std, digits)}"
    if cell.ci_low is not None and cell.ci_high is not None:
        return centre, f"[{_num(cell.ci_low, digits)}, {_num(cell.ci_high, digits)}]"
    return centre, ""


def _tex_cell(cell: Cell | None, bold: bool, digits: int) -> str:
    if cell is None:
        return "--"
    centre = _num(cell.value, digits)
    if cell.std is not None:
        body = f"{centre} \\pm {_num(cell.std, digits)}"
        return f"$\\mathbf{{{body}}}$" if bold else f"${body}$"
    main = f"$\\mathbf{{{centre}}}$" if bold else f"${centre}$"
    if cell.ci_low is not None and cell.ci_high is not None:
        ci = f"[{_num(cell.ci_low, digits)}, {_num(cell.ci_high, digits)}]"
        return f"{main} {{\\scriptsize ${ci}$}}"
    return main


def _tex_label(row: Row) -> str:
    label = tex_escape(row.label)
    return f"{label}~\\cite{{{row.cite_key}}}" if row.cite_key else label


def to_latex(
    table: ComparisonTable,
    digits: int = 2,
    caption: str | None = None,
    label: str | None = None,
) -> str:
    """A ``table`` float with a booktabs ``tabular``: a dataset header row (spanning its
    metrics) when columns name datasets, run groups first, then reported methods, the
    best of each column in bold (``\\mathbf``). Needs ``\\usepackage{booktabs}``."""
    cols = table.columns
    best = table.best()
    lines = ["\\begin{table}[t]", "\\centering"]
    if caption:
        lines.append(f"\\caption{{{tex_escape(caption)}}}")
    if label:
        lines.append(f"\\label{{{label}}}")
    lines.append("\\begin{tabular}{l" + "c" * len(cols) + "}")
    lines.append("\\toprule")
    if any(c.dataset for c in cols):
        spans: list[tuple[str, int, int]] = []  # dataset, first column (1-based), count
        for i, c in enumerate(cols, start=2):
            if spans and spans[-1][0] == c.dataset:
                d, first, k = spans[-1]
                spans[-1] = (d, first, k + 1)
            else:
                spans.append((c.dataset, i, 1))
        head = " & ".join(
            f"\\multicolumn{{{k}}}{{c}}{{{tex_escape(d)}}}" if k > 1 else tex_escape(d)
            for d, _, k in spans
        )
        lines.append(f" & {head} \\\\")
        lines.append(" ".join(f"\\cmidrule(lr){{{f}-{f + k - 1}}}" for d, f, k in spans if d))
    arrows = {True: "$\\uparrow$", False: "$\\downarrow$"}
    lines.append(
        "Method & "
        + " & ".join(f"{tex_escape(c.metric)} {arrows[c.higher_is_better]}" for c in cols)
        + " \\\\"
    )
    lines.append("\\midrule")
    previous: RowKind | None = None
    for r, row in enumerate(table.rows):
        if previous is not None and row.kind != previous:
            lines.append("\\midrule")
        previous = row.kind
        cells = [
            _tex_cell(row.cells.get(c), r in best.get(c, ()), digits) for c in range(len(cols))
        ]
        lines.append(_tex_label(row) + " & " + " & ".join(cells) + " \\\\")
    lines += ["\\bottomrule", "\\end{tabular}", "\\end{table}", ""]
    return "\n".join(lines)


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(table: ComparisonTable, digits: int = 2) -> str:
    """A pipe table; the best per column in ``**bold**``, a cited paper as ``[key]``."""
    best = table.best()
    head = ["Method", *(_md_escape(c.title) for c in table.columns)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * len(table.columns)]
    for r, row in enumerate(table.rows):
        label = _md_escape(row.label) + (f" [{row.cite_key}]" if row.cite_key else "")
        cells = []
        for c in range(len(table.columns)):
            cell = row.cells.get(c)
            if cell is None:
                cells.append("–")
                continue
            centre, spread = _plain_cell(cell, digits)
            text = f"{centre} {spread}".strip()
            cells.append(f"**{text}**" if r in best.get(c, ()) else text)
        lines.append("| " + " | ".join([label, *cells]) + " |")
    return "\n".join(lines) + "\n"


def to_csv(table: ComparisonTable) -> str:
    """One line per cell, full precision: row, kind, cite key, paper id, dataset,
    metric, value, std, ci_low, ci_high, n, best."""
    best = table.best()
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["row", "kind", "cite_key", "paper_id", "dataset", "metric", "value", "std",
                "ci_low", "ci_high", "n", "best", "stat", "at"])  # fmt: skip
    for r, row in enumerate(table.rows):
        for c, col in enumerate(table.columns):
            cell = row.cells.get(c)
            if cell is None:
                continue

            def num(v: float | None) -> str:
                return "" if v is None else repr(float(v))

            label = row.label
            if label[:1] in ("=", "+", "-", "@"):
                label = "'" + label  # a spreadsheet must not run it as a formula
            w.writerow([
                label, row.kind, row.cite_key or "", "" if row.paper_id is None else row.paper_id,
                col.dataset, col.metric, num(cell.value), num(cell.std), num(cell.ci_low),
                num(cell.ci_high), "" if cell.n is None else cell.n,
                int(r in best.get(c, ())), table.stat if row.kind == "runs" else "reported",
                table.at if row.kind == "runs" else "",
            ])  # fmt: skip
    return buf.getvalue()
