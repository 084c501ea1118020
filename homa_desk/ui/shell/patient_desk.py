"""The desk's actions on one patient (walk-in, check in, new bill, payment), for the main window's keys and the
buttons of the Patients page and the profile: for the patient found or whose profile is in front, and where there
is none, the page that asks which patient."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillStatus, PatientAccount
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.queue import QueueEntryView
from homa_desk.services import billing
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background

if TYPE_CHECKING:
    from homa_desk.ui.shell.main_window import MainWindow


class PatientDesk(QObject):
    """What F2, F4, F7, F8 and F9 do, and the patient buttons; the main window owns one and binds the keys."""

    def __init__(self, window: MainWindow, backend: Backend) -> None:
        super().__init__(window)
        self._window = window
        self._backend = backend
        self.walk_in: QWidget | None = None  # the last walk-in dialog opened with F2
        self.patient_check_in: QObject | None = None  # the last F4 for a patient found, while it runs

    def _say(self, message: str, timeout_ms: int = 8000) -> None:
        self._window.statusBar().showMessage(message, timeout_ms)

    def patient_found(self) -> PatientSummary | None:
        """The patient selected on the Patients page (or the only one found), when that page is in front."""
        return self._window.views["patients"].chosen_patient() if self._window.current_page() == "patients" else None

    def act_for(self, action: str, patient: PatientSummary) -> None:
        """An action asked for with a button on the Patients page or a profile, for that patient."""
        if action == "book":
            self._window.activateWindow()
            self._window.book(patient)
        elif action == "take_payment":
            self.take_payment_for(patient)
        else:
            {"add_walk_in": self.add_walk_in_for, "check_in": self.check_in_for,
             "new_bill": self.new_bill_for}[action](patient)

    def _desk_view(self, key: str) -> QWidget | None:
        """A front-desk page's view, built if need be but not brought forward; None (and a word why) for others."""
        if self._window.actor.role not in billing.FRONT_DESK or key not in self._window.views:
            self._say(tr("That is not part of your desk."), 5000)
            return None
        return self._window.views[key]

    def _queue(self) -> QWidget | None:
        """The Appointments page's Queue tab, brought forward."""
        if not self._window._open("appointments"):
            return None
        view = self._window.views["appointments"]
        view.tabs.setCurrentWidget(view.queue)
        return view.queue

    def add_walk_in(self) -> None:
        """F2: a walk-in for the patient found; elsewhere the Queue tab asks which patient."""
        patient = self.patient_found()
        if patient is not None:
            self.add_walk_in_for(patient)
        elif self._desk_view("appointments") is not None and (line := self._queue()) is not None:
            line.open_picker()

    def add_walk_in_for(self, patient: PatientSummary) -> None:
        from homa_desk.ui.appointments.walk_in_dialog import WalkInDialog  # lazy: cold start

        if self._desk_view("appointments") is None:
            return
        dialog = WalkInDialog(self._backend, self._window.actor, patient, QApplication.activeWindow() or self._window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.added.connect(lambda entry: self._walk_in_added(entry, dialog.slip_printed))
        self.walk_in = dialog
        dialog.open()

    def _walk_in_added(self, entry: QueueEntryView, slip_printed: bool | None) -> None:
        message = tr("Token {token} for {name} ({doctor}).").format(token=entry.token, name=entry.patient_name,
                                                                    doctor=entry.doctor_name)
        if slip_printed is False:
            message += " " + tr("No printer on this computer: the token slip was not printed.")
        self._say(message, 10000)

    def check_in(self) -> None:
        """F4: the patient found's booking today; elsewhere the Queue tab asks who has arrived."""
        patient = self.patient_found()
        if patient is not None:
            self.check_in_for(patient)
        elif self._desk_view("appointments") is not None and (line := self._queue()) is not None:
            line.check_in()

    def check_in_for(self, patient: PatientSummary) -> None:
        from homa_desk.ui.appointments.check_in import PatientCheckIn  # lazy: cold start

        if self._desk_view("appointments") is None:
            return
        self.patient_check_in = PatientCheckIn(QApplication.activeWindow() or self._window, self._backend,
                                               self._window.actor, patient)
        self.patient_check_in.done.connect(lambda message: self._say(message, 10000))
        self.patient_check_in.start()

    def new_bill(self) -> None:
        """F7: a bill for the patient found; elsewhere Billing asks which patient."""
        patient = self.patient_found()
        if patient is not None:
            self.new_bill_for(patient)
        elif self._window._open("billing"):
            self._window.views["billing"].new_bill()

    def new_bill_for(self, patient: PatientSummary) -> None:
        view = self._desk_view("billing")
        if view is not None:
            view.edit_bill_for(patient)

    def call_next(self) -> None:
        """F8: the doctor's own Call next at the workstation; elsewhere the Queue tab's."""
        if self._window.current_page() == "workstation":
            self._window.views["workstation"].call_next()
        elif (line := self._queue()) is not None:
            line.call_next()

    def take_payment_for(self, patient: PatientSummary, *, upi: bool = False) -> None:
        """The patient's newest bill with money still due, its payment dialog open; a word when there is none."""
        if self._desk_view("billing") is None:
            return

        def pay(account: PatientAccount) -> None:
            unpaid = next((b for b in account.bills if b.status is BillStatus.OPEN and b.balance_due > 0), None)
            if unpaid is None:
                self._say(tr("{name} has no unpaid bill.").format(name=patient.full_name), 8000)
            else:
                self._window.pay_bill(unpaid.id, upi=upi)

        run_in_background(self, billing.patient_account, self._backend.uow(), self._window.actor, patient.user_id,
                          on_success=pay, on_failure=lambda error: self._say(error.message, 8000))
