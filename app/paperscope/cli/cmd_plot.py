"""``paperscope plot RUNS… --metric NAME --out FIG``: a publication figure, headless."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from paperscope.core.text import count

BANDS = ("std", "sem", "minmax", "ci95", "none")
LEGENDS = (
    "best", "upper right", "upper left", "lower left", "lower right", "right",
    "center left", "center right", "lower center", "upper center", "center",
    "outside", "below", "none",
)  # fmt: skip


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "plot",
        help="plot a metric of runs as a publication figure (PDF/SVG/PNG) and CSV",
        description="Smooth every run's metric (TensorBoard's EMA on all points), optionally "
        "group runs into a mean/median line with a band, and write a vector figure.",
    )
    p.add_argument("runs", nargs="+", type=Path, metavar="RUNS", help="run files or folders")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--metric", metavar="NAME", help="the series (tag) to plot")
    what.add_argument(
        "--grid", metavar="M1,M2,…",
        help="one figure with a panel per metric (shared legend), e.g. 'loss,eval/return'",
    )  # fmt: skip
    p.add_argument("--cols", type=int, default=None, metavar="N", help="with --grid: columns")
    p.add_argument("--share-y", action="store_true", help="with --grid: one y range for all")
    grp = p.add_mutually_exclusive_group()
    grp.add_argument(
        "--group-by", metavar="KEY", help="group runs by this config key (a.b for nested)"
    )
    grp.add_argument(
        "--group-regex", metavar="RE", help="group runs whose names give the same match"
    )
    p.add_argument("--band", choices=BANDS, default="std", help="group band (default: std)")
    p.add_argument("--center", choices=("mean", "median"), default="mean", help="group line")
    p.add_argument(
        "--smoothing", type=float, default=0.6, metavar="W",
        help="EMA weight in [0, 1], 0 = none (default: 0.6, as TensorBoard)",
    )  # fmt: skip
    p.add_argument(
        "--smoothing-mode", choices=("ema", "time"), default="ema",
        help="ema: TensorBoard's; time: decay by the x gap, for uneven x",
    )  # fmt: skip
    p.add_argument(
        "--smoother", metavar="KIND[:P]",
        help="instead of --smoothing/--smoothing-mode: ema:W, time:W, centred:K or "
        "trailing:K (a moving average over K points), gaussian:SIGMA (in points), none",
    )  # fmt: skip
    p.add_argument(
        "--x", default="step", metavar="step|wall|relative|SERIES",
        help="x axis: step, wall time, time since the first point, or another series",
    )  # fmt: skip
    p.add_argument(
        "--min-runs", type=int, default=2, metavar="K",
        help="end a group's line where fewer than K runs remain (default: 2)",
    )  # fmt: skip
    p.add_argument("--size", choices=("single", "double"), default="single",
                   help="single column (3.5 in) or double (7 in)")  # fmt: skip
    p.add_argument("--width", type=float, metavar="IN", help="width in inches (overrides --size)")
    p.add_argument("--height", type=float, metavar="IN", help="height in inches")
    p.add_argument("--font-size", type=float, metavar="PT", help="font size in points")
    p.add_argument(
        "--legend", choices=LEGENDS, default="best", metavar="WHERE",
        help="legend placement: a matplotlib location, outside, below or none",
    )  # fmt: skip
    p.add_argument("--title", default="", help="figure title")
    p.add_argument("--xlabel", help="x axis label")
    p.add_argument("--ylabel", help="y axis label (default: the metric)")
    p.add_argument("--log-x", action="store_true", help="logarithmic x axis")
    p.add_argument("--log-y", action="store_true", help="logarithmic y axis")
    p.add_argument("--dpi", type=int, default=300, help="PNG resolution (default: 300)")
    p.add_argument("--reps", type=int, default=1000, help="bootstrap resamples for ci95")
    p.add_argument("--seed", type=int, default=0, help="bootstrap seed")
    p.add_argument(
        "--note", action="append", default=[], metavar="X=TEXT",
        help="a text note pinned at x (or X0:X1=TEXT over a range), repeatable",
    )  # fmt: skip
    p.add_argument("--mark-extrema", action="store_true", help="mark each curve's min and max")
    p.add_argument("--out", required=True, type=Path, metavar="FILE.(pdf|svg|png)")
    p.add_argument("--csv", type=Path, metavar="FILE.csv", help="also write what is drawn as CSV")
    p.add_argument(
        "--reference", nargs="+", default=[], metavar="PAPER_ID",
        help="draw these papers' reported results as reference lines (library id, arXiv "
        "id or DOI), besides those of the papers linked to the runs",
    )  # fmt: skip
    p.add_argument(
        "--references", action="store_true",
        help="draw the reference lines of the papers linked to the runs (the library's)",
    )  # fmt: skip
    p.add_argument(
        "--map-metric", metavar="REPORTED",
        help="remember in the library that --metric is this reported metric (e.g. Score)",
    )  # fmt: skip
    p.add_argument(
        "--map-dataset", action="append", default=[], metavar="TASK=DATASET",
        help="remember that the runs' task/env id TASK is the reported DATASET "
        "(e.g. pong='Atari 2600 Pong'); repeatable",
    )  # fmt: skip
    p.add_argument(
        "--normalisation-lines", nargs="+", default=[], choices=("human", "random"),
        metavar="human|random",
        help="draw the human and/or random scores of the runs' Atari games (rliable's "
        "table; the game from the runs' env id or its --map-dataset mapping)",
    )  # fmt: skip
    p.add_argument(
        "--x-scale", type=float, metavar="N",
        help="remember with --metric's mapping that 1 x unit of the reported curves is N "
        "of the runs' x (Dopamine: 1 iteration = 250000 agent steps); 0 forgets it",
    )  # fmt: skip
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from paperscope.cli._common import TerminalProgress, check_output_file
    from paperscope.results.figure import FigureStyle, output_format
    from paperscope.workflows.plots import PlotError, PlotSpec, plot_paths

    try:
        output_format(args.out)
    except ValueError as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    for out in (args.out, args.csv):
        problem = None if out is None else check_output_file(out)
        if problem is not None:
            print(f"paperscope: {problem}", file=sys.stderr)
            return 2
    mode, param = args.smoothing_mode, args.smoothing
    if args.smoother is not None:
        from paperscope.results.smoothing import parse_smoother

        try:
            mode, param = parse_smoother(args.smoother)
        except ValueError as exc:
            print(f"paperscope: --smoother: {exc}", file=sys.stderr)
            return 2
    elif not 0 <= args.smoothing <= 1:
        print(f"paperscope: --smoothing must be in [0, 1], got {args.smoothing}", file=sys.stderr)
        return 2
    from paperscope.results.figure import Note

    try:
        notes = tuple(Note.parse(n) for n in args.note)
    except ValueError as exc:
        print(f"paperscope: --note: {exc}", file=sys.stderr)
        return 2
    spec = PlotSpec(
        metric=args.metric or "",
        x=args.x,
        smoothing=param,
        smoothing_mode=mode,
        group_by=args.group_by,
        group_regex=args.group_regex,
        center=args.center,
        band=args.band,
        min_runs=args.min_runs,
        reps=args.reps,
        seed=args.seed,
    )
    style = FigureStyle(
        size=args.size,
        width_in=args.width,
        height_in=args.height,
        font_size=args.font_size,
        legend=args.legend,
        dpi=args.dpi,
        title=args.title,
        xlabel=args.xlabel,
        ylabel=args.ylabel,
        log_x=args.log_x,
        log_y=args.log_y,
        mark_extrema=args.mark_extrema,
        notes=notes,
    )
    wants_refs = bool(
        args.reference or args.references or args.map_metric or args.map_dataset
        or args.normalisation_lines or args.x_scale is not None
    )  # fmt: skip
    if args.grid is not None:
        if wants_refs:
            print("paperscope: reference lines (--reference/--references/--map-*, "
                  "--normalisation-lines, --x-scale) are drawn "
                  "with --metric, not --grid", file=sys.stderr)  # fmt: skip
            return 2
        return _grid(args, spec, style)
    if not wants_refs:
        try:
            data, issues = plot_paths(
                args.runs, spec, args.out, style, args.csv, TerminalProgress("plot ")
            )
        except (PlotError, ValueError) as exc:  # (OSError: one line from run_command)
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
        return _report(args, data, issues)
    return _plot_with_references(args, spec, style)


def _plot_with_references(args: argparse.Namespace, spec: Any, style: Any) -> int:
    from paperscope.cli._common import TerminalProgress, open_store
    from paperscope.workflows.plots import PlotError, plot_paths
    from paperscope.workflows.references import find_references
    from paperscope.workflows.results import resolve_paper

    notes: list[str] = []
    with open_store(args, read_only=False) as store:
        try:
            papers = [resolve_paper(store, ref) for ref in args.reference]
            if args.map_metric:
                store.set_result_mapping("metric", args.metric, args.map_metric)
            for pair in args.map_dataset:
                task, sep, dataset = pair.partition("=")
                if not sep or not task.strip() or not dataset.strip():
                    raise ValueError(f"--map-dataset {pair!r}: give TASK=DATASET")
                store.set_result_mapping("dataset", task.strip(), dataset.strip())
            if args.x_scale is not None:
                reported = args.map_metric or store.result_mappings("metric").get(args.metric)
                store.set_x_scale(args.metric, reported or "", args.x_scale or None)
        except ValueError as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2

        def refs(runs: Any) -> Any:
            found = find_references(
                store, runs, args.metric, paper_ids=papers,
                normalisation=args.normalisation_lines,
            )  # fmt: skip
            notes.extend(found.notes)
            if found.x_scale is not None:
                notes.append(f"reported curves' x × {found.x_scale:g}")
            if found.reported_metric:
                how = "remembered" if found.metric_remembered else "suggested"
                notes.append(f"{args.metric} ↔ {found.reported_metric} ({how})")
            notes.extend(f"{t} ↔ {d}" for t, d in found.dataset_of.items())
            return found.references

        try:
            data, issues = plot_paths(
                args.runs, spec, args.out, style, args.csv, TerminalProgress("plot "),
                references=refs,
            )  # fmt: skip
        except (PlotError, ValueError) as exc:
            print(f"paperscope: {exc}", file=sys.stderr)
            return 2
    for note in notes:
        print(f"references: {note}")
    return _report(args, data, issues)


def _report(args: argparse.Namespace, data: Any, issues: Any) -> int:
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    info = data.info()
    parts = [count(len(data.groups), "group"), count(len(data.curves), "curve"),
             count(data.run_count, "run")]  # fmt: skip
    if data.references:
        parts.append(count(len(data.references), "reference line"))
    print(f"wrote {args.out}: {', '.join(parts)}; smoothing: {info.smoothing_text()}")
    if info.band:
        print(f"band: {info.band}")
    if args.csv:
        print(f"wrote {args.csv}")
    return 0


def _grid(args: argparse.Namespace, spec: Any, style: Any) -> int:
    """``--grid M1,M2``: every metric as a panel of one figure."""
    import dataclasses

    from paperscope.cli._common import TerminalProgress
    from paperscope.workflows.plots import PlotError, compute_plot, export_grid
    from paperscope.workflows.runs import load_runs

    metrics = [m.strip() for m in args.grid.split(",") if m.strip()]
    if not metrics:
        print("paperscope: --grid: name the metrics, e.g. loss,eval/return", file=sys.stderr)
        return 2
    runs, issues = load_runs(args.runs, TerminalProgress("read "))
    if not runs:
        print("paperscope: no run could be read", file=sys.stderr)
        return 2
    datas = []
    try:
        for metric in metrics:
            data = compute_plot(runs, dataclasses.replace(spec, metric=metric))
            issues += data.issues
            datas.append(data)
        export_grid(datas, args.out, style, args.csv, args.cols, args.share_y)
    except (PlotError, ValueError) as exc:
        print(f"paperscope: {exc}", file=sys.stderr)
        return 2
    for issue in issues:
        print(f"{issue.severity}: {issue}", file=sys.stderr)
    print(f"wrote {args.out}: {count(len(datas), 'panel')} ({', '.join(metrics)}), "
          f"{count(len(runs), 'run')}")  # fmt: skip
    if args.csv:
        print(f"wrote {args.csv}")
    return 0
