"""Issue 16, item 3: bring your own vectors. Real papers (the first 200 records of the
Kaggle arXiv snapshot, read by the real reader) with their real all-MiniLM-L6-v2
vectors (tests/data/map_vectors.npz), exported to Parquet (DuckDB's writer) and .npy,
imported back as their own model, mapped again: the same map."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperscope.library.store import Store
from paperscope.library.store.vector_files import paper_keys
from paperscope.workflows.map import build_map, open_map
from paperscope.workflows.vectors import (
    VectorImportError,
    export_vectors,
    import_vectors,
    parse_id,
    read_vector_file,
)
from tests.mapping.corpus import ARXIV

VECTORS = Path(__file__).resolve().parent.parent / "data" / "map_vectors.npz"
MODEL = "test-minilm"


@pytest.fixture
def mapped(tmp_path: Path) -> Store:
    """The 200 arXiv papers, their vectors as model "test-minilm" and its seeded map."""
    from paperscope.workflows.papers import import_paths

    store = Store(tmp_path / "library.duckdb")
    import_paths(store, [ARXIV])
    data = np.load(VECTORS, allow_pickle=False)
    pairs = zip(data["keys"], data["vectors"], strict=True)
    by_arxiv = {str(k).removeprefix("arxiv:"): v for k, v in pairs if str(k).startswith("arxiv:")}
    ids = store.paper_ids()
    arxiv = paper_keys(store, ids)
    matrix = np.stack([by_arxiv[arxiv[int(i)][0]] for i in ids]).astype(np.float32)
    store.put_vectors(MODEL, ids, ["from-test"] * len(ids), matrix)
    build_map(store, model_id=MODEL, seed=0)
    yield store
    store.close()


def _same_map(store: Store, model: str) -> None:
    a, b = open_map(store, MODEL), open_map(store, model)
    assert a is not None and b is not None and b.info.model_id == model
    np.testing.assert_array_equal(a.paper_ids, b.paper_ids)
    np.testing.assert_allclose(a.coords, b.coords, rtol=0, atol=1e-5)
    assert a.clusters_of.tolist() == b.clusters_of.tolist()
    assert [(c.label, c.level, c.size) for c in a.clusters] == [
        (c.label, c.level, c.size) for c in b.clusters
    ]


@pytest.mark.parametrize("suffix", [".parquet", ".npy"])
def test_export_import_round_trip_gives_the_same_map(mapped: Store, tmp_path: Path,
                                                     suffix: str) -> None:  # fmt: skip
    out = tmp_path / f"minilm{suffix}"
    written = export_vectors(mapped, out, MODEL)
    assert written[0] == out and all(p.exists() for p in written)
    ids, matrix, _where = read_vector_file(out)
    stored_ids, stored = mapped.vectors(MODEL)
    arxiv = paper_keys(mapped, stored_ids)
    assert ids == [arxiv[int(i)][0] for i in stored_ids]  # portable ids: the arXiv ids
    np.testing.assert_array_equal(matrix.astype(np.float32), stored)
    # the layout goes out with the vectors
    shown = open_map(mapped, MODEL)
    assert shown is not None
    if suffix == ".parquet":
        from paperscope.library.store.vector_files import read_parquet

        table = read_parquet(out)
        assert set(table) >= {"id", "paper_id", "arxiv_id", "doi", "title", "vector", "x", "y",
                              "cluster"}  # fmt: skip
        xy = np.column_stack([table["x"], table["y"]])
        assert table["paper_id"] == stored_ids.tolist()
        assert table["cluster"] == shown.clusters_of.tolist()
    else:
        xy = np.load(out.with_name("minilm.layout.npy"), allow_pickle=False)
    np.testing.assert_allclose(xy, shown.coords, rtol=0, atol=1e-6)

    result = import_vectors(mapped, out)
    assert (result.model_id, result.imported, result.issues) == ("imported:minilm", 200, [])
    assert mapped.vector_models() == {MODEL: 200, "imported:minilm": 200}
    build_map(mapped, model_id="imported:minilm", seed=0)
    _same_map(mapped, "imported:minilm")


def test_cli_imports_maps_and_exports(
    mapped: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from paperscope.cli import main

    out = tmp_path / "mine.npy"
    path = mapped.path
    mapped.close()
    assert main(["--library", str(path), "vectors", "export", str(out), "--model", MODEL]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    args = ["--library", str(path), "vectors", "import", str(out), "--model", "mine", "--map"]
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "imported 200 of 200 vectors (384 dimensions) as model mine" in printed
    assert "map of 200 papers" in printed
    assert main(["--library", str(path), "map", "--model", "mine", "--json"]) == 0
    clusters = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert clusters and {c["level"] for c in clusters} >= {0}
    with Store(path) as store:
        _same_map(store, "mine")
    assert main(["--library", str(path), "vectors", "import", str(tmp_path / "no.csv")]) == 2
    assert "not a vector file (choose .parquet or .npy)" in capsys.readouterr().err


def test_bad_rows_are_skipped_with_their_line_and_the_rest_imported(
    mapped: Store, tmp_path: Path
) -> None:
    ids, matrix = mapped.vectors(MODEL)
    arxiv = paper_keys(mapped, ids[:5])
    first = arxiv[int(ids[0])][0]
    lines = [f"arxiv:{first}", "not an id", "2501.99999", str(int(ids[3])),
             f"https://arxiv.org/abs/{first}v2", f"paper:{int(ids[4])}"]  # fmt: skip
    m = matrix[:6].copy()
    m[5, 7] = np.nan
    np.save(tmp_path / "mine.npy", m, allow_pickle=False)
    (tmp_path / "mine.ids.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = import_vectors(mapped, tmp_path / "mine.npy", model_id="mine")
    assert result.imported == 2 and result.rows == 6
    where = [(Path(i.file).name, i.location) for i in result.issues]
    assert where == [("mine.ids.txt", "line 2"), ("mine.ids.txt", "line 3"),
                     ("mine.ids.txt", "line 5"), ("mine.npy", "line 6")]  # fmt: skip
    assert "no paper in the library has '2501.99999'" in str(result.issues[1])
    assert "a second time" in str(result.issues[2]) and "NaN" in str(result.issues[3])
    got_ids, got = mapped.vectors("mine")
    assert got_ids.tolist() == sorted([int(ids[0]), int(ids[3])])
    np.testing.assert_array_equal(got[got_ids.tolist().index(int(ids[3]))], matrix[3])
    # a short ids file, a matrix that is not n × d, a Parquet file without the columns
    (tmp_path / "mine.ids.txt").write_text("\n".join(lines[:3]), encoding="utf-8")
    with pytest.raises(VectorImportError, match=r"mine\.ids\.txt: 3 ids for the 6 rows"):
        import_vectors(mapped, tmp_path / "mine.npy")
    np.save(tmp_path / "flat.npy", np.zeros(5), allow_pickle=False)
    with pytest.raises(VectorImportError, match=r"flat\.npy: a \(5,\) float64 array"):
        import_vectors(mapped, tmp_path / "flat.npy")
    from paperscope.library.store.vector_files import write_parquet

    write_parquet(tmp_path / "odd.parquet", {"name": np.array(["a"], dtype=object)},
                  np.zeros((1, 3), dtype=np.float32), vector_column="values")  # fmt: skip
    with pytest.raises(VectorImportError, match=r"odd\.parquet: needs an id column"):
        import_vectors(mapped, tmp_path / "odd.parquet")


def test_ids_are_arxiv_ids_dois_or_paper_ids() -> None:
    assert parse_id("arXiv:2410.17243v2") == ("arxiv", "2410.17243")
    assert parse_id("hep-th/9901001") == ("arxiv", "hep-th/9901001")
    assert parse_id("https://doi.org/10.1109/CVPR.2016.90") == ("doi", "10.1109/cvpr.2016.90")
    assert parse_id("doi:10.1103/PhysRevD.76.013009") == ("doi", "10.1103/physrevd.76.013009")
    assert parse_id("42") == ("paper", "42") and parse_id("paper:7") == ("paper", "7")
    assert parse_id("") is None and parse_id("hello") is None
