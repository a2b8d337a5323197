"""Frame time of a plot pane with 20 reference lines against the same pane without them
(issue #15: 20 reference lines add <= 2 ms per frame).

The pane shows Dopamine's 30 Pong runs (``shared/data/runs/dopamine``), grouped by agent
(6 centre lines with their ± std bands). The reference pane adds 20 reported results as
lines: 10 with a ± std band (a shaded region) and 10 without, each labelled. A frame is a
view-range change (pan or zoom) followed by ``grab()`` (one offscreen paint), as in
``bench_plot_pane.py``; both panes get the same frames, interleaved (A, B, A, B …) so
machine load hits both alike. Prints the medians, their ratio and the added ms (the
median of the per-frame differences).

    QT_QPA_PLATFORM=offscreen PYTHONPATH=app python tests/benchmarks/bench_reference_lines.py
    ... --frames 40
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))
sys.path.insert(1, str(ROOT))

GOAL_ADDED_MS = 2.0


def verdict(ms: float) -> str:
    return f"goal <= {GOAL_ADDED_MS:.0f} ms: {'met' if ms <= GOAL_ADDED_MS else 'NOT met'}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--lines", type=int, default=20)
    args = ap.parse_args()

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from tests.workflows.test_references import pong_runs

    from paperscope.gui.plots.plot_pane import PlotPane
    from paperscope.results.references import Reference

    runs = pong_runs()
    refs = tuple(
        Reference(f"method {k} — Author et al. {2010 + k}", -18.0 + 2.0 * k,
                  lower=-18.5 + 2.0 * k if k % 2 else None,
                  upper=-17.5 + 2.0 * k if k % 2 else None, result_id=k)
        for k in range(args.lines)
    )  # fmt: skip
    panes = []
    for with_refs in (False, True):
        pane = PlotPane()
        pane.resize(900, 500)
        pane.show()
        pane.add_runs(runs)
        pane.state.update(metric="return", grouping="config", group_key="agent")
        pane.refresh()  # now (it stops the pending timer that would redraw later)
        spec = pane.spec()
        if with_refs:
            from dataclasses import replace

            spec = replace(spec, references=refs)
        from paperscope.workflows.plots import compute_pane

        data, pyramids = compute_pane(runs, spec)
        pane._draw(data, pyramids)
        app.processEvents()
        panes.append(pane)
    assert len(panes[1].canvas.refs.references) == args.lines
    assert not panes[0].canvas.refs.references
    views = []
    for k in range(args.frames):
        t = k / max(args.frames - 1, 1)
        if k % 3 == 0:
            w = 198 * (1.0 - 0.9 * t)
            views.append((99 - w / 2, 99 + w / 2))
        else:
            left = t * 150
            views.append((left, left + 48))
    times: list[list[float]] = [[], []]
    for lo, hi in [views[0], *views]:  # the first frame warms both up (not counted)
        for i, pane in enumerate(panes):
            vb = pane.plot.getPlotItem().getViewBox()
            app.processEvents()
            t0 = time.perf_counter()
            vb.setXRange(lo, hi, padding=0)
            pane.plot.grab()
            times[i].append(1000 * (time.perf_counter() - t0))
    base, refd = (statistics.median(t[1:]) for t in times)
    print(f"pane without references (baseline)   median {base:7.2f} ms ({args.frames} frames)")
    print(f"pane with {args.lines} reference lines        median {refd:7.2f} ms")
    added = statistics.median(b - a for a, b in zip(times[0][1:], times[1][1:], strict=True))
    print(f"ratio {refd / base:.2f}x; added {added:+.2f} ms per frame (median of the paired "
          f"frame differences; {verdict(added)})")  # fmt: skip
    # the reference items' own paint, alone and repeated (free of the other items' noise)
    from PySide6.QtGui import QImage, QPainter

    refs_items = [i for i in (panes[1].canvas.refs.item, panes[1].canvas.refs.band_item) if i]
    view = panes[1].plot
    img = QImage(view.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)
    reps = 200
    t0 = time.perf_counter()
    for _ in range(reps):
        p = QPainter(img)
        for item in refs_items:
            p.setTransform(item.deviceTransform(view.viewportTransform()))
            item.paint(p, None, None)
        p.end()
    own = 1000 * (time.perf_counter() - t0) / reps
    print(f"the {len(refs_items)} reference items' paint alone: {own:.2f} ms per frame "
          f"({verdict(own)})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
