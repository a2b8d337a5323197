"""Property: every paper reader, given arbitrary bytes, returns a result or raises the
project's own ReadError naming the file and a location. Never any other exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paperscope.core.records import ReadError, ReadResult
from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS, TEST_DATA

# (reader, file name it is given, a real sample whose mutations reach deep code paths)
CASES = [
    ("hf-daily-api", "daily_papers.json", PAPERS / "hf-api" / "daily_papers.json"),
    ("arxiv-atom", "query.atom", TEST_DATA / "papers" / "arxiv-query.atom"),
    ("arxiv-kaggle-snapshot", "snap.jsonl", PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"),
    ("bibtex", "refs.bib", PAPERS / "memlab.bib"),
    ("ris", "refs.ris", TEST_DATA / "papers" / "references.ris"),
    ("csl-json", "refs.json", PAPERS / "context-review-references.csl.json"),
    ("hf-daily-page", "page.txt", PAPERS / "hf-daily-page" / "daily-papers-page.txt"),
]


@st.composite
def mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    """A window of a real file with a few bytes replaced, inserted or cut."""
    start = draw(st.integers(0, max(len(sample) - 1, 0)))
    data = bytearray(sample[start : start + draw(st.integers(0, 3000))])
    for _ in range(draw(st.integers(0, 6))):
        if not data:
            break
        pos = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["replace", "insert", "cut"]))
        byte = draw(st.sampled_from(b'{}[]",:\\@<>/-\n\x00\xff\xc3 =#TYER'))
        if op == "replace":
            data[pos] = byte
        elif op == "insert":
            data.insert(pos, byte)
        else:
            del data[pos:]
    return bytes(data)


def check(reader_name: str, filename: str, data: bytes) -> None:
    reader = registry.get(reader_name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / filename
        path.write_bytes(data)
        try:
            result = reader.read(path, no_progress, CancelToken())
        except ReadError as exc:
            assert exc.file == str(path)
            assert exc.location, f"ReadError without a location: {exc}"
            return
        assert isinstance(result, ReadResult)
        # a BibTeX file of @string macros only serves the other files of an import
        macros_only = any("@string macros and no entry" in i.message for i in result.issues)
        assert result.papers or macros_only, "a result without papers should have been a ReadError"
        for issue in result.issues:
            assert issue.file == str(path)


@pytest.mark.parametrize(("reader_name", "filename", "sample"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_arbitrary_bytes(reader_name: str, filename: str, sample: Path, data: bytes) -> None:
    check(reader_name, filename, data)


@pytest.mark.parametrize(("reader_name", "filename", "sample"), CASES, ids=[c[0] for c in CASES])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_files(
    reader_name: str, filename: str, sample: Path, data: st.DataObject
) -> None:
    raw = sample.read_bytes()[:60000]
    check(reader_name, filename, data.draw(mutated(raw)))
