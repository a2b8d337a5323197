"""The BibTeX reader on the two real lab bibliographies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from paperscope.core.records import ReadResult
    from paperscope.library.store import ImportSummary, Store

CDL = PAPERS / "cdl.bib"
MEMLAB = PAPERS / "memlab.bib"


def read(path: Path) -> ReadResult:
    return registry.get("bibtex").read(path, no_progress, CancelToken())


def test_cdl_reads_every_entry_fast_with_accents_decoded() -> None:
    result = read(CDL)  # the speed (2 s end-to-end goal) is measured in bench_library.py
    assert len(result.papers) == 6315
    assert result.issues == []
    by_key = {p.citation_key: p for p in result.papers}
    rame = by_key["Rame72"]
    assert rame.title == "An iterative procedure for the polygonal approximation of plane curves"
    assert rame.authors == ("U Ramer",)
    assert rame.year == 1972 and rame.kind == "article"
    assert rame.venue == "Computer Graphics and Image Processing"
    assert rame.fields["pages"] == "244–256"  # plain text; exported as 244--256
    assert by_key["BoniEtal22"].authors[-1] == "A Méot"
    # no TeX accent command survives outside math
    outside_math = [re.sub(r"\$[^$]*\$", "", p.title) + " ".join(p.authors) for p in result.papers]
    assert not [t for t in outside_math if re.search(r"\\['`^\"~=.uvHc]", t)]
    assert not [t for t in outside_math if "{" in t or "}" in t]


def test_memlab_reports_3_broken_blocks_and_28_duplicate_keys_by_line() -> None:
    result = read(MEMLAB)
    assert len(result.papers) == 5753
    broken = [i for i in result.issues if "broken entry" in i.message]
    dupes = [i for i in result.issues if "duplicate citation key" in i.message]
    assert len(result.issues) == 31
    assert [i.location for i in broken] == ["line 10222", "line 10354", "line 18991"]
    assert len(dupes) == 28
    assert dupes[0].location == "line 19388" and "'HerrEtal04'" in dupes[0].message
    assert all(i.severity == "skipped" and i.file == str(MEMLAB) for i in result.issues)
    # the broken block's line really starts the entry named in the file
    lines = MEMLAB.read_text().splitlines()
    assert lines[10221].startswith("@article{KiliEtal13")
    assert lines[19387].startswith("@article{HerrEtal04")


def test_memlab_string_macros_month_macros_and_capitalised_fields() -> None:
    by_key = {p.citation_key: p for p in read(MEMLAB).papers}
    unde = by_key["Unde70"]
    assert unde.venue == "Journal of Verbal Learning and Verbal Behavior"  # @string jvlvb
    assert unde.fields["month"] == "October"  # Month = Oct
    assert unde.authors == ("B. J. Underwood",)  # "Underwood, B. J."
    assert by_key["KirwEtal09"].fields["month"] == "August"


def test_concatenation_accents_and_name_forms(tmp_path: Path) -> None:
    path = tmp_path / "small.bib"
    path.write_text(
        "@STRING{ nips = {Advances in Neural Information Processing Systems} }\n"
        "@InProceedings{ho2020,\n"
        "  TITLE = {Denoising Diffusion Probabilistic {M}odels},\n"
        '  Author = "Ho, Jonathan and Jain, Ajay and Abbeel, Jr., Pieter and {OpenAI Team}",\n'
        "  booktitle = nips # { 33},\n"
        "  YEAR = 2020, month = dec,\n"
        "  eprint = {2006.11239v2}, archivePrefix = {arXiv},\n"
        "  doi = {https://doi.org/10.5555/3495724.3496298}\n"
        "}\n"
        "@article{sch,\n"
        "  title = {Schr\\\"{o}dinger's {\\'E}cole \\& {Fran\\c{c}ois} --- $\\alpha$-nets},\n"
        '  author = {M{\\"u}ller, J{\\"o}rg},\n  year = {2019}\n}\n',
        encoding="utf-8",
    )
    ho, sch = read(path).papers
    assert ho.title == "Denoising Diffusion Probabilistic Models"
    assert ho.authors == ("Jonathan Ho", "Ajay Jain", "Pieter Abbeel Jr.", "OpenAI Team")
    assert ho.venue == "Advances in Neural Information Processing Systems 33"
    assert ho.year == 2020 and ho.kind == "inproceedings"
    assert ho.arxiv_id == "2006.11239"
    assert ho.doi == "10.5555/3495724.3496298"
    assert sch.title == "Schrödinger's École & François — $\\alpha$-nets"
    assert sch.authors == ("Jörg Müller",)


def test_latin1_file_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "old.bib"
    path.write_bytes("@article{a, title = {Caf\xe9 effects}, year = 1999}\n".encode("latin-1"))
    result = read(path)
    assert result.papers[0].title == "Café effects"
    assert "Windows-1252" in result.issues[0].message


def test_no_entries_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.bib"
    path.write_text("@comment{nothing here}\n")
    with pytest.raises(ReadError):
        read(path)


# -- @string macros, as BibTeX handles them ------------------------------------------
def _import(paths: list[Path], tmp_path: Path) -> tuple[Store, ImportSummary]:
    from paperscope.library.store import Store
    from paperscope.workflows.papers import import_paths

    store = Store(tmp_path / f"lib{len(list(tmp_path.glob('lib*')))}.duckdb")
    return store, import_paths(store, paths)


def test_macros_of_another_file_of_the_import_are_resolved(tmp_path: Path) -> None:
    """memlab.bib cut in two: its 53 @string macros in one file, its entries in the
    other; imported together (macros file named last) they give the same papers."""
    text = MEMLAB.read_text(encoding="utf-8")
    cut = text.index("@article{BeatEtal16")
    (tmp_path / "strings.bib").write_text(text[:cut], encoding="utf-8")
    (tmp_path / "entries.bib").write_text(text[cut:], encoding="utf-8")
    whole, whole_summary = _import([MEMLAB], tmp_path)
    split, split_summary = _import([tmp_path / "entries.bib", tmp_path / "strings.bib"], tmp_path)
    try:
        key = lambda p: p.citation_key  # noqa: E731
        a = sorted(whole.papers(whole.all_ids()), key=key)
        b = sorted(split.papers(split.all_ids()), key=key)
        assert [(p.citation_key, p.venue, p.fields) for p in a] == [
            (p.citation_key, p.venue, p.fields) for p in b
        ]
        assert split_summary.line() == whole_summary.line()
        # Journal = JVLVB resolved, not the macro's name
        assert any(p.venue == "Journal of Verbal Learning and Verbal Behavior" for p in b)
        assert not [i for i in split_summary.issues if "undefined macro" in i.message]
        # the macros file is no error and no skipped entry
        notes = [i for i in split_summary.issues if i.file.endswith("strings.bib")]
        assert len(notes) == 1 and "53 @string macros and no entry" in notes[0].message
        assert notes[0].severity == "warning"
    finally:
        whole.close()
        split.close()


def test_an_undefined_macro_is_a_warning_never_a_silent_author(tmp_path: Path) -> None:
    """The entries of memlab.bib without its macros: each macro use is named with its
    entry; the value reads as empty, as BibTeX does."""
    text = MEMLAB.read_text(encoding="utf-8")
    entries = tmp_path / "entries.bib"
    entries.write_text(text[text.index("@article{BeatEtal16") :], encoding="utf-8")
    result = read(entries)
    undefined = [i for i in result.issues if "undefined macro" in i.message]
    assert len(undefined) >= 300
    first = undefined[0]
    m = re.search(r"entry '([^']+)': undefined macro '([^']+)' in field 'journal'", first.message)
    assert m and first.location.startswith("line ")
    by_key = {p.citation_key: p for p in result.papers}
    assert by_key[m.group(1)].venue != m.group(2)
    used: dict[str, set[str]] = {}
    for i in undefined:
        if u := re.search(r"entry '([^']+)': undefined macro '([^']+)'", i.message):
            used.setdefault(u.group(1), set()).add(u.group(2).lower())
    assert len(used) >= 300
    for key, macros in used.items():
        p = by_key[key]
        assert not {a.lower() for a in p.authors} & macros
        assert (p.venue or "").lower() not in macros


def test_a_macro_defined_twice_is_no_duplicate_key(tmp_path: Path) -> None:
    bib = tmp_path / "twice.bib"
    bib.write_text(
        "@string{jml = {J. Mem. Lang.}}\n"
        "@article{a, title = {First paper}, journal = jml, year = 2001}\n"
        "@string{jml = {Journal of Memory and Language}}\n"
        "@article{b, title = {Second paper}, journal = jml, year = 2002}\n",
        encoding="utf-8",
    )
    result = read(bib)
    assert [p.venue for p in result.papers] == ["J. Mem. Lang.", "Journal of Memory and Language"]
    (issue,) = result.issues
    assert issue.severity == "warning" and issue.location == "line 3"
    assert "macro 'jml' defined again (first at line 1)" in issue.message
    assert "duplicate citation key" not in issue.message
    # memlab.bib + a file repeating one of its macros: still no entry skipped for it
    again = tmp_path / "again.bib"
    again.write_text("@string{alb = {Animal Learning and Behavior}}\n", encoding="utf-8")
    store, summary = _import([MEMLAB, again], tmp_path)
    store.close()
    assert summary.skipped == 31  # memlab's own 28 duplicate keys and 3 broken entries
    assert not [i for i in summary.issues if "duplicate citation key 'alb'" in i.message]


def test_a_file_of_macros_only_is_not_an_error(tmp_path: Path) -> None:
    bib = tmp_path / "macros.bib"
    bib.write_text('@string{a = {X}}\n@string{a = {Y}}\n@preamble{"\\newcommand{\\x}{y}"}\n')
    result = read(bib)
    assert result.papers == []
    assert any("@string macros and no entry" in i.message for i in result.issues)
    assert not [i for i in result.issues if i.severity == "skipped"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty file"),
        (b"  \n\n", "empty file"),
        (b"\x00\x01\x02binary\xff", "not a BibTeX file: no entry found"),
        (b"just some text, no entry", "not a BibTeX file: no entry found"),
    ],
)
def test_a_bib_that_is_not_bibtex_says_so(tmp_path: Path, data: bytes, message: str) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_bytes(data)
    with pytest.raises(ReadError) as err:
        read(bib)
    assert err.value.message == message and err.value.location
