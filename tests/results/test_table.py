"""The comparison table: the three tensorboard-reducer runs (one seed group) plus one
reported baseline, as LaTeX (cells, bold marks, ``\\cite`` keys, compiled with pdflatex
when a TeX install is there), Markdown and CSV; the ``.bib`` beside it imports back."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from paperscope.cli import main
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.library.store import Store
from paperscope.readers import registry
from paperscope.results.table import Cell, Column, ComparisonTable, Row, to_latex, to_markdown
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from tests.conftest import RUNS, SHARED_DATA

STRICT = RUNS / "tensorboard-reducer/tests/runs/strict"
REFS = SHARED_DATA / "results/latex/rl_thesis_refs.bib"


def _finals_and_bests() -> tuple[list[float], list[float]]:
    """The oracle: each run's last and largest ``strict/foo`` value, read directly."""
    finals, bests = [], []
    for run in sorted(STRICT.iterdir()):
        (events,) = run.iterdir()
        res = registry.get("tensorboard-file").read(events, no_progress, CancelToken())
        values = res.runs[0].series["strict/foo"].values
        finals.append(float(values[-1]))
        bests.append(float(values.max()))
    return finals, bests


@pytest.fixture
def library(tmp_path: Path) -> tuple[list[str], Path]:
    lib = tmp_path / "lib.duckdb"
    runs = tmp_path / "strict"
    shutil.copytree(STRICT, runs)
    with Store(lib) as store:
        import_paths(store, [REFS])
        (pid,) = [
            int(r[0])
            for r in store.cursor()
            .execute("SELECT id FROM papers WHERE citation_key = 'Mnih2015'")
            .fetchall()
        ]
        wf.link_runs(store, [runs], pid, role="baseline")
        wf.add_manual_result(
            store, pid, dataset="Synthetic", metric="strict/foo", value="1.8 ± 0.1", method="DQN"
        )
    return ["--library", str(lib)], runs


def _table(lib: list[str], runs: Path, out: Path, *extra: str) -> None:
    assert main([*lib, "table", str(runs), "--metric", "strict/foo", "--group-by", "name",
                 "--dataset", "Synthetic", "--out", str(out), *extra]) == 0  # fmt: skip


