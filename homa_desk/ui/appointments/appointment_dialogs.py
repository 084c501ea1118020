"""Book a slot, see an appointment and act on it (reschedule, cancel, complete, no-show, check in).

Dialogs call services through CollectionOp, which announces APPOINTMENTS after a change; the page refreshes.
When another desk took the slot first, `slot_taken` carries the message and the dialog closes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from PySide6.QtCore import QT_TR_NOOP, QDate, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import (
    SLOT_TAKEN,
    AppointmentView,
    ConsultationType,
    Slot,
    SlotState,
    Status,
    WeekView,
)
from homa_desk.domain.doctors import DoctorProfile
from homa_desk.domain.errors import Conflict, DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import CLINIC_TZ, format_local_time
from homa_desk.services import appointments, queue
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.patients.patient_picker import PatientPickerDialog

DESK = (Role.RECEPTIONIST, Role.ADMIN)

# queue_entries.state as stored, shown in an appointment's details
QUEUE_WORDS = (QT_TR_NOOP("waiting"), QT_TR_NOOP("in consultation"), QT_TR_NOOP("done"), QT_TR_NOOP("left"))


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


class BookingDialog(QDialog):
    """Book `slot` of `doctor`: choose the patient (picker, or the one found before Ctrl+B), online/offline,
    symptoms or notes."""

    booked = Signal(object)
    slot_taken = Signal(str)

    def __init__(self, backend: Backend, actor: Actor, doctor: DoctorProfile, slot: Slot,
                 parent: QWidget | None = None, *, patient: PatientSummary | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("booking_dialog")
        self.setWindowTitle(tr("Book an appointment"))
        self._backend = backend
        self._actor = actor
        self.doctor = doctor
        self.slot = slot
        self.patient: PatientSummary | None = None
        self.picker: PatientPickerDialog | None = None

        self.when = QLabel(f"{doctor.full_name} ({doctor.specialty}) · {format_local_time(slot.starts_at)}")
        self.when.setObjectName("when")
        self.patient_label = QLabel(tr("No patient chosen"))
        self.patient_label.setObjectName("patient_label")
        self.choose_button = _button(tr("Choose patient…"), "choose_patient")
        patient_row = QWidget()
        row = QHBoxLayout(patient_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.patient_label, 1)
        row.addWidget(self.choose_button)
        self.kind = QComboBox()
        self.kind.setObjectName("consultation_type")
        for kind in (ConsultationType.OFFLINE, ConsultationType.ONLINE):
            self.kind.addItem(tr(kind.label), kind.value)
        self.link = QLineEdit()
        self.link.setObjectName("meeting_link")
        self.link.setPlaceholderText(tr("https://meet.example.com/…"))
        self.symptoms = QPlainTextEdit()
        self.symptoms.setObjectName("symptoms")
        self.symptoms.setPlaceholderText(tr("Symptoms or notes (optional)"))
        self.symptoms.setFixedHeight(80)
        self.symptoms.setTabChangesFocus(True)

        form = QFormLayout()
        self.general = ErrorLabel()
        self.general.setObjectName("general_error")
        self.errors = FieldErrors(form, self.general)
        form.addRow(tr("When"), self.when)
        self.errors.add_row(tr("Patient"), "patient_id", patient_row)
        self.errors.add_row(tr("Consultation"), "consultation_type", self.kind)
        self.errors.add_row(tr("Meeting link"), "meeting_link", self.link)
        self.errors.add_row(tr("Symptoms / notes"), "symptoms", self.symptoms)

        buttons = QDialogButtonBox()
        self.book_button: QPushButton = buttons.addButton(tr("Book"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.book_button.setObjectName("book")
        self.book_button.setEnabled(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setObjectName("cancel")
        buttons.accepted.connect(self.book)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general)
        layout.addWidget(buttons)

        self.choose_button.clicked.connect(self.open_picker)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self._kind_changed()
        if patient is not None:
            self.set_patient(patient)

    def _kind_changed(self) -> None:
        self.link.setEnabled(self.kind.currentData() == ConsultationType.ONLINE.value)

    def open_picker(self) -> PatientPickerDialog:
        picker = PatientPickerDialog(self._backend, self._actor, self)
        picker.patient_chosen.connect(self.set_patient)
        self.picker = picker
        picker.open()
        return picker

    def set_patient(self, patient: PatientSummary) -> None:
        self.patient = patient
        self.patient_label.setText(f"{patient.full_name} · #{patient.patient_number} · {patient.phone}")
        self.book_button.setEnabled(True)

    def book(self) -> None:
        if self.patient is None:
            self.errors.label("patient_id").show_message(tr("Choose the patient first."))
            return
        self.book_button.setEnabled(False)
        self.errors.clear()
        CollectionOp(
            self, Change.APPOINTMENTS, appointments.book_appointment, self._backend.uow(), self._actor,
            patient_id=self.patient.user_id, doctor_id=self.doctor.user_id, starts_at=self.slot.starts_at,
            consultation_type=self.kind.currentData(), meeting_link=self.link.text(),
            symptoms=self.symptoms.toPlainText()).success(self._booked).failure(self._failed).run_in_background()

    def _booked(self, appointment: AppointmentView) -> None:
        self.booked.emit(appointment)
        self.accept()

    def _failed(self, error: DomainError) -> None:
        self.book_button.setEnabled(True)
        if isinstance(error, Conflict):
            self.slot_taken.emit(error.message)
            changes.announce(Change.APPOINTMENTS)  # another desk booked it: the views are stale
            self.reject()
            return
        self.errors.show(error)


class ReasonDialog(QDialog):
    """Ask why the appointment is cancelled; the service refuses an empty reason."""

    def __init__(self, backend: Backend, actor: Actor, appointment: AppointmentView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cancel_dialog")
        self.setWindowTitle(tr("Cancel the appointment"))
        self._backend = backend
        self._actor = actor
        self.appointment = appointment
        self.reason = QLineEdit()
        self.reason.setObjectName("reason")
        self.reason.setPlaceholderText(tr("Why (for example: patient is travelling)"))
        self.error = ErrorLabel()
        self.error.setObjectName("reason_error")
        buttons = QDialogButtonBox()
        self.confirm: QPushButton = buttons.addButton(tr("Cancel appointment"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.confirm.setObjectName("confirm_cancel")
        buttons.addButton(tr("Keep it"), QDialogButtonBox.ButtonRole.RejectRole).setObjectName("keep")
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{appointment.patient_name} · {format_local_time(appointment.starts_at)}"))
        layout.addWidget(self.reason)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def submit(self) -> None:
        self.confirm.setEnabled(False)
        CollectionOp(self, Change.APPOINTMENTS, appointments.cancel, self._backend.uow(), self._actor,
                     self.appointment.id, self.reason.text()).success(self._done).failure(self._failed) \
            .run_in_background()

    def _done(self, _appointment: AppointmentView) -> None:
        self.accept()

    def _failed(self, error: DomainError) -> None:
        self.confirm.setEnabled(True)
        self.error.show_message(error.message)


class RescheduleDialog(QDialog):
    """Choose a day and one of the doctor's free slots on it."""

    slot_taken = Signal(str)

    def __init__(self, backend: Backend, actor: Actor, appointment: AppointmentView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reschedule_dialog")
        self.setWindowTitle(tr("Move the appointment"))
        self._backend = backend
        self._actor = actor
        self.appointment = appointment
        start = appointment.starts_at.astimezone(CLINIC_TZ).date()
        self.day = QDateEdit(QDate(start.year, start.month, start.day))
        self.day.setObjectName("day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("ddd dd MMM yyyy")
        self.slots = QComboBox()
        self.slots.setObjectName("free_slots")
        self.error = ErrorLabel()
        self.error.setObjectName("reschedule_error")
        buttons = QDialogButtonBox()
        self.move_button: QPushButton = buttons.addButton(tr("Move"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.move_button.setObjectName("move")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("Now"), QLabel(format_local_time(appointment.starts_at)))
        form.addRow(tr("Day"), self.day)
        form.addRow(tr("Free slot"), self.slots)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.day.dateChanged.connect(self.load_slots)
        self.load_slots()

    def chosen_day(self) -> date:
        return self.day.date().toPython()  # type: ignore[return-value]

    def load_slots(self) -> None:
        self.slots.clear()
        self.move_button.setEnabled(False)
        if self.appointment.doctor_id is None:
            return
        run_in_background(self, appointments.week_view, self._backend.uow(), self._actor,
                          self.appointment.doctor_id, self.chosen_day(), on_success=self._show_slots,
                          on_failure=lambda error: self.error.show_message(error.message))

    def _show_slots(self, week: WeekView) -> None:
        self.slots.clear()
        day = week.days[0]
        for slot in day.slots:
            if slot.state is SlotState.FREE:
                self.slots.addItem(f"{slot.local_start:%I:%M %p}", slot.starts_at)
        if day.leave is not None:
            self.error.show_message(tr("On leave that day: {reason}.").format(reason=day.leave.reason)
                                    if day.leave.reason else tr("On leave that day."))
        elif not self.slots.count():
            self.error.show_message(tr("No free slot that day."))
        else:
            self.error.show_message("")
        self.move_button.setEnabled(self.slots.count() > 0)

    def choose(self, when: datetime) -> None:
        for index in range(self.slots.count()):
            if self.slots.itemData(index) == when:
                self.slots.setCurrentIndex(index)

    def submit(self) -> None:
        when = self.slots.currentData()
        if when is None:
            return
        self.move_button.setEnabled(False)
        CollectionOp(self, Change.APPOINTMENTS, appointments.reschedule, self._backend.uow(), self._actor,
                     self.appointment.id, when).success(self._done).failure(self._failed).run_in_background()

    def _done(self, _appointment: AppointmentView) -> None:
        self.accept()

    def _failed(self, error: DomainError) -> None:
        if isinstance(error, Conflict) and error.key == SLOT_TAKEN:
            self.slot_taken.emit(error.message)
            changes.announce(Change.APPOINTMENTS)  # another desk booked it: the views are stale
            self.load_slots()
        self.error.show_message(error.message)
        self.move_button.setEnabled(True)


class AppointmentDialog(QDialog):
    """An appointment's details with the actions the signed-in role may take on it."""

    def __init__(self, backend: Backend, actor: Actor, appointment: AppointmentView,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("appointment_dialog")
        self.setWindowTitle(tr("Appointment"))
        self._backend = backend
        self._actor = actor
        self.appointment = appointment
        self.child: QDialog | None = None
        a = appointment
        form = QFormLayout()
        rows = [(QT_TR_NOOP("Patient"), f"{a.patient_name} · #{a.patient_number or '—'} · {a.patient_phone}"),
                (QT_TR_NOOP("Doctor"), a.doctor_name or "—"), (QT_TR_NOOP("When"), format_local_time(a.starts_at)),
                (QT_TR_NOOP("Status"), tr(a.status.label)),
                (QT_TR_NOOP("Consultation"), tr(a.consultation_type.label))]
        if a.meeting_link:
            rows.append((QT_TR_NOOP("Meeting link"), a.meeting_link))
        if a.symptoms:
            rows.append((QT_TR_NOOP("Symptoms / notes"), a.symptoms))
        if a.cancellation_reason:
            rows.append((QT_TR_NOOP("Cancelled because"), a.cancellation_reason))
        if a.token:
            rows.append((QT_TR_NOOP("Queue"), tr("token {token}").format(token=a.token)
                         + f" ({tr(a.queue_state.replace('_', ' ')) if a.queue_state else ''})"))
        for label, value in rows:
            text = QLabel(value)
            text.setWordWrap(True)
            text.setObjectName(f"detail_{label.split()[0].lower()}")
            form.addRow(tr(label), text)
        self.message = ErrorLabel()
        self.message.setObjectName("message")

        scheduled = a.status is Status.SCHEDULED
        desk = self._actor.role in DESK
        own = self._actor.role is Role.DOCTOR and a.doctor_id == self._actor.user_id
        self.reschedule_button = _button(tr("Reschedule…"), "reschedule")
        self.cancel_button = _button(tr("Cancel appointment…"), "cancel_appointment")
        self.complete_button = _button(tr("Completed"), "complete")
        self.no_show_button = _button(tr("No-show"), "no_show")
        self.check_in_button = _button(tr("Check in to queue"), "check_in")
        self.reschedule_button.setEnabled(scheduled and desk and not a.is_walk_in)
        self.cancel_button.setEnabled(scheduled and desk)
        self.complete_button.setEnabled(scheduled and (desk or own))
        self.no_show_button.setEnabled(scheduled and (desk or own))
        self.check_in_button.setEnabled(scheduled and desk and a.token is None)
        actions = QHBoxLayout()
        for button in (self.reschedule_button, self.cancel_button, self.complete_button, self.no_show_button,
                       self.check_in_button):
            actions.addWidget(button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(actions)
        layout.addWidget(self.message)
        layout.addWidget(close)

        self.reschedule_button.clicked.connect(self.open_reschedule)
        self.cancel_button.clicked.connect(self.open_cancel)
        self.complete_button.clicked.connect(lambda: self._run(appointments.mark_completed))
        self.no_show_button.clicked.connect(lambda: self._run(appointments.mark_no_show))
        self.check_in_button.clicked.connect(lambda: self._run(queue.check_in, Change.QUEUE, Change.APPOINTMENTS))

    def open_cancel(self) -> ReasonDialog:
        dialog = ReasonDialog(self._backend, self._actor, self.appointment, self)
        dialog.accepted.connect(self.accept)
        self.child = dialog
        dialog.open()
        return dialog

    def open_reschedule(self) -> RescheduleDialog:
        dialog = RescheduleDialog(self._backend, self._actor, self.appointment, self)
        dialog.accepted.connect(self.accept)
        self.child = dialog
        dialog.open()
        return dialog

    def _run(self, action: Callable[..., object], *kinds: Change) -> None:
        CollectionOp(self, kinds or (Change.APPOINTMENTS,), action, self._backend.uow(), self._actor,
                     self.appointment.id).success(self._done).failure(self._show_error).run_in_background()

    def _done(self, _result: object) -> None:
        self.accept()

    def _show_error(self, error: DomainError) -> None:
        self.message.show_message(error.message)
