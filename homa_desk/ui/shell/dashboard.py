"""The first page after sign-in: greeting, clinic, today's date in India, and today's appointments and queue per
doctor with counts by status (loaded off the UI thread, refreshed on changes and every 15 s)."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QT_TR_NOOP, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import DashboardSummary, Status
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import appointments
from homa_desk.ui.common import changes
from homa_desk.ui.common.activity import when_in_use
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background

WHAT_YOU_CAN_DO = {
    Role.ADMIN: [QT_TR_NOOP("Add staff, disable accounts and reset passwords (Settings → Staff)."),
                 QT_TR_NOOP("Rename the clinic (Settings → Clinic)."),
                 QT_TR_NOOP("Everything the reception desk does: patients, appointments, bills and payments.")],
    Role.RECEPTIONIST: [QT_TR_NOOP("Register and find patients."), QT_TR_NOOP("Book, move and cancel appointments."),
                        QT_TR_NOOP("Make bills and take payments (cash, card, UPI).")],
    Role.DOCTOR: [QT_TR_NOOP("See today's patients and their appointments."),
                  QT_TR_NOOP("Look up a patient's history.")],
}


def greeting(moment: datetime) -> str:
    hour = to_local(moment).hour
    if hour < 12:
        return tr("Good morning")
    if hour < 17:
        return tr("Good afternoon")
    return tr("Good evening")


def local_date_text(moment: datetime) -> str:
    return to_local(moment).strftime("%A, %d %B %Y")


REFRESH_MS = 15_000
COLUMNS = (QT_TR_NOOP("Doctor"), QT_TR_NOOP("Specialty"), QT_TR_NOOP("Scheduled"), QT_TR_NOOP("Completed"),
           QT_TR_NOOP("Cancelled"), QT_TR_NOOP("No-show"), QT_TR_NOOP("Waiting"), QT_TR_NOOP("With the doctor"),
           QT_TR_NOOP("Next free slot"))


def totals_text(summary: DashboardSummary) -> str:
    totals = summary.totals()
    return (tr("Today: {count} appointments").format(count=sum(totals.values())) + " · " +
            " · ".join(f"{totals[s]} {tr(s.label).lower()}" for s in Status))


class DashboardView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_view")
        self._backend = backend
        self._actor = actor
        self.summary: DashboardSummary | None = None
        now = utcnow()
        self.greeting = QLabel(f"{greeting(now)}, {actor.full_name}")
        self.greeting.setObjectName("greeting")
        self.greeting.setProperty("role", "title")
        self.clinic = QLabel("")
        self.clinic.setObjectName("clinic")
        self.date = QLabel(local_date_text(now))
        self.date.setObjectName("date")
        heading = QLabel(tr("What you can do as {role}").format(role=tr(actor.role.label).lower()))
        heading.setProperty("role", "subtitle")
        self.can_do = QLabel("\n".join(f"• {tr(line)}" for line in WHAT_YOU_CAN_DO.get(actor.role, [])))
        self.can_do.setObjectName("can_do")
        self.can_do.setWordWrap(True)

        self.totals = QLabel("")
        self.totals.setObjectName("totals")
        self.totals.setProperty("role", "subtitle")
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("today_table")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        size_columns(self.table, stretch_column=0)

        layout = QVBoxLayout(self)
        for widget in (self.greeting, self.clinic, self.date, self.totals):
            layout.addWidget(widget)
        layout.addWidget(self.table, 1)
        layout.addWidget(heading)
        layout.addWidget(self.can_do)

        changes.change_hub().changed.connect(self._refresh_if)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(when_in_use(backend, self.load_today))
        self.timer.start()
        self.load_today()  # the clinic's name comes with it

    def load_today(self) -> None:
        run_in_background(self, appointments.dashboard, self._backend.uow(), self._actor,
                          on_success=self._show_today, on_failure=lambda error: self.totals.setText(error.message))

    def _show_today(self, summary: DashboardSummary) -> None:
        self.summary = summary
        self.clinic.setText(summary.clinic_name)
        self.date.setText(f"{summary.day:%A, %d %B %Y}")
        self.totals.setText(totals_text(summary))
        self.table.setRowCount(len(summary.doctors))
        for row, counts in enumerate(summary.doctors):
            values = [counts.doctor.full_name, counts.doctor.specialty,
                      *(str(counts.by_status.get(s, 0)) for s in Status), str(counts.waiting),
                      counts.in_consultation or "—",
                      f"{to_local(counts.next_slot):%I:%M %p}" if counts.next_slot else "—"]
            for col, value in enumerate(values):
                self.table.setItem(row, col, QTableWidgetItem(value))

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.CLINIC, Change.APPOINTMENTS, Change.QUEUE, Change.DOCTORS):
            self.load_today()
