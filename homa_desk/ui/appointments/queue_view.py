"""Today's queue: every doctor's at once for the front desk (doctor, token, patient, age/sex, complaint, state) or
one doctor's in arrival order; add a walk-in, check in a booked patient (the desk says who), call next."""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QTimer, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import AppointmentView, DayView, local_day
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.queue import DoctorQueue, QueueEntryView, QueueState
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import appointments, queue
from homa_desk.ui.appointments import token_slip
from homa_desk.ui.appointments.check_in import CheckInChooser, check_in_appointment, checked_in_text, still_to_arrive
from homa_desk.ui.appointments.queue_table import fill_all_doctors_table, fill_queue_table, named_button, queue_table
from homa_desk.ui.appointments.walk_in_dialog import WalkInDialog
from homa_desk.ui.common import changes
from homa_desk.ui.common.activity import when_in_use
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.patients.patient_picker import PatientPickerDialog
from homa_desk.ui.shell import shortcuts
from homa_desk.ui.waiting_room.board_window import WaitingRoomButton

REFRESH_MS = 5_000  # a doctor's Call next on another desk shows within seconds
QUEUE_CHANGES = (Change.QUEUE, Change.APPOINTMENTS)  # a queue entry moves its appointment along
ALL_DOCTORS = 0  # the doctor choice that shows every doctor's queue (user ids start at 1)


