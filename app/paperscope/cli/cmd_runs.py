"""``paperscope runs PATH… [--json]``: list the runs found in files and folders.

With ``--json`` each run is one JSON object per line: ``name``, ``source`` (files),
``format``, ``config`` (object) and ``series`` (tag → ``count``, ``first_step``,
``last_step``, ``last_value``). JSON has no literal for NaN and infinities: they are
written as the strings ``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (in ``last_value`` and
in ``config``), while ``null`` means "no value" (an empty series). Runs their source
marks deleted (MLflow) are left out unless ``--include-deleted``. Problems go to stderr.
Exit code 1 when no run was found.

``--watch`` keeps going after the listing (TensorBoard's ``--reload_interval``): every
``--interval`` seconds the paths are polled, appended records and new runs are read
(only what was appended), and each run that appeared or changed is printed again, with
``"event": "added"`` or ``"changed"`` in its JSON object (``{"event": "removed", "id":
…}`` for a run whose files went away). Ctrl+C (or ``--duration`` seconds) ends it.

``--summary METRIC:STAT[,STAT…]`` (repeatable) adds summary columns (``last``, ``min``,
``max``, ``mean``, ``meanN``, ``count``, ``atS``, ``interpS``, ``smoothed[W]``; see
``paperscope.results.summaries``) and prints a table: tab-separated, or ``--csv`` /
``--markdown``; with ``--json`` each run's object gets ``"summaries"`` (``null``: no value;
NaN and infinities as the strings above). ``--filter EXPR`` keeps the runs the expression matches
(``lr < 1e-3 and eval/return.last > 200``); a filter that does not parse is exit code 2
with the place shown.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

from paperscope.core.text import count


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "runs", help="read experiment logs (TensorBoard, CSV, MLflow, Sacred, …) and list the runs"
    )
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="files or folders")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument(
        "--json", action="store_true",
        help='one JSON object per run on stdout; NaN, +inf and -inf values are written as the '
        'strings "NaN", "Infinity" and "-Infinity", null means no value',
    )  # fmt: skip
    fmt.add_argument("--csv", action="store_true", help="the summary table as CSV")
    fmt.add_argument("--markdown", action="store_true", help="the summary table as Markdown")
    p.add_argument(
        "--summary", action="append", default=[], metavar="METRIC:STAT[,STAT…]",
        help="summary columns, e.g. eval/return:last,max,mean10,at1000 (repeatable)",
    )  # fmt: skip
    p.add_argument(
        "--filter", metavar="EXPR", default=None,
        help="keep runs matching e.g. 'lr < 1e-3 and eval/return.last > 200'",
    )  # fmt: skip
    p.add_argument(
        "--include-deleted", action="store_true",
        help="also list runs their tracking store marks deleted (MLflow hides them)",
    )  # fmt: skip
    p.add_argument("--no-cache", action="store_true", help="read everything again")
    p.add_argument(
        "--duplicates", choices=("last", "first", "all"), default="last",
        help="which point to keep when a restarted run logged a step twice (default: last)",
    )  # fmt: skip
    p.add_argument(
        "--watch", action="store_true",
        help="keep watching the paths and print runs again when new data arrives (Ctrl+C ends)",
    )  # fmt: skip
    p.add_argument(
        "--interval", type=float, default=2.0, metavar="SECONDS",
        help="with --watch: seconds between looks at the files (default: 2)",
    )  # fmt: skip
    p.add_argument(
        "--duration", type=float, default=None, metavar="SECONDS",
        help="with --watch: stop after this many seconds (default: until Ctrl+C)",
    )  # fmt: skip
    p.set_defaults(func=run)


def _print_run(run: Any, as_json: bool, event: str | None = None) -> None:
    from paperscope.workflows.runs import summary

    s = summary(run)
    if as_json:
        obj = {**s, "event": event} if event else s
        print(json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str), flush=True)
    else:
        points = sum(v["count"] for v in s["series"].values())
        head = f"{event}\t" if event else ""
        print(
            f"{head}{run.name}\t{run.format}\t{count(len(run.series), 'series', grouping=False)}"
            f"\t{count(points, 'point', grouping=False)}\t{run.source[0]}",
            flush=True,
        )


def _print_issues(issues: Any) -> None:
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress
    from paperscope.workflows.runs import RunWatcher

    if args.interval <= 0:
        print("paperscope runs: --interval must be positive", file=sys.stderr)
        return 2
    table = _table_options(args)
    if table is None:
        return 2
    watcher = RunWatcher(
        args.paths, use_cache=not args.no_cache, duplicates=args.duplicates,
        include_deleted=args.include_deleted,
    )  # fmt: skip
    runs, issues = watcher.start(TerminalProgress("runs "))
    _print_issues(issues)
    if table.active:
        return table.print(runs)
    for r in runs:
        _print_run(r, args.json)
    if not args.watch:
        return 0 if runs else 1
    end = None if args.duration is None else time.monotonic() + args.duration
    try:
        while end is None or time.monotonic() < end:
            time.sleep(
                args.interval
                if end is None
                else max(0.0, min(args.interval, end - time.monotonic()))
            )
            update = watcher.poll()
            _print_issues(update.issues)
            for r in update.added:
                _print_run(r, args.json, "added")
            for r in update.changed:
                _print_run(r, args.json, "changed")
            for rid in update.removed:
                if args.json:
                    print(json.dumps({"event": "removed", "id": rid}), flush=True)
                else:
                    print(f"removed\t{rid}", flush=True)
    except KeyboardInterrupt:
        pass
    return 0


class _Table:
    """``--summary``/``--filter``/``--csv``/``--markdown``: a filtered table of runs."""

    def __init__(self, args: argparse.Namespace, specs: list[Any], where: Any) -> None:
        self.args, self.specs, self.where = args, specs, where
        self.active = bool(specs or where is not None or args.csv or args.markdown)

    def print(self, runs: list[Any]) -> int:
        from paperscope.results import summaries as sm
        from paperscope.workflows.runs import json_number, summary

        table = sm.runs_table(runs, self.specs, self.where)
        if self.args.json:
            for run, row in zip(table.runs, table.rows, strict=True):
                cells = {k: None if v is None else json_number(v) for k, v in row.items()}
                obj = {**summary(run), "summaries": cells}
                print(json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str))
        elif self.args.csv:
            sys.stdout.write(sm.to_csv(table))
        elif self.args.markdown:
            sys.stdout.write(sm.to_markdown(table))
        else:
            print("\t".join(["run", *table.columns]))
            for run, row in zip(table.runs, table.rows, strict=True):
                print("\t".join([run.name, *(sm.format_value(row[c]) for c in table.columns)]))
        return 0 if table.runs else 1


def _table_options(args: argparse.Namespace) -> _Table | None:
    """The parsed ``--summary`` and ``--filter`` options, or ``None`` after saying why not."""
    from paperscope.results import summaries as sm

    try:
        specs = [s for text in args.summary for s in sm.parse_summary_option(text)]
    except ValueError as exc:
        print(f"paperscope runs: --summary {exc}", file=sys.stderr)
        return None
    where = None
    if args.filter is not None:
        try:
            where = sm.parse_filter(args.filter)
        except sm.FilterError as exc:
            print(f"paperscope runs: --filter: {exc}\n{exc.pointer()}", file=sys.stderr)
            return None
    table = _Table(args, specs, where)
    if table.active and args.watch:
        print("paperscope runs: --summary, --filter, --csv and --markdown do not go with --watch",
              file=sys.stderr)  # fmt: skip
        return None
    return table


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None
