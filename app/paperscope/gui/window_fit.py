"""The window's size on the screen it opens on: the default size where it fits, what the
screen's available geometry allows (never more), and dock sizes in proportion."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow

DEFAULT = QSize(1400, 900)
# a window manager's frame before the window is shown (its title bar, borders); once
# shown the real frame is measured
FRAME_GUESS = QSize(16, 40)


def available(window: QMainWindow) -> QRect:
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else QRect(0, 0, 1280, 800)


def frame_extra(window: QMainWindow) -> QSize:
    """What the frame adds to the window's size (measured once shown, else a guess)."""
    extra = window.frameGeometry().size() - window.geometry().size()
    if window.isVisible() and (extra.width() > 0 or extra.height() > 0):
        return extra
    return FRAME_GUESS


def fit_to_screen(window: QMainWindow, area: QRect | None = None) -> QSize:
    """Size ``window`` to :data:`DEFAULT` or less so that its frame lies inside ``area``
    (default: its screen's available geometry), centred there; returns the size."""
    area = area if area is not None else available(window)
    extra = frame_extra(window)
    size = DEFAULT.boundedTo(area.size() - extra)
    window.resize(size)
    size = window.size()  # at least the window's minimum size
    x = area.x() + max(0, (area.width() - size.width() - extra.width()) // 2)
    y = area.y() + max(0, (area.height() - size.height() - extra.height()) // 2)
    window.move(x, y)
    return size


def clamp_to_screen(window: QMainWindow, area: QRect | None = None) -> None:
    """A restored geometry from a bigger screen: fit it again when its frame spills."""
    area = area if area is not None else available(window)
    if not area.contains(window.frameGeometry()):
        fit_to_screen(window, area)


def size_docks(
    window: QMainWindow, left: QDockWidget, right: QDockWidget, right_lower: QDockWidget,
    bottom: QDockWidget, size: QSize,
) -> None:  # fmt: skip
    """The docks in proportion to the window: a narrow library column, the details and
    the map a third of the width, the plots nearly half the height."""
    w, h = size.width(), size.height()
    side = min(max(int(w * 0.14), 150), 200)
    column = min(max(int(w * 0.3), 300), 470)
    window.resizeDocks([left, right], [side, column], Qt.Orientation.Horizontal)
    window.resizeDocks([right, right_lower], [int(h * 0.5), int(h * 0.45)],
                       Qt.Orientation.Vertical)  # fmt: skip
    window.resizeDocks([bottom], [int(h * 0.46)], Qt.Orientation.Vertical)