def test_latex_table_cells_bold_and_cite(
    library: tuple[list[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib, runs = library
    finals, bests = _finals_and_bests()
    out = tmp_path / "table.tex"
    _table(lib, runs, out, "--format", "latex")
    assert "2 rows × 1 columns" in capsys.readouterr().out
    mean, std = np.mean(finals), np.std(finals, ddof=1)
    assert out.read_text().splitlines() == [
        "\\begin{table}[t]",
        "\\centering",
        "\\begin{tabular}{lc}",
        "\\toprule",
        " & Synthetic \\\\",
        "\\cmidrule(lr){2-2}",
        "Method & strict/foo $\\uparrow$ \\\\",
        "\\midrule",
        f"run & $\\mathbf{{{mean:.2f} \\pm {std:.2f}}}$ \\\\",  # the runs win on final
        "\\midrule",
        "DQN~\\cite{Mnih2015} & $1.80 \\pm 0.10$ \\\\",
        "\\bottomrule",
        "\\end{tabular}",
        "\\end{table}",
    ]
    # the best value of each run (its maximum): the runs are still best
    _table(lib, runs, out, "--format", "latex", "--at", "best")
    lines = out.read_text().splitlines()
    bm, bs = np.mean(bests), np.std(bests, ddof=1)
    assert f"run & $\\mathbf{{{bm:.2f} \\pm {bs:.2f}}}$ \\\\" in lines
    assert "DQN~\\cite{Mnih2015} & $1.80 \\pm 0.10$ \\\\" in lines
    # lower is better: now the baseline is the best and bold
    _table(lib, runs, out, "--format", "latex", "--lower-is-better")
    lines = out.read_text().splitlines()
    assert f"run & ${mean:.2f} \\pm {std:.2f}$ \\\\" in lines
    assert "DQN~\\cite{Mnih2015} & $\\mathbf{1.80 \\pm 0.10}$ \\\\" in lines
    assert "Method & strict/foo $\\downarrow$ \\\\" in lines
    # the .bib beside it holds the cited paper, and imports back as that paper
    bib = out.with_suffix(".bib")
    back = registry.get("bibtex").read(bib, no_progress, CancelToken())
    assert [(p.citation_key, p.title, p.year) for p in back.papers] == [
        ("Mnih2015", "Human-level control through deep reinforcement learning", 2015)
    ]
    assert not back.issues


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no TeX install")
def test_latex_table_compiles(library: tuple[list[str], Path], tmp_path: Path) -> None:
    lib, runs = library
    _table(lib, runs, tmp_path / "table.tex", "--format", "latex", "--stat", "iqm-ci")
    doc = tmp_path / "doc.tex"
    doc.write_text(
        "\\documentclass{article}\\usepackage{booktabs}\\begin{document}"
        "\\input{table.tex}\\bibliographystyle{plain}\\bibliography{table}\\end{document}\n"
    )

    def tex(*cmd: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
        )

    first = tex("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
    assert first.returncode == 0, first.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 0
    if shutil.which("bibtex"):
        bib = tex("bibtex", "doc")
        assert bib.returncode == 0, bib.stdout
        for _ in range(2):
            again = tex("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex")
            assert again.returncode == 0
        log = (tmp_path / "doc.log").read_text(errors="replace")
        assert "Citation `Mnih2015' on page 1 undefined" not in log


def test_markdown_iqm_ci_and_csv(library: tuple[list[str], Path], tmp_path: Path) -> None:
    lib, runs = library
    finals, _ = _finals_and_bests()
    md = tmp_path / "t.md"
    _table(lib, runs, md, "--format", "markdown", "--stat", "iqm-ci")
    lines = md.read_text().splitlines()
    assert lines[:2] == ["| Method | Synthetic / strict/foo |", "|---|---:|"]
    assert lines[3] == "| DQN [Mnih2015] | 1.80 ± 0.10 |"
    cell = lines[2].split("|")[2].strip()
    assert cell.startswith("**") and cell.endswith("**")  # 2.34 > 1.80: the runs are best
    point, lo, hi = (
        float(x) for x in cell.strip("*").replace("[", "").replace("]", "").replace(",", "").split()
    )
    assert round(min(finals), 2) <= lo <= point <= hi <= round(max(finals), 2)
    assert point == round(float(np.mean(finals)), 2)  # the IQM of three runs is their mean
    csv_out = tmp_path / "t.csv"
    _table(lib, runs, csv_out, "--format", "csv")
    rows = [line.split(",") for line in csv_out.read_text().splitlines()]
    assert rows[0][:8] == [
        "row",
        "kind",
        "cite_key",
        "paper_id",
        "dataset",
        "metric",
        "value",
        "std",
    ]
    assert float(rows[1][6]) == pytest.approx(np.mean(finals), rel=1e-15)
    assert rows[1][10] == "3" and rows[1][11] == "1"
    assert rows[2][:3] == ["DQN", "reported", "Mnih2015"] and float(rows[2][7]) == 0.1


def test_table_errors_name_the_problem(
    library: tuple[list[str], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lib, runs = library
    assert main([*lib, "table", str(runs), "--metric", "strict/foo", "--at", "later",
                 "--format", "csv", "--out", str(tmp_path / "x.csv")]) == 2  # fmt: skip
    assert "--at must be final, best or a step number" in capsys.readouterr().err
    assert main([*lib, "table", str(runs), "--metric", "nope", "--format", "csv",
                 "--out", str(tmp_path / "x.csv")]) == 1  # fmt: skip
    err = capsys.readouterr().err
    assert "run 'run_1': no value of 'nope' at final" in err


def test_latex_headers_span_datasets_and_escape_names() -> None:
    table = ComparisonTable(
        [Column("Pong", "Score"), Column("Pong", "Steps", False), Column("Ms_Pacman", "Score")],
        [
            Row("ppo & friends_1", "runs", {0: Cell(20.0, std=1.0, n=3), 2: Cell(5.0, n=1)}),
            Row(
                "Rainbow",
                "reported",
                {0: Cell(21.0), 1: Cell(3.0, ci_low=2.5, ci_high=3.5)},
                cite_key="Hessel2018",
            ),
        ],
    )
    tex = to_latex(table).splitlines()
    assert " & \\multicolumn{2}{c}{Pong} & Ms\\_Pacman \\\\" in tex
    assert "\\cmidrule(lr){2-3} \\cmidrule(lr){4-4}" in tex
    assert "ppo \\& friends\\_1 & $20.00 \\pm 1.00$ & -- & $\\mathbf{5.00}$ \\\\" in tex
    assert (
        "Rainbow~\\cite{Hessel2018} & $\\mathbf{21.00}$ & "
        "$\\mathbf{3.00}$ {\\scriptsize $[2.50, 3.50]$} & -- \\\\"
    ) in tex
    md = to_markdown(table).splitlines()
    assert md[2] == "| ppo & friends_1 | 20.00 ± 1.00 | – | **5.00** |"
