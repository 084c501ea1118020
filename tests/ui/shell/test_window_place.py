"""The main window opens where it was left on this computer, never off the screens, and fits a 1366×768 laptop;
a table's dragged column widths come back with it."""

from __future__ import annotations

from PySide6.QtCore import QRect

from homa_desk.config import Settings
from homa_desk.ui.shell.main_window import MainWindow

LAPTOP = QRect(0, 0, 1366, 728)  # a 1366×768 screen less a 40-pixel taskbar


def open_window(qtbot, backend, actor, **kwargs) -> MainWindow:
    window = MainWindow(backend, actor, **kwargs)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_size_place_and_column_widths_come_back_after_closing(qtbot, backend, admin):
    first = open_window(qtbot, backend, admin)
    first.setGeometry(40, 50, 700, 560)
    first.show_page("billing")
    bills = first.views["billing"].table.horizontalHeader()
    qtbot.waitUntil(lambda: bills.sectionSize(0) > 0)
    bills.resizeSection(0, bills.sectionSize(0) + 70)  # what dragging the column's edge does
    wanted = bills.sectionSize(0)
    left_at = first.geometry()
    assert left_at == QRect(40, 50, 700, 560)
    first.close()

    again = open_window(qtbot, backend, admin)
    assert again is not first and again.geometry() == left_at
    again.show_page("billing")
    qtbot.wait(50)
    assert again.views["billing"].table.horizontalHeader().sectionSize(0) == wanted


def test_a_maximised_window_opens_maximised(qtbot, backend, admin):
    first = open_window(qtbot, backend, admin)
    first.showMaximized()
    qtbot.waitUntil(first.isMaximized)
    first.close()
    assert Settings.load().window_maximized is True
    assert open_window(qtbot, backend, admin).isMaximized()


def test_a_place_on_a_screen_no_longer_there_is_ignored(qtbot, backend, admin):
    settings = Settings.load()
    settings.window_geometry = [1500, 200, 1200, 700]  # on a second monitor, since unplugged from the laptop
    settings.save()
    window = open_window(qtbot, backend, admin, screen_areas=[LAPTOP])
    assert LAPTOP.contains(window.geometry()), window.geometry()


def test_the_first_opening_on_a_1366_by_768_laptop_fits_its_screen(qtbot, backend, admin):
    window = MainWindow(backend, admin, screen_areas=[LAPTOP])
    qtbot.addWidget(window)
    frame = window.geometry().adjusted(-4, -32, 4, 4)  # with the title bar and borders a window manager adds
    assert LAPTOP.contains(frame), frame
    assert window.width() >= 1350 and window.height() >= 690  # the screen used, not a small window in its middle
