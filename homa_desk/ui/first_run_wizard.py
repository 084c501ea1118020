"""First run on an empty database: name the clinic and create its first admin (no default password exists)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.domain.staff import NewStaff, StaffMember
from homa_desk.services import clinic, staff
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.worker import run_in_background


class FirstRunWizard(QDialog):
    """Checks every field before anything is written; the database sees one transaction or nothing."""

    admin_created = Signal(object)

    def __init__(self, backend: Backend, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self.admin: StaffMember | None = None
        self.setWindowTitle(f"{APP_TITLE} — Set up the clinic")
        self.setObjectName("first_run_wizard")

        intro = QLabel("Welcome. Name your clinic and create the admin account that will add the other staff.")
        intro.setWordWrap(True)
        self.clinic_name = line_edit("clinic_name", placeholder="Sunrise Clinic")
        self.full_name = line_edit("full_name")
        self.email = line_edit("email", placeholder="name@clinic.example")
        self.phone = line_edit("phone", placeholder="98765 43210")
        self.password = line_edit("password", password=True)
        self.password_again = line_edit("password_again", password=True)

        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        self.errors = FieldErrors(form, self.general_error)
        for label, field, widget in (("Clinic name", "clinic_name", self.clinic_name),
                                     ("Your full name", "full_name", self.full_name),
                                     ("E-mail", "email", self.email),
                                     ("Mobile", "phone", self.phone),
                                     ("Password", "password", self.password),
                                     ("Password again", "password_again", self.password_again)):
            self.errors.add_row(label, field, widget)

        buttons = QDialogButtonBox()
        self.create_button = buttons.addButton("Create the clinic", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("create")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.create_clinic)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)

    def create_clinic(self) -> None:
        """Validate here (no database needed), then create the admin and the clinic's name in the background."""
        if not self.create_button.isEnabled():
            return
        try:
            new, name = self._validated()
        except DomainError as error:
            self.errors.show(error)
            return
        self.errors.clear()
        self.create_button.setEnabled(False)
        run_in_background(self, staff.create_first_admin, self._backend.uow(), new, name,
                          on_success=self._finish, on_failure=self._show_refusal)

    def _validated(self) -> tuple[NewStaff, str]:
        problems: list[ValidationError] = []
        name = ""
        try:
            name = clinic.validate_clinic_name(self.clinic_name.text())
        except ValidationError as error:
            problems.append(error)
        try:
            new = staff.validate_new_staff(email=self.email.text(), full_name=self.full_name.text(),
                                           phone=self.phone.text(), role=Role.ADMIN,
                                           password=self.password.text(),
                                           password_again=self.password_again.text())
        except FormErrors as errors:
            problems.extend(errors.errors)
        if problems:
            raise FormErrors(problems)
        return new, name

    def _finish(self, member: StaffMember) -> None:
        self.admin = member
        self.admin_created.emit(member)
        self.accept()

    def _show_refusal(self, error: DomainError) -> None:
        self.create_button.setEnabled(True)
        self.errors.show(error)
