"""The BibTeX reader on the two real lab bibliographies."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from paperscope.core.records import ReadError
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

CDL = PAPERS / "cdl.bib"
MEMLAB = PAPERS / "memlab.bib"


def read(path: Path):  # type: ignore[no-untyped-def]
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
    assert rame.extra["pages"] == "244--256"
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
    assert unde.extra["month"] == "October"  # Month = Oct
    assert unde.authors == ("B. J. Underwood",)  # "Underwood, B. J."
    assert by_key["KirwEtal09"].extra["month"] == "August"


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
