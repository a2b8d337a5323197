"""The CSL-JSON reader on the real Manubot reference list."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers import registry
from tests.conftest import PAPERS

if TYPE_CHECKING:
    from paperscope.core.records import ReadResult

CSL = PAPERS / "context-review-references.csl.json"


def read(path: Path) -> ReadResult:
    return registry.get("csl-json").read(path, no_progress, CancelToken())


def test_registry_picks_the_csl_reader() -> None:
    reader = registry.reader_for(CSL)
    assert reader is not None and reader.name == "csl-json"


def test_reads_258_items_with_types_authors_and_arxiv_dois() -> None:
    result = read(CSL)
    assert len(result.papers) == 258 and result.issues == []
    kinds = Counter(p.kind for p in result.papers)
    assert kinds["article"] == 108 and kinds["article-journal"] == 91 and kinds["report"] == 30
    first = result.papers[0]
    assert first.title == "Early Drift Detection Method"
    assert first.authors[:2] == ("Manuel Baena-García", "José del Campo-Ávila")
    assert first.year == 2006
    assert first.venue == "Fourth International Workshop on Knowledge Discovery from Data Streams"
    assert first.fields["id"] == "jbY4pWUH"
    vae = next(p for p in result.papers if p.title == "Auto-Encoding Variational Bayes")
    assert vae.arxiv_id == "1312.6114"  # from DOI 10.48550/arxiv.1312.6114
    assert vae.year == 2013
    assert sum(1 for p in result.papers if p.arxiv_id) == 149
    assert sum(1 for p in result.papers if p.doi) == 212
    assert sum(1 for p in result.papers if not p.authors) == 1
