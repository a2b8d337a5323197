"""A layout that wraps its widgets onto more rows when the space is too narrow (Qt's
flow layout example), so a narrow pane shows every control, none over another."""

from __future__ import annotations

from PySide6.QtCore import QMargins, QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QLayoutItem, QWidget


class FlowLayout(QLayout):
    """Left to right, wrapping; items keep their size hints (an expanding item takes the
    rest of its row, down to its minimum)."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self._height: int | None = None  # of the rows at the last geometry's width
        self.setContentsMargins(QMargins(0, 0, 0, 0))

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._do_layout(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        height = self._do_layout(rect, apply=True)
        if height != self._height:
            # wrapped onto more (or fewer) rows: the layouts above ask the minimum again
            self._height = height
            self.invalidate()

    def sizeHint(self) -> QSize:
        # one row when there is room
        w = sum(i.sizeHint().width() for i in self._shown()) + self._spacing * max(
            0, len(self._shown()) - 1
        )
        h = max((i.sizeHint().height() for i in self._shown()), default=0)
        m = self.contentsMargins()
        return QSize(w + m.left() + m.right(), h + m.top() + m.bottom())

    def minimumSize(self) -> QSize:
        """The widest item's minimum, and every row the items wrap onto at the width
        the layout has (a dock squeezed to one row's height cut the others off)."""
        size = QSize()
        for item in self._shown():
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        size += QSize(m.left() + m.right(), m.top() + m.bottom())
        if self._height is not None:
            size.setHeight(max(size.height(), self._height))
        return size

    def _shown(self) -> list[QLayoutItem]:
        return [i for i in self._items if not i.isEmpty()]

    def _do_layout(self, rect: QRect, apply: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        rows: list[list[QLayoutItem]] = [[]]
        x = 0
        for item in self._shown():
            w = item.sizeHint().width()
            if rows[-1] and x + w > area.width():
                rows.append([])
                x = 0
            rows[-1].append(item)
            x += w + self._spacing
        y = area.y()
        for row in rows:
            if not row:
                continue
            height = max(i.sizeHint().height() for i in row)
            widths = [i.sizeHint().width() for i in row]
            free = area.width() - sum(widths) - self._spacing * (len(row) - 1)
            grow = [
                k for k, i in enumerate(row)
                if i.expandingDirections() & Qt.Orientation.Horizontal
            ]  # fmt: skip
            if free > 0 and grow:
                for k in grow:
                    widths[k] += free // len(grow)
            elif free < 0:  # a lone item wider than the row: shrink it to its minimum
                for k, i in enumerate(row):
                    widths[k] = max(i.minimumSize().width(), widths[k] + free)
            x = area.x()
            for item, w in zip(row, widths, strict=True):
                if apply:
                    h = min(height, max(item.sizeHint().height(), item.minimumSize().height()))
                    item.setGeometry(QRect(QPoint(x, y + (height - h) // 2), QSize(w, h)))
                x += w + self._spacing
            y += height + self._spacing
        return y - self._spacing - rect.y() + m.bottom()
