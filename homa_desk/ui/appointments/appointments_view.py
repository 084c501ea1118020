"""Appointments page: the day grid of every doctor, one doctor's week, and today's queue.

Loads off the UI thread, refreshes on the change signal and every 15 s so other desks' bookings show. A click on a
free slot books it, a click on a booked slot opens the appointment.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QTimer
from PySide6.QtCore import Slot as QtSlot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import AppointmentView, DayView, DoctorDay, Slot, SlotState, WeekView, local_day
from homa_desk.domain.doctors import DoctorProfile
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import appointments
from homa_desk.ui.appointments.appointment_dialogs import AppointmentDialog, BookingDialog
from homa_desk.ui.appointments.consultation_followups import FollowUpsWidget
from homa_desk.ui.appointments.day_grid import DayGrid
from homa_desk.ui.appointments.queue_view import QueueView
from homa_desk.ui.common import changes
from homa_desk.ui.common.activity import when_in_use
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_tabs import LazyTabs
from homa_desk.ui.common.worker import run_in_background, show_error

REFRESH_MS = 15_000
DESK = (Role.RECEPTIONIST, Role.ADMIN)


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


class AppointmentsView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("appointments_view")
        self._backend = backend
        self._actor = actor
        self.day = local_day(utcnow())
        self.view: DayView | WeekView | None = None
        self.dialog: BookingDialog | AppointmentDialog | None = None
        self.last_message = ""
        self.patient_to_book: PatientSummary | None = None  # found on the Patients page before Ctrl+B; until booked
        self._generation = 0

        self.prev_button = _button(tr("◀ Previous"), "previous_day")
        self.today_button = _button(tr("Today"), "today")
        self.next_button = _button(tr("Next ▶"), "next_day")
        self.date_label = QLabel("")
        self.date_label.setObjectName("date_label")
        self.date_label.setProperty("role", "subtitle")
        self.mode = QComboBox()
        self.mode.setObjectName("mode")
        self.mode.addItem(tr("Day: all doctors"), "day")
        self.mode.addItem(tr("Week: one doctor"), "week")
        self.week_doctor = QComboBox()
        self.week_doctor.setObjectName("week_doctor")
        self.week_doctor.setEnabled(False)
        self.message = ErrorLabel()
        self.message.setObjectName("grid_message")
        self.grid = DayGrid()
        self.others = QListWidget()
        self.others.setObjectName("other_appointments")
        self.others.setMaximumHeight(110)
        self.legend = QLabel(tr("Green free · blue booked · light green completed · red no-show · grey past, off "
                             "hours or leave. Cancelled appointments and walk-ins are listed below the grid."))
        self.legend.setWordWrap(True)

        bar = QHBoxLayout()
        for widget in (self.prev_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addWidget(self.date_label, 1)
        bar.addWidget(self.mode)
        bar.addWidget(self.week_doctor)
        grid_page = QWidget()
        grid_layout = QVBoxLayout(grid_page)
        grid_layout.addLayout(bar)
        grid_layout.addWidget(self.message)
        grid_layout.addWidget(self.grid, 1)
        grid_layout.addWidget(QLabel(tr("Cancelled and walk-ins")))
        grid_layout.addWidget(self.others)
        grid_layout.addWidget(self.legend)
        self.tabs = LazyTabs()
        self.tabs.add_page("schedule", tr("Schedule"), lambda: grid_page)
        self.tabs.add_page("queue", tr("Queue"), lambda: QueueView(backend, actor, refresh_ms=refresh_ms))
        if actor.role in DESK:
            self.tabs.add_page("follow_ups", tr("Follow-ups"), lambda: FollowUpsWidget(backend, actor))
        QVBoxLayout(self).addWidget(self.tabs)

        self.prev_button.clicked.connect(lambda: self.go_to(self.day - self._step()))
        self.next_button.clicked.connect(lambda: self.go_to(self.day + self._step()))
        self.today_button.clicked.connect(lambda: self.go_to(local_day(utcnow())))
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.week_doctor.currentIndexChanged.connect(lambda _i: self.load())
        self.grid.slot_clicked.connect(self.open_slot)
        self.others.itemDoubleClicked.connect(self._open_listed)
        changes.change_hub().changed.connect(self._refresh_if)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(when_in_use(backend, self.load))
        self.timer.start()
        self.load()

    # --- loading --------------------------------------------------------------------------------------------

    @property
    def queue(self) -> QueueView:
        return self.tabs.page("queue", QueueView)

    @property
    def follow_ups(self) -> FollowUpsWidget:
        return self.tabs.page("follow_ups", FollowUpsWidget)

    def is_week(self) -> bool:
        return self.mode.currentData() == "week"

    def _step(self) -> timedelta:
        return timedelta(days=7 if self.is_week() else 1)

    def go_to(self, day: date) -> None:
        self.day = day
        self.load()

    def load(self) -> None:
        self._generation += 1
        generation = self._generation
        if self.is_week() and self.week_doctor.currentData() is not None:
            run_in_background(self, appointments.week_view, self._backend.uow(), self._actor,
                              self.week_doctor.currentData(), self.day,
                              on_success=lambda view: self._show(view, generation), on_failure=self._failed)
        else:
            run_in_background(self, appointments.day_view, self._backend.uow(), self._actor, self.day,
                              on_success=lambda view: self._show(view, generation), on_failure=self._failed)

    def _show(self, view: DayView | WeekView, generation: int) -> None:
        if generation != self._generation:
            return  # an older answer arriving after a newer request
        self.view = view
        if isinstance(view, DayView):
            self.grid.show_day(view)
            self.date_label.setText(f"{view.day:%A, %d %B %Y}")
            self._remember_doctors([d.doctor for d in view.doctors])
            columns = view.doctors
        else:
            self.grid.show_week(view)
            last = view.days[-1].day
            self.date_label.setText(f"{view.doctor.full_name}: {view.days[0].day:%d %b} – {last:%d %b %Y}")
            columns = view.days
        self._list_others(columns)
        if not self.last_message:
            self.message.show_message("" if self.grid.columnCount() else tr("No doctors yet: an admin adds them "
                                                                          "under Settings → Staff."))

    def _remember_doctors(self, doctors: list[DoctorProfile]) -> None:
        current = self.week_doctor.currentData()
        self.week_doctor.blockSignals(True)
        self.week_doctor.clear()
        for doctor in doctors:
            self.week_doctor.addItem(doctor.full_name, doctor.user_id)
        index = self.week_doctor.findData(current)
        self.week_doctor.setCurrentIndex(max(index, 0))
        self.week_doctor.blockSignals(False)

    def _list_others(self, columns: tuple[DoctorDay, ...]) -> None:
        self.others.clear()
        for column in columns:
            for appointment in (*column.cancelled, *column.walk_ins):
                what = tr("walk-in") if appointment.is_walk_in else tr("cancelled")
                reason = f": {appointment.cancellation_reason}" if appointment.cancellation_reason else ""
                item = QListWidgetItem(f"{to_local(appointment.starts_at):%d %b %I:%M %p} · "
                                       f"{appointment.doctor_name} · {appointment.patient_name} ({what}{reason})")
                item.setData(256, appointment)
                self.others.addItem(item)

    def _mode_changed(self) -> None:
        self.week_doctor.setEnabled(self.is_week())
        if self.is_week() and self.week_doctor.currentData() is None and self._actor.role is Role.DOCTOR:
            self.week_doctor.addItem(self._actor.full_name, self._actor.user_id)
        self.load()

    # --- acting on a slot -----------------------------------------------------------------------------------

    def doctor_of(self, slot: Slot) -> DoctorProfile | None:
        if isinstance(self.view, WeekView):
            return self.view.doctor
        if isinstance(self.view, DayView):
            return next((d.doctor for d in self.view.doctors if d.doctor.user_id == slot.doctor_id), None)
        return None

    def open_slot(self, slot: Slot) -> None:
        self.last_message = ""
        if slot.appointment is not None:
            self.open_appointment(slot.appointment)
            return
        if slot.state is SlotState.PAST:
            self.message.show_message(tr("That slot is over."))
            return
        if self._actor.role not in DESK:
            self.message.show_message(tr("Bookings are made at the reception desk."))
            return
        doctor = self.doctor_of(slot)
        if doctor is None:
            return
        dialog = BookingDialog(self._backend, self._actor, doctor, slot, self, patient=self.patient_to_book)
        dialog.slot_taken.connect(self.show_slot_taken)
        dialog.booked.connect(self._booked)
        self.dialog = dialog
        dialog.open()

    def _booked(self, _appointment: AppointmentView) -> None:
        self.patient_to_book = None

    def open_appointment(self, appointment: AppointmentView) -> AppointmentDialog:
        dialog = AppointmentDialog(self._backend, self._actor, appointment, self)
        self.dialog = dialog
        dialog.open()
        return dialog

    def _open_listed(self, item: QListWidgetItem) -> None:
        appointment = item.data(256)
        if appointment is not None:
            self.open_appointment(appointment)

    def show_slot_taken(self, message: str) -> None:
        """Another desk won the race: say so and show the grid as it is now."""
        self.last_message = message
        self.message.show_message(message)
        show_error(self, message)
        self.load()

    def _failed(self, error: DomainError) -> None:
        self.message.show_message(error.message)

    @QtSlot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.APPOINTMENTS, Change.DOCTORS, Change.QUEUE, Change.PATIENTS):
            self.load()
