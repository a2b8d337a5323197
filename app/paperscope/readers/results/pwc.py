"""Papers with Code evaluation tables (the ``sota-extractor`` JSON).

A list of tasks, each ``{task, datasets: [{dataset, sota: {metrics, rows: [{model_name,
paper_title, paper_url, paper_date, metrics: {name: value}}]}}], subtasks: [task…]}``;
one task object alone is read too, and the dump as published
(``evaluation-tables.json.gz``) without unpacking it first. Values are numbers or
strings (``"0.8428 ± 0.0014"``, ``"93.2%"``, ``"1.2M"``); placeholders (``""``,
``"–"``) are missing values, other text a ``skipped`` issue naming task, dataset and
row. Subtasks are walked with a stack (no recursion), each under its own name with the
parent in ``extra["parent_task"]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from paperscope.core.records import ReadError, ReadIssue, ReadResult
from paperscope.core.tasks import CancelToken, Progress
from paperscope.readers import registry
from paperscope.readers.results._common import make_result, text
from paperscope.readers.runs._common import head_bytes

_ROW_FIELDS = ("model_name", "paper_title", "paper_url", "metrics")


_GZ_LIMIT = 1 << 30  # the decompressed dump is about 200 MB


def _bytes(path: Path) -> bytes:
    if path.name.lower().endswith(".gz"):
        import gzip
        import zlib

        try:
            with gzip.open(path) as fh:
                data = fh.read(_GZ_LIMIT + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise ReadError(str(path), "", f"not a readable gzip file: {exc}") from None
        if len(data) > _GZ_LIMIT:
            raise ReadError(str(path), "", "more than 1 GB once decompressed")
        return data
    return path.read_bytes()


def _head(path: Path, size: int) -> bytes:
    if path.name.lower().endswith(".gz"):
        import gzip
        import zlib

        try:
            with gzip.open(path) as fh:
                return fh.read(size)
        except (OSError, EOFError, zlib.error):
            return b""
    return head_bytes(path, size)


def _load(path: Path) -> Any:
    try:
        raw = _bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReadError(str(path), f"byte {exc.start}", "not UTF-8 text") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        hint = ""
        before = raw[: exc.pos].rstrip()
        if before.endswith(",") and raw[exc.pos : exc.pos + 1] in "}]":
            line = raw.count("\n", 0, len(before)) + 1
            hint = f" (a trailing comma at line {line}: JSON allows none)"
        raise ReadError(
            str(path), f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}{hint}"
        ) from None
    except ValueError as exc:
        raise ReadError(str(path), "a number", f"not valid JSON: {exc}") from None
    except RecursionError:
        raise ReadError(str(path), "", "JSON nested too deeply") from None


def _is_task(obj: Any) -> bool:
    return isinstance(obj, dict) and "task" in obj and ("datasets" in obj or "subtasks" in obj)


class PwcReader:
    name = "pwc-sota"
    kind: registry.Kind = "results"
    unit: registry.Unit = "file"
    patterns: tuple[str, ...] = ("*.json", "*.json.gz")
    priority = 30

    def sniff(self, path: Path) -> bool:
        head = _head(path, 8192)
        return head.lstrip()[:1] in (b"[", b"{") and (
            b'"sota"' in head
            or (b'"datasets"' in head and b'"task' in head)
            or (b'"task"' in head and b'"subtasks"' in head)
        )

    def read(self, path: Path, progress: Progress, cancel: CancelToken) -> ReadResult:
        data = _load(path)
        file = str(path)
        if _is_task(data):
            data = [data]
        if not isinstance(data, list) or not any(_is_task(t) for t in data):
            raise ReadError(file, "", "not a Papers with Code task list ([{task, datasets}])")
        out = ReadResult()
        issues = out.issues
        stack: list[tuple[Any, str, str]] = [
            (t, f"task {i}", "") for i, t in reversed(list(enumerate(data)))
        ]
        done = 0
        while stack:
            task, where, parent = stack.pop()
            if not _is_task(task):
                issues.append(ReadIssue(file, where, "not a task object; skipped", "skipped"))
                continue
            cancel.check()
            name = text(task.get("task"))
            subtasks = task.get("subtasks") or []
            if isinstance(subtasks, list):
                stack.extend(
                    (s, f"{where} subtask {k}", name)
                    for k, s in reversed(list(enumerate(subtasks)))
                )
            datasets = task.get("datasets") or []
            if not isinstance(datasets, list):
                issues.append(ReadIssue(file, where, "'datasets' is not a list", "skipped"))
                continue
            for d, ds in enumerate(datasets):
                if not isinstance(ds, dict):
                    issues.append(
                        ReadIssue(file, f"{where} dataset {d}", "not an object", "skipped")
                    )
                    continue
                ds_name = text(ds.get("dataset"))
                sota = ds.get("sota") or {}
                rows = sota.get("rows") if isinstance(sota, dict) else None
                if not isinstance(rows, list):
                    continue
                for r, row in enumerate(rows):
                    loc = f"{name} / {ds_name} / row {r}"
                    if not isinstance(row, dict) or not isinstance(row.get("metrics"), dict):
                        issues.append(ReadIssue(file, loc, "a row without metrics", "skipped"))
                        continue
                    extra = {k: v for k, v in row.items() if k not in _ROW_FIELDS}
                    if parent:
                        extra["parent_task"] = parent
                    for metric, raw in row["metrics"].items():
                        res = make_result(
                            raw,
                            task=name,
                            dataset=ds_name,
                            metric=str(metric),
                            method=text(row.get("model_name")),
                            file=file,
                            location=loc,
                            issues=issues,
                            paper_title=text(row.get("paper_title")),
                            paper_url=text(row.get("paper_url")),
                            extra=extra,
                        )
                        if res is not None:
                            out.results.append(res)
                    done += 1
                    if done % 5000 == 0:
                        progress(None, f"{done:,} rows")
        if not out.results and not issues:
            raise ReadError(file, "", "no results in this task list")
        return out


registry.register(PwcReader())
