"""The library store: migrations, import with merge, windows of rows, the lock."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from paperscope.core.records import Paper
from paperscope.library.store import LibraryLocked, Store, _migrations
from tests.conftest import REPO


def test_fresh_library_has_every_migration(tmp_path: Path) -> None:
    with Store(tmp_path / "lib.duckdb") as store:
        versions = [v for v, _, _ in _migrations()]
        assert store.schema_version() == max(versions)
        assert store.paper_count() == 0
    # reopening applies nothing twice
    with Store(tmp_path / "lib.duckdb") as store:
        assert store.schema_version() == max(versions)


def test_add_and_merge_by_arxiv_id(store: Store) -> None:
    a = Paper(
        title="Attention Is All You Need",
        authors=("Ashish Vaswani",),
        year=2017,
        arxiv_id="1706.03762v5",
    )
    b = Paper(
        title="Attention is all you need",
        abstract="The dominant sequence models...",
        arxiv_id="1706.03762",
        upvotes=7,
    )
    first = store.add_papers([a])
    assert (first.added, first.merged) == (1, 0)
    second = store.add_papers([b])
    assert (second.added, second.merged) == (0, 1)
    (pid,) = store.paper_ids()
    (merged,) = store.papers([int(pid)])
    # stored values win, gaps are filled
    assert merged.title == "Attention Is All You Need"
    assert merged.abstract == "The dominant sequence models..."
    assert merged.upvotes == 7 and merged.year == 2017


def test_duplicates_inside_one_batch_merge(store: Store) -> None:
    p = Paper(
        title="Deep Residual Learning for Image Recognition", authors=("He, Kaiming",), year=2016
    )
    q = Paper(
        title="Deep residual learning for image recognition.",
        authors=("Kaiming He",),
        year=2016,
        doi="10.1109/CVPR.2016.90",
    )
    s = store.add_papers([p, q])
    assert (s.added, s.merged) == (1, 1)
    assert store.paper_count() == 1


def test_failed_import_leaves_nothing(store: Store) -> None:
    store.add_papers([Paper(title="Kept paper from before", year=2020)])
    bad = [Paper(title="A new paper that will not land", year=2021), Paper(title=None)]  # type: ignore[arg-type]
    with pytest.raises(Exception):  # noqa: B017 - any failure must roll back
        store.add_papers(bad)
    assert store.paper_count() == 1


def test_sorting_puts_missing_values_last(store: Store) -> None:
    store.add_papers([
        Paper(title="Paper with no upvotes at all", year=2020),
        Paper(title="Paper with many upvotes here", year=2021, upvotes=50),
        Paper(title="Paper with a few upvotes now", year=2022, upvotes=3),
    ])  # fmt: skip
    ids = store.paper_ids("upvotes", descending=True)
    rows = store.table_rows(ids, ["upvotes"])
    assert [rows[int(i)][0] for i in ids] == [50, 3, None]
    assert len(store.paper_ids(contains="MANY")) == 1
    # a reversed (negative-stride) view of ids: DuckDB cannot scan one as it is
    backwards = store.order_ids(None, "id")[::-1]
    assert set(store.table_rows(backwards, ["upvotes"])) == set(backwards.tolist())
    assert list(store.order_ids(backwards, "upvotes", True)) == ids.tolist()


SECOND = textwrap.dedent(
    """
    import sys, time
    from paperscope.library.store import Store
    s = Store(sys.argv[1])
    print("open", flush=True)
    time.sleep(30)
    """
)


def test_second_process_gets_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "lib.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", SECOND, str(path)], stdout=subprocess.PIPE, text=True,
        env={"PYTHONPATH": str(REPO / "app"), "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(LibraryLocked) as info:
            Store(path)
        assert str(path) in str(info.value) and f"PID {holder.pid}" in str(info.value)
        # the CLI says the same in one line, without a traceback
        cli = subprocess.run(
            [sys.executable, "-m", "paperscope", "--library", str(path), "import", str(tmp_path)],
            capture_output=True, text=True,
            env={"PYTHONPATH": str(REPO / "app"), "PATH": "/usr/bin:/bin"},
        )  # fmt: skip
        assert cli.returncode == 2
        assert "already open in another process" in cli.stderr
        assert "Traceback" not in cli.stderr
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    with Store(path) as store:  # usable again once the other process is gone
        assert store.paper_count() == 0


def test_pandas_once_imported_is_seen_by_duckdb(tmp_path: Path) -> None:
    """The stand-in that keeps pandas out of start-up (store/_pandas_guard.py) hands
    duckdb the real pandas once something imports it: NA and NaT bind as NULL, a
    DataFrame scan and ``.df()`` work."""
    import os

    code = (
        "import sys; from paperscope.library.store import Store;"
        f"s = Store({str(tmp_path / 'lib.duckdb')!r});"
        "assert s.execute('SELECT ?', [1]).fetchall() == [(1,)];"
        "assert 'pandas' not in sys.modules;"
        "import pandas as pd;"
        "assert s.execute('SELECT ?, ?', [pd.NA, pd.NaT]).fetchall() == [(None, None)];"
        "frame = pd.DataFrame({'x': [3, 4]});"
        "assert s.cursor().execute('SELECT sum(x) FROM frame').fetchall() == [(7,)];"
        "assert s.execute('SELECT 5 AS y').df()['y'].tolist() == [5];"
        "print('ok')"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "app")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"
