"""The doctor's workstation: today's queue of the signed-in doctor (admins pick a doctor), Call next, and the
consultation of the patient in the room.

The queue reloads on this desk's changes and every few seconds for the front desk's (walk-ins, check-ins).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import local_day
from homa_desk.domain.doctors import DoctorSchedule
from homa_desk.domain.errors import DomainError
from homa_desk.domain.queue import DoctorQueue, QueueEntryView
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import doctors, queue
from homa_desk.ui.appointments.queue_table import fill_queue_table, named_button, queue_table
from homa_desk.ui.common import changes
from homa_desk.ui.common.activity import when_in_use
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.screen_fit import scrolling
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget

REFRESH_MS = 5_000



class WorkstationView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 refresh_ms: int = REFRESH_MS) -> None:
        super().__init__(parent)
        self.setObjectName("workstation_view")
        self._backend = backend
        self._actor = actor
        self.queue: DoctorQueue | None = None
        self.consultation: ConsultationWidget | None = None

        self.doctor = QComboBox()
        self.doctor.setObjectName("workstation_doctor")
        self.doctor.setVisible(actor.role is not Role.DOCTOR)
        if actor.role is Role.DOCTOR:
            self.doctor.addItem(actor.full_name, actor.user_id)
        self.call_button = named_button(tr("Call next"), "workstation_call_next")
        self.open_button = named_button(tr("Open consultation"), "workstation_open")
        self.now_serving = QLabel("")
        self.now_serving.setObjectName("workstation_now")
        self.now_serving.setProperty("role", "subtitle")
        self.message = ErrorLabel()
        self.message.setObjectName("workstation_message")
        self.table = queue_table("workstation_queue")
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel(tr("Today's queue"))
        title.setProperty("role", "title")
        left_layout.addWidget(title)
        left_layout.addWidget(self.doctor)
        buttons = QHBoxLayout()
        buttons.addWidget(self.call_button)
        buttons.addWidget(self.open_button)
        left_layout.addLayout(buttons)
        left_layout.addWidget(self.now_serving)
        left_layout.addWidget(self.message)
        left_layout.addWidget(self.table, 1)
        self.placeholder = QLabel(tr("Call the next patient, or choose one in the queue and open the consultation."))
        self.placeholder.setObjectName("workstation_placeholder")
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.right = QStackedWidget()
        self.right.addWidget(self.placeholder)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.right)
        left.setMinimumWidth(420)  # token, patient, booking, arrival and state without a scroll bar
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        QVBoxLayout(self).addWidget(split)

        self.doctor.currentIndexChanged.connect(lambda _i: self.load())
        self.call_button.clicked.connect(self.call_next)
        self.open_button.clicked.connect(self.open_selected)
        self.table.cellDoubleClicked.connect(lambda row, _col: self.open_row(row))
        changes.change_hub().changed.connect(self._refresh_if)
        self.timer = QTimer(self)
        self.timer.setInterval(refresh_ms)
        self.timer.timeout.connect(when_in_use(backend, self.load))
        self.timer.start()
        if actor.role is Role.DOCTOR:
            self.load()
        else:
            run_in_background(self, doctors.list_doctors, backend.uow(), actor, on_success=self._show_doctors,
                              on_failure=self._failed)

    def today(self) -> date:
        return local_day(utcnow())

    def doctor_id(self) -> int | None:
        return self.doctor.currentData()

    def _show_doctors(self, schedules: list[DoctorSchedule]) -> None:
        for schedule in schedules:
            self.doctor.addItem(f"{schedule.doctor.full_name} · {schedule.doctor.specialty}", schedule.doctor.user_id)

    def load(self) -> None:
        doctor_id = self.doctor_id()
        if doctor_id is not None:
            run_in_background(self, queue.queue_for, self._backend.uow(), self._actor, doctor_id, self.today(),
                              on_success=self._show, on_failure=self._failed)

    def _show(self, line: DoctorQueue) -> None:
        if line.doctor_id != self.doctor_id():
            return
        selected = self.selected_entry()
        self.queue = line
        fill_queue_table(self.table, line)
        for row, entry in enumerate(line.entries):
            if selected is not None and entry.id == selected.id:
                self.table.selectRow(row)
        current = line.current
        self.now_serving.setText((tr("With you: token {token}, {name}").format(token=current.token,
                                                                              name=current.patient_name)
                                  if current else tr("Nobody in the room"))
                                 + " · " + tr("{count} waiting").format(count=len(line.waiting)))
        self.call_button.setEnabled(bool(line.waiting or current))
        self.message.show_message("")

    def entries(self) -> tuple[QueueEntryView, ...]:
        return self.queue.entries if self.queue else ()

    def selected_entry(self) -> QueueEntryView | None:
        row = self.table.currentRow()
        entries = self.entries()
        return entries[row] if 0 <= row < len(entries) else None

    def call_next(self) -> None:
        """Unsaved changes of the consultation open are asked about first (Save / Discard / Stay)."""
        doctor_id = self.doctor_id()
        if doctor_id is not None:
            self._leave_consultation(lambda: self._call_next(doctor_id))

    def _call_next(self, doctor_id: int) -> None:
        CollectionOp(self, (Change.QUEUE, Change.APPOINTMENTS), queue.call_next, self._backend.uow(), self._actor,
                     doctor_id).success(self._called).failure(self._failed).run_in_background()

    def _called(self, entry: QueueEntryView | None) -> None:
        if entry is None:
            self.message.show_message(tr("Nobody is waiting."))
            return
        self.open_consultation(entry.appointment_id)

    def open_selected(self) -> None:
        entry = self.selected_entry() or (self.queue.current if self.queue else None)
        if entry is not None:
            self.switch_to(entry.appointment_id)

    def open_row(self, row: int) -> None:
        entries = self.entries()
        if 0 <= row < len(entries):
            self.switch_to(entries[row].appointment_id)

    def switch_to(self, appointment_id: int) -> None:
        """Open another patient's consultation once the one open is saved or its changes discarded."""
        if self.consultation is not None and self.consultation.appointment_id == appointment_id:
            return
        self._leave_consultation(lambda: self.open_consultation(appointment_id))

    def _leave_consultation(self, then: Callable[[], object]) -> None:
        if self.consultation is None:
            then()
        else:
            self.consultation.unsaved.ask(then, after_save=then)

    def open_consultation(self, appointment_id: int) -> ConsultationWidget:
        if self.consultation is not None and self.consultation.appointment_id == appointment_id:
            return self.consultation
        if self.consultation is not None:
            page = self.right.currentWidget()
            self.right.removeWidget(page)
            page.deleteLater()
        self.consultation = ConsultationWidget(self._backend, self._actor, appointment_id)
        self.right.addWidget(_scrolling(self.consultation))
        self.right.setCurrentIndex(self.right.count() - 1)
        return self.consultation

    def _failed(self, error: DomainError) -> None:
        self.message.show_message(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.QUEUE, Change.APPOINTMENTS):
            self.load()


def _scrolling(consultation: ConsultationWidget) -> QScrollArea:
    """The consultation is taller than a 1366×768 laptop's work area (six prescription lines, messages under the
    vitals): it scrolls inside the page instead of growing the window past the screen."""
    return scrolling(consultation, "consultation_page")