class QueueView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("queue_view")
        self._backend = backend
        self._actor = actor
        self.queue: DoctorQueue | None = None
        self.all_entries: tuple[QueueEntryView, ...] = ()
        self.picker: PatientPickerDialog | None = None
        self.walk_in: WalkInDialog | None = None
        self.chooser: CheckInChooser | None = None
        self.bookings: list[AppointmentView] = []
        self.clinic = ""
        self.desk = desk = actor.role in (Role.RECEPTIONIST, Role.ADMIN)

        self.doctor = QComboBox()
        self.doctor.setObjectName("queue_doctor")
        self.add_button = named_button(shortcuts.with_key(tr("Add walk-in…"), shortcuts.ADD_WALK_IN), "add_walk_in")
        self.call_button = named_button(shortcuts.with_key(tr("Call next"), shortcuts.CALL_NEXT), "call_next")
        self.booked = QComboBox()
        self.booked.setObjectName("booked_today")
        self.check_in_button = named_button(shortcuts.with_key(tr("Check in"), shortcuts.CHECK_IN), "queue_check_in")
        self.add_button.setEnabled(desk)
        self.check_in_button.setEnabled(desk)
        self.print_slips = QCheckBox(tr("Print a token slip for each walk-in (this computer)"))
        self.print_slips.setObjectName("print_token_slips")
        self.print_slips.setChecked(token_slip.slips_enabled())
        self.print_slips.toggled.connect(token_slip.set_slips_enabled)
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
        self.board_button = WaitingRoomButton(backend, actor, self)
        top.addWidget(self.board_button)
        self.board_button.setVisible(desk)
        check = QHBoxLayout()
        check.addWidget(QLabel(tr("Booked today, not yet arrived")))
        check.addWidget(self.booked, 1)
        check.addWidget(self.check_in_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        if desk:
            layout.addLayout(check)
            layout.addWidget(self.print_slips)
        else:
            self.print_slips.hide()
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
        self.timer.timeout.connect(when_in_use(backend, self.load))
        self.timer.start()
        self.load()

    def today(self) -> date:
        return local_day(utcnow())

    def doctor_id(self) -> int | None:
        """The one doctor chosen; None with All doctors."""
        data = self.doctor.currentData()
        return None if data == ALL_DOCTORS else data

    def all_doctors(self) -> bool:
        return self.doctor.currentData() == ALL_DOCTORS

    def _chosen(self) -> int | None:
        """The doctor whose queue to read (None: every doctor's), before the list of doctors is in too."""
        data = self.doctor.currentData()
        if data is None:
            return None if self.desk else self._actor.user_id
        return None if data == ALL_DOCTORS else data

    def _show_doctors(self, schedules: tuple[DoctorSchedule, ...]) -> None:
        """Refills the choice only when the doctors changed, keeping the one chosen."""
        items = [(f"{s.doctor.full_name} · {s.doctor.specialty}", s.doctor.user_id) for s in schedules]
        if self.desk:
            items.insert(0, (tr("All doctors"), ALL_DOCTORS))
        if items == [(self.doctor.itemText(i), self.doctor.itemData(i)) for i in range(self.doctor.count())]:
            return
        current = self.doctor.currentData()
        if current is None:
            current = ALL_DOCTORS if self.desk else self._actor.user_id
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for text, data in items:
            self.doctor.addItem(text, data)
        self.doctor.setCurrentIndex(max(self.doctor.findData(current), 0))
        self.doctor.blockSignals(False)

    def load(self) -> None:
        """The doctors, the clinic's name, the queue and today's bookings: one call, one round trip."""
        run_in_background(self, queue.queue_page, self._backend.uow(), self._actor, self.today(), self._chosen(),
                          on_success=self._show_page, on_failure=self._failed)

    def _show_page(self, page: queue.QueuePage) -> None:
        self.clinic = page.clinic_name
        self._show_doctors(page.doctors)
        if page.queue is not None:
            self._show(page.queue)
        else:
            self._show_all(page.all_entries)
        if page.bookings is not None:
            self._show_booked(page.bookings)

    def _show_all(self, entries: tuple[QueueEntryView, ...]) -> None:
        if not self.all_doctors():
            return
        self.queue = None
        self.all_entries = entries
        fill_all_doctors_table(self.table, entries, self.today())
        with_doctor = [e for e in entries if e.state is QueueState.IN_CONSULTATION]
        waiting = sum(e.state is QueueState.WAITING for e in entries)
        self.now_serving.setText(
            (" · ".join(tr("{doctor}: token {token}, {name}").format(doctor=e.doctor_name, token=e.token,
                                                                     name=e.patient_name) for e in with_doctor)
             or tr("Nobody with a doctor")) + " · " + tr("{count} waiting").format(count=waiting))
        self.call_button.setEnabled(bool(entries))

    def _show(self, line: DoctorQueue) -> None:
        if line.doctor_id != self.doctor_id():
            return
        self.queue = line
        self.all_entries = ()
        fill_queue_table(self.table, line)
        current = line.current
        waiting = len(line.waiting)
        self.now_serving.setText(
            (tr("With the doctor: token {token}, {name}").format(token=current.token, name=current.patient_name)
             if current else tr("Nobody with the doctor"))
            + " · " + tr("{count} waiting").format(count=waiting))
        self.call_button.setEnabled(bool(waiting or current))

    def _show_booked(self, view: DayView) -> None:
        """Today's bookings still to arrive, under a first line that chooses nobody: Check in never acts on
        whichever booking the list happened to start on."""
        chosen = self.booked.currentData()
        self.bookings = still_to_arrive(view, doctor_id=self.doctor_id())
        self.booked.blockSignals(True)
        self.booked.clear()
        self.booked.addItem(tr("Choose who has arrived…"), None)
        for appointment in self.bookings:
            doctor = "" if self.doctor_id() else f" · {appointment.doctor_name or ''}"
            self.booked.addItem(f"{to_local(appointment.starts_at):%I:%M %p} · {appointment.patient_name}{doctor}",
                                appointment.id)
        self.booked.setCurrentIndex(max(0, self.booked.findData(chosen)) if chosen is not None else 0)
        self.booked.blockSignals(False)
        self.check_in_button.setEnabled(bool(self.bookings))

    def entries(self) -> tuple[QueueEntryView, ...]:
        return self.queue.entries if self.queue else self.all_entries

    def open_picker(self) -> PatientPickerDialog:
        picker = PatientPickerDialog(self._backend, self._actor, self)
        picker.patient_chosen.connect(self.add_walk_in)
        self.picker = picker
        picker.open()
        return picker

    def add_walk_in(self, patient: PatientSummary) -> None:
        """With one doctor chosen the token is given at once; with All doctors the desk asks which doctor."""
        doctor_id = self.doctor_id()
        if doctor_id is None:
            self.walk_in = WalkInDialog(self._backend, self._actor, patient, self)
            self.walk_in.added.connect(self._added)
            self.walk_in.open()
            return
        CollectionOp(self, QUEUE_CHANGES, queue.add_walk_in, self._backend.uow(), self._actor, patient.user_id,
                     doctor_id).success(self._given).failure(self._failed).run_in_background()

    def _given(self, entry: QueueEntryView) -> None:
        if token_slip.slips_enabled() and not token_slip.print_slip(token_slip.TokenSlip.for_entry(entry, self.clinic)):
            self.message.show_message(tr("No printer on this computer: the token slip was not printed."))
        else:
            self.message.show_message("")
        self._added(entry)

    def _added(self, entry: QueueEntryView) -> None:
        self.now_serving.setToolTip(tr("Token {token} given to {name}").format(token=entry.token,
                                                                             name=entry.patient_name))

    def check_in(self) -> None:
        """The booking chosen in the list; with none chosen, ask who has arrived."""
        appointment_id = self.booked.currentData()
        if appointment_id is not None:
            self._check_in(appointment_id)
            return
        run_in_background(self, appointments.day_view, self._backend.uow(), self._actor, self.today(),
                          on_success=self._ask_who, on_failure=self._failed)

    def _ask_who(self, view: DayView) -> None:
        """The chooser, from today's bookings as they are now (not as the list last loaded them)."""
        self._show_booked(view)
        self.chooser = CheckInChooser(self.bookings, self)
        self.chooser.chosen.connect(self._check_in)
        self.chooser.open()

    def _check_in(self, appointment_id: int) -> None:
        check_in_appointment(self, self._backend, self._actor, appointment_id, self._checked_in, self._failed)

    def _checked_in(self, entry: QueueEntryView) -> None:
        self.booked.setCurrentIndex(0)
        self.message.show_message("")
        self.now_serving.setToolTip(checked_in_text(entry))

    def call_next(self) -> None:
        """The chosen doctor's queue; with All doctors, the doctor of the selected row."""
        doctor_id = self.doctor_id()
        if doctor_id is None:
            row = self.table.currentRow()
            entries = self.entries()
            if not (self.table.selectedItems() and 0 <= row < len(entries)):
                self.message.show_message(tr("Choose the doctor, or a row of their queue, first."))
                return
            doctor_id = entries[row].doctor_id
        CollectionOp(self, QUEUE_CHANGES, queue.call_next, self._backend.uow(), self._actor, doctor_id) \
            .failure(self._failed).run_in_background()

    def _failed(self, error: DomainError) -> None:
        self.message.show_message(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.DOCTORS, Change.QUEUE, Change.APPOINTMENTS):
            self.load()
