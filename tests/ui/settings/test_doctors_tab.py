"""Settings → Doctors: edit a doctor's profile and weekly hours, see the refusal of overlapping hours, add leave."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from PySide6.QtCore import QDate, Qt

from homa_desk.services import doctors
from homa_desk.ui.settings.doctors_tab import DoctorsTab
from tests.appointment_helpers import next_weekday


def open_tab(qtbot, backend, admin):  # type: ignore[no-untyped-def]
    tab = DoctorsTab(backend, admin)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: tab.doctor.count() == 1)
    return tab


def test_admin_edits_profile_and_hours(qtbot, backend, uow, admin, doctor):
    tab = open_tab(qtbot, backend, admin)
    assert tab.specialty.currentText() == "General Physician" and tab.fee.text() == "0.00"
    tab.specialty.setCurrentText("Paediatrics")
    tab.fee.clear()
    qtbot.keyClicks(tab.fee, "650")
    tab.slot.setValue(20)
    tab.hours.setPlainText("Mon 09:00-13:00\nMon 17:00-20:00\nSat 10:00-12:00")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved") or bool(tab.general.text()), timeout=10000)
    assert tab.status.text().startswith("Saved"), tab.general.text()
    saved = doctors.get_doctor(uow, admin, doctor.user_id)
    assert saved.doctor.specialty == "Paediatrics" and saved.doctor.consultation_fee == Decimal("650.00")
    assert saved.doctor.slot_minutes == 20
    assert [(s.weekday, s.starts_at) for s in saved.sessions] == [(1, time(9)), (1, time(17)), (6, time(10))]


def test_overlapping_hours_and_a_bad_fee_are_shown_next_to_the_fields(qtbot, backend, admin, doctor):
    tab = open_tab(qtbot, backend, admin)
    tab.fee.setText("12.345")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "two decimals" in tab.errors.label("consultation_fee").text()
    tab.fee.setText("500")
    tab.hours.setPlainText("Tue 09:00-13:00\nTue 12:00-14:00")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    label = tab.errors.label("sessions")
    qtbot.waitUntil(lambda: label.isVisible())
    assert "overlaps" in label.text()


def test_leave_day_with_reason(qtbot, backend, uow, admin, doctor):
    tab = open_tab(qtbot, backend, admin)
    day = next_weekday(3)
    tab.leave_day.setDate(QDate(day.year, day.month, day.day))
    qtbot.keyClicks(tab.leave_reason, "Conference")
    qtbot.mouseClick(tab.add_leave_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.leaves.count() == 1)
    assert "Conference" in tab.leaves.item(0).text()
    assert doctors.get_doctor(uow, admin, doctor.user_id).leave_on(day).reason == "Conference"


def test_a_doctors_room_for_the_waiting_room_screen(qtbot, backend, uow, admin, doctor):
    tab = open_tab(qtbot, backend, admin)
    assert tab.room.text() == ""
    qtbot.keyClicks(tab.room, "  OPD   3 ")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved") or bool(tab.general.text()), timeout=10000)
    assert doctors.get_doctor(uow, admin, doctor.user_id).doctor.room == "OPD 3"
    qtbot.waitUntil(lambda: tab.room.text() == "OPD 3")
    tab.room.setText("OPD\u200b3")  # a zero-width space pasted from a chat message
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert "cannot be stored" in tab.errors.label("room").text()
    tab.room.clear()
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: doctors.get_doctor(uow, admin, doctor.user_id).doctor.room is None, timeout=10000)
