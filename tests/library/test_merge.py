"""Merge candidates, a merge with field choices, and its undo."""

from __future__ import annotations

from paperscope.core.records import Paper
from paperscope.library.dedup import normalised_title
from paperscope.library.store import Store
from paperscope.workflows.papers import import_paths
from tests.conftest import PAPERS


def snapshot(store: Store) -> list[tuple[object, ...]]:
    return [
        *store.execute(
            "SELECT * EXCLUDE (added_at, modified_at) FROM papers ORDER BY id"
        ).fetchall(),
        *store.execute("SELECT * FROM paper_keys ORDER BY ALL").fetchall(),
        *store.execute("SELECT * FROM paper_tags ORDER BY ALL").fetchall(),
        *store.execute("SELECT * FROM collection_papers ORDER BY ALL").fetchall(),
    ]


def test_candidates_after_the_two_bibliographies(store: Store) -> None:
    import_paths(store, [PAPERS / "cdl.bib", PAPERS / "memlab.bib"])
    candidates = store.merge_candidates()
    assert len(candidates) == 43
    # independent: every pair of stored papers whose normalised titles are equal
    by_title: dict[str, list[int]] = {}
    for pid, p in zip(store.all_ids(), store.papers(store.all_ids()), strict=True):
        t = normalised_title(p.title)
        if len(t) >= 8:
            by_title.setdefault(t, []).append(int(pid))
    same_title = {(a, b) for ids in by_title.values() for a in ids for b in ids if a < b}
    assert len(same_title) == sum(1 for c in candidates if c.reason.startswith("same title"))
    assert same_title <= {(c.a, c.b) for c in candidates}
    reasons = {c.reason for c in candidates}
    assert "same title, different year" in reasons
    a, b = store.papers([candidates[0].a, candidates[0].b])
    assert (
        a.title.lower().rstrip(".") == b.title.lower().rstrip(".") or a.title[:20] == b.title[:20]
    )
    store.mark_not_duplicates(candidates[0].b, candidates[0].a)
    assert len(store.merge_candidates()) == 42


def test_merge_with_field_choices_and_undo(store: Store) -> None:
    store.add_papers([
        Paper("Deep Residual Learning for Image Recognition", ("Kaiming He",), year=2014,
              doi="10.1000/tech.report.7", kind="techreport", abstract="short"),
        Paper("Deep residual learning for image recognition", ("K. He", "X. Zhang"), year=2016,
              doi="10.1109/CVPR.2016.90", venue="CVPR", abstract="a longer abstract here"),
        Paper("Something else entirely", ("A. Person",), year=2016),
    ])  # fmt: skip
    pre, pub, other = (int(i) for i in store.all_ids())
    (cand,) = store.merge_candidates()
    assert (cand.a, cand.b, cand.reason) == (pre, pub, "same title, different year")
    store.add_tag([pre], "vision")
    store.add_tag([pub], "classics")
    cid = store.create_collection("Reading group")
    store.add_to_collection(cid, [pub])
    store.set_notes(pre, "preprint notes")
    store.set_notes(pub, "published notes")
    store.set_rating([pub], 5)
    before = snapshot(store)
    preview = store.merged_values(pre, [pub], {"title": pub, "year": pub})
    assert preview["title"] == "Deep residual learning for image recognition"
    assert preview["abstract"] == "a longer abstract here" and preview["venue"] == "CVPR"
    assert preview["notes"] == "preprint notes\n\npublished notes" and preview["rating"] == 5
    mid = store.merge(pre, [pub], {"title": pub, "year": pub})
    assert [int(i) for i in store.all_ids()] == [pre, other]
    (p,) = store.papers([pre])
    assert (p.title, p.year, p.venue, p.doi, p.kind) == (
        "Deep residual learning for image recognition", 2016, "CVPR", "10.1000/tech.report.7",
        "techreport",
    )  # fmt: skip
    assert sorted(t.name for t in store.paper_tags([pre])[pre]) == ["classics", "vision"]
    assert list(store.collection_ids(cid)) == [pre]
    assert store.find_papers(Paper("x", doi="10.1109/cvpr.2016.90")) == [pre]
    assert store.merge_candidates() == []
    assert store.search_ids("residual ")[0].tolist() == [pre]
    assert [m.id for m in store.merges()] == [mid]
    assert store.undo_merge() == mid
    assert snapshot(store) == before
    assert sorted(store.search_ids("residual ")[0].tolist()) == [pre, pub]
    assert store.merges() == [] and store.undo_merge() is None
