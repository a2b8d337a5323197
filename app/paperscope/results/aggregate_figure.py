"""Publication figures of the aggregate view (matplotlib, imported lazily): rliable's
interval-estimate plot (one panel per metric, a CI bar per method) and performance
profiles with their bootstrap bands. Metadata as in :mod:`.figure`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from paperscope.results.aggregate import AggregateReport, Profile
from paperscope.results.figure import FigureStyle, _rc, file_metadata, output_format


def _bootstrap_text(report: AggregateReport) -> str:
    return (
        f"{100 * report.confidence:g}% stratified bootstrap CIs (runs resampled within each "
        f"task, percentile method, {report.reps} resamples, seed {report.seed})"
    )


def render_interval_estimates(
    out: Path | str, report: AggregateReport, style: FigureStyle | None = None
) -> Path:
    """One panel per metric (IQM, median, mean, optimality gap), a horizontal CI bar
    and point per method, as in rliable's ``plot_interval_estimates``."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    path = Path(out)
    fmt = output_format(path)
    style = style or FigureStyle(size="double")
    methods = list(report.methods)
    if not methods:
        raise ValueError("no method to draw")
    metrics = list(next(iter(report.methods.values())))
    w, h = style.dimensions()
    h = style.height_in or max(1.2, 0.35 * len(methods) + 0.8)
    rc: Any = _rc(style)
    rc["axes.spines.left"] = False
    with rc_context(rc):
        fig = Figure(figsize=(w, h), layout="constrained")
        axes = fig.subplots(1, len(metrics), sharey=True, squeeze=False)[0]
        for ax, metric in zip(axes, metrics, strict=True):
            for i, name in enumerate(methods):
                e = report.methods[name][metric]
                color = style.palette[i % len(style.palette)]
                ax.barh(i, e.upper - e.lower, left=e.lower, height=0.6, color=color, alpha=0.75)
                ax.vlines(e.point, i - 0.3, i + 0.3, color="black", lw=1.2)
            ax.set_title(metric)
            ax.grid(True, axis="x", lw=0.4, alpha=0.4)
            ax.tick_params(axis="y", length=0)
        axes[0].set_yticks(range(len(methods)), methods)
        axes[0].invert_yaxis()
        fig.supxlabel(style.xlabel or "normalised score")
        subject = (
            f"Aggregate metrics over {len(report.tasks)} tasks; normalisation: "
            f"{report.normalisation or 'none'}; bars: {_bootstrap_text(report)}; "
            "line: point estimate"
        )
        keywords = (
            f"metrics={','.join(metrics)}; methods={','.join(methods)}; tasks={len(report.tasks)}; "
            f"reps={report.reps}; confidence={report.confidence:g}; seed={report.seed}"
        )
        meta = file_metadata(fmt, style.title or "Aggregate metrics", subject, keywords)
        fig.savefig(path, format=fmt, dpi=style.dpi, metadata=meta)
    return path


def render_performance_profiles(
    out: Path | str,
    profiles: Mapping[str, Profile],
    style: FigureStyle | None = None,
    use_score_distribution: bool = True,
    reps: int = 0,
    confidence: float = 0.95,
) -> Path:
    """Each method's profile (fraction of runs with score > tau) with its CI band."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    path = Path(out)
    fmt = output_format(path)
    style = style or FigureStyle()
    if not profiles:
        raise ValueError("no profile to draw")
    rc: Any = _rc(style)
    with rc_context(rc):
        fig = Figure(figsize=style.dimensions(), layout="constrained")
        ax = fig.add_subplot()
        for i, (name, p) in enumerate(profiles.items()):
            color = style.palette[i % len(style.palette)]
            ax.fill_between(p.taus, p.lower, p.upper, color=color, alpha=style.band_alpha, lw=0)
            ax.plot(p.taus, p.fraction, color=color, label=name)
        ax.set_xlabel(style.xlabel or "normalised score (τ)")
        what = "runs" if use_score_distribution else "tasks (mean over runs)"
        ax.set_ylabel(style.ylabel or f"fraction of {what} with score > τ")
        ax.set_ylim(0, 1)
        ax.grid(True, lw=0.4, alpha=0.4)
        if style.legend != "none":
            loc: Any = style.legend if style.legend not in ("outside", "below") else "best"
            ax.legend(loc=loc, frameon=False)
        subject = (
            f"Performance profiles: fraction of {what} scoring above τ; bands: "
            f"{100 * confidence:g}% stratified bootstrap CIs ({reps} resamples)"
        )
        keywords = f"profile={'score' if use_score_distribution else 'average'}; reps={reps}"
        meta = file_metadata(fmt, style.title or "Performance profiles", subject, keywords)
        fig.savefig(path, format=fmt, dpi=style.dpi, metadata=meta)
    return path
