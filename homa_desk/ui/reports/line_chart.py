"""A line chart drawn with QPainter, for figures over months: the bar chart's title, axis, legend and categories,
with a line and a dot per value for each series instead of bars (`set_bars` takes the same arguments)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

from homa_desk.ui.reports.bar_chart import SERIES_COLORS, BarChart

_DOT = 3.0


class LineChart(BarChart):
    """One line per series across the categories (months, oldest first)."""

    def _marks(self, painter: QPainter, plot: QRectF, y_of: Callable[[Decimal], float], ink: QColor,
               line: float) -> None:
        metrics = QFontMetrics(QFont(painter.font()))
        step = plot.width() / len(self.categories)
        x_of = [plot.left() + step * (c + 0.5) for c in range(len(self.categories))]
        for s, (_label, values) in enumerate(self.series):
            color = QColor(SERIES_COLORS[s % len(SERIES_COLORS)])
            points = [QPointF(x, y_of(value)) for x, value in zip(x_of, values, strict=True)]
            painter.setPen(QPen(color, 2))
            if len(points) > 1:
                painter.drawPolyline(points)
            painter.setBrush(color)
            for point in points:
                painter.drawEllipse(point, _DOT, _DOT)
            painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.setPen(ink)
        every = max(1, int(metrics.horizontalAdvance("Mmm 00") * 1.2 // max(step, 1)) + 1)
        for c, category in enumerate(self.categories):
            if c % every == 0 or c == len(self.categories) - 1:
                painter.drawText(QRectF(x_of[c] - step * every / 2, plot.bottom() + line * 0.25, step * every, line),
                                 Qt.AlignmentFlag.AlignCenter,
                                 metrics.elidedText(category, Qt.TextElideMode.ElideRight, int(step * every) - 2))
