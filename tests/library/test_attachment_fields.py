"""Files named by bibliographies: JabRef ``file``, Zotero / Better BibTeX ``file`` and
``files`` lists, BibDesk ``Bdsk-File-N`` (base64 binary plist) and ``Local-Url``;
resolved relative to the .bib, missing ones flagged; exported back in BibTeX's
``file`` (JabRef style) and CSL-JSON's ``file``, relative to the export file, with the
record's own fields still round-tripping."""

from __future__ import annotations

import base64
import json
import plistlib
import shutil
from pathlib import Path

from paperscope.core.records import Paper
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.library.store import Store
from paperscope.readers import registry
from paperscope.readers.papers._files import bdsk_relative_path, parse_file_field
from paperscope.workflows.attachments import attach_files, relink
from paperscope.workflows.papers import export_papers, import_paths
from tests.conftest import PAPERS, TEST_DATA

PDF = TEST_DATA / "pdf"
MEMLAB = PAPERS / "memlab.bib"


def _read(path: Path) -> list[Paper]:
    return (
        registry.get(registry.reader_for(path).name).read(path, no_progress, CancelToken()).papers
    )  # type: ignore[union-attr]


def test_memlab_file_fields_are_flagged_missing() -> None:
    papers = {p.citation_key: p for p in _read(MEMLAB)}
    with_files = [p for p in papers.values() if p.attachments]
    assert len(with_files) == 155  # 150 File, 4 Local-Url, 1 Bdsk-File-1
    assert sum(1 for p in with_files if "file" in p.fields) == 150
    assert all(a.status == "missing" and a.note == "file not found"
               for p in with_files for a in p.attachments)  # fmt: skip
    (att,) = papers["BercEtal05"].attachments
    assert att.path == "/Users/gmnotaro/Documents/Papers/Animal/1-s2.0-S0306452205003659-main.pdf"
    assert att.written == "Users/gmnotaro/Documents/Papers/Animal/1-s2.0-S0306452205003659-main.pdf"
    assert (att.kind, att.origin) == ("pdf", "record")
    (bdsk,) = papers["LyonEtal08"].attachments
    assert bdsk.written == "2008-lyon_gunzelmann_gluck.pdf"
    assert bdsk.path == str(MEMLAB.parent / "2008-lyon_gunzelmann_gluck.pdf")
    (local,) = papers["RuggCurr07"].attachments
    assert local.path == "/Users/kahana/pdf/RuggCurr07.pdf"


def test_file_field_forms() -> None:
    assert parse_file_field(":Users/me/a.pdf:pdf") == [("Users/me/a.pdf", "pdf")]
    assert parse_file_field("Full Text PDF:/z/Smith 2020.pdf:application/pdf;Snapshot:/z/s.html:text/html") == [  # noqa: E501
        ("/z/Smith 2020.pdf", "application/pdf"), ("/z/s.html", "text/html"),
    ]  # fmt: skip
    assert parse_file_field("/z/a.pdf;/z/b.pdf") == [("/z/a.pdf", ""), ("/z/b.pdf", "")]
    assert parse_file_field(r":C\:\\papers\\a\;b.pdf:PDF") == [(r"C:\papers\a;b.pdf", "PDF")]
    assert parse_file_field(r"pag{\_}12.pdf") == [("pag_12.pdf", "")]
    plist = plistlib.dumps(
        {"relativePath": "pdf/x.pdf", "aliasData": b"\0"}, fmt=plistlib.FMT_BINARY
    )
    assert bdsk_relative_path(base64.b64encode(plist).decode()) == "pdf/x.pdf"
    assert bdsk_relative_path("not base64 !") is None


