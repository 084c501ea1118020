"""The QPainter bar chart of the daily collection: scale, figures, negative bars, paper, and its cost."""

from __future__ import annotations

import time
from decimal import Decimal as D

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor

from homa_desk.ui.reports.bar_chart import SERIES_COLORS, BarChart, nice_step, short_inr


def test_steps_and_figures():
    assert nice_step(D("2000")) == D("500")
    assert nice_step(D("1234567.50")) == D("500000")
    assert nice_step(D("3")) == D("1")
    assert nice_step(D("0")) == D("1")
    assert short_inr(D("1234567")) == "₹12,34,567" and short_inr(D("12.50")) == "₹12.50"
    assert short_inr(D("-400")) == "-₹400"


def colours(image) -> set[str]:
    return {QColor(image.pixel(x, y)).name() for x in range(0, image.width(), 3) for y in range(0, image.height(), 3)}


def test_bars_are_drawn_for_every_series_and_read_back(qtbot):
    chart = BarChart("By method")
    qtbot.addWidget(chart)
    chart.set_bars(["Cash", "UPI"], [("Collected", [D("500.00"), D("300.00")]), ("Refunded", [D("0"), D("120.50")])])
    assert chart.bars() == {"Collected": {"Cash": D("500.00"), "UPI": D("300.00")},
                            "Refunded": {"Cash": D("0"), "UPI": D("120.50")}}
    image = chart.image(QSize(720, 300))
    assert {SERIES_COLORS[0], SERIES_COLORS[1]} <= colours(image)


def test_negative_bars_go_below_zero(qtbot):
    chart = BarChart("Net by doctor")
    qtbot.addWidget(chart)
    chart.set_bars(["Rahul Menon"], [("Refunds", [D("-400")]), ("Net", [D("400")])])
    image = chart.image(QSize(400, 300))

    def rows(colour: str) -> list[int]:
        return [y for y in range(image.height()) for x in range(0, image.width(), 4)
                if QColor(image.pixel(x, y)).name() == colour and y < image.height() - 40]  # not the legend

    negative, positive = rows(SERIES_COLORS[0]), rows(SERIES_COLORS[1])
    assert negative and positive and min(negative) >= max(positive) - 1
    assert max(negative) - min(negative) > 50 and max(positive) - min(positive) > 50


def test_empty_and_hindi_and_a_small_window_draw(qtbot):
    chart = BarChart("नकद संग्रह")
    qtbot.addWidget(chart)
    chart.resize(300, 220)
    chart.show()
    chart.set_bars([], [("कुल", [])])
    qtbot.waitExposed(chart)
    chart.set_bars(["राहुल मेनन, बहुत लंबा नाम जो कटेगा"] * 8, [("कुल", [D("123456.75")] * 8)])
    assert not chart.grab().isNull()


def test_drawing_the_busiest_day_is_cheap(qtbot):
    chart = BarChart("Net by doctor (top 8)")
    qtbot.addWidget(chart)
    chart.resize(700, 300)
    chart.show()
    qtbot.waitExposed(chart)
    chart.set_bars([f"Dr. Doctor {n}" for n in range(8)],
                   [("Collected", [D("1234567.50")] * 8), ("Refunded", [D("4500")] * 8)])
    started = time.perf_counter()
    for _ in range(10):
        chart.repaint()
    assert (time.perf_counter() - started) / 10 < 0.02  # QtCharts took 110-190 ms on new figures
