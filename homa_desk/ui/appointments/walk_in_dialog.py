"""Add a walk-in for a patient already chosen: pick the doctor (the cursor starts there), Enter gives the token.

Opened with F2 from the Patients page or a profile, so a walk-in is one search and two or three keys. At a desk that
prints token slips the slip goes to the receipt printer once the token is given.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.appointments import local_day
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.queue import QueueEntryView
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import clinic, doctors, queue
from homa_desk.ui.appointments import token_slip
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

QUEUE_CHANGES = (Change.QUEUE, Change.APPOINTMENTS)


class WalkInDialog(QDialog):
    """`added` carries the queue entry (with its token) once the walk-in is in the doctor's queue."""

    added = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, patient: PatientSummary, parent: QWidget | None = None,
                 *, doctor_id: int | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("walk_in_dialog")
        self.setWindowTitle(tr("Walk-in: {name}").format(name=patient.full_name))
        self._backend = backend
        self._actor = actor
        self.patient = patient
        self._preferred = doctor_id
        self.clinic = ""
        self.entry: QueueEntryView | None = None
        self.slip_printed: bool | None = None  # None: this desk does not print slips

        self.doctor = QComboBox()
        self.doctor.setObjectName("walk_in_doctor")
        self.complaint = QLineEdit()
        self.complaint.setObjectName("walk_in_complaint")
        self.complaint.setPlaceholderText(tr("Optional: fever, follow-up, dressing…"))
        self.error = ErrorLabel()
        self.error.setObjectName("walk_in_error")
        buttons = QDialogButtonBox()
        self.give_button = buttons.addButton(tr("Give token"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.give_button.setObjectName("give_token")
        self.give_button.setDefault(True)
        self.give_button.setEnabled(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.give_token)
        buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        heading = QLabel(f"{patient.full_name} · " + tr("patient {number}").format(number=patient.patient_number))
        heading.setProperty("role", "subtitle")
        form.addRow(heading)
        form.addRow(tr("Doctor"), self.doctor)
        form.addRow(tr("Complaint"), self.complaint)
        form.addRow(self.error)
        form.addRow(buttons)
        self.doctor.setFocus()
        run_in_background(self, doctors.list_doctors, backend.uow(), actor, on_success=self._show_doctors,
                          on_failure=self._failed)
        run_in_background(self, clinic.clinic_name, backend.uow(), on_success=self._clinic_loaded,
                          on_failure=lambda _error: None)

    def _clinic_loaded(self, name: str) -> None:
        self.clinic = name

    def _show_doctors(self, schedules: list[DoctorSchedule]) -> None:
        today = local_day(utcnow())
        first_free = None
        for schedule in schedules:
            on_leave = schedule.leave_on(today) is not None
            text = f"{schedule.doctor.full_name} · {schedule.doctor.specialty}"
            self.doctor.addItem(text + (" · " + tr("on leave today") if on_leave else ""), schedule.doctor.user_id)
            if not on_leave and first_free is None:
                first_free = self.doctor.count() - 1
        preferred = self.doctor.findData(self._preferred) if self._preferred is not None else -1
        self.doctor.setCurrentIndex(preferred if preferred >= 0 else first_free or 0)
        self.give_button.setEnabled(self.doctor.count() > 0)
        if not self.doctor.count():
            self.error.show_message(tr("No doctors yet: an admin adds them under Settings → Staff."))

    def give_token(self) -> None:
        doctor_id = self.doctor.currentData()
        if doctor_id is None or not self.give_button.isEnabled():
            return
        self.give_button.setEnabled(False)
        CollectionOp(self, QUEUE_CHANGES, queue.add_walk_in, self._backend.uow(), self._actor, self.patient.user_id,
                     doctor_id, symptoms=self.complaint.text() or None) \
            .success(self._added).failure(self._failed).run_in_background()

    def _added(self, entry: QueueEntryView) -> None:
        self.entry = entry
        if token_slip.slips_enabled():
            self.slip_printed = token_slip.print_slip(token_slip.TokenSlip.for_entry(entry, self.clinic))
        self.added.emit(entry)
        self.accept()

    def _failed(self, error: DomainError) -> None:
        self.error.show_message(error.message)
        self.give_button.setEnabled(self.doctor.count() > 0)
