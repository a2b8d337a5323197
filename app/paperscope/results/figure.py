"""Publication figures through matplotlib (imported lazily; no pyplot, no global state).

:func:`render_figure` draws runs' curves (smoothed, with the raw curve faint behind) and
groups' centre lines with their bands, at a journal column width, in a colour-blind
safe palette, and writes vector PDF/SVG (fonts embedded as TrueType so the text stays
editable) or PNG at a chosen DPI. The smoothing and the band definition go into the
file's metadata (PDF ``Subject``/``Keywords``, SVG ``Description``/``Keywords``, PNG
text chunks). :func:`write_csv` writes exactly the numbers drawn.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from paperscope import __version__
from paperscope.results.align import Curve, GroupCurve, x_label
from paperscope.results.references import REFERENCE_COLOURS, Reference

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common form
# of colour blindness. Black last: it reads as an axis colour when there are few lines.
OKABE_ITO: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
LINE_STYLES = ("-", "--", ":", "-.")

Size = Literal["single", "double"]
# width and height in inches; the usual two-column journal/conference page
SIZES: dict[str, tuple[float, float]] = {"single": (3.5, 2.5), "double": (7.0, 3.0)}
FONT_SIZES: dict[str, float] = {"single": 8.0, "double": 9.0}
LEGEND_CHOICES = (
    "best", "upper right", "upper left", "lower left", "lower right", "right",
    "center left", "center right", "lower center", "upper center", "center",
    "outside", "below", "none",
)  # fmt: skip
FORMATS = ("pdf", "svg", "png")
MAX_LEGEND_ENTRIES = 24  # beyond this a legend hides the plot; the CSV names every line


@dataclass(frozen=True, slots=True)
class Note:
    """A text note pinned at ``x`` or over the range ``x``…``x1`` of a plot (in data
    coordinates; wall time in epoch seconds)."""

    x: float
    text: str
    x1: float | None = None

    def __post_init__(self) -> None:
        if not (isinstance(self.x, int | float) and math.isfinite(self.x)):
            raise ValueError(f"a note's x is a finite number, got {self.x!r}")
        if self.x1 is not None and not (
            isinstance(self.x1, int | float) and math.isfinite(self.x1) and self.x1 > self.x
        ):
            raise ValueError(f"a note's range ends after it starts, got {self.x}…{self.x1!r}")
        if not isinstance(self.text, str):
            raise ValueError(f"a note's text is text, got {self.text!r}")

    @classmethod
    def parse(cls, text: str) -> Note:
        """``"1000=warm-up ends"`` or ``"0:5000=warm-up"`` (the CLI's ``--note``)."""
        where, eq, body = text.partition("=")
        lo, colon, hi = where.partition(":")
        try:
            x = float(lo)
            x1 = float(hi) if colon else None
        except ValueError:
            raise ValueError(f"{text!r}: write X=TEXT or X0:X1=TEXT") from None
        if not eq:
            raise ValueError(f"{text!r}: write X=TEXT or X0:X1=TEXT")
        return cls(x, body.strip(), x1)

    def to_json(self) -> dict[str, Any]:
        return {"x": self.x, "x1": self.x1, "text": self.text}


def extrema(x: Any, y: Any) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """``((x_min, y_min), (x_max, y_max))`` over the finite points of a curve (the first
    on a tie); ``None`` when it has none."""
    xs, ys = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(ys) & np.isfinite(xs)
    if not ok.any():
        return None
    idx = np.flatnonzero(ok)
    lo, hi = idx[int(np.argmin(ys[ok]))], idx[int(np.argmax(ys[ok]))]
    return (float(xs[lo]), float(ys[lo])), (float(xs[hi]), float(ys[hi]))


@dataclass(frozen=True, slots=True)
class FigureStyle:
    """How the figure looks. ``size`` picks the preset width/height/font size; the
    explicit fields override it. ``legend``: a matplotlib location, ``outside`` (right
    of the axes), ``below`` or ``none``."""

    size: Size = "single"
    width_in: float | None = None
    height_in: float | None = None
    font_size: float | None = None
    legend: str = "best"
    palette: tuple[str, ...] = OKABE_ITO
    dpi: int = 300
    title: str = ""
    xlabel: str | None = None
    ylabel: str | None = None
    log_x: bool = False
    log_y: bool = False
    show_raw: bool = True
    raw_alpha: float = 0.25
    band_alpha: float = 0.25
    line_width: float = 1.2
    mark_extrema: bool = False
    notes: tuple[Note, ...] = ()

    def dimensions(self) -> tuple[float, float]:
        if self.size not in SIZES:
            raise ValueError(f"unknown size {self.size!r} (single or double)")
        w, h = SIZES[self.size]
        return (self.width_in or w, self.height_in or h)

    def font(self) -> float:
        return self.font_size or FONT_SIZES[self.size]


@dataclass(frozen=True, slots=True)
class FigureInfo:
    """What the figure shows, written into the file's metadata."""

    metric: str
    x: str = "step"
    smoothing: float = 0.0
    smoothing_mode: str = "ema"
    band: str = ""  # the band definition in words (align.band_description)
    band_kind: str = ""
    center: str = ""
    min_runs: int | None = None
    runs: int = 0
    extra: Mapping[str, str] = field(default_factory=dict)

    @property
    def smoothed(self) -> bool:
        from paperscope.results.smoothing import is_identity

        return not is_identity(self.smoothing_mode, self.smoothing)

    def smoothing_text(self) -> str:
        if not self.smoothed:
            return "none"
        if self.smoothing_mode in ("ema", "time"):
            kind = (
                "TensorBoard's debiased EMA"
                if self.smoothing_mode == "ema"
                else "time-weighted debiased EMA (decay w^(dx/median dx))"
            )
            return f"{kind}, weight {self.smoothing:g}, on every logged point"
        from paperscope.results.smoothing import formula

        return formula(self.smoothing_mode, self.smoothing).split(":", 1)[0] + ", on every point"

    def smoothing_formula(self) -> str:
        from paperscope.results.smoothing import formula

        return formula(self.smoothing_mode, self.smoothing)

    def subject(self) -> str:
        parts = [f"{self.metric} against {self.x}", f"Smoothing: {self.smoothing_text()}."]
        if self.band:
            parts.append(f"Groups: {self.band}.")
            if self.min_runs:
                parts.append(f"Points with fewer than {self.min_runs} runs are not drawn.")
        return " ".join(parts)

    def keywords(self) -> str:
        kv = {
            "metric": self.metric,
            "x": self.x,
            "smoothing": f"{self.smoothing:g}",
            "smoothing_mode": self.smoothing_mode,
            "smoothing_formula": self.smoothing_formula(),
        }
        if self.band:
            kv.update(center=self.center, band=self.band_kind, min_runs=str(self.min_runs))
        kv["runs"] = str(self.runs)
        kv.update(self.extra)
        return "; ".join(f"{k}={v}" for k, v in kv.items())


def output_format(path: Path) -> str:
    fmt = path.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{path}: unsupported figure format {fmt!r} (pdf, svg or png)")
    return fmt


def file_metadata(fmt: str, title: str, subject: str, keywords: str) -> dict[str, Any]:
    """matplotlib ``savefig(metadata=…)`` for ``fmt``: PDF Info, SVG Dublin Core, PNG text."""
    creator = f"PaperScope {__version__} (matplotlib)"
    if fmt == "pdf":
        return {
            "Title": title,
            "Subject": subject,
            "Keywords": keywords,
            "Creator": creator,
            "CreationDate": None,  # reproducible bytes
        }
    if fmt == "svg":
        return {
            "Title": title,
            "Description": subject,
            "Keywords": keywords,
            "Creator": creator,
            "Date": None,
        }
    return {"Title": title, "Description": subject, "Keywords": keywords, "Software": creator}


def _rc(style: FigureStyle) -> dict[str, Any]:
    fs = style.font()
    return {
        "font.size": fs,
        "axes.titlesize": fs,
        "axes.labelsize": fs,
        "legend.fontsize": fs - 1,
        "xtick.labelsize": fs - 1,
        "ytick.labelsize": fs - 1,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": style.line_width,
        "pdf.fonttype": 42,  # TrueType: editable text, accepted by publishers (no Type 3)
        "ps.fonttype": 42,
        "svg.fonttype": "path",
        "svg.hashsalt": "paperscope",  # stable ids in the SVG
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def assign_colors(
    groups: Sequence[GroupCurve], curves: Sequence[Curve], palette: Sequence[str]
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(colour, line style)`` per group then per curve: the palette in order, then the
    palette again with the next line style."""
    styles: list[tuple[str, str]] = []
    for i in range(len(groups) + len(curves)):
        styles.append((palette[i % len(palette)], LINE_STYLES[(i // len(palette)) % 4]))
    return styles[: len(groups)], styles[len(groups) :]


def render_figure(
    out: Path | str,
    curves: Sequence[Curve] = (),
    groups: Sequence[GroupCurve] = (),
    style: FigureStyle | None = None,
    info: FigureInfo | None = None,
    references: Sequence[Reference] = (),
) -> Path:
    """Draw ``groups`` (centre + band), ``curves`` (smoothed, raw faint behind) and
    ``references`` (dashed lines or curves with a shaded spread) and write the figure
    to ``out`` (``.pdf``, ``.svg`` or ``.png``). Returns ``out``."""
    from matplotlib import rc_context

    path = Path(out)
    fmt = output_format(path)
    style = style or FigureStyle()
    info = info or FigureInfo(metric=curves[0].metric if curves else "")
    style.dimensions()  # an unknown size is a ValueError before anything is drawn
    rc: Any = _rc(style)
    with rc_context(rc):
        fig = draw_figure(curves, groups, style, info, references)
        title = style.title or info.metric
        fig.savefig(
            path,
            format=fmt,
            dpi=style.dpi,
            metadata=file_metadata(fmt, title, info.subject(), info.keywords()),
        )
    return path


def draw_figure(
    curves: Sequence[Curve] = (),
    groups: Sequence[GroupCurve] = (),
    style: FigureStyle | None = None,
    info: FigureInfo | None = None,
    references: Sequence[Reference] = (),
) -> Any:
    """The matplotlib ``Figure`` :func:`render_figure` writes (the legend placed where
    it covers no line: ``best``, or outside when every spot inside has one)."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    style = style or FigureStyle()
    info = info or FigureInfo(metric=curves[0].metric if curves else "")
    if style.legend not in LEGEND_CHOICES:
        raise ValueError(f"unknown legend placement {style.legend!r}")
    w, h = style.dimensions()
    rc: Any = _rc(style)

    with rc_context(rc):
        fig = Figure(figsize=(w, h), layout="constrained")
        ax = fig.add_subplot()
        _draw_axes(ax, curves, groups, style, info, references)
        n_entries = len(groups) + len(curves) + sum(r.is_curve for r in references)
        if style.legend != "none" and 0 < n_entries <= MAX_LEGEND_ENTRIES:
            if style.legend == "outside":
                fig.legend(loc="outside right upper", frameon=False)
            elif style.legend == "below":
                fig.legend(loc="outside lower center", ncols=min(n_entries, 4), frameon=False)
            else:
                loc: Any = style.legend
                ax.legend(loc=loc, frameon=False)
                # "best" still covers a line when every spot has one: then outside
                if legend_overlaps_lines(fig):
                    legend = ax.get_legend()
                    assert legend is not None
                    legend.remove()
                    fig.legend(loc="outside right upper", frameon=False)
    return fig


def _draw_axes(
    ax: Any,
    curves: Sequence[Curve],
    groups: Sequence[GroupCurve],
    style: FigureStyle,
    info: FigureInfo,
    references: Sequence[Reference] = (),
) -> None:
    """One plot's lines, bands, marks, reference lines, notes, axes and labels on ``ax``."""

    def X(values: Any) -> Any:  # the x data as drawn
        if info.x != "wall":
            return values
        # wall time: draw dates (matplotlib's date axis), the CSV keeps epoch seconds
        return (np.asarray(values) * 1e6).astype("datetime64[us]")

    g_styles, c_styles = assign_colors(groups, curves, style.palette)
    for g, (color, ls) in zip(groups, g_styles, strict=True):
        if len(g) == 0:
            continue
        if style.show_raw and info.smoothed:
            ax.plot(
                X(g.x),
                g.raw_center,
                color=color,
                alpha=style.raw_alpha,
                lw=0.6 * style.line_width,
                ls=ls,
            )
        if g.band_kind != "none":
            ax.fill_between(X(g.x), g.lower, g.upper, color=color, alpha=style.band_alpha, lw=0)
        ax.plot(X(g.x), g.center, color=color, ls=ls, label=f"{g.label} (n={len(g.run_ids)})")
    for c, (color, ls) in zip(curves, c_styles, strict=True):
        if style.show_raw and info.smoothed:
            ax.plot(
                X(c.x),
                c.raw,
                color=color,
                alpha=style.raw_alpha,
                lw=0.6 * style.line_width,
                ls=ls,
            )
        ax.plot(X(c.x), c.y, color=color, ls=ls, label=c.label)
    if style.mark_extrema:
        for line in list(ax.get_lines()):
            if line.get_alpha() is not None:  # the faint raw lines
                continue
            ydata = np.asarray(line.get_ydata(), dtype=np.float64)
            xdata = (np.asarray(line.get_xdata(), dtype=np.float64) if info.x != "wall"
                     else np.arange(ydata.size, dtype=np.float64))  # fmt: skip
            found = extrema(xdata, ydata)
            if found is None:
                continue
            xd = np.asarray(line.get_xdata())
            for (fx, fy), marker in zip(found, ("v", "^"), strict=True):
                px = xd[int(fx)] if info.x == "wall" else fx
                ax.plot([px], [fy], marker=marker, color=line.get_color(), ms=4, ls="none")
                ax.annotate(f"{fy:.4g}", (px, fy), textcoords="offset points",
                            xytext=(3, -9 if marker == "v" else 3),
                            fontsize=style.font() - 2, color=line.get_color())  # fmt: skip
    draw_references(ax, references, style, X)  # after the marks: a reference is no curve of ours
    for note in style.notes:

        def nx(v: float) -> Any:
            return X(np.asarray([v]))[0]

        if note.x1 is None:
            ax.axvline(nx(note.x), color="#555555", lw=0.7, ls="--")
        else:
            ax.axvspan(nx(note.x), nx(note.x1), color="#999999", alpha=0.15, lw=0)
        ax.annotate(note.text, (nx(note.x), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(2, -2), textcoords="offset points", va="top",
                    fontsize=style.font() - 1, color="#333333")  # fmt: skip
    if info.x == "wall":
        from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

        maxticks = 5 if style.size == "single" else 8
        locator = AutoDateLocator(minticks=3, maxticks=maxticks)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
    elif style.log_x:
        ax.set_xscale("log")
    if style.log_y:
        ax.set_yscale("log")
    default_xlabel = "wall time" if info.x == "wall" else x_label(info.x)
    ax.set_xlabel(style.xlabel if style.xlabel is not None else default_xlabel)
    ax.set_ylabel(style.ylabel if style.ylabel is not None else info.metric)
    if style.title:
        ax.set_title(style.title)
    ax.grid(True, lw=0.4, alpha=0.4)


Panel = tuple[Sequence[Curve], Sequence[GroupCurve], "FigureInfo"]
"""One panel of a grid figure: its curves, its groups and what it shows."""


def grid_shape(n: int, cols: int | None = None) -> tuple[int, int]:
    """Rows and columns for ``n`` panels (``cols`` given, or as square as fits)."""
    if n < 1:
        raise ValueError("a grid figure needs at least one panel")
    c = cols if cols else math.ceil(math.sqrt(n))
    if c < 1:
        raise ValueError(f"a grid has at least one column, got {cols}")
    c = min(c, n)
    return math.ceil(n / c), c


def draw_grid(
    panels: Sequence[Panel],
    style: FigureStyle | None = None,
    cols: int | None = None,
    share_y: bool = False,
) -> Any:
    """Every panel in one figure: a grid of plots (shared x when every panel has the same
    x axis, shared y on request), each titled with its metric, one legend for all below."""
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    style = style or FigureStyle()
    rows, c = grid_shape(len(panels), cols)
    w, h = style.dimensions()
    same_x = len({info.x for _c, _g, info in panels}) == 1
    rc: Any = _rc(style)
    with rc_context(rc):
        fig = Figure(figsize=(w, h * rows / max(1.0, c / 1.6)), layout="constrained")
        axes = fig.subplots(rows, c, squeeze=False, sharex=same_x, sharey=share_y)
        handles: dict[str, Any] = {}
        for k, (curves, groups, info) in enumerate(panels):
            ax = axes[k // c][k % c]
            _draw_axes(ax, curves, groups, style, info)
            ax.set_title(info.metric)
            if k % c:
                ax.set_ylabel("")
            if same_x and k + c < len(panels):  # a panel below shows the shared x axis
                ax.set_xlabel("")
            for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
                handles.setdefault(label, handle)
        for k in range(len(panels), rows * c):
            axes[k // c][k % c].set_visible(False)
        if style.title:
            fig.suptitle(style.title)
        if style.legend != "none" and 0 < len(handles) <= MAX_LEGEND_ENTRIES:
            fig.legend(list(handles.values()), list(handles), loc="outside lower center",
                       ncols=min(len(handles), 4), frameon=False)  # fmt: skip
    return fig


def render_grid(
    out: Path | str,
    panels: Sequence[Panel],
    style: FigureStyle | None = None,
    cols: int | None = None,
    share_y: bool = False,
) -> Path:
    """Write :func:`draw_grid` to ``out`` (PDF/SVG/PNG), every panel's smoothing and
    band in the file's metadata."""
    path = Path(out)
    fmt = output_format(path)
    style = style or FigureStyle()
    fig = draw_grid(panels, style, cols, share_y)
    subject = " | ".join(info.subject() for _c, _g, info in panels)
    keywords = " | ".join(info.keywords() for _c, _g, info in panels)
    title = style.title or ", ".join(info.metric for _c, _g, info in panels)
    from matplotlib import rc_context

    rc: Any = _rc(style)
    with rc_context(rc):
        fig.savefig(path, format=fmt, dpi=style.dpi,
                    metadata=file_metadata(fmt, title, subject, keywords))  # fmt: skip
    return path


def write_grid_csv(path: Path | str, panels: Sequence[Panel]) -> Path:
    """What every panel draws, one row per point: ``metric`` then the columns of
    :func:`write_csv`."""
    import io

    p = Path(path)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(("metric", *CSV_COLUMNS))
        for curves, groups, info in panels:
            buf = io.StringIO()
            _write_rows(csv.writer(buf), curves, groups)
            for row in csv.reader(io.StringIO(buf.getvalue())):
                w.writerow([info.metric, *row])
    return p


def draw_references(ax: Any, references: Sequence[Reference], style: FigureStyle, X: Any) -> None:
    """Reported results: a dashed horizontal line at each value across the axes with its
    spread shaded and its label ("method — paper") at the right end above it; reported
    curves dashed with their band shaded, named in the legend."""
    from matplotlib.transforms import blended_transform_factory

    trans = blended_transform_factory(ax.transAxes, ax.transData)
    for i, r in enumerate(references):
        color = REFERENCE_COLOURS[i % len(REFERENCE_COLOURS)]
        if r.is_curve:
            if r.has_band:
                ax.fill_between(X(r.x), r.y_lower, r.y_upper, color=color,
                                alpha=style.band_alpha * 0.7, lw=0)  # fmt: skip
            ax.plot(X(r.x), r.y, color=color, ls="--", label=r.label)
            continue
        if r.has_band:
            assert r.lower is not None and r.upper is not None
            ax.axhspan(r.lower, r.upper, color=color, alpha=style.band_alpha * 0.7, lw=0)
        line = ax.axhline(r.value, color=color, ls="--", lw=0.8 * style.line_width)
        line.set_gid(f"reference-{i}")
        ax.text(0.99, r.value, r.label, transform=trans, ha="right", va="bottom", color=color,
                fontsize="x-small", gid=f"reference-label-{i}", zorder=5,
                bbox={"facecolor": "white", "alpha": 0.7, "lw": 0, "pad": 0.5})  # fmt: skip


def legend_overlaps_lines(fig: Any) -> bool:
    """Whether a legend of ``fig`` (of an axes or of the figure) lies over a line drawn
    in any of its axes (the lines' segments, not just their points, in display space)."""
    fig.draw_without_rendering()  # lays the figure out (constrained layout included)
    legends = [*fig.legends, *(a.get_legend() for a in fig.axes)]
    boxes = [leg.get_window_extent() for leg in legends if leg is not None]
    for ax in fig.axes:
        for line in ax.get_lines():
            if str(line.get_gid() or "").startswith("reference-"):
                continue  # across the whole axes: every legend spot has one
            path = line.get_transform().transform_path(line.get_path())
            if any(path.intersects_bbox(box, filled=False) for box in boxes):
                return True
    return False


CSV_COLUMNS = ("series", "kind", "x", "y", "y_raw", "lower", "upper", "n")


def write_csv(
    path: Path | str,
    curves: Sequence[Curve] = (),
    groups: Sequence[GroupCurve] = (),
    references: Sequence[Reference] = (),
) -> Path:
    """The numbers drawn, one row per point: ``series`` (group or run label), ``kind``
    (``group``/``run``), ``x``, ``y`` (the smoothed line), ``y_raw`` (the faint raw line),
    ``lower``/``upper`` (band bounds, empty for runs) and ``n`` (runs at that point).
    A reference line is one row of kind ``reference`` (x empty, y its value, lower/upper
    its spread); a reported curve one ``reference curve`` row per point."""
    p = Path(path)
    with p.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        _write_rows(w, curves, groups)
        for ref in references:
            w.writerows(reference_rows(ref))
    return p


def _write_rows(w: Any, curves: Sequence[Curve], groups: Sequence[GroupCurve]) -> None:
    for g in groups:
        for row in zip(g.x, g.center, g.raw_center, g.lower, g.upper, g.n, strict=True):
            x, y, r, lo, hi, n = row
            w.writerow([g.label, "group", _num(x), _num(y), _num(r), _num(lo), _num(hi), int(n)])
    for c in curves:
        for x, y, r in zip(c.x, c.y, c.raw, strict=True):
            w.writerow([c.label, "run", _num(x), _num(y), _num(r), "", "", 1])


def reference_rows(r: Reference) -> list[list[str]]:
    def opt(v: float | None) -> str:
        return "" if v is None else _num(v)

    if not r.is_curve:
        return [[r.label, "reference", "", _num(r.value), "", opt(r.lower), opt(r.upper), ""]]
    band = r.has_band
    return [
        [r.label, "reference curve", _num(r.x[i]), _num(r.y[i]), "",
         _num(r.y_lower[i]) if band else "", _num(r.y_upper[i]) if band else "", ""]
        for i in range(len(r.x))
    ]  # fmt: skip


def _num(v: float | np.floating[Any]) -> str:
    f = float(v)
    if math.isnan(f):
        return "nan"
    return repr(f)
