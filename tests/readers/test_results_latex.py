"""LaTeX results tables on the real sources in shared/data/results/latex: the thesis'
booktabs tables, a malformed auto-generated table (refused with its reason, never
guessed), the Diffuser README's table, an e-print archive read in memory."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from paperscope.cli import main
from paperscope.library.store import Store
from paperscope.readers.results._latex import clean, find_tables, table_results
from paperscope.workflows import results as wf
from paperscope.workflows.papers import import_paths
from tests.conftest import SHARED_DATA
from tests.readers.test_fuzz_all import MUTATIONS, apply

LATEX = SHARED_DATA / "results/latex"
THESIS = LATEX / "rl_thesis_thesis.tex"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_cell_cleaning() -> None:
    assert clean("$\\mathbf{-10\\;[-36,\\,+16]}$") == ("-10 [-36, +16]", True, ())
    assert clean("\\textsc{absolute\\_proximity\\_fs}") == ("absolute_proximity_fs", False, ())
    assert clean("DQN~\\citep{Mnih2015, Hessel2018}$^\\dagger$") == (
        "DQN", False, ("Mnih2015", "Hessel2018"),
    )  # fmt: skip
    assert clean("$1{,}000$") == ("1000", False, ())


def test_thesis_tables_and_the_main_results() -> None:
    tables = find_tables(_text(THESIS))
    assert [(t.line, t.columns, len(t.rows)) for t in tables] == [
        (292, 3, 12), (423, 3, 5), (453, 3, 5), (511, 5, 9), (574, 4, 8), (671, 3, 27),
        (728, 5, 7), (751, 6, 8),
    ]  # fmt: skip
    assert not any(t.problem for t in tables)
    main_table = tables[3]
    results, issues = table_results(main_table, str(THESIS), columns="metrics", dataset="grid")
    got = {(r.method, r.metric): r for r in results}
    assert len(results) == 30
    heur = got[("Heuristic", "Survival (mean)")]
    assert (heur.value, heur.std, heur.raw) == (769.0, 19.0, "769 ± 19")
    assert got[("Heuristic", "Death rate")].value == 94.0
    assert got[("Heuristic", "Death rate")].extra["percent"] is True
    assert ("Heuristic", "Paired diff vs heur (95% CI)") not in got  # "---": missing
    base = got[("baseline", "Paired diff vs heur (95% CI)")]
    assert (base.value, base.ci_low, base.ci_high) == (-122.0, -149.0, -94.0)
    assert base.extra["group"] == "Single-frame (k=1)"
    best = got[("minimal_fs", "Survival (mean)")]
    assert best.value == 762.0 and best.extra["bold"] is True
    assert got[("minimal_fs", "Paired diff vs heur (95% CI)")].extra["bold"] is True
    assert got[("minimal_fs", "Paired diff vs heur (95% CI)")].ci_high == 16.0
    assert sum(1 for r in results if r.extra.get("bold")) == 2
    assert got[("baseline_fs", "Food")].extra["group"] == "4-frame stacked (k=4)"
    assert all(r.dataset == "grid" for r in results)
    (issue,) = issues
    assert issue.location == "table 4 (line 511) row 9 column 5"
    assert "'n/a (single seed)' is not a number" in issue.message
    # the hyperparameter table cites its sources in cells
    cites = {k for row in tables[5].rows for c in row for k in c.cites}
    assert "Mnih2015" in cites


def test_malformed_table_is_refused_with_the_reason() -> None:
    path = LATEX / "rl_robotics_table_main_results.tex"
    (table,) = find_tables(_text(path))
    assert "a single \\ does not end a row" in table.problem
    results, issues = table_results(table, str(path), dataset="sim")
    assert results == []
    assert [i.severity for i in issues] == ["skipped"]
    assert issues[0].message.startswith("not read: row 1 has")


def test_placeholders_in_prose_are_no_results() -> None:
    assert find_tables(_text(LATEX / "rl_robotics_results.tex")) == []


def test_diffuser_readme_table_bold_and_spread() -> None:
    (table,) = find_tables(_text(LATEX / "diffuser_README.md"))
    assert table.columns == 11 and not table.problem
    assert [c.text for c in table.rows[0]][:4] == ["Dataset", "Environment", "BC", "CQL"]
    row = table.rows[1]
    assert [c.text for c in row][:2] == ["Medium-Expert", "HalfCheetah"]
    assert [(c.text, c.bold) for c in row[-2:]] == [("105.9", True), ("88.9 ± 0.3", False)]
    results, _ = table_results(table, "README.md", columns="datasets", metric="normalized score",
                               methods="columns")  # fmt: skip
    diffuser = [r for r in results if r.method == "Diffuser"]
    assert diffuser[0].std == 0.3 and diffuser[0].value == 88.9


def test_eprint_archive_read_in_memory(tmp_path: Path) -> None:
    archive = tmp_path / "2401.00001.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        for name, data in (("paper/main.tex", THESIS.read_bytes()),
                           ("../escape.tex", b"\\begin{tabular}{lc}a & 1\\\\\\end{tabular}"),
                           ("refs.bib", (LATEX / "rl_thesis_refs.bib").read_bytes())):  # fmt: skip
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    tables = wf.tex_tables(archive)
    assert len(tables) == 9
    assert tables[0][0] == f"{archive}:paper/main.tex"
    assert not (tmp_path.parent / "escape.tex").exists() and sorted(
        p.name for p in tmp_path.iterdir()
    ) == [archive.name]


def test_cli_lists_and_imports_a_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "lib.duckdb"
    with Store(lib) as store:
        import_paths(store, [LATEX / "rl_thesis_refs.bib"])
    args = ["--library", str(lib), "import"]
    assert main([*args, "--tex-list", str(LATEX / "rl_robotics_table_main_results.tex")]) == 0
    out = capsys.readouterr().out
    assert "not readable: row 1 has 21 cells for 5 columns" in out
    assert "\\begin{tabular}{lcccc}" in out  # shown raw
    assert main([*args, "--tex-table", "4", str(THESIS)]) == 2
    assert "needs --paper" in capsys.readouterr().err
    assert main([*args, "--tex-table", "4", "--paper", "1", str(THESIS)]) == 2
    assert "with columns=metrics give the dataset" in capsys.readouterr().err
    assert main([*args, "--tex-table", "4", "--paper", "1", "--dataset", "grid", str(THESIS)]) == 0
    out, err = capsys.readouterr()
    assert "30 reported results: 30 attached to 1 papers; 1 skipped" in out
    assert "n/a (single seed)" in err
    with Store(lib) as store:
        rows = store.reported_results([1])
    assert len(rows) == 30 and rows[0].result.source == str(THESIS)


_MAIN = "\n".join(_text(THESIS).splitlines()[509:531])


@settings(max_examples=60, deadline=None)
@given(MUTATIONS)
def test_mutated_tables_never_crash(ops: list[tuple[str, float, int]]) -> None:
    """The thesis' main table under the fuzz harness' mutations: tables, problems or
    issues, never an exception."""
    text = apply(_MAIN.encode(), ops).decode("utf-8", "replace")
    for table in find_tables(text):
        results, issues = table_results(table, "t.tex", dataset="d")
        assert all(i.file == "t.tex" for i in issues)
        assert all(r.source == "t.tex" for r in results)


def test_huge_spans_are_problems_not_allocations() -> None:
    (t,) = find_tables("\\begin{tabular}{*{99999999}{c}}\\multicolumn{99999999999}{c}{x} & 1\\\\"
                       "\\end{tabular}")  # fmt: skip
    assert t.columns == 1000 and "multicolumn over" in t.problem