def _bib(folder: Path) -> Path:
    (folder / "pdf").mkdir()
    shutil.copy(PDF / "arxiv-stamped.pdf", folder / "pdf" / "stamped.pdf")
    shutil.copy(PDF / "open-preprints-biology.pdf", folder / "preprints.pdf")
    plist = plistlib.dumps({"relativePath": "preprints.pdf"}, fmt=plistlib.FMT_BINARY)
    bib = folder / "refs.bib"
    bib.write_text(
        "@article{jab, title={Stamped Margins}, author={Quill, Ada}, year={2025},\n"
        "  file={:pdf/stamped.pdf:PDF}}\n"
        "@article{zot, title={Zotero Style Lists}, author={Roe, Ann}, year={2024},\n"
        "  file={pdf/stamped.pdf;gone/nowhere.pdf}}\n"
        "@article{bbt, title={Better BibTeX Files}, author={Poe, Al}, year={2023},\n"
        f"  files={{{folder / 'preprints.pdf'}}}}}\n"
        "@article{bdsk, title={The case for open preprints in biology}, author={White, Ethan},\n"
        f"  year={{2013}}, Bdsk-File-1={{{base64.b64encode(plist).decode()}}}}}\n",
        encoding="utf-8",
    )
    return bib


def test_bib_files_resolved_relative_to_the_bib(tmp_path: Path) -> None:
    bib = _bib(tmp_path)
    papers = {p.citation_key: p for p in _read(bib)}
    stamped = str((tmp_path / "pdf" / "stamped.pdf").resolve())
    assert [(a.path, a.status) for a in papers["jab"].attachments] == [(stamped, "ok")]
    assert [(a.path, a.status) for a in papers["zot"].attachments] == [
        (stamped, "ok"), (str(tmp_path / "gone" / "nowhere.pdf"), "missing"),
    ]  # fmt: skip
    assert papers["bbt"].attachments[0].path == str((tmp_path / "preprints.pdf").resolve())
    assert papers["bdsk"].attachments[0].path == str((tmp_path / "preprints.pdf").resolve())


def test_import_memlab_then_export_keeps_fields_and_adds_new_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "lib.duckdb")
    import_paths(store, [MEMLAB])
    missing = store.missing_attachments()
    assert len(missing) == 155
    out = tmp_path / "out" / "export.bib"
    out.parent.mkdir()
    export_papers(store, "bibtex", out)
    again = {p.citation_key: p for p in _read(out)}
    original = {p.citation_key: p for p in _read(MEMLAB)}
    assert again["BercEtal05"].fields["file"] == original["BercEtal05"].fields["file"]
    assert again["LyonEtal08"].fields["bdsk-file-1"] == original["LyonEtal08"].fields["bdsk-file-1"]
    # a PDF dropped on a paper is exported in its file field, relative to the .bib
    shutil.copy(PDF / "arxiv-stamped.pdf", out.parent / "dropped.pdf")
    lyon = missing[[a.written for a in missing].index("2008-lyon_gunzelmann_gluck.pdf")].paper_id
    attach_files(store, lyon, [out.parent / "dropped.pdf"])
    export_papers(store, "bibtex", out)
    exported = {p.citation_key: p for p in _read(out)}["LyonEtal08"]
    assert exported.fields["file"] == ":dropped.pdf:PDF"
    assert exported.fields["bdsk-file-1"] == original["LyonEtal08"].fields["bdsk-file-1"]
    assert [(Path(a.path).name, a.status) for a in exported.attachments] == [
        ("dropped.pdf", "ok"), ("2008-lyon_gunzelmann_gluck.pdf", "missing"),
    ]  # fmt: skip
    # CSL-JSON carries the same links
    csl = tmp_path / "out" / "export.json"
    export_papers(store, "csljson", csl)
    item = next(i for i in json.loads(csl.read_text()) if i["id"] == "LyonEtal08")
    assert item["file"] == "dropped.pdf"
    store.close()


def test_relinked_file_is_exported_at_its_new_place(tmp_path: Path) -> None:
    bib = _bib(tmp_path)
    store = Store(tmp_path / "lib.duckdb")
    import_paths(store, [bib])
    gone = next(a for a in store.missing_attachments() if a.written == "gone/nowhere.pdf")
    found = tmp_path / "found"
    found.mkdir()
    shutil.copy(PDF / "no-text.pdf", found / "nowhere.pdf")
    assert relink(store, gone.id, found / "nowhere.pdf") == [gone.id]
    out = tmp_path / "export.bib"
    export_papers(store, "bibtex", out)
    zot = {p.citation_key: p for p in _read(out)}["zot"]
    assert zot.fields["file"] == ":pdf/stamped.pdf:PDF;:found/nowhere.pdf:PDF"
    assert [a.status for a in zot.attachments] == ["ok", "ok"]
    store.close()
