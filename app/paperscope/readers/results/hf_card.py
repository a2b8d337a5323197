"""Hugging Face model cards: ``README.md`` with a ``model-index:`` YAML front matter.

``model-index: [{name, results: [{task: {type, name}, dataset: {type, name, config,
split, args}, metrics: [{type, value, name, verified, args}], source}]}]`` read through
the project's safe YAML loader. Values such as ``1518.70 +/- 568.14`` and ``0.14 [0.14,
0.15]`` go through the shared value parser. The method is the ``model-index`` name; the
paper is the first arXiv id the card cites (an ``arxiv:`` tag, else a link in the text).
A result without a dataset keeps ``dataset = ""`` with a warning; ``results: []`` reads
as nothing to import.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.results._common import arxiv_ids_in_text, make_result, text
from paperscope.readers.runs._common import head_bytes, load_yaml_text

_FRONT = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*\r?$", re.DOTALL | re.MULTILINE)
_MAX_BYTES = 16 << 20


def _front_matter(path: Path) -> tuple[str, str]:
    if path.stat().st_size > _MAX_BYTES:
        raise ReadError(str(path), "", "larger than 16 MB: not a model card")
    try:
        content = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    m = _FRONT.match(content)
    if m is None:
        raise ReadError(str(path), "line 1", "no YAML front matter (--- … ---)")
    return m.group(1), content[m.end() :]


def _arxiv_of(meta: dict[str, Any], body: str) -> str | None:
    tags = meta.get("tags")
    tag_text = " ".join(str(t) for t in tags) if isinstance(tags, list) else ""
    found = arxiv_ids_in_text(tag_text) or arxiv_ids_in_text(body)
    return found[0] if found else None


def _label(node: Any) -> str:
    if isinstance(node, dict):
        return text(node.get("name")) or text(node.get("type"))
    return text(node)


def _plain(node: Any) -> Any:
    """YAML values that JSON can hold (dates become text)."""
    if isinstance(node, dict):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    if node is None or isinstance(node, str | int | float | bool):
        return node
    return str(node)


class HfCardReader:
    name = "hf-model-card"
    kind: registry.Kind = "results"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.md", "README*")
    priority = 30

    def sniff(self, path: Path) -> bool:
        head = head_bytes(path, 64 << 10)
        return head.lstrip(b"\xef\xbb\xbf").startswith(b"---") and b"model-index:" in head

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        file = str(path)
        front, body = _front_matter(path)
        meta = load_yaml_text(front, file, first_line=2)
        if not isinstance(meta, dict) or "model-index" not in meta:
            raise ReadError(file, "", "the front matter has no model-index")
        index = meta["model-index"]
        if not isinstance(index, list):
            raise ReadError(file, "model-index", "model-index is not a list")
        arxiv = _arxiv_of(meta, body)
        out = ReadResult()
        issues = out.issues
        for m, model in enumerate(index):
            where = f"model-index[{m}]"
            if not isinstance(model, dict):
                issues.append(ReadIssue(file, where, "not a mapping; skipped", "skipped"))
                continue
            method = text(model.get("name"))
            results = model.get("results") or []
            if not isinstance(results, list):
                issues.append(ReadIssue(file, where, "'results' is not a list", "skipped"))
                continue
            for r, res in enumerate(results):
                cancel.check()
                loc = f"{where}.results[{r}]"
                if not isinstance(res, dict):
                    issues.append(ReadIssue(file, loc, "not a mapping; skipped", "skipped"))
                    continue
                task = _label(res.get("task"))
                dataset_node = res.get("dataset")
                dataset = _label(dataset_node)
                if not dataset:
                    issues.append(ReadIssue(file, loc, "no dataset given; kept with none"))
                metrics = res.get("metrics")
                if not isinstance(metrics, list):
                    issues.append(ReadIssue(file, loc, "no metrics list", "skipped"))
                    continue
                base: dict[str, Any] = {}
                if isinstance(dataset_node, dict):
                    base["dataset"] = _plain(dataset_node)
                if isinstance(res.get("task"), dict):
                    base["task"] = _plain(res["task"])
                if "source" in res:
                    base["source"] = _plain(res["source"])
                for k, metric in enumerate(metrics):
                    mloc = f"{loc}.metrics[{k}]"
                    if not isinstance(metric, dict) or "value" not in metric:
                        issues.append(ReadIssue(file, mloc, "a metric without value", "skipped"))
                        continue
                    extra = dict(base)
                    extra["metric"] = _plain({k2: v for k2, v in metric.items() if k2 != "value"})
                    made = make_result(
                        metric["value"],
                        task=task,
                        dataset=dataset,
                        metric=text(metric.get("name")) or text(metric.get("type")),
                        method=method,
                        file=file,
                        location=mloc,
                        issues=issues,
                        arxiv_id=arxiv,
                        extra=extra,
                    )
                    if made is not None:
                        out.results.append(made)
        return out


registry.register(HfCardReader())
