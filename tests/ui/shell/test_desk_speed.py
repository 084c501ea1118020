"""Speed at the desk: the actions on a patient found on the Patients page, each one key away, driven by the keyboard
on the real main window; and F1 lists exactly the shortcuts that exist."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QApplication
from sqlalchemy import text

from homa_desk.domain.appointments import local_day
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import queue, staff
from homa_desk.ui.appointments.check_in import CheckInChooser
from homa_desk.ui.appointments.walk_in_dialog import WalkInDialog
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.payment_dialog import PaymentDialog
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from homa_desk.ui.shell import shortcuts
from homa_desk.ui.shell.main_window import MainWindow
from tests.helpers import new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.test_queue import booked_today
from tests.ui.conftest import top_level
from tests.ui.shell.test_shortcuts import open_window

WALK_IN_KEY_LIMIT = 10


class Keyboard:
    """Presses keys into whichever widget has the focus, as a receptionist would, and counts them."""

    def __init__(self, qtbot) -> None:  # type: ignore[no-untyped-def]
        self.qtbot = qtbot
        self.count = 0

    def press(self, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        target = QApplication.focusWidget() or QApplication.activeWindow()
        assert target is not None, "no window has the keyboard"
        self.count += 1
        self.qtbot.keyClick(target, key, modifier)


@pytest.fixture
def two_doctors(uow, admin, doctor):
    other = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()
    return doctor, other


def found(qtbot, window: MainWindow, query: str, rows: int):  # type: ignore[no-untyped-def]
    """Ctrl+F and the search text, then the results."""
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    patients = window.views["patients"]
    qtbot.keyClicks(patients.search, query)
    qtbot.waitUntil(lambda: patients.model.rowCount() == rows and not patients.model.loading)
    return patients


def test_a_walk_in_is_one_search_and_at_most_ten_keys(qtbot, backend, engine, uow, receptionist, two_doctors):
    a_patient(uow, receptionist, "Rahul Kumar", "9123456789")
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, receptionist)
    patients = found(qtbot, window, "kumar", 2)

    keys = Keyboard(qtbot)  # counted from here: after the search text
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Down)
    assert patients.chosen_patient().full_name == "Ravi Kumar"
    keys.press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(top_level(WalkInDialog)) and window.desk.walk_in.doctor.count() == 2)
    dialog = window.desk.walk_in
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.doctor.hasFocus() and dialog.patient.user_id == ravi
    keys.press(Qt.Key.Key_Down)  # the second doctor
    chosen = dialog.doctor.currentData()
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not top_level(WalkInDialog), timeout=5000)

    assert keys.count <= WALK_IN_KEY_LIMIT
    assert keys.count == 5
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT q.token, q.doctor_id FROM queue_entries q JOIN appointments a"
                                 " ON a.id = q.appointment_id WHERE a.patient_id = :p AND a.is_walk_in"),
                            {"p": ravi}).all()
    assert [(row.token, row.doctor_id) for row in rows] == [(1, chosen)]
    assert "Token 1 for Ravi Kumar" in window.statusBar().currentMessage()


def test_f4_checks_in_the_patient_founds_booking_today(qtbot, backend, engine, uow, receptionist, doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    booking = booked_today(engine, ravi, doctor.user_id, 1)
    window = open_window(qtbot, backend, receptionist)
    found(qtbot, window, "ravi", 1)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "token 1" in window.statusBar().currentMessage(), timeout=5000)
    assert window.statusBar().currentMessage() == "Checked in Ravi Kumar: token 1."
    with engine.connect() as conn:
        assert conn.execute(text("SELECT token FROM queue_entries WHERE appointment_id = :a"),
                            {"a": booking}).scalar_one() == 1
    keys.press(Qt.Key.Key_F4)  # nothing left to check in today
    qtbot.waitUntil(lambda: "no booking today" in window.statusBar().currentMessage(), timeout=5000)
    assert not top_level(CheckInChooser)


def test_f7_starts_a_bill_and_f9_takes_payment_for_the_patient_found(qtbot, backend, uow, receptionist):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, receptionist)
    found(qtbot, window, "ravi", 1)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: "no unpaid bill" in window.statusBar().currentMessage(), timeout=5000)
    keys.press(Qt.Key.Key_F7)
    qtbot.waitUntil(lambda: bool(top_level(BillEditorDialog)))
    editor = top_level(BillEditorDialog)[0]
    assert editor.patient_id == ravi and editor.windowTitle() == "New bill — Ravi Kumar"
    editor.reject()
    a_bill(uow, receptionist, ravi, ("consultation", "Consultation", "1", "500"))
    window.views["patients"].search.setFocus()
    keys.press(Qt.Key.Key_F9)
    qtbot.waitUntil(lambda: bool(top_level(PaymentDialog)), timeout=5000)
    assert window.current_page() == "patients"


def test_the_profile_has_the_actions_with_their_keys(qtbot, backend, uow, receptionist, two_doctors):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, receptionist)
    profile = window.views["patients"].open_profile(ravi)
    qtbot.waitUntil(lambda: profile.profile is not None)
    texts = {button.objectName(): button.text() for button in profile.action_buttons.values()}
    assert texts["act_add_walk_in"] == "Walk-in… (F2)" and texts["act_take_payment"] == "Take payment… (F9)"
    profile.activateWindow()
    qtbot.waitUntil(profile.isActiveWindow)
    Keyboard(qtbot).press(Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: bool(top_level(WalkInDialog)))
    assert window.desk.walk_in.patient.user_id == ravi
    assert isinstance(window.desk.walk_in.parentWidget(), PatientProfileDialog)


def test_a_doctor_has_no_patient_actions_and_f2_says_so(qtbot, backend, uow, receptionist, doctor):
    a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, doctor)
    patients = found(qtbot, window, "ravi", 1)
    assert not any(button.isVisible() for button in patients.action_buttons.values())
    Keyboard(qtbot).press(Qt.Key.Key_F2)
    assert window.statusBar().currentMessage() == "That is not part of your desk."
    assert not top_level(WalkInDialog)


def bound_keys(*windows) -> set[str]:  # type: ignore[no-untyped-def]
    """Every key the desk binds: its QShortcuts and the shortcuts set on buttons."""
    keys: set[str] = set()
    for window in windows:
        keys |= {s.key().toString() for s in window.findChildren(QShortcut)}
        keys |= {b.shortcut().toString() for b in window.findChildren(QAbstractButton) if not b.shortcut().isEmpty()}
    return keys


def listed_keys(window: MainWindow) -> set[str]:
    listed = [*shortcuts.DESK_SHORTCUTS, *shortcuts.STANDARD,
              *(shortcuts.page_shortcut(n) for n in range(1, len(window.pages) + 1))]
    return {QKeySequence(key).toString() for s in listed for key in s.keys}


def test_f1_lists_every_shortcut_that_exists_and_only_those(qtbot, backend, uow, receptionist):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    window = open_window(qtbot, backend, receptionist)
    for key in window.views:
        window.show_page(key)  # every page built, with whatever it binds
    profile = window.views["patients"].open_profile(ravi)
    unbound = {"Tab", "Shift+Tab", "Esc"}  # Qt's own keys, which every dialog follows
    assert bound_keys(window, profile) == listed_keys(window) - unbound
    shown = {label for label, _text in shortcuts.help_rows(window.page_titles())}
    for shortcut in (shortcuts.ADD_WALK_IN, shortcuts.CHECK_IN, shortcuts.CALL_NEXT, shortcuts.PAY_BY_UPI):
        assert shortcut.label in shown


def test_shift_f9_opens_the_upi_qr_for_the_patient_founds_unpaid_bill(qtbot, backend, uow, receptionist):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    bill = a_bill(uow, receptionist, ravi, ("consultation", "Consultation", "1", "500"))
    window = open_window(qtbot, backend, receptionist)
    found(qtbot, window, "ravi", 1)
    Keyboard(qtbot).press(Qt.Key.Key_F9, Qt.KeyboardModifier.ShiftModifier)
    qtbot.waitUntil(lambda: (dialog := window.views["billing"].bill_dialog) is not None
                    and dialog.upi_panel is not None, timeout=5000)
    assert window.views["billing"].bill_dialog.bill.id == bill.id
    assert not top_level(PaymentDialog)


def test_f4_with_nobody_found_asks_who_has_arrived_and_f8_calls_next(qtbot, backend, engine, uow, receptionist,
                                                                     doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    booked_today(engine, ravi, doctor.user_id, 1)
    window = open_window(qtbot, backend, receptionist)
    keys = Keyboard(qtbot)
    keys.press(Qt.Key.Key_F4)
    line = window.views["appointments"].queue
    assert window.current_page() == "appointments" and line.isVisible()
    qtbot.waitUntil(lambda: bool(top_level(CheckInChooser)), timeout=5000)
    qtbot.waitUntil(lambda: line.chooser.isActiveWindow())
    keys.press(Qt.Key.Key_Down)
    keys.press(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: [e.patient_name for e in line.entries()] == ["Ravi Kumar"], timeout=5000)
    line.doctor.setCurrentIndex(line.doctor.findData(doctor.user_id))
    qtbot.waitUntil(lambda: line.queue is not None and len(line.entries()) == 1)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    keys.press(Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: line.queue is not None and line.queue.current is not None, timeout=5000)
    assert line.queue.current.patient_name == "Ravi Kumar"


def test_f8_at_the_workstation_is_the_doctors_call_next(qtbot, backend, uow, receptionist, doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788")
    queue.add_walk_in(uow, receptionist, ravi, doctor.user_id)
    window = open_window(qtbot, backend, doctor)
    station = window.views["workstation"]
    assert window.current_page() == "workstation"
    qtbot.waitUntil(lambda: station.table.rowCount() == 1)
    Keyboard(qtbot).press(Qt.Key.Key_F8)
    qtbot.waitUntil(lambda: station.consultation is not None, timeout=5000)
    assert queue.queue_for(uow, doctor, doctor.user_id, local_day(utcnow())).current.patient_id == ravi
