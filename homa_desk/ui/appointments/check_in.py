"""Check in a booked patient who has arrived, never the one the list happened to start on.

With no patient chosen the desk asks which one, from today's bookings still to arrive; for a patient found on the
Patients page (F4) it checks in their booking today, and asks only when they have more than one.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import AppointmentView, DayView, Status, local_day
from homa_desk.domain.errors import DomainError
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.queue import QueueEntryView
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import appointments, queue
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

QUEUE_CHANGES = (Change.QUEUE, Change.APPOINTMENTS)


def still_to_arrive(view: DayView, *, doctor_id: int | None = None,
                    patient_id: int | None = None) -> list[AppointmentView]:
    """Today's bookings not yet checked in (walk-ins are in the queue already), by time; one doctor's or patient's
    when given."""
    found = [appointment for day in view.doctors for appointment in day.appointments
             if appointment.status is Status.SCHEDULED and not appointment.is_walk_in and appointment.token is None
             and doctor_id in (None, appointment.doctor_id) and patient_id in (None, appointment.patient_id)]
    return sorted(found, key=lambda a: (a.starts_at, a.patient_name))


def arrival_text(appointment: AppointmentView) -> str:
    return f"{to_local(appointment.starts_at):%I:%M %p} · {appointment.patient_name} · {appointment.doctor_name or ''}"


class CheckInChooser(QDialog):
    """Which patient arrived? Nothing is chosen until the receptionist picks: type part of the name, Down into the
    list, Enter checks in the selected one."""

    chosen = Signal(int)  # the appointment id

    def __init__(self, bookings: list[AppointmentView], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("check_in_chooser")
        self.setWindowTitle(tr("Check in: who has arrived?"))
        self.resize(520, 420)
        self.filter = QLineEdit()
        self.filter.setObjectName("check_in_filter")
        self.filter.setPlaceholderText(tr("Type part of the name"))
        self.list = QListWidget()
        self.list.setObjectName("check_in_list")
        for appointment in bookings:
            item = QListWidgetItem(arrival_text(appointment))
            item.setData(Qt.ItemDataRole.UserRole, appointment.id)
            self.list.addItem(item)
        buttons = QDialogButtonBox()
        self.check_in_button = buttons.addButton(tr("Check in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.check_in_button.setObjectName("check_in_chosen")
        self.check_in_button.setEnabled(False)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.choose_selected)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.filter)
        layout.addWidget(self.list, 1)
        if not bookings:
            layout.addWidget(QLabel(tr("Nobody booked for today is still to arrive.")))
        layout.addWidget(buttons)
        self.filter.textChanged.connect(self._filter)
        self.list.itemSelectionChanged.connect(
            lambda: self.check_in_button.setEnabled(bool(self.list.selectedItems())))
        self.list.itemActivated.connect(lambda _item: self.choose_selected())
        self.filter.installEventFilter(self)
        self.filter.setFocus()

    def visible_items(self) -> list[QListWidgetItem]:
        return [self.list.item(n) for n in range(self.list.count()) if not self.list.item(n).isHidden()]

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for n in range(self.list.count()):
            item = self.list.item(n)
            item.setHidden(not all(word in item.text().lower() for word in words))
        self.list.clearSelection()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.filter and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            visible = self.visible_items()
            if event.key() == Qt.Key.Key_Down and visible:
                self.list.setCurrentItem(visible[0])
                self.list.setFocus(Qt.FocusReason.OtherFocusReason)
                return True
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if len(visible) == 1:
                    self.list.setCurrentItem(visible[0])
                    self.choose_selected()
                return True
        return super().eventFilter(watched, event)

    def choose_selected(self) -> None:
        selected = self.list.selectedItems()
        if selected:
            self.chosen.emit(selected[0].data(Qt.ItemDataRole.UserRole))
            self.accept()


def check_in_appointment(parent: QObject, backend: Backend, actor: Actor, appointment_id: int,
                         on_done: Callable[[QueueEntryView], None], on_failure: Callable[[DomainError], None]) -> None:
    CollectionOp(parent, QUEUE_CHANGES, queue.check_in, backend.uow(), actor, appointment_id) \
        .success(on_done).failure(on_failure).run_in_background()


def checked_in_text(entry: QueueEntryView) -> str:
    return tr("Checked in {name}: token {token}.").format(name=entry.patient_name, token=entry.token)


class PatientCheckIn(QObject):
    """F4 for a patient found: `done` says what happened, for the status bar."""

    done = Signal(str)

    def __init__(self, parent: QWidget, backend: Backend, actor: Actor, patient: PatientSummary) -> None:
        super().__init__(parent)
        self._parent = parent
        self._backend = backend
        self._actor = actor
        self.patient = patient
        self.chooser: CheckInChooser | None = None

    def start(self) -> None:
        run_in_background(self, appointments.day_view, self._backend.uow(), self._actor, local_day(utcnow()),
                          on_success=self._day_loaded, on_failure=self._failed)

    def _day_loaded(self, view: DayView) -> None:
        bookings = still_to_arrive(view, patient_id=self.patient.user_id)
        if not bookings:
            self.done.emit(tr("{name} has no booking today still to check in.").format(name=self.patient.full_name))
        elif len(bookings) == 1:
            self.check_in(bookings[0].id)
        else:
            self.chooser = CheckInChooser(bookings, self._parent)
            self.chooser.chosen.connect(self.check_in)
            self.chooser.open()

    def check_in(self, appointment_id: int) -> None:
        check_in_appointment(self, self._backend, self._actor, appointment_id,
                             lambda entry: self.done.emit(checked_in_text(entry)), self._failed)

    def _failed(self, error: DomainError) -> None:
        self.done.emit(error.message)
