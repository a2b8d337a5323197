"""Where a paper can be opened: its PDF, its arXiv / Hugging Face page, its DOI, its
code. Pure functions over a :class:`Paper` (the GUI turns them into actions)."""

from __future__ import annotations

from dataclasses import dataclass

from paperscope.core.records import Paper


@dataclass(frozen=True, slots=True)
class Link:
    kind: str  # "pdf" | "arxiv" | "doi" | "hf" | "code" | "project" | "url"
    label: str
    url: str


def paper_links(paper: Paper) -> list[Link]:
    """The paper's links, most useful first, without duplicates."""
    links: list[Link] = []
    extra = paper.extra or {}
    pdf = extra.get("pdf")
    if isinstance(pdf, str) and pdf.startswith(("http://", "https://")):
        links.append(Link("pdf", "Open PDF", pdf))
    elif paper.arxiv_id:
        links.append(Link("pdf", "Open PDF", f"https://arxiv.org/pdf/{paper.arxiv_id}"))
    if paper.arxiv_id:
        links.append(Link("arxiv", "Open arXiv page", f"https://arxiv.org/abs/{paper.arxiv_id}"))
    if paper.hf_id or (paper.upvotes is not None and paper.arxiv_id):
        hf = paper.hf_id or paper.arxiv_id
        links.append(Link("hf", "Open on Hugging Face", f"https://huggingface.co/papers/{hf}"))
    if paper.doi:
        links.append(Link("doi", "Open DOI", f"https://doi.org/{paper.doi}"))
    for key, kind, label in (
        ("github_repo", "code", "Open code"),
        ("project_page", "project", "Open project page"),
    ):
        value = extra.get(key)
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            links.append(Link(kind, label, value))
    if paper.url and paper.url.startswith(("http://", "https://")):
        links.append(Link("url", "Open link", paper.url))
    seen: set[str] = set()
    unique = []
    for link in links:
        if link.url not in seen:
            seen.add(link.url)
            unique.append(link)
    return unique
