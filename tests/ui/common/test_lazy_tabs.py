"""A tab's page is built (and loads its data) when the tab first comes forward, not with the view."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget

from homa_desk.ui.common.form import line_edit
from homa_desk.ui.common.lazy_tabs import LazyTabs
from homa_desk.ui.common.worker import wait_for_idle
from homa_desk.ui.settings.settings_view import SettingsView
from tests.appointment_helpers import StatementCounter


def test_only_the_first_tab_is_built_until_another_is_chosen(qtbot) -> None:
    built: list[str] = []
    tabs = LazyTabs()
    qtbot.addWidget(tabs)
    for name in ("first", "second", "third"):
        tabs.add_page(name, name.title(), lambda name=name: built.append(name) or QLabel(name))
    assert built == ["first"] and tabs.is_built("first") and not tabs.is_built("second")

    tabs.setCurrentIndex(2)
    assert built == ["first", "third"]
    assert tabs.currentWidget().findChild(QLabel).text() == "third"

    second = tabs.page("second", QLabel)  # asked for by name: built, but the current tab stays
    tabs.setCurrentWidget(second)
    tabs.setCurrentIndex(0)
    tabs.setCurrentWidget(second)
    assert built == ["first", "third", "second"] and tabs.currentIndex() == 1


def test_opening_settings_asks_the_database_for_the_staff_tab_only(qtbot, engine, backend, admin) -> None:
    with StatementCounter(engine) as counter:
        view = SettingsView(backend, admin)
        qtbot.addWidget(view)
        qtbot.waitUntil(lambda: view.staff.table.model().rowCount() > 0)
        wait_for_idle()
    assert [s for s in counter.statements if "clinic_settings" in s] == []
    assert not view.tabs.is_built("clinic")

    view.tabs.setCurrentIndex(1)
    qtbot.waitUntil(lambda: view.clinic.clinic_name.text() == "Sunrise Clinic")


def test_the_scrolling_around_a_page_is_no_stop_for_tab(qtbot) -> None:
    """A page scrolls inside its tab on a small screen (issue 18, defect 1); Tab still goes field to field."""
    def form() -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        for name in ("first", "second"):
            layout.addWidget(line_edit(name))
        return page

    tabs = LazyTabs()
    qtbot.addWidget(tabs)
    tabs.add_page("form", "Form", form)
    other = line_edit("after")
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.addWidget(tabs)
    layout.addWidget(other)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    first = tabs.findChild(QLineEdit, "first")
    first.setFocus()
    chain = []
    for _ in range(2):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        chain.append(QApplication.focusWidget().objectName())
    first.setFocus()
    qtbot.keyClick(first, Qt.Key.Key_Backtab, Qt.KeyboardModifier.ShiftModifier)
    chain.append(type(QApplication.focusWidget()).__name__)
    assert chain == ["second", "after", "QTabBar"]
