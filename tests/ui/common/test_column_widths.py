"""Every column shows its whole text at 1366×768 (dates, money, status, mobile numbers), the free-text column takes
what is left, and a column the user sized keeps its width on this computer."""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import QTableWidget, QTableWidgetItem

from homa_desk.config import Settings
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import patients
from homa_desk.services import staff as staff_service
from homa_desk.ui.common.column_widths import ColumnSizer, size_columns
from homa_desk.ui.patients.patient_picker import PatientPickerDialog
from homa_desk.ui.shell.main_window import MainWindow
from tests.helpers import new_staff
from tests.services.report_helpers import ist, paid_bill
from tests.ui.desk_helpers import cut_cells


def register(uow, actor, name: str, phone: str):
    return patients.register_patient(uow, actor, validate_patient(full_name=name, phone=phone, age_years="40",
                                                                   today=date(2026, 11, 26)))


def laptop_window(qtbot, backend, actor) -> MainWindow:
    window = MainWindow(backend, actor)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    return window


def test_payment_history_shows_whole_dates_doctors_and_statuses_at_1366_by_768(qtbot, backend, uow, admin,
                                                                                receptionist):
    shilpa = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Dr. Shilpa Hegde")).as_actor()
    kavya = register(uow, receptionist, "Kavya Nair", "9346512345")
    today = utcnow().astimezone(CLINIC_TZ).date()
    paid_bill(uow, receptionist, kavya.user_id, "12500", at=ist(today.year, today.month, today.day, 10, 15),
              doctor_id=shilpa.user_id)
    window = laptop_window(qtbot, backend, receptionist)
    window.show_page("payments")
    history = window.views["payments"].history
    qtbot.waitUntil(lambda: not history.loading and history.model.rowCount() == 1)
    texts = [history.model.data(history.model.index(0, column)) for column in range(4)]
    assert texts[0] == f"{today:%d-%m-%Y} 10:15" and texts[3] == "Dr. Shilpa Hegde"
    qtbot.waitUntil(lambda: not cut_cells(history.table), timeout=2000)
    header = history.table.horizontalHeader()
    assert header.sectionSize(2) > 2 * header.sectionSize(0)  # the patient's name takes what is left

    history.show_today()  # new rows: the desk sizes the columns again, and none counts as the user's
    qtbot.waitUntil(lambda: not history.loading and history.model.rowCount() == 1)
    qtbot.waitUntil(lambda: not cut_cells(history.table), timeout=2000)
    assert history.table.findChild(ColumnSizer).user_widths == {}


def test_mobile_numbers_show_whole_in_the_search_and_the_picker(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Kavya Nair", "9346512345")
    window = laptop_window(qtbot, backend, receptionist)
    window.show_page("patients")
    view = window.views["patients"]
    qtbot.keyClicks(view.search, "kavya")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert view.model.data(view.model.index(0, 2)) == "+91 93465 12345"
    qtbot.waitUntil(lambda: not cut_cells(view.table), timeout=2000)

    picker = PatientPickerDialog(backend, receptionist, window, debounce_ms=10)
    picker.show()
    qtbot.keyClicks(picker.search, "9346")
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    qtbot.waitUntil(lambda: not cut_cells(picker.table), timeout=2000)


def open_picker(qtbot, backend, actor, query: str) -> PatientPickerDialog:
    picker = PatientPickerDialog(backend, actor, debounce_ms=10)
    qtbot.addWidget(picker)
    picker.show()
    qtbot.keyClicks(picker.search, query)
    qtbot.waitUntil(lambda: picker.model.rowCount() == 1)
    return picker


def test_a_column_the_user_sized_keeps_its_width_after_reopening(qtbot, backend, uow, receptionist):
    register(uow, receptionist, "Kavya Nair", "9346512345")
    first = open_picker(qtbot, backend, receptionist, "kavya")
    header = first.table.horizontalHeader()
    qtbot.waitUntil(lambda: not cut_cells(first.table))
    fitted = header.sectionSize(2)
    header.resizeSection(2, fitted + 90)  # what dragging the column's right edge does
    first.close()

    again = open_picker(qtbot, backend, receptionist, "kavya")
    qtbot.wait(50)  # let the desk's sizing run: it must leave the user's column alone
    assert again.table.horizontalHeader().sectionSize(2) == fitted + 90
    assert again.table.horizontalHeader().sectionSize(0) < fitted  # the others are still sized to their text

    again.table.horizontalHeader().sectionHandleDoubleClicked.emit(2)  # a double-click on its edge: fit it again
    qtbot.waitUntil(lambda: again.table.horizontalHeader().sectionSize(2) == fitted)


def test_refilling_a_table_and_renaming_its_headers_leaves_the_sizing_to_the_desk(qtbot):
    table = QTableWidget(0, 3)
    table.setObjectName("refilled")
    qtbot.addWidget(table)
    sizer = size_columns(table, stretch_column=1)
    table.resize(900, 300)
    table.show()
    for rows, phone in ((3, "+91 93465 12345"), (0, ""), (2, "+91 98123 45678")):
        table.setRowCount(rows)
        for row in range(rows):
            for column, text in enumerate((phone, "Kavya Nair", "02-12-2026 10:15")):
                table.setItem(row, column, QTableWidgetItem(text))
        table.setHorizontalHeaderLabels(["मोबाइल", "मरीज़", "तारीख"])  # as a change of language does
        qtbot.waitUntil(lambda: not cut_cells(table))
    assert sizer.user_widths == {} and "refilled" not in Settings.load().column_widths
