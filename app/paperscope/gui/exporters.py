"""Writing a pyqtgraph item to PNG or SVG (the plot panes and the map share this)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def export_item(item: Any, path: Path, width: int | None = None) -> Path:
    """``item`` (a PlotItem) as SVG when ``path`` ends in .svg, else as PNG ``width``
    pixels wide (default: its size on screen)."""
    from pyqtgraph.exporters import ImageExporter, SVGExporter

    if path.suffix.lower() == ".svg":
        _patch_svg_exporter()
        SVGExporter(item).export(str(path))
    else:
        exporter = ImageExporter(item)
        if width is not None:
            exporter.parameters()["width"] = max(int(width), 100)
        exporter.export(str(path))
    return path


def _patch_svg_exporter() -> None:
    """pyqtgraph 0.14's SVG exporter parses each path's ``d`` as ``x,y`` tokens and
    fails on the ``Z`` (close path) that Qt 6.11 writes; drop those tokens first (the
    paths Qt closes repeat their first point, so nothing visible is lost)."""
    import sys

    import pyqtgraph.exporters  # noqa: F401 - loads the module patched below

    module: Any = sys.modules["pyqtgraph.exporters.SVGExporter"]
    original = module.correctCoordinates
    if getattr(original, "_paperscope", False):
        return

    def correct(node: Any, defs: Any, item: Any, options: Any) -> Any:
        for path in node.getElementsByTagName("path"):
            d = path.getAttribute("d")
            if "Z" in d or "z" in d:
                tokens = [t for t in d.split() if t not in ("Z", "z")]
                path.setAttribute("d", " ".join(tokens))
        return original(node, defs, item, options)

    correct._paperscope = True  # type: ignore[attr-defined]
    module.correctCoordinates = correct
