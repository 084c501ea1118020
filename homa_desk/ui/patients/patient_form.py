"""Register a patient, or edit one; while name and mobile are typed, likely duplicates appear beside the form."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.patients import (
    MAX_OLD_FILE_NUMBER,
    Gender,
    PatientProfile,
    PatientSummary,
    age_on,
    may_see_medical_history,
    parse_date_text,
    validate_patient,
)
from homa_desk.domain.roles import Actor
from homa_desk.services import message_channels, patients
from homa_desk.services.message_channels import MessagePreferences
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit, text_box
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.patient_text import age_shown
from homa_desk.ui.common.unsaved import guard_dialog
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.patients.message_choices import MessageChoices
from homa_desk.ui.patients.patient_search import clinic_today, format_phone

DUPLICATE_DEBOUNCE_MS = 300


class PatientFormDialog(QDialog):
    """New patient (no `existing`) or edit (`existing` profile). Saving runs in the background.

    `patient_saved(PatientSummary)` after a save; `existing_chosen(PatientSummary)` when the receptionist picks a
    likely duplicate instead of registering the same person twice.
    """

    patient_saved = Signal(object)
    existing_chosen = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, existing: PatientProfile | None = None,
                 parent: QWidget | None = None, *, duplicate_debounce_ms: int = DUPLICATE_DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("patient_form")
        self._backend = backend
        self._actor = actor
        self.existing = existing
        self.saved: PatientSummary | None = None
        self.setWindowTitle(tr("Edit patient — {name}").format(name=existing.summary.full_name) if existing
                            else tr("New patient"))

        self.full_name = line_edit("full_name")
        self.phone = line_edit("phone", placeholder="98765 43210")
        self.email = line_edit("email", placeholder=tr("optional"))
        self.old_file_number = line_edit("old_file_number", placeholder=tr("optional, from the paper records"))
        self.old_file_number.setMaxLength(MAX_OLD_FILE_NUMBER)
        self.date_of_birth = line_edit("date_of_birth", placeholder=tr("DD-MM-YYYY"))
        self.age_years = line_edit("age_years", placeholder=tr("years, if the date of birth is unknown"))
        self.age_shown = QLabel("")
        self.age_shown.setObjectName("age_shown")
        self.gender = QComboBox()
        self.gender.setObjectName("gender")
        self.gender.addItem("—", "")
        for gender in Gender:
            self.gender.addItem(tr(gender.value.capitalize()), gender.value)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for language in Language:
            self.language.addItem(tr(language.label), language.value)
        self.address = text_box("address")
        self.emergency_contact = line_edit("emergency_contact", placeholder=tr("optional mobile"))
        self.allergies = text_box("allergies")
        self.messages = MessageChoices()
        self.medical_history: QPlainTextEdit | None = None
        if may_see_medical_history(actor.role):
            self.medical_history = text_box("medical_history", 100)

        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        self.errors = FieldErrors(form, self.general_error)
        rows = [(tr("Full name"), "full_name", self.full_name), (tr("Mobile"), "phone", self.phone),
                (tr("E-mail"), "email", self.email), (tr("Old file no."), "old_file_number", self.old_file_number),
                (tr("Date of birth"), "date_of_birth", self.date_of_birth),
                (tr("Age (years)"), "age_years", self.age_years), ("", "age_shown", self.age_shown),
                (tr("Gender"), "gender", self.gender), (tr("Address"), "address", self.address),
                (tr("Emergency contact"), "emergency_contact", self.emergency_contact),
                (tr("Messages in"), "language", self.language),
                (tr("Messages by"), "preferred_channel", self.messages.channel),
                (tr("Agrees to messages by"), "consents", self.messages.consents),
                (tr("Allergies"), "allergies", self.allergies)]
        if self.medical_history is not None:
            rows.append((tr("Medical history"), "medical_history", self.medical_history))
        for label, field, widget in rows:
            self.errors.add_row(label, field, widget)

        buttons = QDialogButtonBox()
        self.save_button: QPushButton = buttons.addButton(tr("Save") if existing else tr("Register"),
                                                          QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        self.save_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setObjectName("cancel")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicates")
        self.duplicates.itemDoubleClicked.connect(lambda _item: self.open_existing())
        self.open_existing_button = QPushButton(tr("Open existing"))
        self.open_existing_button.setObjectName("open_existing")
        self.open_existing_button.clicked.connect(self.open_existing)
        self.open_existing_button.setEnabled(False)
        self.duplicates.currentRowChanged.connect(lambda row: self.open_existing_button.setEnabled(row >= 0))
        self.duplicates_title = QLabel(tr("Already registered?"))
        self.duplicates_title.setProperty("role", "subtitle")
        side = QWidget()
        side.setObjectName("duplicates_panel")
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.duplicates_title)
        side_layout.addWidget(self.duplicates, 1)
        side_layout.addWidget(self.open_existing_button)
        side.setFixedWidth(280)
        self.duplicates_panel = side
        side.setVisible(False)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.general_error)
        left.addWidget(buttons)
        body = QHBoxLayout(self)
        body.addLayout(left, 1)
        body.addWidget(side)

        self._duplicate_generation = 0
        self._duplicate_timer = QTimer(self)
        self._duplicate_timer.setSingleShot(True)
        self._duplicate_timer.setInterval(duplicate_debounce_ms)
        self._duplicate_timer.timeout.connect(self.look_for_duplicates)
        self.full_name.textEdited.connect(lambda _t: self._duplicate_timer.start())
        self.phone.textEdited.connect(lambda _t: self._duplicate_timer.start())
        self.date_of_birth.textChanged.connect(self._show_age)
        self.age_years.textChanged.connect(self._show_age)
        self._saved_patient: PatientSummary | None = None
        if existing is not None:
            self._fill(existing)
            self.messages.wait_for_load()
            run_in_background(self, message_channels.message_preferences, backend.uow(), actor, existing.user_id,
                              on_success=self._show_choices, on_failure=lambda _error: None)
        self.unsaved = guard_dialog(self, tr("Save this patient's details?"), self.save)

    def _fill(self, profile: PatientProfile) -> None:
        summary = profile.summary
        self.full_name.setText(summary.full_name)
        self.phone.setText(format_phone(summary.phone))
        self.email.setText(profile.email or "")
        self.old_file_number.setText(summary.old_file_number or "")
        if summary.date_of_birth is not None:
            if summary.dob_is_estimate:
                self.age_years.setText(str(age_on(summary.date_of_birth, clinic_today())))
            else:
                self.date_of_birth.setText(summary.date_of_birth.strftime("%d-%m-%Y"))
        self.gender.setCurrentIndex(max(0, self.gender.findData(summary.gender.value if summary.gender else "")))
        self.address.setPlainText(profile.address or "")
        self.emergency_contact.setText(format_phone(profile.emergency_contact or ""))
        self.allergies.setPlainText(profile.allergies or "")
        self.language.setCurrentIndex(max(0, self.language.findData(profile.language.value)))
        if self.medical_history is not None:
            self.medical_history.setPlainText(profile.medical_history or "")

    def _show_choices(self, prefs: MessagePreferences) -> None:
        """The recorded choices arrive after the form opened: they are what is stored, not an unsaved change."""
        untouched = not self.unsaved.changed()
        self.messages.show(prefs)
        if untouched:
            self.unsaved.reset()

    def _show_age(self) -> None:
        try:
            born = parse_date_text(self.date_of_birth.text())
        except ValidationError:
            born = None
        today = clinic_today()
        if born is not None and born <= today:
            self.age_shown.setText(tr("Age {years} years").format(years=age_on(born, today)))
        else:
            self.age_shown.setText("")

    # -- likely duplicates -----------------------------------------------------------------------------------

    def look_for_duplicates(self) -> None:
        self._duplicate_generation += 1
        generation = self._duplicate_generation
        exclude = self.existing.user_id if self.existing else None
        run_in_background(self, patients.find_likely_duplicates, self._backend.uow(), self._actor,
                          self.full_name.text(), self.phone.text(), exclude_user_id=exclude,
                          on_success=lambda found: self._show_duplicates(generation, found),
                          on_failure=lambda _error: None)  # a hint only; the save reports real trouble

    def _show_duplicates(self, generation: int, found: list[PatientSummary]) -> None:
        if generation != self._duplicate_generation:
            return
        self.duplicates.clear()
        today = clinic_today()
        for patient in found:
            age = age_shown(patient.date_of_birth, patient.dob_is_estimate, today)
            item = QListWidgetItem(f"{patient.full_name}\n#{patient.patient_number} · {format_phone(patient.phone)}"
                                   + (f" · {age}" if age else ""))
            item.setData(Qt.ItemDataRole.UserRole, patient)
            self.duplicates.addItem(item)
        self.duplicates_panel.setVisible(bool(found))
        if found:
            self.duplicates.setCurrentRow(0)

    def duplicate_names(self) -> list[str]:
        return [self.duplicates.item(i).data(Qt.ItemDataRole.UserRole).full_name
                for i in range(self.duplicates.count())]

    def open_existing(self) -> None:
        item = self.duplicates.currentItem()
        if item is None:
            return
        self.existing_chosen.emit(item.data(Qt.ItemDataRole.UserRole))
        super().reject()  # the receptionist chose the patient already registered: nothing typed is wanted

    def reject(self) -> None:
        """Esc, Cancel and the window's close: typed details are asked about (Save / Discard / Stay)."""
        self.unsaved.ask(super().reject)

    # -- saving ----------------------------------------------------------------------------------------------

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            details = validate_patient(
                full_name=self.full_name.text(), phone=self.phone.text(), email=self.email.text(),
                date_of_birth=self.date_of_birth.text(), age_years=self.age_years.text(),
                gender=str(self.gender.currentData() or ""), address=self.address.toPlainText(),
                emergency_contact=self.emergency_contact.text(), allergies=self.allergies.toPlainText(),
                language=str(self.language.currentData()), old_file_number=self.old_file_number.text(),
                medical_history=self.medical_history.toPlainText() if self.medical_history is not None else None,
                today=clinic_today())
            self.messages.check()
        except DomainError as error:
            self.errors.show(error)
            self.unsaved.save_failed()
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        if self._saved_patient is not None:  # saved; only the message choices were refused
            self._save_choices(self._saved_patient)
        elif self.existing is None:
            CollectionOp(self, Change.PATIENTS, patients.register_patient, self._backend.uow(), self._actor, details) \
                .success(self._saved).failure(self._refused).run_in_background()
        else:
            CollectionOp(self, Change.PATIENTS, patients.update_patient, self._backend.uow(), self._actor,
                         self.existing.user_id, details).success(self._saved).failure(self._refused) \
                .run_in_background()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
        self.unsaved.save_failed()

    def _saved(self, summary: PatientSummary) -> None:
        self._saved_patient = summary
        self._save_choices(summary)

    def _save_choices(self, summary: PatientSummary) -> None:
        """The channel and consents, recorded with who and when, once the patient exists."""
        if not self.messages.ready:
            self._done(summary)
            return
        CollectionOp(self, Change.PATIENTS, message_channels.set_message_preferences, self._backend.uow(),
                     self._actor, summary.user_id, self.messages.preferred(), self.messages.answers()) \
            .success(lambda _prefs: self._done(summary)).failure(self._refused).run_in_background()

    def _done(self, summary: PatientSummary) -> None:
        self.saved = summary
        self.patient_saved.emit(summary)
        self.unsaved.saved()
        self.accept()
