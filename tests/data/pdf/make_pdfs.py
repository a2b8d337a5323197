"""Write the generated PDFs of this folder (see ../README.md, "pdf/").

PDFium (pypdfium2) writes the pages; pypdf (not a PaperScope dependency: install it
beside pypdfium2 to rerun this) adds document metadata and encrypts. Run from the
repository root: ``python tests/data/pdf/make_pdfs.py``. The real third-party PDF
(``open-preprints-biology.pdf``) is not made here.
"""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as raw

HERE = Path(__file__).resolve().parent
A4 = (595.0, 842.0)


def _text(doc: pdfium.PdfDocument, page: pdfium.PdfPage, text: str, x: float, y: float,
          size: float, font: str = "Helvetica", rotate: bool = False) -> None:  # fmt: skip
    obj = raw.FPDFPageObj_NewTextObj(doc.raw, font.encode(), ctypes.c_float(size))
    data = (text + "\0").encode("utf-16-le")
    buf = ctypes.create_string_buffer(data, len(data))
    raw.FPDFText_SetText(obj, ctypes.cast(buf, ctypes.POINTER(raw.FPDF_WCHAR)))
    if rotate:  # the arXiv stamp: bottom to top in the left margin
        raw.FPDFPageObj_Transform(obj, 0, 1, -1, 0, x, y)
    else:
        raw.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
    raw.FPDFPage_InsertObject(page.raw, obj)


def write_paper(path: Path, lines_p1: list[tuple[str, float, float, float]], stamp: str | None,
           body_pages: list[list[str]]) -> None:  # fmt: skip
    doc = pdfium.PdfDocument.new()
    page = doc.new_page(*A4)
    for text, x, y, size in lines_p1:
        _text(doc, page, text, x, y, size, "Times-Bold" if size >= 16 else "Times-Roman")
    if stamp:
        _text(doc, page, stamp, 30, 250, 20, "Times-Roman", rotate=True)
    page.gen_content()
    for body in body_pages:
        p = doc.new_page(*A4)
        y = 780.0
        for line in body:
            _text(doc, p, line, 72, y, 10, "Times-Roman")
            y -= 14
        p.gen_content()
    doc.save(str(path))


def main() -> None:
    import pypdf

    abstract = [
        "Abstract",
        "We measure how quickly a desktop library can read the first pages of a",
        "paper and find its identifiers. The marginal stamp carries the arXiv",
        "identifier and version; the title is the largest text on the page.",
    ]
    p1 = [
        ("Stamped Margins and Large Titles", 120, 720, 22),
        ("Reading Identifiers from Preprints", 140, 694, 22),
        ("Ada Quill, Bruno Marginalia and Chen Folio", 150, 660, 12),
        ("Department of Document Studies, Example University", 150, 645, 10),
        *[(t, 100, 600 - 14 * i, 10) for i, t in enumerate(abstract)],
        ("1 Introduction", 100, 500, 12),
        ("Preprint servers stamp each PDF in its left margin.", 100, 480, 10),
    ]
    body = [
        ["2 Method", "The zyxwvutsonic procedure appears only in the body of this paper.",
         "It is never named in the title or the abstract."],
        ["3 Results", "See also https://doi.org/10.5555/PaperScope.Test.2025 for the record."],
    ]  # fmt: skip
    stamped = HERE / "arxiv-stamped.pdf"
    write_paper(stamped, p1, "arXiv:2505.12345v2  [cs.LG]  20 May 2025", body)

    # a DOI on page 1 and meaningful metadata (title and author in the Info dictionary)
    doi_tmp = HERE / "_doi.pdf"
    write_paper(
        doi_tmp,
        [
            ("A Journal Article", 150, 720, 20),
            ("Dana Example", 150, 690, 12),
            ("https://doi.org/10.1371/journal.pbio.1001563", 150, 670, 9),
            ("Abstract", 100, 630, 10),
            ("Short abstract of a journal article with a DOI on its first page.", 100, 616, 10),
        ],
        None,
        [],
    )
    w = pypdf.PdfWriter(clone_from=str(doi_tmp))
    w.add_metadata({"/Title": "A Journal Article: The Metadata Title", "/Author": "Dana Example"})
    with open(HERE / "doi-metadata.pdf", "wb") as f:
        w.write(f)
    doi_tmp.unlink()

    # junk metadata ("Microsoft Word - draft.docx") is ignored: the largest text wins
    w = pypdf.PdfWriter(clone_from=str(stamped))
    w.add_metadata({"/Title": "Microsoft Word - draft2.docx", "/Author": "user"})
    with open(HERE / "junk-metadata.pdf", "wb") as f:
        w.write(f)

    # encrypted with a user password: not readable without it
    w = pypdf.PdfWriter(clone_from=str(stamped))
    w.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with open(HERE / "encrypted.pdf", "wb") as f:
        w.write(f)

    # no text layer: two blank pages (what a scan without OCR gives a text extractor)
    w = pypdf.PdfWriter()
    w.add_blank_page(*A4)
    w.add_blank_page(*A4)
    with open(HERE / "no-text.pdf", "wb") as f:
        w.write(f)

    # truncated: the first 40 % of a real paper's bytes (its cross-reference table gone)
    real = (HERE / "open-preprints-biology.pdf").read_bytes()
    (HERE / "truncated.pdf").write_bytes(real[: len(real) * 2 // 5])


if __name__ == "__main__":
    main()
