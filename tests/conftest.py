"""Shared fixtures. Every test runs with PAPERSCOPE_HOME in a temporary folder, so no
test touches the user's real library, settings or caches."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PAPERSCOPE_SHARED", REPO.parent / "shared"))
SHARED_DATA = SHARED / "data"
PAPERS = SHARED_DATA / "papers"
RUNS = SHARED_DATA / "runs"
TEST_DATA = Path(__file__).resolve().parent / "data"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz",
        action="store_true",
        help="long fuzz and crash runs: 50,000 examples per reader (PAPERSCOPE_FUZZ_EXAMPLES)",
    )


# Hypothesis profiles. "ci" (the default, and what .ci/run selects): derandomised, so every
# run draws the same examples and the verdict never depends on a random draw; no example
# database, no deadline (CI machines are noisy; hangs are caught by CPU-time guards).
# "fuzz" (``pytest --fuzz``): fresh randomness, to find new crashers; the fuzz harness
# saves each one under tests/data/crashers/, where the "ci" profile replays it.
for _name, _derandomize in (("ci", True), ("fuzz", False)):
    settings.register_profile(
        _name,
        derandomize=_derandomize,
        database=None,
        deadline=None,
        print_blob=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.differing_executors],
    )


def hypothesis_profile(config: pytest.Config) -> str:
    if config.getoption("--fuzz", default=False):
        return "fuzz"
    return os.environ.get("PAPERSCOPE_HYPOTHESIS_PROFILE", "ci")


def pytest_configure(config: pytest.Config) -> None:
    # read at import by tests/readers/test_fuzz_all.py and tests/library/test_crash_safety.py
    profile = hypothesis_profile(config)
    settings.load_profile(profile)
    os.environ["PAPERSCOPE_HYPOTHESIS_PROFILE"] = profile
    if profile == "fuzz":
        os.environ.setdefault("PAPERSCOPE_FUZZ_EXAMPLES", "50000")


def pytest_report_header(config: pytest.Config) -> str:
    return f"hypothesis profile: {hypothesis_profile(config)} (tests/conftest.py)"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("PAPERSCOPE_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[object]:
    from paperscope.library.store import Store

    s = Store(tmp_path / "library.duckdb")
    yield s
    s.close()


def mlflow_db_file(path: Path, steps: int) -> None:
    """A minimal MLflow SQL store (MLflow's own tables, the columns the reader uses)."""
    import sqlite3

    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE runs (run_uuid VARCHAR(32) PRIMARY KEY, name VARCHAR(250),
            experiment_id INTEGER, start_time BIGINT);
        CREATE TABLE metrics (key VARCHAR(250), value FLOAT, timestamp BIGINT,
            run_uuid VARCHAR(32), step BIGINT, is_nan BOOLEAN);
        INSERT INTO runs VALUES ('r1', 'a', 0, 1700000000000);
        """
    )
    con.executemany(
        "INSERT INTO metrics VALUES ('loss', ?, 1700000000000, 'r1', ?, 0)",
        [(1.0 / (i + 1), i) for i in range(steps)],
    )
    con.commit()
    con.close()


def ids_with_key(store: object, key: str) -> list[int]:
    """The ids of the papers whose citation key is ``key`` (one query; reading every
    paper's row to find one took 8 s on memlab.bib's 5,746 papers)."""
    rows = store.execute(  # type: ignore[attr-defined]
        "SELECT id FROM papers WHERE citation_key = ? ORDER BY id", [key]
    ).fetchall()
    return [int(r[0]) for r in rows]
