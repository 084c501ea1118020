"""One patient's page: details, allergies in red, medical history (doctors and admins), appointments, bills, and
the desk's actions on this patient (walk-in, check in, book, new bill, payment), each one key away."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.advances import PatientAdvances
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.patients import AppointmentLine, PatientProfile, PatientSummary
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import contact_status, patients
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.patient_text import age_shown, gender_shown
from homa_desk.ui.common.screen_fit import fit_to_screen
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.patients.contact_verification import ContactVerificationDialog
from homa_desk.ui.patients.patient_actions import action_buttons, button_key
from homa_desk.ui.patients.patient_advances import PatientAdvancesPanel
from homa_desk.ui.patients.patient_bills import PatientBillsPanel
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.patients.patient_messages import PatientMessagesPanel
from homa_desk.ui.patients.patient_search import clinic_today, format_phone

# shown lowercase in the appointment lists: appointments.status and consultation_type as stored
APPOINTMENT_WORDS = (QT_TR_NOOP("scheduled"), QT_TR_NOOP("completed"), QT_TR_NOOP("cancelled"), QT_TR_NOOP("no show"),
                     QT_TR_NOOP("online"), QT_TR_NOOP("offline"))
APPOINTMENT_COLUMNS = (QT_TR_NOOP("When"), QT_TR_NOOP("Doctor"), QT_TR_NOOP("Status"), QT_TR_NOOP("Type"))


def _value_label(name: str) -> QLabel:
    label = QLabel("")
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def _appointments_table(name: str) -> QTableWidget:
    table = QTableWidget(0, len(APPOINTMENT_COLUMNS))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([tr(c) for c in APPOINTMENT_COLUMNS])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    size_columns(table, stretch_column=1)
    return table


def _fill(table: QTableWidget, lines: tuple[AppointmentLine, ...]) -> None:
    table.setRowCount(len(lines))
    for row, line in enumerate(lines):
        kind = tr("walk-in") if line.is_walk_in else tr(line.consultation_type)
        for column, value in enumerate((format_local_time(line.starts_at), line.doctor_name or "—",
                                        tr(line.status.replace("_", " ")), kind)):
            table.setItem(row, column, QTableWidgetItem(value))


class PatientProfileDialog(QDialog):
    """Loads the profile in the background (one statement, one round trip); the bills and messages tabs load when
    first chosen. Edit opens the form and reloads after a save."""

    loaded = Signal(object)
    patient_saved = Signal(object)
    act = Signal(str, object)  # (action, PatientSummary): the Patients page's actions, asked for from here

    def __init__(self, backend: Backend, actor: Actor, user_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patient_profile")
        self.setWindowTitle(tr("Patient"))
        fit_to_screen(self, 820, 700)
        self._backend = backend
        self._actor = actor
        self.user_id = user_id
        self.profile: PatientProfile | None = None
        self.form: PatientFormDialog | None = None

        self.heading = QLabel(tr("Loading…"))
        self.heading.setObjectName("patient_heading")
        self.heading.setProperty("role", "title")
        self.error = QLabel("")
        self.error.setObjectName("profile_error")
        self.error.setProperty("role", "error")
        self.error.setVisible(False)
        self.edit_button = QPushButton(tr("Edit…"))
        self.edit_button.setObjectName("edit_patient")
        self.edit_button.setEnabled(False)
        self.edit_button.clicked.connect(self.edit)
        self.verify_button = QPushButton(tr("Verify contact…"))
        self.verify_button.setObjectName("verify_contact")
        self.verify_button.setEnabled(False)
        self.verify_button.clicked.connect(self.verify_contact)
        self.verification: ContactVerificationDialog | None = None
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.verify_button)
        top.addWidget(self.edit_button)

        self.fields: dict[str, QLabel] = {}
        details = QFormLayout()
        for key, label in (("patient_number", tr("Patient no.")), ("phone", tr("Mobile")), ("email", tr("E-mail")),
                           ("age", tr("Age / date of birth")), ("gender", tr("Gender")), ("address", tr("Address")),
                           ("emergency_contact", tr("Emergency contact")), ("language", tr("Messages in"))):
            self.fields[key] = _value_label(key)
            if key == "phone":
                details.addRow(label, self._with_verified_mark(self.fields[key]))
            else:
                details.addRow(label, self.fields[key])
        self.allergies = _value_label("allergies")
        self.allergies.setProperty("role", "error")  # red: the first thing a doctor must not miss
        details.addRow(tr("Allergies"), self.allergies)

        self.history_box = QGroupBox(tr("Medical history"))
        self.history_box.setObjectName("medical_history_box")
        self.medical_history = _value_label("medical_history")
        QVBoxLayout(self.history_box).addWidget(self.medical_history)
        self.history_box.setVisible(False)

        self.upcoming = _appointments_table("upcoming")
        self.past = _appointments_table("past")
        self.bills = PatientBillsPanel(backend, actor, user_id)
        self.sections = QTabWidget()
        self.sections.setObjectName("profile_sections")
        self.sections.addTab(self.upcoming, tr("Upcoming appointments"))
        self.sections.addTab(self.past, tr("Past appointments"))
        self.sections.addTab(self.bills, tr("Bills and payments"))
        self.advances = PatientAdvancesPanel(backend, actor, user_id)
        self.sections.addTab(self.advances, tr("Advances"))
        self.advances.loaded.connect(self._show_advance_balance)
        self.messages = PatientMessagesPanel(backend, actor, user_id)
        self.sections.addTab(self.messages, tr("Messages"))

        actions, self.action_buttons = action_buttons(self._act, actor.role)
        for action, button in self.action_buttons.items():
            button.setEnabled(False)
            if action != "take_payment":  # F9 is the desk's own key in every window (ui/shell/main_window.py)
                button.setShortcut(button_key(action))

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(actions)
        layout.addWidget(self.error)
        layout.addLayout(details)
        layout.addWidget(self.history_box)
        layout.addWidget(self.sections, 1)
        self.reload()

    def _with_verified_mark(self, phone: QLabel) -> QWidget:
        self.phone_verified = QLabel("")
        self.phone_verified.setObjectName("phone_verified")
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(phone)
        line.addWidget(self.phone_verified)
        line.addStretch(1)
        return row

    def reload(self) -> None:
        """One round trip: the profile carries the verified mark; the bills and messages tabs load when chosen."""
        run_in_background(self, patients.get_patient_profile, self._backend.uow(), self._actor, self.user_id,
                          on_success=self._show, on_failure=self._failed)

    def reload_verified(self) -> None:
        """users.is_verified alone, after a verification; a failure leaves the mark blank."""
        run_in_background(self, contact_status.is_contact_verified, self._backend.uow(), self._actor, self.user_id,
                          on_success=self._show_verified, on_failure=lambda _error: self.phone_verified.setText(""))

    def _show_verified(self, verified: bool) -> None:
        self.phone_verified.setText(tr("· verified ✓") if verified else tr("· not verified"))

    def _failed(self, error: DomainError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)

    def _show(self, profile: PatientProfile) -> None:
        self.profile = profile
        summary = profile.summary
        self.setWindowTitle(f"{summary.full_name} — " + tr("patient {number}").format(number=summary.patient_number))
        self.heading.setText(summary.full_name)
        today = clinic_today()
        if summary.date_of_birth is None:
            age = "—"
        elif summary.dob_is_estimate:
            age = tr("{age} (estimated)").format(age=age_shown(summary.date_of_birth, True, today))
        else:
            age = tr("{age} · born {date}").format(age=age_shown(summary.date_of_birth, False, today),
                                                   date=summary.date_of_birth.strftime('%d %b %Y'))
        old_file = tr(" · old file {number}").format(number=summary.old_file_number) if summary.old_file_number else ""
        values = {"patient_number": f"{summary.patient_number}{old_file}", "phone": format_phone(summary.phone),
                  "email": profile.email or "—", "age": age,
                  "gender": gender_shown(summary.gender) or "—",
                  "address": profile.address or "—",
                  "emergency_contact": format_phone(profile.emergency_contact) if profile.emergency_contact else "—",
                  "language": tr(profile.language.label)}
        for key, value in values.items():
            self.fields[key].setText(value)
        self.allergies.setText(profile.allergies or tr("None known"))
        self.allergies.setProperty("role", "error" if profile.allergies else "")
        self.allergies.style().unpolish(self.allergies)
        self.allergies.style().polish(self.allergies)
        self._show_verified(profile.contact_verified)
        self.history_box.setVisible(profile.medical_history_visible)
        self.medical_history.setText(profile.medical_history or tr("Nothing recorded.")
                                     if profile.medical_history_visible else "")
        self.advances.patient_name = summary.full_name
        self._show_advance_tab_title(profile.advance_balance)
        _fill(self.upcoming, profile.upcoming)
        _fill(self.past, profile.past)
        self.sections.setTabText(0, tr("Upcoming appointments ({count})").format(count=len(profile.upcoming)))
        self.sections.setTabText(1, tr("Past appointments ({count})").format(count=len(profile.past)))
        self.edit_button.setEnabled(True)
        self.verify_button.setEnabled(True)
        for button in self.action_buttons.values():
            button.setEnabled(True)
        self.error.setVisible(False)
        self.loaded.emit(profile)

    def _show_advance_balance(self, account: PatientAdvances) -> None:
        """After the tab (re)loaded its advances: the title follows them."""
        self._show_advance_tab_title(account.available if account.advances else None)

    def _show_advance_tab_title(self, balance: Decimal | None) -> None:
        """The tab says what is left on the account, so it shows without opening the tab (None: no advances)."""
        index = self.sections.indexOf(self.advances)
        self.sections.setTabText(index, tr("Advances ({amount})").format(amount=format_inr(balance))
                                 if balance is not None else tr("Advances"))

    def _act(self, action: str) -> None:
        if self.profile is not None:
            self.act.emit(action, self.profile.summary)

    def verify_contact(self) -> None:
        """A code by SMS or e-mail that the patient reads back; success sets users.is_verified."""
        if self.profile is None:
            return
        self.verification = ContactVerificationDialog(self._backend, self._actor, self.user_id,
                                                      has_email=bool(self.profile.email), parent=self)
        self.verification.verified.connect(self.reload_verified)
        self.verification.open()

    def edit(self) -> None:
        if self.profile is None:
            return
        form = PatientFormDialog(self._backend, self._actor, self.profile, parent=self)
        form.patient_saved.connect(self._saved)
        form.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.form = form
        form.open()

    def _saved(self, summary: PatientSummary) -> None:
        self.patient_saved.emit(summary)
        self.reload()
