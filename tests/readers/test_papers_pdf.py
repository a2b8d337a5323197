"""The PDF reader on real PDFs: one third-party paper (open-preprints-biology.pdf) and
PDFs written by PDFium and pypdf (tests/data/pdf/make_pdfs.py): exact ids and titles,
and a clear note, never an exception, for encrypted, truncated and text-less files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from paperscope.readers.papers.pdf import (
    PdfUnreadable,
    find_arxiv_id,
    full_text,
    meaningful_title,
    paper_from_pdf,
    render_first_page,
)
from tests.conftest import TEST_DATA

PDF = TEST_DATA / "pdf"


def test_registry_picks_the_pdf_reader() -> None:
    reader = registry.reader_for(PDF / "arxiv-stamped.pdf")
    assert reader is not None and reader.name == "pdf" and reader.kind == "papers"


def test_arxiv_stamp_title_authors_abstract() -> None:
    paper, issues = paper_from_pdf(PDF / "arxiv-stamped.pdf")
    assert issues == []
    assert paper.arxiv_id == "2505.12345"
    assert paper.year == 2025
    assert paper.title == "Stamped Margins and Large Titles Reading Identifiers from Preprints"
    assert paper.authors == ("Ada Quill", "Bruno Marginalia", "Chen Folio")
    assert paper.abstract.startswith("We measure how quickly a desktop library can read")
    assert paper.abstract.endswith("the title is the largest text on the page.")
    # a DOI only on page 3 (a reference, not the paper's) is not taken
    assert paper.doi is None
    (att,) = paper.attachments
    assert att.path == str((PDF / "arxiv-stamped.pdf").resolve())
    assert (att.status, att.note, att.origin) == ("ok", "", "import")


def test_real_paper_title_and_authors_from_page_one() -> None:
    paper, issues = paper_from_pdf(PDF / "open-preprints-biology.pdf")
    assert issues == []
    assert paper.title == "The case for open preprints in biology"
    assert paper.authors == (
        "Philippe Desjardins-Proulx", "Ethan P. White", "Joel J. Adamson", "Karthik Ram",
        "Timothée Poisot", "Dominique Gravel",
    )  # fmt: skip
    assert paper.arxiv_id is None and paper.doi is None


def test_meaningful_metadata_title_and_doi() -> None:
    paper, _ = paper_from_pdf(PDF / "doi-metadata.pdf")
    assert paper.title == "A Journal Article: The Metadata Title"
    assert paper.doi == "10.1371/journal.pbio.1001563"
    assert paper.authors == ("Dana Example",)
    assert paper.abstract == "Short abstract of a journal article with a DOI on its first page."


def test_junk_metadata_title_is_ignored() -> None:
    paper, _ = paper_from_pdf(PDF / "junk-metadata.pdf")
    assert paper.title == "Stamped Margins and Large Titles Reading Identifiers from Preprints"
    assert meaningful_title("Microsoft Word - draft2.docx") is None
    assert meaningful_title("main.pdf") is None
    assert meaningful_title("Attention Is All You Need") == "Attention Is All You Need"


def test_stamp_text_forms() -> None:
    assert find_arxiv_id(["x\narXiv:2505.12345v2 [cs.LG] 20 May 2025\n"]) == "2505.12345"
    assert find_arxiv_id(["arXiv:hep-th/9901001v1 [hep-th] 1 Jan 1999"]) == "hep-th/9901001"
    # an arXiv id cited far down page 1 is not the paper's
    assert find_arxiv_id(["title\n" + "body " * 400 + "arXiv:2401.13782"]) is None


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("encrypted.pdf", "encrypted (a password is needed to read it)"),
        ("truncated.pdf", "damaged or truncated (PDFium could not parse it)"),
        ("no-text.pdf", "no text layer (a scan without OCR?)"),
    ],
)
def test_bad_pdfs_are_attached_with_a_note(name: str, note: str) -> None:
    reader = registry.get("pdf")
    result = reader.read(PDF / name, no_progress, CancelToken())
    (paper,) = result.papers
    assert paper.title == Path(name).stem
    assert paper.attachments[0].note == note
    (issue,) = result.issues
    assert issue.file == str(PDF / name) and note in issue.message
    assert issue.severity == "warning"


def test_full_text_reads_the_body() -> None:
    text, note = full_text(PDF / "arxiv-stamped.pdf")
    assert note == ""
    assert "zyxwvutsonic" in text and "10.5555/PaperScope.Test.2025" in text
    text, note = full_text(PDF / "arxiv-stamped.pdf", max_pages=1)
    assert "zyxwvutsonic" not in text and note == "full text read for the first 1 of 3 pages"
    text, note = full_text(PDF / "no-text.pdf")
    assert text.strip() == "" and note.startswith("no text layer")
    with pytest.raises(PdfUnreadable, match="encrypted"):
        full_text(PDF / "encrypted.pdf")


def test_thumbnail_of_page_one() -> None:
    img = render_first_page(PDF / "open-preprints-biology.pdf", width=200)
    assert img.dtype == np.uint8 and img.ndim == 3 and img.shape[1] == 200 and img.shape[2] == 3
    assert img.shape[0] > 200  # a portrait page
    assert img.max() == 255 and 0.002 < (img < 160).mean() < 0.2  # dark text on white
    with pytest.raises(PdfUnreadable):
        render_first_page(PDF / "truncated.pdf")
