"""Tags, collections, status, rating, notes and edits; the migration that adds them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from paperscope.core.records import Paper
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import TEST_DATA, ids_with_key

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def lib(store: Store) -> Store:
    import_paths(store, [TEST_DATA / "papers" / "arxiv-query.atom"])
    assert store.paper_count() == 4
    return store


def test_migration_0010_applied(store: Store) -> None:
    assert store.schema_version() >= 10
    tables = {
        r[0] for r in store.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert {"merge_log", "merge_papers", "not_duplicates", "library_state"} <= tables


def test_coloured_tags_in_number_key_order(lib: Store) -> None:
    ids = [int(i) for i in lib.all_ids()]
    read_id = lib.create_tag("to-read", "#ff0000")
    lib.create_tag("flows")
    lib.create_tag("classics")
    assert [(t.name, t.position) for t in lib.tags()] == [
        ("to-read", 0),
        ("flows", 1),
        ("classics", 2),
    ]
    assert lib.tags()[0].color == "#ff0000" and lib.tags()[1].color.startswith("#")
    assert lib.tag_id("TO-READ") == read_id  # names are case-insensitive
    # number key 1 toggles "to-read" on both, then off again
    assert lib.toggle_tag_number(ids[:2], 1) is True
    assert [t.name for t in lib.paper_tags(ids[:2])[ids[0]]] == ["to-read"]
    assert lib.tags()[0].count == 2
    assert lib.toggle_tag_number(ids[:2], 1) is False
    assert lib.paper_tags(ids[:2]) == {}
    # mixed selection: the key tags everything first
    lib.add_tag([ids[0]], "flows")
    assert lib.toggle_tag([ids[0], ids[1]], "flows") is True
    assert lib.tags()[1].count == 2
    assert lib.toggle_tag_number(ids, 7) is None
    lib.move_tag(read_id, 2)
    assert [t.name for t in lib.tags()] == ["flows", "classics", "to-read"]
    lib.update_tag(read_id, name="later", color="#00ff00")
    assert lib.tags()[2].name == "later" and lib.tags()[2].color == "#00ff00"
    lib.delete_tag(read_id)
    assert [t.name for t in lib.tags()] == ["flows", "classics"]
    with pytest.raises(ValueError):
        lib.create_tag("  ")


def test_status_rating_notes(lib: Store) -> None:
    pid = int(lib.all_ids()[0])
    lib.set_status([pid], "read")
    lib.set_rating([pid], 4)
    lib.set_notes(pid, "Key result: 4M batch on 8 GPUs.\n<b>not bold</b>")
    row = lib.paper_row(pid)
    assert row is not None
    assert (row["status"], row["rating"], row["notes"]) == (
        "read", 4, "Key result: 4M batch on 8 GPUs.\n<b>not bold</b>",
    )  # fmt: skip
    lib.set_rating([pid], None)
    assert lib.paper_row(pid)["rating"] is None  # type: ignore[index]
    for bad in (0, 6, True):
        with pytest.raises(ValueError):
            lib.set_rating([pid], bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        lib.set_status([pid], "skimmed")
    assert lib.paper_notes([pid]) == {pid: row["notes"]}


def test_edit_fields_moves_identity_keys(lib: Store) -> None:
    (pid,) = lib.find_papers(Paper("x", arxiv_id="1706.03762"))
    lib.update_paper(pid, doi="10.5555/3295222.3295349", venue="NeurIPS 2017")
    assert lib.find_papers(Paper("x", doi="10.5555/3295222.3295349")) == [pid]
    with pytest.raises(ValueError):
        lib.update_paper(pid, status="read")
    with pytest.raises(ValueError):
        lib.update_paper(pid, title=" ")


def test_collections(lib: Store) -> None:
    ids = [int(i) for i in lib.all_ids()]
    cid = lib.create_collection("Reading group")
    lib.add_to_collection(cid, ids[:3])
    lib.add_to_collection(cid, ids[:1])  # no duplicates
    (c,) = lib.collections()
    assert (c.name, c.count, c.smart) == ("Reading group", 3, False)
    assert list(lib.collection_ids(cid, "year", False)) == [
        int(i) for i in lib.order_ids(lib.collection_ids(cid), "year", False)
    ]
    lib.remove_from_collection(cid, [ids[0]])
    assert sorted(lib.collection_ids(cid)) == ids[1:3]
    assert [c.name for c in lib.paper_collections(ids[1])] == ["Reading group"]
    with pytest.raises(ValueError):
        lib.create_collection("reading GROUP")
    lib.rename_collection(cid, "Group")
    lib.delete_collection(cid)
    assert lib.collections() == []


def test_citation_keys_are_made_once_and_kept(lib: Store) -> None:
    ids = [int(i) for i in lib.all_ids()]
    assert lib.ensure_citation_keys(ids) == 4
    keys = {p.citation_key for p in lib.papers(ids)}
    assert "vaswani2017attention" in keys and "lipman2022flow" in keys
    assert lib.ensure_citation_keys(ids) == 0
    lib.add_papers([Paper("Attention Is All You Need Too", ("Ashish Vaswani",), year=2017)])
    new = int(lib.all_ids()[-1])
    lib.ensure_citation_keys([new])
    assert lib.papers([new])[0].citation_key == "vaswani2017attentionb"


def test_delete_papers(lib: Store) -> None:
    (pid,) = lib.find_papers(Paper("x", arxiv_id="1706.03762"))
    lib.add_tag([pid], "gone-soon")
    cid = lib.create_collection("c")
    lib.add_to_collection(cid, [pid])
    assert len(lib.search_ids("attention ")[0]) == 1
    assert lib.delete_papers([pid, 99999]) == 1
    assert lib.paper_count() == 3
    assert len(lib.search_ids("attention ")[0]) == 0
    assert lib.find_papers(Paper("x", arxiv_id="1706.03762")) == []
    assert lib.tags()[0].count == 0 and len(lib.collection_ids(cid)) == 0
    # importing it again brings it back as a new paper
    assert import_paths(lib, [TEST_DATA / "papers" / "arxiv-query.atom"]).added == 1


def test_first_tag_positions_follow_the_tag_order(lib: Store) -> None:
    """What sorting by tag uses: each tagged paper once, with its first tag's place in
    the sidebar's tag order; untagged papers are absent."""
    ids = [int(i) for i in lib.all_ids()]
    lib.add_tag(ids[:3], "b-second")
    lib.add_tag([ids[1], ids[3]], "a-first")
    order = {t.name: t.position for t in lib.tags()}
    pids, first = lib.first_tag_positions()
    expected = {
        ids[0]: order["b-second"],
        ids[1]: min(order["b-second"], order["a-first"]),
        ids[2]: order["b-second"],
        ids[3]: order["a-first"],
    }
    assert dict(zip(pids.tolist(), first.tolist(), strict=True)) == expected
    assert pids.tolist() == sorted(expected)
    lib.remove_tag([ids[0]], "b-second")
    assert ids[0] not in lib.first_tag_positions()[0].tolist()


