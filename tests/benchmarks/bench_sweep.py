"""Benchmark: a hyperparameter sweep at scale (issue #20). Not collected by pytest.

    python tests/benchmarks/bench_sweep.py                    # 1,000 runs x 5 metrics x 200
    python tests/benchmarks/bench_sweep.py --runs 10000 --metrics 20 --points 1000 \
        --distinct 48 --keep /tmp/scale20     # the issue's sweep, kept for the next run

The sweep is written by the real writers: half the runs as TensorBoard event files by
tensorboardX's ``SummaryWriter`` (hyperparameters as its ``hparams`` summaries), half as
CSV files by Python's ``csv`` writer with a ``config.json`` beside (``json.dump``). Each
figure is printed beside a plain baseline measured in the same run on the same data:

* **open from the cache** (``load_runs`` with the packed cache warm: scan, fingerprints,
  runs as views into the mapped pack) vs mapping the pack and slicing one numpy view per
  array from its offset table (no scan, no records: the least a mapped cache can cost),
  and the former cache (one ``.npz`` per run, ``--npz-sample`` runs, scaled up);
* **table sort** (a summary column computed, sorted with missing values last) and
  **filter** (the filter language over config and summaries) vs ``np.argsort`` and a
  numpy mask over the same values already in arrays;
* **parallel coordinates, one frame** (the hyperparameter pane's canvas: a brush that
  selects 1/7 or 6/7 of the runs, a drag's repaint, new axes; rendered offscreen with
  ``grab()``) vs a plain pyqtgraph ``PlotCurveItem`` of the same polylines rendered the
  same way;
* memory: the bytes traced while opening from the cache vs the arrays' own bytes.
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import mmap
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

T = TypeVar("T")
LRS = (1e-4, 3e-4, 1e-3, 3e-3)
OPTIMISERS = ("adam", "sgd", "rmsprop")


def config_of(k: int) -> dict[str, object]:
    return {"lr": LRS[k % 4], "optimizer": OPTIMISERS[(k // 4) % 3], "seed": k // 12,
            "batch_size": 32 * (1 + k % 2)}  # fmt: skip


def curves(k: int, metrics: int, points: int, rng: np.random.Generator) -> np.ndarray:
    lr = LRS[k % 4]
    steps = np.arange(points, dtype=np.float64)
    base = 1.0 - np.exp(-steps * lr * 20 / max(points / 200, 1))
    return base[None, :] * (1 + np.arange(metrics)[:, None] * 0.1) + rng.normal(
        scale=0.02, size=(metrics, points)
    )


def write_sweep(folder: Path, runs: int, metrics: int, points: int, distinct: int = 0) -> None:
    """``runs`` runs, every other one TensorBoard, the rest CSV. With ``distinct`` > 0
    only that many different metric files of each kind are written (by the real
    writers, into ``folder/../distinct``) and each run's folder holds a hard link to one
    of them beside its own hyperparameters (an hparams event file, or a config.json):
    10,000 runs × 20 metrics × 1,000 points without 10 GB of files or an hour of
    ``add_scalar``; the cache still stores every run's values apart."""
    from tensorboardX import SummaryWriter
    from tensorboardX.summary import hparams

    names = [f"eval/metric_{m}" for m in range(metrics)]
    pool = folder.parent / "distinct"

    def scalars(run_dir: Path, values: np.ndarray, writer: object = None) -> None:
        w = writer or SummaryWriter(str(run_dir), max_queue=100_000, flush_secs=3600)
        for m, name in enumerate(names):
            row = values[m].tolist()
            for step in range(points):
                w.add_scalar(name, row[step], step)  # type: ignore[attr-defined]
        if writer is None:
            w.close()  # type: ignore[attr-defined]

    def table(path: Path, values: np.ndarray) -> None:
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["step", *names])
            for step in range(points):
                w.writerow([step, *values[:, step].tolist()])

    if distinct:  # d holds run k's data when k % distinct == d (distinct % 4 == 0: same lr)
        distinct = max(4, distinct - distinct % 4)
        for d in range(distinct):
            values = curves(d, metrics, points, np.random.default_rng(d))
            scalars(pool / f"tb{d}", values)
            table(pool / f"csv{d}.csv", values)
    rng = np.random.default_rng(0)
    for k in range(runs):
        cfg = config_of(k)
        run_dir = folder / f"run{k:05d}"
        if k % 2 == 0:
            writer = SummaryWriter(str(run_dir), max_queue=100_000, flush_secs=3600)
            for summary in hparams(cfg, {names[0]: 0.0}):  # the writer's hparams protos
                writer.file_writer.add_summary(summary)
            if distinct:
                writer.close()
                [src] = (pool / f"tb{k % distinct}").glob("events*")
                os.link(src, run_dir / f"events.out.tfevents.0.scalars{k % distinct}")
            else:
                scalars(run_dir, curves(k, metrics, points, rng), writer)
                writer.close()
        else:
            run_dir.mkdir(parents=True)
            with (run_dir / "config.json").open("w") as fh:
                json.dump(cfg, fh)
            if distinct:
                os.link(pool / f"csv{k % distinct}.csv", run_dir / "metrics.csv")
            else:
                table(run_dir / "metrics.csv", curves(k, metrics, points, rng))


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """(result, median wall seconds over ``repeat`` calls)."""
    times: list[float] = []
    for _ in range(max(1, repeat)):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)


