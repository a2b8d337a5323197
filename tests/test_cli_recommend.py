"""The verbs a script teaches the recommender with (``tag``, ``rate``, ``status``) and
``paperscope recommend`` itself, on a real library with real vectors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from paperscope.cli import main
from paperscope.library.store import Store
from tests.workflows.recommend_library import CL, MODEL, build_library


@pytest.fixture
def lib(tmp_path: Path) -> tuple[str, np.ndarray, dict]:
    path = tmp_path / "lib.duckdb"
    store, ids, keywords = build_library(path)
    store.close()
    return str(path), ids, keywords


def test_tag_rate_status_verbs(
    lib: tuple[str, np.ndarray, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids, _kw = lib
    a, b, c = (str(int(i)) for i in ids[:3])
    assert main(["--library", path, "tag", a, b, "--add", "offline-rl", "--add", "to read"]) == 0
    assert capsys.readouterr().out.splitlines() == ["tagged 2 papers: offline-rl",
                                                    "tagged 2 papers: to read"]  # fmt: skip
    assert main(["--library", path, "tag", b, "--remove", "to read"]) == 0
    assert main(["--library", path, "rate", a, c, "4"]) == 0
    assert main(["--library", path, "status", c, "read"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["untagged 1 paper: to read", "rated 2 papers: ★★★★☆", "1 paper marked read"]
    with Store(Path(path)) as store:
        tags = store.paper_tags([int(a), int(b)])
        assert [t.name for t in tags[int(a)]] == ["offline-rl", "to read"]
        assert [t.name for t in tags[int(b)]] == ["offline-rl"]
        rows = store.table_rows([int(a), int(c)], ["rating", "status"])
        assert rows[int(a)] == (4, "unread") and rows[int(c)] == (4, "read")
    assert main(["--library", path, "rate", a, "0"]) == 0
    with Store(Path(path)) as store:
        assert store.table_rows([int(a)], ["rating"])[int(a)] == (None,)
    capsys.readouterr()
    # mistakes: one clear line, exit 2, nothing changed
    assert main(["--library", path, "rate", a, "999999", "5"]) == 2
    assert "no paper 999999 in the library" in capsys.readouterr().err
    assert main(["--library", path, "rate", a, "7"]) == 2
    assert "a rating is 1 to 5" in capsys.readouterr().err
    assert main(["--library", path, "tag", a, "--remove", "nope"]) == 2
    assert "no tag 'nope'" in capsys.readouterr().err
    assert main(["--library", path, "tag", a]) == 2
    with pytest.raises(SystemExit):
        main(["--library", path, "status", a, "skimmed"])
    assert "invalid choice" in capsys.readouterr().err


def test_recommend_command(
    lib: tuple[str, np.ndarray, dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, ids, keywords = lib
    assert main(["--library", path, "recommend"]) == 2
    assert "rate, tag or read a few papers first" in capsys.readouterr().err
    cl = [int(i) for i in ids if CL in keywords[int(i)]]
    liked, held = cl[::2], cl[1::2]
    assert main(["--library", path, "tag", *map(str, liked), "--add", "nlp"]) == 0
    capsys.readouterr()
    assert main(["--library", path, "recommend", "--tag", "nlp", "--limit", "10", "--json",
                 "--model", MODEL]) == 0  # fmt: skip
    captured = capsys.readouterr()
    lines = [json.loads(x) for x in captured.out.splitlines()]
    assert len(lines) == 10 and "learnt from 22 liked papers (tag 'nlp')" in captured.err
    assert [x["score"] for x in lines] == sorted((x["score"] for x in lines), reverse=True)
    assert all(x["id"] not in liked for x in lines)
    # half the tag held out (22 of ~430 ranked): chance would put 0.5 of them in a top 10
    assert sum(x["id"] in held for x in lines) >= 5
    for x in lines:
        assert len(x["why"]) == 2 and {w["id"] for w in x["why"]} <= set(liked)
    assert main(["--library", path, "recommend", "--limit", "3"]) == 0  # overall: tagged
    text = capsys.readouterr().out.splitlines()
    assert len(text) == 3 and all(" — like “" in t for t in text)
    assert main(["--library", path, "recommend", "--tag", "unknown"]) == 2
    assert "no tag 'unknown' in the library (tags: nlp)" in capsys.readouterr().err
