"""The day's queue as a table, shared by the front desk's Queue tab and the doctor's Workstation."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QT_TR_NOOP
from PySide6.QtWidgets import QAbstractItemView, QPushButton, QTableWidget, QTableWidgetItem

from homa_desk.domain.queue import DoctorQueue, QueueEntryView
from homa_desk.domain.timeutil import to_local
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr

HEADERS = (QT_TR_NOOP("Token"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Booking"), QT_TR_NOOP("Arrived"),
           QT_TR_NOOP("State"))
ALL_DOCTORS_HEADERS = (QT_TR_NOOP("Doctor"), QT_TR_NOOP("Token"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Age / sex"),
                       QT_TR_NOOP("Complaint"), QT_TR_NOOP("State"))


def named_button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


def queue_table(object_name: str) -> QTableWidget:
    table = QTableWidget(0, len(HEADERS))
    table.setObjectName(object_name)
    table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=1)
    return table


def set_headers(table: QTableWidget, headers: tuple[str, ...]) -> None:
    if table.columnCount() != len(headers) or table.horizontalHeaderItem(0).text() != tr(headers[0]):
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels([tr(h) for h in headers])


def fill_all_doctors_table(table: QTableWidget, entries: tuple[QueueEntryView, ...], today: date) -> None:
    """The front desk's every-doctor queue: doctor, token, patient, age/sex, complaint, state."""
    set_headers(table, ALL_DOCTORS_HEADERS)
    table.setRowCount(len(entries))
    for row, entry in enumerate(entries):
        values = (entry.doctor_name, str(entry.token), entry.patient_name, entry.age_sex(today),
                  entry.complaint or "", tr(entry.state.label))
        for col, value in enumerate(values):
            table.setItem(row, col, QTableWidgetItem(value))


def fill_queue_table(table: QTableWidget, line: DoctorQueue) -> None:
    """One row per entry in arrival order: token, patient, walk-in or booked time, arrival time, state."""
    set_headers(table, HEADERS)
    table.setRowCount(len(line.entries))
    for row, entry in enumerate(line.entries):
        if entry.is_walk_in:
            booking = tr("Walk-in")
        else:
            booking = (tr("Booked {time}").format(time=f"{to_local(entry.scheduled_at):%I:%M %p}")
                       if entry.scheduled_at else tr("Booked"))
        values = (str(entry.token), entry.patient_name, booking, f"{to_local(entry.arrived_at):%I:%M %p}",
                  tr(entry.state.label))
        for col, value in enumerate(values):
            table.setItem(row, col, QTableWidgetItem(value))