def line(label: str, ours: float, base: float, base_label: str) -> None:
    ratio = ours / base if base > 0 else float("inf")
    print(f"{label:<34} {ours * 1000:10.1f} ms   {base_label:<28} {base * 1000:9.1f} ms"
          f"   ratio {ratio:7.1f}x")  # fmt: skip


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--metrics", type=int, default=5)
    p.add_argument("--points", type=int, default=200)
    p.add_argument("--frames", type=int, default=5)
    p.add_argument("--keep", type=Path, default=None, help="write the sweep here and keep it")
    p.add_argument("--npz-sample", type=int, default=1000,
                   help="time the former one-.npz-per-run cache on this many runs")  # fmt: skip
    p.add_argument("--distinct", type=int, default=0,
                   help="write only N different metric files per format, hard-linked")  # fmt: skip
    args = p.parse_args()
    tmp = tempfile.TemporaryDirectory()
    work = args.keep or Path(tmp.name)
    os.environ["PAPERSCOPE_HOME"] = str(work / "home")  # the cache lives here
    sweep = work / "sweep"
    from paperscope.workflows.runs import load_runs

    fresh = not sweep.exists()
    if fresh:
        t0 = time.perf_counter()
        write_sweep(sweep, args.runs, args.metrics, args.points, args.distinct)
        print(f"wrote {args.runs:,} runs x {args.metrics} metrics x {args.points} points "
              f"({args.runs // 2 + args.runs % 2} tfevents, {args.runs // 2} CSV) "
              f"in {time.perf_counter() - t0:.1f} s")  # fmt: skip
    (runs, issues), first = timed(lambda: load_runs([sweep]))
    assert len(runs) == args.runs, (len(runs), issues[:3])
    what = "parse + fill the cache" if fresh else "the --keep cache was warm"
    print(f"first read ({what}): {first:.2f} s")

    # -- open from the cache vs np.load of the same arrays ----------------------------------
    (runs, _), cached = timed(lambda: load_runs([sweep]))
    del runs
    gc.collect()
    tracemalloc.start()  # a second pass: tracing slows every allocation down
    runs, _ = load_runs([sweep])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    arrays = {f"{k}/{t}/{part}": getattr(s, part) for k, r in enumerate(runs)
              for t, s in r.series.items() for part in ("steps", "values")}  # fmt: skip
    nbytes = sum(a.nbytes for a in arrays.values())
    del arrays
    from paperscope.workflows import run_pack
    from paperscope.workflows.runs import _pack_file

    pack = _pack_file([sweep], "last")

    def plain_views() -> int:  # mmap + one numpy view per array from the offset table
        with pack.open("rb") as fh:
            _magic, hlen, _crc = run_pack._PREFIX.unpack(fh.read(run_pack._PREFIX.size))
            header = json.loads(fh.read(hlen))
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_COPY)
        count, at = header["arrays"], header["data_offset"]
        table = np.frombuffer(mm, "<i8", 3 * count, run_pack._pad8(run_pack._PREFIX.size + hlen))
        data = np.frombuffer(mm, "<f8", header["data_bytes"] // 8, at)
        offsets, lengths = table[0::3].tolist(), table[1::3].tolist()
        views = [data[o // 8 : o // 8 + n] for o, n in zip(offsets, lengths, strict=True)]
        return len(views)

    _, base = timed(plain_views, 3)
    line("open from cache (load_runs)", cached, base, "mmap + numpy views only")
    if args.npz_sample:  # the cache before the pack: one .npz per run, on a sample
        from paperscope.readers import registry
        from paperscope.workflows import runs as wf

        jobs = registry.scan([sweep], kind="runs")[0][: args.npz_sample]
        by_path = {str(j.path): j for j in jobs}
        fps = {p: wf.fingerprint(j) for p, j in by_path.items()}
        packed = run_pack.open_pack(pack, "last", wf.CACHE_VERSION)
        assert packed is not None
        for p, j in by_path.items():
            result = packed.result(wf._pack_key(j), fps[p])
            assert result is not None
            wf.save_cached(j, fps[p], result)
        del packed

        def npz_open() -> int:
            return sum(wf.load_cached(j, fps[p]) is not None for p, j in by_path.items())

        n_ok, t_npz = timed(npz_open)
        assert n_ok == len(by_path)
        for j in by_path.values():
            wf._cache_file(j).unlink()
        scale = args.runs / len(by_path)
        line(f"  .npz per run ({len(by_path):,}, x{scale:g})", t_npz * scale, base,
             "mmap + numpy views only")  # fmt: skip
    print(f"pack: {pack.stat().st_size / 2**20:,.0f} MiB on disk; goal <= 3 s: "
          f"{'MET' if cached <= 3 else 'NOT MET'}")  # fmt: skip
    print(f"memory while opening: {peak / 2**20:.0f} MiB traced for {nbytes / 2**20:.0f} MiB "
          f"of arrays ({peak / nbytes:.2f}x; goal <= 2x)")  # fmt: skip

    # -- the runs table: sort and filter ----------------------------------------------------
    from paperscope.state.runs import RunsState
    from paperscope.state.runs_table import SUMMARY, RunsTableState

    state = RunsState()
    state.add(runs)
    table = RunsTableState(state)
    column = "eval/metric_0.max"
    table.add_summaries([column, "eval/metric_1.last"])

    def sort() -> int:
        table._on_runs_changed([])  # cold: the summaries are computed again
        table.sort_by(SUMMARY + column, descending=True)
        table.sort_by(SUMMARY + column, descending=False)
        return len(table.order())

    _, ours_sort = timed(sort, 3)
    maxima = np.array([float(np.nanmax(r.series["eval/metric_0"].values)) for r in runs])
    _, base_sort = timed(lambda: np.argsort(maxima, kind="stable"), 3)
    line("table sort (summary, cold)", ours_sort, base_sort, "np.argsort (values ready)")

    def warm_sort() -> int:
        table.sort_by(SUMMARY + column, descending=True)
        table.sort_by(SUMMARY + column, descending=False)
        return len(table.order())

    _, ours_warm = timed(warm_sort, 3)
    line("table re-sort (values cached)", ours_warm, base_sort, "np.argsort (values ready)")
    expr = f"lr < 1e-3 and optimizer == 'adam' and `{column}` > 0.5"

    def filt() -> int:
        table.update(filter_text="")
        table.update(filter_text=expr)
        return len(table.order())

    kept, ours_filter = timed(filt, 3)
    lrs = np.array([state.config_of(r.id).get("lr", np.nan) for r in runs], dtype=float)
    opt = np.array([state.config_of(r.id).get("optimizer", "") for r in runs])
    mask_fn = lambda: np.flatnonzero((lrs < 1e-3) & (opt == "adam") & (maxima > 0.5))  # noqa: E731
    want, base_filter = timed(mask_fn, 3)
    assert kept == len(want), (kept, len(want))
    line("table filter (language)", ours_filter, base_filter, "numpy mask (values ready)")

    # the Qt table on top: the proxy re-sorted by a header click
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from paperscope.gui.plots.runs_model import RunsFilter, RunsModel

    model = RunsModel(None, state, table)
    proxy = RunsFilter(model)
    table.update(filter_text="")
    col = model.column_of(SUMMARY + column)

    def qt_sort() -> int:
        proxy.sort(col, Qt.SortOrder.DescendingOrder)
        proxy.sort(col, Qt.SortOrder.AscendingOrder)
        return proxy.rowCount()

    _, ours_qt = timed(qt_sort, 3)
    line("Qt table sort (2 header clicks)", ours_qt, base_sort, "np.argsort (values ready)")

    # -- parallel coordinates: one frame ----------------------------------------------------
    import pyqtgraph as pg

    from paperscope.gui.plots.hyper_canvas import HyperCanvas, polylines
    from paperscope.state.hyper import HyperSettings, axis_data

    keys = ["config:lr", "config:optimizer", "config:seed", "config:batch_size",
            SUMMARY + column, SUMMARY + "eval/metric_1.last"]  # fmt: skip
    axes = [axis_data(table, k, runs) for k in keys]
    canvas = HyperCanvas()
    canvas.resize(1200, 600)
    canvas.show()
    colours = [state.colour(r.id) for r in runs]
    selected = np.zeros(len(runs), dtype=bool)
    selected[::7] = True
    settings = HyperSettings(axes=tuple(keys))

    def frame() -> object:  # new axes: everything drawn again
        canvas._key = None
        canvas.draw_parallel(axes, colours, selected, settings)
        return canvas.plot.grab()

    frame()
    app.processEvents()
    _, ours_frame = timed(frame, args.frames)
    plain = pg.PlotWidget()
    plain.resize(1200, 600)
    plain.show()
    positions = np.column_stack([a.normalised() for a in axes])

    def plain_frame() -> object:
        plain.clear()
        x, y = polylines(positions)
        plain.addItem(pg.PlotCurveItem(x, y, pen=pg.mkPen("#0072B2"), connect="finite"))
        return plain.grab()

    plain_frame()
    _, base_frame = timed(plain_frame, args.frames)
    _, base_paint = timed(plain.grab, args.frames)
    other = np.zeros(len(runs), dtype=bool)
    other[1::7] = True

    def brush_frames(a: np.ndarray, b: np.ndarray) -> float:  # a brush moved: another selection
        flip = [a, b]

        def frame() -> object:
            flip.reverse()
            canvas.draw_parallel(axes, colours, flip[0], settings)
            return canvas.plot.grab()

        frame()
        return timed(frame, args.frames)[1]

    few, many = brush_frames(selected, other), brush_frames(~selected, ~other)
    n_few, n_many = int(selected.sum()), int((~selected).sum())
    line(f"parallel, brush {n_few:,} of {len(runs):,}", few, base_paint,
         "pyqtgraph one PlotCurveItem")  # fmt: skip
    line(f"parallel, brush {n_many:,} of {len(runs):,}", many, base_paint,
         "pyqtgraph one PlotCurveItem")  # fmt: skip
    canvas.draw_parallel(axes, colours, selected, settings)
    _, ours_paint = timed(canvas.plot.grab, args.frames)
    line(f"parallel, repaint ({len(runs):,}: a drag)", ours_paint, base_paint,
         "pyqtgraph one PlotCurveItem")  # fmt: skip
    line(f"parallel, new axes ({len(runs):,})", ours_frame, base_frame,
         "pyqtgraph one PlotCurveItem")  # fmt: skip
    print(
        "goal <= 50 ms a frame: brush/repaint "
        f"{'MET' if max(few, ours_paint) <= 0.05 else 'NOT MET'} "
        f"(a brush keeping {n_many:,} lines: {'MET' if many <= 0.05 else 'NOT MET'})"
    )
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
