"""Real paper texts from ``shared/data/papers`` for the embedding tests and benchmarks.

Every text is ``title + "\\n" + abstract`` of a real record (the same text the library
embeds), read with plain ``json``/``re`` so this module does not depend on readers that
other parts of the project build. ``abstract_texts()`` gives the 843 records that have an
abstract; ``parity_texts(2000)`` tops those up with real titles from ``cdl.bib`` (the
shared data holds fewer than 2,000 abstracts).
"""

from __future__ import annotations

import json
import os
import re
from functools import lru_cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("PAPERSCOPE_SHARED", REPO.parent / "shared"))
PAPERS = SHARED / "data" / "papers"


def _clean(s: str) -> str:
    s = re.sub(r"[{}]", "", s)
    s = re.sub(r"\\[a-zA-Z]+\s*", "", s)
    return re.sub(r"\s+", " ", s).strip()


def _bib_field(block: str, name: str) -> str | None:
    m = re.search(rf"^\s*{name}\s*=\s*\{{", block, re.IGNORECASE | re.MULTILINE)
    if not m:
        return None
    depth, i = 1, m.end()
    while i < len(block) and depth:
        depth += {"{": 1, "}": -1}.get(block[i], 0)
        i += 1
    return _clean(block[m.end() : i - 1])


def _bib_entries(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return re.split(r"\n(?=@\w+\s*\{)", text)


@lru_cache(maxsize=1)
def abstract_texts() -> tuple[str, ...]:
    """title + abstract of every record with an abstract, in a fixed order."""
    out: list[str] = []
    from paperscope.core.tasks import CancelToken, no_progress
    from paperscope.readers.papers.hf_page import HFPageReader

    page = HFPageReader().read(
        PAPERS / "hf-daily-page" / "daily-papers-page.txt", no_progress, CancelToken()
    )
    out += [f"{p.title}\n{p.abstract}" for p in page.papers if p.abstract]
    for item in json.loads((PAPERS / "hf-api" / "daily_papers.json").read_text()):
        paper = item["paper"]
        if paper.get("summary"):
            out.append(f"{paper['title'].strip()}\n{paper['summary'].strip()}")
    for item in json.loads((PAPERS / "context-review-references.csl.json").read_text()):
        if item.get("abstract"):
            out.append(f"{item.get('title', '').strip()}\n{item['abstract'].strip()}")
    with open(PAPERS / "arxiv-metadata-oai-snapshot.head200.jsonl", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("abstract"):
                out.append(f"{_clean(rec['title'])}\n{rec['abstract'].strip()}")
    for block in _bib_entries(PAPERS / "memlab.bib"):
        abstract = _bib_field(block, "abstract")
        title = _bib_field(block, "title")
        if abstract and title:
            out.append(f"{title}\n{abstract}")
    return tuple(out)


@lru_cache(maxsize=1)
def _bib_titles() -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for block in _bib_entries(PAPERS / "cdl.bib"):
        title = _bib_field(block, "title")
        if title and title.lower() not in seen:
            seen.add(title.lower())
            out.append(title)
    return tuple(out)


def parity_texts(n: int = 2000) -> list[str]:
    """``n`` distinct real texts: every abstract first, then ``cdl.bib`` titles."""
    texts = list(dict.fromkeys(abstract_texts()))
    have = {t.lower() for t in texts}
    for title in _bib_titles():
        if len(texts) >= n:
            break
        if title.lower() not in have:
            texts.append(title)
    return texts[:n]
