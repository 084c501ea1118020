"""Sign-in: e-mail and password, checked by the auth service off the UI thread."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.staff import StaffMember
from homa_desk.services import auth
from homa_desk.ui.form import ErrorLabel, line_edit
from homa_desk.ui.i18n import tr
from homa_desk.ui.worker import run_in_background


class LoginDialog(QDialog):
    """Accepted once the service returns the staff member; every refusal is shown beside the fields."""

    signed_in = Signal(object)

    def __init__(self, backend: Backend, parent: QWidget | None = None, *, email: str = "") -> None:
        super().__init__(parent)
        self._backend = backend
        self.member: StaffMember | None = None
        self.setWindowTitle(f"{APP_TITLE} — " + tr("Sign in"))
        self.setObjectName("login_dialog")

        title = QLabel(tr("Sign in to {app}").format(app=APP_TITLE))
        title.setProperty("role", "title")
        self.email = line_edit("email", placeholder=tr("name@clinic.example"))
        self.email.setText(email)
        self.password = line_edit("password", password=True)
        self.error = ErrorLabel()
        self.error.setObjectName("error")

        form = QFormLayout()
        form.addRow(tr("E-mail"), self.email)
        form.addRow(tr("Password"), self.password)
        form.addRow("", self.error)

        buttons = QDialogButtonBox()
        self.sign_in_button: QPushButton = buttons.addButton(tr("Sign in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setDefault(True)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).setObjectName("close")
        buttons.accepted.connect(self.sign_in)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(buttons)
        (self.password if email else self.email).setFocus()

    def sign_in(self) -> None:
        """Ask the auth service; the button stays disabled until it answers."""
        if not self.sign_in_button.isEnabled():
            return
        self.error.show_message("")
        self.sign_in_button.setEnabled(False)
        run_in_background(self, auth.sign_in, self._backend.uow(), self.email.text(), self.password.text(),
                          on_success=self._accept_member, on_failure=self._show_refusal)

    def _accept_member(self, member: StaffMember) -> None:
        self.member = member
        self.sign_in_button.setEnabled(True)
        self.signed_in.emit(member)
        self.accept()

    def _show_refusal(self, error: DomainError) -> None:
        self.sign_in_button.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.error.show_message(error.message)
