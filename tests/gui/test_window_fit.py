"""The window fits a laptop screen (issue 21, item 10): its frame inside a 1280 × 800
screen, no control drawn over another, a readable Title column."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QLineEdit,
    QWidget,
)

from paperscope.core.text import count

if TYPE_CHECKING:
    from pytestqt.qtbot import QtBot

    from paperscope.gui.main_window import MainWindow

LAPTOP = QRect(0, 0, 1280, 800)


def _fit(window: MainWindow, qtbot: QtBot, area: QRect) -> None:
    from paperscope.gui.window_fit import fit_to_screen, size_docks

    size = fit_to_screen(window, area)
    w = window
    size_docks(w, w.sidebar_dock, w.details_dock, w.map_dock, w.plots_dock, size)
    for _ in range(5):
        QApplication.processEvents()


def _overlaps(widgets: list[QWidget], root: QWidget) -> list[tuple[str, str]]:
    rects = [(w, QRect(w.mapTo(root, w.rect().topLeft()), w.size())) for w in widgets]
    out = []
    for i, (a, ra) in enumerate(rects):
        for b, rb in rects[i + 1 :]:
            if ra.intersects(rb):
                out.append((f"{type(a).__name__} {ra}", f"{type(b).__name__} {rb}"))
    return out


def _controls(bar: QWidget) -> list[QWidget]:
    """The visible leaf widgets of a row of controls (combo boxes, buttons, labels…)."""
    leaves = []
    for w in bar.findChildren(QWidget):
        if not w.isVisibleTo(bar) or w.parentWidget() is None:
            continue
        kids = [c for c in w.findChildren(QWidget) if c.isVisibleTo(bar)]
        if isinstance(w, (QComboBox, QAbstractSpinBox, QLineEdit)) or not kids:
            leaves.append(w)
    # a combo box's line edit lies inside it: keep the outermost control only
    return [w for w in leaves if not any(w is not o and o.isAncestorOf(w) for o in leaves)]


def test_window_frame_fits_a_laptop_screen(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.workflows.open import demo_runs

    window.load_runs([demo_runs()], watch=False)
    qtbot.waitUntil(lambda: bool(window.plot_pane.curves()), timeout=30000)
    _fit(window, qtbot, LAPTOP)
    # room to spare: real fonts (and a WM frame) are wider than the offscreen ones
    assert window.minimumSizeHint().width() <= 1000, window.minimumSizeHint()
    # and height: a dock whose minimum grows (a tab of tables, a list) pushes the window
    # past an 800 px screen, and Qt then squeezes the map to its title bar
    assert window.minimumSizeHint().height() <= 720, window.minimumSizeHint()
    assert LAPTOP.contains(window.frameGeometry()), (window.frameGeometry(), LAPTOP)
    # docks lie side by side, none over another or over the table
    docks = [d for d in window.docks() if d.isVisible()] + [window.centralWidget()]
    assert not _overlaps(docks, window)
    # no control of the plot pane, the runs panel or the map bar over another
    pane = window.plot_pane
    for bar in (pane.controls, window.plots.runs_panel, window.map_pane):
        bad = _overlaps(_controls(bar), window)
        assert not bad, (type(bar).__name__, bad)
        # and none spills out of its dock
        for w in _controls(bar):
            r = QRect(w.mapTo(window, w.rect().topLeft()), w.size())
            dock = next(d for d in window.docks() if d.isAncestorOf(w))
            assert QRect(dock.mapTo(window, dock.rect().topLeft()), dock.size()).contains(r), (
                type(w).__name__, r, dock.objectName(),
            )  # fmt: skip


def test_title_column_stays_readable_in_a_narrow_table(window: MainWindow, qtbot: QtBot) -> None:
    from paperscope.gui.papers.papers_view import TITLE_MIN

    assert TITLE_MIN >= 200
    _fit(window, qtbot, LAPTOP)
    table = window.papers_view.table
    assert table.columnWidth(0) >= TITLE_MIN
    # narrower still (the user widened the docks): the table scrolls, the title stays
    window.resizeDocks([window.details_dock], [700], Qt.Orientation.Horizontal)
    for _ in range(5):
        QApplication.processEvents()
    assert table.columnWidth(0) >= TITLE_MIN, count(table.columnWidth(0), "pixel")


def test_a_bigger_screen_gets_the_default_size_and_no_more(
    window: MainWindow, qtbot: QtBot
) -> None:
    from paperscope.gui.window_fit import DEFAULT

    _fit(window, qtbot, QRect(0, 0, 1920, 1080))
    assert window.size() == DEFAULT
    assert QRect(0, 0, 1920, 1080).contains(window.frameGeometry())


def test_title_column_fills_a_wide_table(window: MainWindow, qtbot: QtBot) -> None:
    """On a big screen the Title column takes the whole rest of the table (no empty
    strip right of the last column, after the window went narrow and wide again)."""
    _fit(window, qtbot, LAPTOP)
    _fit(window, qtbot, QRect(0, 0, 1920, 1080))
    table = window.papers_view.table
    header = table.horizontalHeader()
    used = sum(
        header.sectionSize(c) for c in range(header.count()) if not header.isSectionHidden(c)
    )
    assert abs(used - table.viewport().width()) <= 2, (used, table.viewport().width())


def test_the_runs_panel_keeps_its_wrapped_buttons_when_the_plots_dock_is_smallest(
    window: MainWindow, qtbot: QtBot
) -> None:
    """The runs panel's buttons wrap onto a second row in a narrow column; the Plots
    dock dragged to its smallest used to cut that row off (its minimum counted one row)."""
    from paperscope.gui.plots.runs_panel import RunsPanel

    _fit(window, qtbot, LAPTOP)
    (panel,) = window.findChildren(RunsPanel)
    # as small as the window lets it be
    window.resizeDocks([window.plots_dock], [1], Qt.Orientation.Vertical)
    for _ in range(5):
        QApplication.processEvents()
    last, first = panel.group_button, panel.count
    assert last.y() > first.y()  # wrapped: the last button is on a row of its own
    for button in (first, panel.columns_button, panel.show_all, panel.hide_all, last):
        assert button.isVisible()
        box = QRect(button.mapTo(panel, button.rect().topLeft()), button.size())
        assert panel.rect().contains(box), button.text() if hasattr(button, "text") else button
        assert box.bottom() < panel.height()