def test_a_field_of_the_record_is_edited_and_exported(tmp_path: Path) -> None:
    """memlab.bib LohnEtal11b: an edited field is what the export writes; the venue
    follows an edited journal, but not once the venue itself was edited."""
    import bibtexparser

    from paperscope.library.store import Store
    from paperscope.workflows.papers import export_papers, import_paths
    from tests.conftest import PAPERS

    with Store(tmp_path / "lib.duckdb") as store:
        import_paths(store, [PAPERS / "memlab.bib"])
        (pid,) = ids_with_key(store, "LohnEtal11b")
        assert store.set_field(pid, "pages", "249--256") == "249-255"
        assert store.set_field(pid, "note", "Special issue") is None
        assert store.set_field(pid, "journal", "JML") == "Journal of Memory and Language"
        assert store.paper_row(pid)["venue"] == "JML"
        store.update_paper(pid, venue="J. Mem. Lang.")
        store.set_field(pid, "journal", "Journal of ML")
        assert store.paper_row(pid)["venue"] == "J. Mem. Lang."  # the user's own venue stays
        export_papers(store, "bibtex", tmp_path / "one.bib", ids=[pid])
        with pytest.raises(ValueError, match="not a field name"):
            store.set_field(pid, "two words", "x")
    (e,) = bibtexparser.parse_string((tmp_path / "one.bib").read_text()).entries
    assert (e["pages"], e["note"], e["volume"]) == ("249--256", "Special issue", "64")
    assert e["journal"] == "J. Mem. Lang."
