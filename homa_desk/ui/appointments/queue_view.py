"""Today's queue of one doctor: tokens in arrival order, add a walk-in, check in a booked patient, call next."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import DayView, Status, local_day
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.queue import DoctorQueue, QueueEntryView
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import appointments, doctors, queue
from homa_desk.ui.appointments.queue_table import fill_queue_table, named_button, queue_table
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.patients.patient_picker import PatientPickerDialog

REFRESH_MS = 5_000  # a doctor's Call next on another desk shows within seconds
QUEUE_CHANGES = (Change.QUEUE, Change.APPOINTMENTS)  # a queue entry moves its appointment along



class QueueView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("queue_view")
        self._backend = backend
        self._actor = actor
        self.queue: DoctorQueue | None = None
        self.picker: PatientPickerDialog | None = None
        desk = actor.role in (Role.RECEPTIONIST, Role.ADMIN)

        self.doctor = QComboBox()
        self.doctor.setObjectName("queue_doctor")
        self.add_button = named_button(tr("Add walk-in…"), "add_walk_in")
        self.call_button = named_button(tr("Call next"), "call_next")
        self.booked = QComboBox()
        self.booked.setObjectName("booked_today")
        self.check_in_button = named_button(tr("Check in"), "queue_check_in")
        self.add_button.setEnabled(desk)
        self.check_in_button.setEnabled(desk)
        self.now_serving = QLabel("")
        self.now_serving.setObjectName("now_serving")
        self.now_serving.setProperty("role", "subtitle")
        self.message = ErrorLabel()
        self.message.setObjectName("queue_message")
        self.table = queue_table("queue_table")

        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Doctor")))
        top.addWidget(self.doctor, 1)
        top.addWidget(self.add_button)
        top.addWidget(self.call_button)
        check = QHBoxLayout()
        check.addWidget(QLabel(tr("Booked today, not yet arrived")))
        check.addWidget(self.booked, 1)
        check.addWidget(self.check_in_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        if desk:
            layout.addLayout(check)
        layout.addWidget(self.now_serving)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)

        self.doctor.currentIndexChanged.connect(lambda _i: self.load())
        self.add_button.clicked.connect(self.open_picker)
        self.call_button.clicked.connect(self.call_next)
        self.check_in_button.clicked.connect(self.check_in)
        changes.change_hub().changed.connect(self._refresh_if)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(self.load)
        self.timer.start()
        self.load_doctors()

    def today(self) -> date:
        return local_day(utcnow())

    def doctor_id(self) -> int | None:
        return self.doctor.currentData()

    def load_doctors(self) -> None:
        run_in_background(self, doctors.list_doctors, self._backend.uow(), self._actor,
                          on_success=self._show_doctors, on_failure=self._failed)

    def _show_doctors(self, schedules: list[DoctorSchedule]) -> None:
        current = self.doctor_id() or (self._actor.user_id if self._actor.role is Role.DOCTOR else None)
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for schedule in schedules:
            self.doctor.addItem(f"{schedule.doctor.full_name} · {schedule.doctor.specialty}", schedule.doctor.user_id)
        index = self.doctor.findData(current)
        self.doctor.setCurrentIndex(max(index, 0))
        self.doctor.blockSignals(False)
        self.load()

    def load(self) -> None:
        doctor_id = self.doctor_id()
        if doctor_id is None:
            return
        run_in_background(self, queue.queue_for, self._backend.uow(), self._actor, doctor_id, self.today(),
                          on_success=self._show, on_failure=self._failed)
        if self._actor.role in (Role.RECEPTIONIST, Role.ADMIN):
            run_in_background(self, appointments.day_view, self._backend.uow(), self._actor, self.today(),
                              on_success=self._show_booked, on_failure=self._failed)

    def _show(self, line: DoctorQueue) -> None:
        if line.doctor_id != self.doctor_id():
            return
        self.queue = line
        fill_queue_table(self.table, line)
        current = line.current
        waiting = len(line.waiting)
        self.now_serving.setText(
            (tr("With the doctor: token {token}, {name}").format(token=current.token, name=current.patient_name)
             if current else tr("Nobody with the doctor"))
            + " · " + tr("{count} waiting").format(count=waiting))
        self.call_button.setEnabled(bool(waiting or current))

    def _show_booked(self, view: DayView) -> None:
        self.booked.clear()
        for doctor_day in view.doctors:
            if doctor_day.doctor.user_id != self.doctor_id():
                continue
            for appointment in doctor_day.appointments:
                if appointment.status is Status.SCHEDULED and not appointment.is_walk_in and appointment.token is None:
                    self.booked.addItem(f"{to_local(appointment.starts_at):%I:%M %p} · {appointment.patient_name}",
                                        appointment.id)
        self.check_in_button.setEnabled(self.booked.count() > 0)

    def entries(self) -> tuple[QueueEntryView, ...]:
        return self.queue.entries if self.queue else ()

    def open_picker(self) -> PatientPickerDialog:
        picker = PatientPickerDialog(self._backend, self._actor, self)
        picker.patient_chosen.connect(self.add_walk_in)
        self.picker = picker
        picker.open()
        return picker

    def add_walk_in(self, patient: PatientSummary) -> None:
        doctor_id = self.doctor_id()
        if doctor_id is None:
            self.message.show_message(tr("Choose the doctor first."))
            return
        CollectionOp(self, QUEUE_CHANGES, queue.add_walk_in, self._backend.uow(), self._actor, patient.user_id,
                     doctor_id).success(self._added).failure(self._failed).run_in_background()

    def _added(self, entry: QueueEntryView) -> None:
        self.message.show_message("")
        self.now_serving.setToolTip(tr("Token {token} given to {name}").format(token=entry.token,
                                                                             name=entry.patient_name))

    def check_in(self) -> None:
        appointment_id = self.booked.currentData()
        if appointment_id is None:
            return
        CollectionOp(self, QUEUE_CHANGES, queue.check_in, self._backend.uow(), self._actor, appointment_id) \
            .failure(self._failed).run_in_background()

    def call_next(self) -> None:
        doctor_id = self.doctor_id()
        if doctor_id is None:
            return
        CollectionOp(self, QUEUE_CHANGES, queue.call_next, self._backend.uow(), self._actor, doctor_id) \
            .failure(self._failed).run_in_background()

    def _failed(self, error: DomainError) -> None:
        self.message.show_message(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.DOCTORS:
            self.load_doctors()
        elif entity in (Change.QUEUE, Change.APPOINTMENTS):
            self.load()
