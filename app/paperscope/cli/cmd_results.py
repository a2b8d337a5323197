"""``paperscope results PAPER_ID [--json]``: the results a paper reports (task,
dataset, metric, method, value ± spread, source) and its linked runs; ``--add VALUE``,
``--edit RESULT_ID VALUE`` (fields not given stay) and ``--delete RESULT_ID`` change
them (as the details pane's results editor does)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser("results", help="list the results a paper reports and its linked runs")
    p.add_argument("paper", metavar="PAPER_ID", help="library id, arXiv id or DOI")
    p.add_argument("--json", action="store_true", help="JSON lines, one per result")
    p.add_argument(
        "--add",
        metavar="VALUE",
        help="enter a result by hand: '1.8 ± 0.1', '0.14 [0.1, 0.2]', '93.2%%' "
        "(with --dataset, --metric, --method)",
    )
    p.add_argument(
        "--edit",
        nargs=2,
        metavar=("RESULT_ID", "VALUE"),
        help="change a result (its id from --json) to VALUE and the fields given",
    )
    p.add_argument(
        "--delete",
        type=int,
        action="append",
        default=[],
        metavar="RESULT_ID",
        help="delete a result of this paper (repeatable)",
    )
    p.add_argument("--dataset", default="")
    p.add_argument("--metric", default="")
    p.add_argument("--method", default="")
    p.add_argument("--task", default="")
    p.add_argument("--n-runs", type=int, default=None)  # fmt: skip
    p.add_argument(
        "--attach", nargs="+", type=Path, metavar="RUNS",
        help="attach score files (rliable {game: [score per run]}) as the paper's per-task "
        "results, or Dopamine baseline curves as its reported curves (--metric names "
        "the reported metric; default Score)",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import open_store
    from paperscope.workflows import results as wf

    with open_store(args, read_only=False) as store:
        try:
            pid = wf.resolve_paper(store, args.paper)
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        if args.attach:
            return _attach(store, pid, args)
        if args.add is not None:
            if not args.metric:
                print("paperscope: --add needs --metric", file=sys.stderr)
                return 2
            try:
                new_id = wf.add_manual_result(
                    store, pid, dataset=args.dataset, metric=args.metric, value=args.add,
                    method=args.method, task=args.task, n_runs=args.n_runs,
                )  # fmt: skip
            except ValueError as exc:
                print(f"paperscope: {exc}", file=sys.stderr)
                return 2
            print(f"result {new_id} added to paper {pid}")
            return 0
        if args.edit or args.delete:
            return _change(store, pid, args)
        stored = store.reported_results([pid])
        links = wf.link_states(store, pid)
    for s in stored:
        r = s.result
        if args.json:
            print(json.dumps({
                "id": s.id, "paper_id": s.paper_id, "task": r.task, "dataset": r.dataset,
                "metric": r.metric, "method": r.method, "value": r.value, "std": r.std,
                "ci_low": r.ci_low, "ci_high": r.ci_high, "n_runs": r.n_runs,
                "higher_is_better": r.higher_is_better, "raw": r.raw, "source": r.source,
                "location": r.location,
            }, ensure_ascii=False))  # fmt: skip
        else:
            spread = wf.spread_text(r)
            value = f"{r.value:g} {spread}".strip()
            print(
                f"{r.task}\t{r.dataset}\t{r.metric}\t{r.method}\t{value}\t{r.source}:{r.location}"
            )
    if not args.json:
        for s in links:
            print(f"run ({s.link.role}, {s.state}): {s.link.source}")
        if not stored and not links:
            print(f"paper {pid} has no reported results and no linked runs", file=sys.stderr)
    return 0


def _attach(store: Any, pid: int, args: argparse.Namespace) -> int:
    from paperscope.workflows.references import attach_runs_as_results
    from paperscope.workflows.runs import load_runs

    runs, issues = load_runs(args.attach)
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    if not runs:
        print("paperscope: no run could be read", file=sys.stderr)
        return 2
    try:
        ids = attach_runs_as_results(store, pid, runs, args.metric or "Score", args.task)
    except ValueError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    curves = sum(1 for s in store.reported_results([pid]) if s.id in set(ids)
                 and "curve" in s.result.extra)  # fmt: skip
    print(f"{len(ids)} reported results attached to paper {pid} ({curves} with curves)")
    return 0


def _change(store: Any, pid: int, args: argparse.Namespace) -> int:
    from paperscope.workflows import results as wf

    mine = {s.id: s.result for s in store.reported_results([pid])}
    wanted = [int(args.edit[0])] if args.edit else []
    for rid in [*wanted, *args.delete]:
        if rid not in mine:
            print(f"paperscope: paper {pid} has no reported result {rid}", file=sys.stderr)
            return 2
    if args.edit:
        rid, old = int(args.edit[0]), mine[int(args.edit[0])]
        try:
            wf.edit_manual_result(
                store, rid, value=args.edit[1], dataset=args.dataset or old.dataset,
                metric=args.metric or old.metric, method=args.method or old.method,
                task=args.task or old.task,
                n_runs=args.n_runs if args.n_runs is not None else old.n_runs,
            )  # fmt: skip
        except ValueError as exc:
            print(f"paperscope: result {rid}: {exc}", file=sys.stderr)
            return 2
        print(f"result {rid} of paper {pid} changed")
    if args.delete:
        wf.delete_results(store, args.delete)
        print(f"{len(args.delete)} result(s) of paper {pid} deleted")
    return 0
