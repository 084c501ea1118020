"""The admin's staff forms: add an account, and set a new password for one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.staff import StaffMember
from homa_desk.services import staff
from homa_desk.ui.changes import Change
from homa_desk.ui.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import CollectionOp

STAFF_ROLE_CHOICES = (Role.RECEPTIONIST, Role.DOCTOR, Role.ADMIN)


class _StaffForm(QDialog):
    """A form with messages beside its fields and one button that runs the change in the background."""

    def __init__(self, title: str, action: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        self.errors = FieldErrors(self.form, self.general_error)
        buttons = QDialogButtonBox()
        self.save_button: QPushButton = buttons.addButton(action, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel).setObjectName("cancel")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.body = QVBoxLayout(self)
        self.body.addLayout(self.form)
        self.body.addWidget(self.general_error)
        self.body.addWidget(buttons)

    def save(self) -> None:
        raise NotImplementedError

    def _show_refusal(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error, aliases={"new_password": "password"})


class AddStaffDialog(_StaffForm):
    staff_added = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(tr("Add staff"), tr("Add"), parent)
        self.setObjectName("add_staff_dialog")
        self._backend = backend
        self._actor = actor
        self.full_name = line_edit("full_name")
        self.email = line_edit("email", placeholder=tr("name@clinic.example"))
        self.phone = line_edit("phone", placeholder="98765 43210")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in STAFF_ROLE_CHOICES:
            self.role.addItem(tr(role.label), role.value)
        self.password = line_edit("password", password=True)
        self.password_again = line_edit("password_again", password=True)
        for label, field, widget in ((tr("Full name"), "full_name", self.full_name),
                                     (tr("E-mail"), "email", self.email),
                                     (tr("Mobile"), "phone", self.phone), (tr("Role"), "role", self.role),
                                     (tr("Password"), "password", self.password),
                                     (tr("Password again"), "password_again", self.password_again)):
            self.errors.add_row(label, field, widget)

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        try:
            new = staff.validate_new_staff(email=self.email.text(), full_name=self.full_name.text(),
                                           phone=self.phone.text(), role=str(self.role.currentData()),
                                           password=self.password.text(), password_again=self.password_again.text())
        except DomainError as error:
            self.errors.show(error)
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, Change.STAFF, staff.add_staff, self._backend.uow(), self._actor, new) \
            .success(self._added).failure(self._show_refusal).run_in_background()

    def _added(self, member: StaffMember) -> None:
        self.staff_added.emit(member)
        self.accept()


class ResetPasswordDialog(_StaffForm):
    password_reset = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, member: StaffMember, parent: QWidget | None = None) -> None:
        super().__init__(tr("Reset password — {name}").format(name=member.full_name), tr("Set password"), parent)
        self.setObjectName("reset_password_dialog")
        self._backend = backend
        self._actor = actor
        self.member = member
        note = QLabel(tr("Choose a new password for {name} ({email}) and tell them in person. This also lifts a "
                         "lockout.").format(name=member.full_name, email=member.email))
        note.setWordWrap(True)
        self.body.insertWidget(0, note)
        self.password = line_edit("password", password=True)
        self.password_again = line_edit("password_again", password=True)
        self.errors.add_row(tr("New password"), "password", self.password)
        self.errors.add_row(tr("Password again"), "password_again", self.password_again)

    def save(self) -> None:
        if not self.save_button.isEnabled():
            return
        if self.password.text() != self.password_again.text():
            self.errors.show(ValidationError("password_again", tr("The two passwords differ.")))
            return
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, Change.STAFF, staff.reset_password, self._backend.uow(), self._actor, self.member.id,
                     self.password.text()).success(self._done).failure(self._show_refusal).run_in_background()

    def _done(self, _result: object) -> None:
        self.password_reset.emit(self.member)
        self.accept()
