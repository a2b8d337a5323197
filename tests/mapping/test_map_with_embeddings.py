"""The map of a library embedded by PaperScope's own engine (the daily-papers page):
``paperscope import``, ``embed``, ``map --out``, ``similar --json``.

Runs once the embedding engine (``Store.vectors``, ``paperscope embed``) is on the
branch; checked against a trial merge of branch ``embed`` (28 s, ONNX export included).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from paperscope.cli import main
from paperscope.library.store import Store
from paperscope.workflows.map import VectorIndex, build_map, open_map, similar_papers
from tests.conftest import PAPERS
from tests.mapping.conftest import REWARD_A, REWARD_B

PAGE = PAPERS / "hf-daily-page" / "daily-papers-page.txt"


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(Store, "vectors"), reason="needs the embedding engine")
def test_map_of_an_embedded_library(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lib = tmp_path / "lib.duckdb"
    assert main(["--library", str(lib), "import", str(PAGE)]) == 0
    assert main(["--library", str(lib), "embed"]) == 0
    png = tmp_path / "map.png"
    assert main(["--library", str(lib), "map", "--seed", "0", "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert "umap map of 79 papers" in out and png.stat().st_size > 20_000
    # the demo page, built twice with the default settings: the same clusters (issue #21:
    # it gave 11 clusters once and 9 the next time)
    printed = []
    for _ in range(2):
        assert main(["--library", str(lib), "map", "--json"]) == 0
        printed.append([json.loads(x) for x in capsys.readouterr().out.splitlines()])
    assert printed[0] == printed[1] and len(printed[0]) >= 2
    with Store(lib) as store:
        shown = open_map(store)
        assert shown is not None and len(shown) == 79 and shown.info.complete
        assert shown.info.model_id.startswith("all-MiniLM-L6-v2")
        # a cluster about rewards (its top terms; which three head its label depends on
        # the last digits of the vectors, which differ between CPUs: AVX2, AVX-512)
        assert shown.clusters and any("reward" in " ".join(c.terms) for c in shown.clusters)
        a = int(store.paper_ids(contains=REWARD_A)[0])
        b = int(store.paper_ids(contains=REWARD_B)[0])
        index = VectorIndex.load(store)
        assert len(index) == 79 and index.model_id == shown.info.model_id
        assert b in [h.id for h in similar_papers(store, a, 5, vectors=index)]
        # a rebuild from the stored vectors gives the same stored layout again (seeded)
        again = build_map(store, seed=0)
        assert again.n_papers == 79
        rebuilt = open_map(store)
        assert rebuilt is not None
        assert rebuilt.clusters_of.tolist() == shown.clusters_of.tolist()
        assert abs(rebuilt.coords - shown.coords).max() < 1e-5
        assert [(c["id"], c["size"], c["label"]) for c in printed[0]] == [
            (c.id, c.size, c.label) for c in again.clusters
        ]
    assert main(["--library", str(lib), "similar", str(a), "--limit", "5", "--json"]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert b in [x["id"] for x in lines] and all(0 < x["score"] < 1 for x in lines)
