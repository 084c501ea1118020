"""A small grouped bar chart drawn with QPainter: title, value axis, bars with their figures, categories, legend.

It replaces QtCharts for the daily collection: a QChartView rebuilt its scene on the UI thread for 110–190 ms
whenever the day's figures arrived; this draws a few dozen lines and texts in well under a millisecond, and the
same `paint` draws the chart for paper. Values are Decimal rupees; floats only place pixels, and every figure shown
as text is formatted from the Decimal.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from homa_desk.domain.money import format_inr

SERIES_COLORS = ("#2f6fb0", "#e07b39", "#3a9d5d", "#8e5bb5", "#c0392b", "#7a7a7a")
AXIS_TICKS = 4  # about this many steps between the lowest and the highest value
_PAD = 8


def short_inr(value: Decimal) -> str:
    """₹12,34,567 for whole rupees (axis and bar figures), ₹12.50 when there are paise."""
    text = format_inr(value)
    return text[:-3] if text.endswith(".00") else text


def count_text(value: Decimal) -> str:
    """A count as an axis or bar figure: 1,234 (Indian grouping as the rupees have)."""
    return short_inr(value).replace("₹", "")


def nice_step(span: Decimal, steps: int = AXIS_TICKS) -> Decimal:
    """The 1, 2 or 5 × 10ⁿ rupees step that divides `span` into at most `steps` parts (at least ₹1)."""
    raw = span / steps if span > 0 else Decimal(1)
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for factor in (1, 2, 5, 10):
        if magnitude * factor >= raw:
            return max(Decimal(1), magnitude * factor)
    return max(Decimal(1), magnitude * 10)


class BarChart(QWidget):
    """Bars for each category, one per series: `set_bars(["Cash", "UPI"], [("Collected", [500, 300])])`."""

    def __init__(self, title: str = "", parent: QWidget | None = None, *,
                 value_text: Callable[[Decimal], str] = short_inr) -> None:
        super().__init__(parent)
        self.title = title
        self.value_text = value_text  # rupees by default; `count_text` for visits and patients
        self.categories: list[str] = []
        self.series: list[tuple[str, list[Decimal]]] = []
        self.setMinimumHeight(220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(480, 280)

    def set_bars(self, categories: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal]]]) -> None:
        self.categories = list(categories)
        self.series = [(label, [Decimal(v) for v in values]) for label, values in series]
        self.update()

    def bars(self) -> dict[str, dict[str, Decimal]]:
        """{series: {category: value}}: what a reader of the chart sees."""
        return {label: dict(zip(self.categories, values, strict=True)) for label, values in self.series}

    def image(self, size: QSize) -> QImage:
        """The chart drawn on white at `size`, whatever the widget's size (for printing)."""
        image = QImage(size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setFont(self.font())
        self.paint(painter, QRectF(0, 0, size.width(), size.height()), QColor("#1f2933"))
        painter.end()
        return image

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        self.paint(painter, QRectF(self.rect()), self.palette().windowText().color())
        painter.end()

    def paint(self, painter: QPainter, rect: QRectF, ink: QColor) -> None:
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        base = QFont(painter.font())
        metrics = QFontMetrics(base)
        line = metrics.height()
        area = rect.adjusted(_PAD, _PAD, -_PAD, -_PAD)

        title_font = QFont(base)
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(ink)
        painter.drawText(QRectF(area.left(), area.top(), area.width(), line), Qt.AlignmentFlag.AlignCenter,
                         QFontMetrics(title_font).elidedText(self.title, Qt.TextElideMode.ElideRight,
                                                             int(area.width())))
        painter.setFont(base)
        legend_top = area.bottom() - line
        self._legend(painter, QRectF(area.left(), legend_top, area.width(), line), metrics, ink)

        values = [v for _label, vs in self.series for v in vs]
        low, high = min([Decimal(0), *values]), max([Decimal(0), *values])
        step = nice_step(high - low)
        low = (low / step).to_integral_value(ROUND_FLOOR) * step
        high = (high / step).to_integral_value(ROUND_CEILING) * step
        if high == low:
            high = low + step
        ticks = [low + step * n for n in range(int((high - low) / step) + 1)]
        axis_width = max(metrics.horizontalAdvance(self.value_text(t)) for t in ticks) + 6
        plot = QRectF(area.left() + axis_width, area.top() + line * 2, area.width() - axis_width,
                      legend_top - line * 1.5 - (area.top() + line * 2))
        if plot.height() < line or plot.width() < 10:
            return

        def y_of(value: Decimal) -> float:
            return plot.bottom() - float((value - low) / (high - low)) * plot.height()

        grid = QColor(ink)
        grid.setAlpha(40)
        for tick in ticks:
            y = y_of(tick)
            painter.setPen(QPen(ink if tick == 0 else grid, 1))
            painter.drawLine(int(plot.left()), round(y), int(plot.right()), round(y))
            painter.setPen(ink)
            painter.drawText(QRectF(area.left(), y - line / 2, axis_width - 6, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.value_text(tick))
        if not self.categories or not self.series:
            return

        self._marks(painter, plot, y_of, ink, line)

    def _marks(self, painter: QPainter, plot: QRectF, y_of: Callable[[Decimal], float], ink: QColor,
               line: float) -> None:
        """The bars, their figures and the categories under them (LineChart draws lines instead)."""
        base = QFont(painter.font())
        metrics = QFontMetrics(base)
        values = [v for _label, vs in self.series for v in vs]
        small = QFont(base)
        small.setPointSizeF(max(6.0, base.pointSizeF() * 0.85))
        small_metrics = QFontMetrics(small)
        group = plot.width() / len(self.categories)
        bar = group * 0.8 / len(self.series)
        zero = y_of(Decimal(0))
        figures = all(small_metrics.horizontalAdvance(self.value_text(v)) <= bar + group * 0.1 for v in values)
        for c, category in enumerate(self.categories):
            left = plot.left() + c * group + group * 0.1
            for s, (_label, series_values) in enumerate(self.series):
                value = series_values[c]
                top = y_of(value)
                painter.fillRect(QRectF(left + s * bar, min(top, zero), max(1.0, bar - 2), abs(zero - top)),
                                 QColor(SERIES_COLORS[s % len(SERIES_COLORS)]))
                if figures:  # every bar's figure or none, so a missing one never reads as "nothing"
                    painter.setFont(small)
                    painter.setPen(ink)
                    above = top - small_metrics.height() if value >= 0 else top
                    painter.drawText(QRectF(left + s * bar - group * 0.05, above, bar + group * 0.1,
                                            small_metrics.height()), Qt.AlignmentFlag.AlignCenter,
                                     self.value_text(value))
                    painter.setFont(base)
            painter.setPen(ink)
            painter.drawText(QRectF(plot.left() + c * group, plot.bottom() + line * 0.25, group, line),
                             Qt.AlignmentFlag.AlignCenter,
                             metrics.elidedText(category, Qt.TextElideMode.ElideRight, int(group) - 4))


    def _legend(self, painter: QPainter, rect: QRectF, metrics: QFontMetrics, ink: QColor) -> None:
        box = metrics.ascent() * 0.8
        widths = [box + 4 + metrics.horizontalAdvance(label) + 16 for label, _values in self.series]
        x = rect.left() + max(0.0, (rect.width() - sum(widths)) / 2)
        for s, ((label, _values), width) in enumerate(zip(self.series, widths, strict=True)):
            painter.fillRect(QRectF(x, rect.center().y() - box / 2, box, box),
                             QColor(SERIES_COLORS[s % len(SERIES_COLORS)]))
            painter.setPen(ink)
            painter.drawText(QRectF(x + box + 4, rect.top(), width - box - 4, rect.height()),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, label)
            x += width
