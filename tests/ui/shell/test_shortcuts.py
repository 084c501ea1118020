"""The keyboard-first desk: each shortcut of ui/shell/shortcuts.py pressed on the real main window, and the F1 help."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication, QLabel

from homa_desk.domain.appointments import SlotState
from homa_desk.ui.appointments.appointment_dialogs import BookingDialog
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.billing.payment_dialog import PaymentDialog
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.shell import shortcuts
from homa_desk.ui.shell.main_window import MainWindow
from tests.appointment_helpers import next_weekday, with_hours
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.conftest import top_level

CTRL = Qt.KeyboardModifier.ControlModifier


def open_window(qtbot, backend, actor) -> MainWindow:
    window = MainWindow(backend, actor)
    qtbot.addWidget(window)
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget() or QApplication.activeWindow(), key, modifier)


def test_ctrl_n_opens_the_new_patient_form(qtbot, backend, receptionist):
    window = open_window(qtbot, backend, receptionist)
    press(qtbot, Qt.Key.Key_N, CTRL)
    assert window.current_page() == "patients"
    qtbot.waitUntil(lambda: bool(top_level(PatientFormDialog)))
    assert window.views["patients"].form is top_level(PatientFormDialog)[0]


def test_ctrl_f_and_f3_put_the_cursor_in_the_patient_search(qtbot, backend, receptionist):
    window = open_window(qtbot, backend, receptionist)
    search = window.views["patients"].search
    press(qtbot, Qt.Key.Key_F, CTRL)
    assert window.current_page() == "patients" and search.hasFocus()
    qtbot.keyClicks(search, "Priya")
    window.sidebar.setFocus()
    press(qtbot, Qt.Key.Key_2, CTRL)
    press(qtbot, Qt.Key.Key_F3)
    assert search.hasFocus() and search.selectedText() == "Priya"


def test_ctrl_b_finds_a_free_slot_and_enter_books_it(qtbot, backend, uow, admin, receptionist, doctor):
    with_hours(uow, admin, doctor)
    window = open_window(qtbot, backend, receptionist)
    view = window.views["appointments"]
    view.go_to(next_weekday(1))
    qtbot.waitUntil(lambda: view.grid.columnCount() == 1)
    press(qtbot, Qt.Key.Key_B, CTRL)
    grid = view.grid
    assert window.current_page() == "appointments" and grid.hasFocus()
    assert grid.slot_at(grid.currentRow(), grid.currentColumn()).state is SlotState.FREE
    press(qtbot, Qt.Key.Key_Down)
    chosen = grid.slot_at(grid.currentRow(), grid.currentColumn())
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(top_level(BookingDialog)))
    assert view.dialog.slot == chosen


def test_ctrl_b_books_the_patient_just_found_and_down_moves_into_the_results(qtbot, backend, uow, admin, receptionist,
                                                                           doctor):
    with_hours(uow, admin, doctor)
    a_patient(uow, receptionist, "Rahul Kumar", "9123456789")
    a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, receptionist)
    appointments = window.views["appointments"]
    appointments.go_to(next_weekday(1))
    qtbot.waitUntil(lambda: appointments.grid.columnCount() == 1)
    press(qtbot, Qt.Key.Key_F, CTRL)
    patients = window.views["patients"]
    qtbot.keyClicks(patients.search, "kumar")
    qtbot.waitUntil(lambda: patients.model.rowCount() == 2 and not patients.model.loading)
    press(qtbot, Qt.Key.Key_Down)
    assert patients.table.hasFocus() and patients.table.currentIndex().row() == 0
    press(qtbot, Qt.Key.Key_Down)
    assert patients.model.patient_at(patients.table.currentIndex().row()).full_name == "Ravi Kumar"

    press(qtbot, Qt.Key.Key_B, CTRL)
    assert window.current_page() == "appointments" and appointments.grid.hasFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(top_level(BookingDialog)))
    dialog = appointments.dialog
    assert dialog.patient is not None and dialog.patient.full_name == "Ravi Kumar"
    assert dialog.patient_label.text().startswith("Ravi Kumar") and dialog.book_button.isEnabled()
    dialog.reject()
    press(qtbot, Qt.Key.Key_Return)  # asked again, the same patient
    qtbot.waitUntil(lambda: bool(top_level(BookingDialog)) and appointments.dialog is not dialog)
    assert appointments.dialog.patient.full_name == "Ravi Kumar"
    dialog = appointments.dialog
    dialog.reject()

    press(qtbot, Qt.Key.Key_1, CTRL)  # another page and back: a booking for no one in particular
    window.show_page("appointments")
    appointments.grid.setFocus()
    press(qtbot, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: bool(top_level(BookingDialog)) and appointments.dialog is not dialog)
    assert appointments.dialog.patient is None and appointments.dialog.patient_label.text() == "No patient chosen"


def test_f9_selects_a_bill_then_opens_it_and_takes_payment(qtbot, backend, uow, receptionist):
    a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "500"))
    window = open_window(qtbot, backend, receptionist)
    billing = window.views["billing"]
    qtbot.waitUntil(lambda: billing.model.rowCount() == 1)
    press(qtbot, Qt.Key.Key_F9)
    assert window.current_page() == "billing" and billing.table.hasFocus()
    assert billing.table.currentIndex().row() == 0
    press(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: bool(top_level(PaymentDialog)), timeout=5000)
    assert isinstance(billing.bill_dialog, BillDialog)
    assert billing.bill_dialog.payment_dialog is top_level(PaymentDialog)[0]


def test_f9_in_an_open_bill_takes_payment(qtbot, backend, uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "500"))
    window = open_window(qtbot, backend, receptionist)
    dialog = window.views["billing"].open_bill(bill.id)
    qtbot.waitUntil(lambda: dialog.bill is not None)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    press(qtbot, Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: dialog.payment_dialog is not None and dialog.payment_dialog.isVisible())


def test_a_doctor_pressing_f9_is_told_it_is_not_their_desk(qtbot, backend, doctor):
    window = open_window(qtbot, backend, doctor)
    before = window.current_page()
    press(qtbot, Qt.Key.Key_F9)
    assert window.current_page() == before
    assert window.statusBar().currentMessage() == "That is not part of your desk."


def test_f1_shows_every_shortcut_over_the_window_and_esc_closes_it(qtbot, backend, receptionist):
    window = open_window(qtbot, backend, receptionist)
    window.sidebar.setFocus()
    overlay = window.help_overlay
    assert not overlay.isVisible()
    corner = QPoint(window.width() - 5, window.height() // 2)  # beside the list, over the page
    before = QColor(window.grab().toImage().pixel(corner)).lightness()
    press(qtbot, Qt.Key.Key_F1)
    assert overlay.isVisible() and overlay.geometry() == window.rect()
    dimmed = QColor(window.grab().toImage().pixel(corner)).lightness()
    assert 0 < dimmed < before * 0.6  # the desk still shows through, darker
    shown = " ".join(label.text() for label in overlay.findChildren(QLabel))
    for shortcut in shortcuts.DESK_SHORTCUTS:
        assert shortcut.description in shown
        for key in shortcut.keys:
            assert key in shown
    for number, title in enumerate(window.page_titles(), start=1):
        assert f"Ctrl+{number}" in shown and f"Go to {title}" in shown
    window.resize(1300, 800)
    qtbot.waitUntil(lambda: overlay.geometry() == window.rect())
    press(qtbot, Qt.Key.Key_Escape)
    assert not overlay.isVisible()
    assert window.sidebar.hasFocus()
