"""The front desk's Queue tab: every doctor's queue at once (doctor, token, patient, age/sex, complaint, state);
Check in asks who has arrived instead of acting on a preselected booking; the walk-in's token slip, printed at a
desk that asked for it, read back from the PDF the printer was given."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter
from sqlalchemy import text

from homa_desk.config import Settings
from homa_desk.domain.appointments import local_day
from homa_desk.domain.paper import Paper
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import queue, staff
from homa_desk.services.patients import get_patient_profile, register_patient
from homa_desk.ui.appointments import token_slip
from homa_desk.ui.appointments.check_in import CheckInChooser
from homa_desk.ui.appointments.queue_view import QueueView
from homa_desk.ui.appointments.walk_in_dialog import WalkInDialog
from tests.helpers import new_staff
from tests.services.test_queue import booked_today
from tests.ui.conftest import top_level
from tests.ui.pdf_pages import PdfPages


def a_patient(uow, actor, name: str, phone: str, gender: str, age: str) -> int:  # type: ignore[no-untyped-def]
    details = validate_patient(full_name=name, phone=phone, today=local_day(utcnow()), age_years=age, gender=gender)
    return register_patient(uow, actor, details).user_id


@pytest.fixture
def other_doctor(uow, admin):
    return staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()


def open_queue(qtbot, backend, actor) -> QueueView:  # type: ignore[no-untyped-def]
    view = QueueView(backend, actor)
    qtbot.addWidget(view)
    view.resize(1366, 700)
    view.show()
    return view


def cells(view: QueueView) -> list[list[str]]:
    return [[view.table.item(r, c).text() for c in range(view.table.columnCount())]
            for r in range(view.table.rowCount())]


def test_the_front_desk_sees_every_doctors_queue_with_age_sex_and_complaint(qtbot, backend, uow, receptionist,
                                                                          doctor, other_doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    sita = a_patient(uow, receptionist, "Sita Devi", "9123456787", "female", "61")
    queue.add_walk_in(uow, receptionist, ravi, doctor.user_id, symptoms="Fever since Monday")
    queue.add_walk_in(uow, receptionist, sita, other_doctor.user_id, symptoms="Knee pain")
    view = open_queue(qtbot, backend, receptionist)
    qtbot.waitUntil(lambda: view.doctor.count() == 3 and len(view.entries()) == 2)
    assert view.doctor.currentText() == "All doctors" and view.all_doctors()
    headers = [view.table.horizontalHeaderItem(c).text() for c in range(view.table.columnCount())]
    assert headers == ["Doctor", "Token", "Patient", "Age / sex", "Complaint", "State"]
    assert cells(view) == [["Kavya Rao", "1", "Sita Devi", "~61 y / F", "Knee pain", "Waiting"],
                           ["Rahul Menon", "1", "Ravi Kumar", "~34 y / M", "Fever since Monday", "Waiting"]]

    view.doctor.setCurrentIndex(view.doctor.findData(doctor.user_id))  # one doctor: their queue as before
    qtbot.waitUntil(lambda: view.queue is not None and view.table.columnCount() == 5)
    assert [row[1] for row in cells(view)] == ["Ravi Kumar"]


def test_call_next_with_all_doctors_takes_the_doctor_of_the_chosen_row(qtbot, backend, uow, receptionist, doctor,
                                                                      other_doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    sita = a_patient(uow, receptionist, "Sita Devi", "9123456787", "female", "61")
    queue.add_walk_in(uow, receptionist, ravi, doctor.user_id)
    queue.add_walk_in(uow, receptionist, sita, other_doctor.user_id)
    view = open_queue(qtbot, backend, receptionist)
    qtbot.waitUntil(lambda: len(view.entries()) == 2)
    qtbot.mouseClick(view.call_button, Qt.MouseButton.LeftButton)
    assert view.message.text() == "Choose the doctor, or a row of their queue, first."
    view.table.selectRow(1)  # Rahul Menon's
    qtbot.mouseClick(view.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cells(view)[1][5] == "With the doctor")
    assert cells(view)[0][5] == "Waiting"


def test_check_in_with_nobody_chosen_asks_who_has_arrived(qtbot, backend, engine, uow, receptionist, doctor,
                                                          other_doctor):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    sita = a_patient(uow, receptionist, "Sita Devi", "9123456787", "female", "61")
    booked_today(engine, ravi, doctor.user_id, 1)
    sita_booking = booked_today(engine, sita, other_doctor.user_id, 2)
    view = open_queue(qtbot, backend, receptionist)
    qtbot.waitUntil(lambda: view.booked.count() == 3)
    assert view.booked.currentData() is None and view.booked.currentText() == "Choose who has arrived…"
    assert view.check_in_button.isEnabled()

    qtbot.mouseClick(view.check_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(top_level(CheckInChooser)))
    chooser = view.chooser
    assert chooser.list.count() == 2 and not chooser.list.selectedItems()
    assert not chooser.check_in_button.isEnabled()
    qtbot.keyClick(chooser.filter, Qt.Key.Key_Return)  # two still shown: Enter checks in nobody
    assert chooser.isVisible()
    qtbot.keyClicks(chooser.filter, "sita")
    qtbot.keyClick(chooser.filter, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: any(e.patient_name == "Sita Devi" for e in view.entries()), timeout=5000)
    assert [e.patient_name for e in view.entries()] == ["Sita Devi"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT token FROM queue_entries WHERE appointment_id = :a"),
                            {"a": sita_booking}).scalar_one() == 1
    qtbot.waitUntil(lambda: view.booked.count() == 2)
    assert view.booked.currentData() is None


def pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    found = " ".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return " ".join(found.split())


@pytest.fixture
def slip_pdf(tmp_path, monkeypatch):
    """The receipt printer, printing to a PDF file instead of paper."""
    path = tmp_path / "slip.pdf"
    real = token_slip.receipt_printer

    def to_pdf() -> QPrinter:
        printer = real()
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(path))
        return printer

    monkeypatch.setattr(token_slip, "receipt_printer", to_pdf)
    return path


def give_token(qtbot, backend, actor, patient_id: int) -> WalkInDialog:  # type: ignore[no-untyped-def]
    summary = get_patient_profile(backend.uow(), actor, patient_id).summary
    dialog = WalkInDialog(backend, actor, summary)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.doctor.count() == 1 and dialog.clinic != "")
    qtbot.keyClick(dialog.doctor, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.entry is not None, timeout=5000)
    return dialog


def test_a_desk_that_prints_slips_prints_the_token_with_the_first_name_only(qtbot, backend, uow, receptionist,
                                                                           doctor, slip_pdf):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    view = open_queue(qtbot, backend, receptionist)
    assert not view.print_slips.isChecked()  # off until this desk asks for it
    view.print_slips.setChecked(True)
    assert Settings.load().print_token_slips

    dialog = give_token(qtbot, backend, receptionist, ravi)
    assert dialog.slip_printed is True
    printed = pdf_text(slip_pdf)
    arrived = dialog.entry.arrived_at
    assert "Sunrise Clinic" in printed and "Dr. Rahul Menon" in printed
    assert "Token 1" in printed and "Ravi" in printed and "Kumar" not in printed
    assert token_slip.slip_html(token_slip.TokenSlip.for_entry(dialog.entry, "Sunrise Clinic")).count("Ravi") == 1
    assert f"{token_slip.to_local(arrived):%I:%M %p}" in printed


def test_a_desk_that_did_not_ask_prints_no_slip(qtbot, backend, uow, receptionist, doctor, slip_pdf):
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    dialog = give_token(qtbot, backend, receptionist, ravi)
    assert dialog.slip_printed is None and not slip_pdf.exists()


def test_no_printer_says_so_instead_of_failing(qtbot, backend, uow, receptionist, doctor, monkeypatch):
    Settings(print_token_slips=True).save()
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    no_printer = QPrinter()
    no_printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)  # what Qt gives when no printer is installed
    monkeypatch.setattr(token_slip, "receipt_printer", lambda: no_printer)
    dialog = give_token(qtbot, backend, receptionist, ravi)
    assert dialog.slip_printed is False and dialog.entry.token == 1



@pytest.mark.parametrize(("paper", "width_mm"), [("a4", 80), ("roll80", 80), ("roll58", 58)])
def test_the_slip_is_as_wide_as_the_desk_roll_and_as_long_as_the_slip(qtbot, backend, uow, receptionist, doctor,
                                                                      slip_pdf, paper, width_mm):
    Settings(print_token_slips=True, receipt_paper=paper).save()
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9123456788", "male", "34")
    assert give_token(qtbot, backend, receptionist, ravi).slip_printed is True
    with PdfPages(slip_pdf) as pdf:
        width, height = pdf.size_mm()
        bounds = pdf.text_bounds_mm()
        assert pdf.count == 1 and "Token 1" in pdf.text()
    assert abs(width - width_mm) <= 1 and 40 < height < 120
    assert bounds.right() <= width_mm - Paper(paper if paper != "a4" else "roll80").side_margin_mm + 0.5
