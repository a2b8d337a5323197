"""The window's menu bar, and the Help menu's two boxes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from paperscope import __version__
from paperscope.gui.papers.table_model import set_name_style

if TYPE_CHECKING:
    from paperscope.gui.main_window import MainWindow

Shortcut = QKeySequence | QKeySequence.StandardKey | str | None


def action(
    w: MainWindow, text: str, slot: Callable[..., Any], shortcut: Shortcut = None
) -> QAction:
    a = QAction(text, w)
    if shortcut is not None:
        a.setShortcut(QKeySequence(shortcut))
    a.triggered.connect(slot)
    return a


def build_menus(w: MainWindow) -> None:
    """File, Edit, Paper, View, Library and Help, wired to the window's parts."""
    from paperscope.gui.main_window import settings

    menu = w.menuBar()
    file_menu = menu.addMenu("&File")
    w.open_action = action(w, "&Open…", w.opener.choose_and_open, QKeySequence.StandardKey.Open)
    file_menu.addAction(w.open_action)
    file_menu.addAction(action(w, "&Import papers…", w.opener.choose_papers, "Ctrl+I"))
    file_menu.addAction(action(w, "Open &runs…", w.opener.choose_runs, "Ctrl+Shift+O"))
    w.watch_action = QAction("&Watch run folders for new data", w, checkable=True)
    w.watch_action.setToolTip(
        "Pick up new records and new runs in opened run folders while training writes them"
    )
    w.watch_action.setChecked(bool(settings().value("runs/watch", True, type=bool)))
    w.watch_action.toggled.connect(w.set_watching)
    w.watch.set_enabled(w.watch_action.isChecked())
    file_menu.addAction(w.watch_action)
    file_menu.addAction(
        action(w, "Save &workspace as…", lambda: w.save_workspace_as(), "Ctrl+Shift+S")
    )
    file_menu.addSeparator()
    w.export_papers_action = action(w, "Export &papers…", w.show_export_dialog, "Ctrl+Shift+E")
    file_menu.addAction(w.export_papers_action)
    file_menu.addAction(action(w, "&Export plot…", lambda: export_plot(w), "Ctrl+E"))
    file_menu.addAction(action(w, "&Publication figure…", w.publication_figure, "Ctrl+Alt+E"))
    file_menu.addAction(action(w, "Export all panes as one &figure…", lambda: export_panes(w)))
    file_menu.addAction(action(w, "&Aggregate scores (rliable)…", w.aggregate_scores))
    file_menu.addSeparator()
    file_menu.addAction(action(w, "&Quit", w.close, QKeySequence.StandardKey.Quit))

    edit_menu = menu.addMenu("&Edit")
    w.merge_action = action(w, "&Merge duplicates…", w.show_merge_dialog)
    edit_menu.addAction(w.merge_action)
    edit_menu.addAction(action(w, "&Save search…", w.papers.save_current_search))
    w.paper_menu = menu.addMenu("&Paper")
    w.paper_menu.aboutToShow.connect(lambda: w.paper_actions.fill_menu(w.paper_menu))
    w.paper_actions.fill_menu(w.paper_menu)

    view_menu = menu.addMenu("&View")
    for dock in w.docks():
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    area = w.plots.area
    view_menu.addAction(action(w, "New plot &tab", lambda: area.add_tab()))
    for text, orientation in (("Split plot left | right", Qt.Orientation.Horizontal),
                              ("Split plot top / bottom", Qt.Orientation.Vertical)):  # fmt: skip
        view_menu.addAction(
            action(w, text, lambda _c=False, o=orientation: area.split(w.plot_pane, o))
        )
    view_menu.addAction(action(w, "Comparison &table…", w.links.show_table_dialog))
    view_menu.addSeparator()
    # names as the user prefers: as written (Given Family) or a reference list's Family, G.
    w.family_first_action = QAction("Names as “Family, G.”", w, checkable=True)
    w.family_first_action.setChecked(bool(settings().value("names/family_first", False, type=bool)))
    w.family_first_action.toggled.connect(lambda on: _set_family_first(w, on))
    set_name_style("family" if w.family_first_action.isChecked() else "given")
    view_menu.addAction(w.family_first_action)
    view_menu.addAction(action(w, "&Reset layout", w.reset_layout))
    view_menu.addAction(action(w, "&Find", w.focus_search, QKeySequence.StandardKey.Find))
    slash = action(w, "Find (/)", w.focus_search, "/")
    slash.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    w.addAction(slash)

    library_menu = menu.addMenu("&Library")
    w.embedding.fill(library_menu)
    # imported vectors are mapped at once, like the embedding model's
    w.embedding.vectors_imported.connect(lambda model: w.map_pane.build_map(model_id=model))
    library_menu.addAction(action(w, "More &like these", w.papers.more_like_these, "Ctrl+L"))
    rec = w.papers.recommend
    library_menu.addAction(action(w, "&For you", lambda: rec.show_for_you(""), "Ctrl+Shift+Y"))
    library_menu.addAction(action(w, "Sort by &recommendation", rec.sort_recommended))
    library_menu.addSeparator()
    library_menu.addAction(action(w, "Build &map", lambda: w.map_pane.build_map()))
    library_menu.addAction(
        action(w, "&Similar papers for every paper", lambda: w.papers.compute_all_similar())
    )
    library_menu.addAction(
        action(w, "Build map (&PCA, instant)", lambda: w.map_pane.build_map("pca"))
    )

    help_menu = menu.addMenu("&Help")
    help_menu.addAction(action(w, "&Keyboard shortcuts", lambda: show_shortcuts(w)))
    help_menu.addAction(action(w, "&About PaperScope", lambda: show_about(w)))


