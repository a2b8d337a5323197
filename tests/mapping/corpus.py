"""The real abstracts the mapping tests embed (see ``tests/data/make_map_vectors.py``)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from paperscope.core.tasks import CancelToken, no_progress
from paperscope.readers.papers.hf_page import HFPageReader
from tests.conftest import PAPERS

ARXIV = PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl"
HF_PAGE = PAPERS / "hf-daily-page" / "daily-papers-page.txt"
CSL = PAPERS / "context-review-references.csl.json"


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def paper_text(title: str, abstract: str) -> str:
    return f"{_clean(title)}\n\n{_clean(abstract)}"


def load_corpus(papers: Path = PAPERS) -> tuple[list[str], list[str], list[str]]:
    """``(keys, texts, titles)`` for every abstract of the three files, in a fixed order."""
    keys: list[str] = []
    texts: list[str] = []
    titles: list[str] = []
    arxiv = papers / ARXIV.name
    for line in arxiv.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        keys.append(f"arxiv:{rec['id']}")
        texts.append(paper_text(rec["title"], rec["abstract"]))
        titles.append(_clean(rec["title"]))
    page = HFPageReader().read(papers / HF_PAGE.relative_to(PAPERS), no_progress, CancelToken())
    for n, p in enumerate(page.papers):
        keys.append(f"hfpage:{n}")
        texts.append(paper_text(p.title, p.abstract))
        titles.append(_clean(p.title))
    for item in json.loads((papers / CSL.name).read_text(encoding="utf-8")):
        if item.get("abstract"):
            keys.append(f"csl:{item['id']}")
            texts.append(paper_text(item.get("title", ""), item["abstract"]))
            titles.append(_clean(item.get("title", "")))
    return keys, texts, titles