def export_plot(w: MainWindow) -> None:
    """File → Export plot: the current pane as PNG (at a chosen dpi) or SVG."""
    path, _ = QFileDialog.getSaveFileName(w, "Export plot", "plot.png", "PNG (*.png);;SVG (*.svg)")
    if not path:
        return
    dpi = 200
    if not path.lower().endswith(".svg"):
        dpi, ok = QInputDialog.getInt(w, "Export plot", "Resolution (dpi):", 200, 50, 1200)
        if not ok:
            return
    w.plot_pane.export(Path(path), dpi)


def export_panes(w: MainWindow, path: str | None = None) -> None:
    """File → Export all panes as one figure: the current tab's panes as a grid (one
    legend), with the CSV of everything drawn beside it."""
    from paperscope.gui.plots.export_dialog import export_panes as job
    from paperscope.results.figure import FigureStyle

    datas = [p.data for p in w.plots.area.panes(w.plots.area.currentIndex()) if p.data]
    if not datas:
        w.status.show_message("No pane shows a plot yet")
        return
    if path is None:
        path, _ = QFileDialog.getSaveFileName(
            w, "Export all panes", "panes.pdf", "PDF (*.pdf);;SVG (*.svg);;PNG (*.png)"
        )
    if not path:
        return
    out = Path(path)
    w.runner.submit(
        job, datas, out, FigureStyle(size="double"), out.with_suffix(".csv"),
        title=f"Writing {out.name}",
    )  # fmt: skip


def show_shortcuts(w: MainWindow) -> None:
    lines = []
    for a in w.findChildren(QAction):
        seq = a.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if seq and a.text():
            lines.append(f"{seq:<16} {a.text().replace('&', '')}")
    lines += [
        "j / k           next / previous paper",
        "Enter           show details",
        "Esc             clear the search",
        "1 … 9           toggle the first nine tags on the selection",
    ]
    box = QMessageBox(
        QMessageBox.Icon.NoIcon, "Keyboard shortcuts", "\n".join(sorted(set(lines))), parent=w
    )
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.exec()


def show_about(w: MainWindow) -> None:
    QMessageBox.about(
        w, "About PaperScope",
        f"PaperScope {__version__}\n\nYour papers, a semantic map of them, and your experiment "
        f"results in one window.\n\nLibrary: {w.store.path}",
    )  # fmt: skip


def _set_family_first(w: MainWindow, on: bool) -> None:
    """Show every name as ``Family, G.`` (or as written) in the table and the details."""
    from paperscope.gui.main_window import settings

    settings().setValue("names/family_first", on)
    set_name_style("family" if on else "given")
    w.papers_view.model.names_changed()
    w.detail_pane.show_paper(w.detail_pane.paper_id)
