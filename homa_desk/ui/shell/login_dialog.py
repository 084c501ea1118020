"""Sign-in: e-mail and password, checked by the auth service off the UI thread.

The desk shows this window before its database is open, so the user can type while it connects: until
`database_ready` the window says "Connecting to the database…", and a Sign in pressed meanwhile is carried out as
soon as the database answers. If it cannot be opened, `database_failed` shows why, with a Try again button.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk import APP_TITLE
from homa_desk.domain.errors import DomainError
from homa_desk.ui.common.form import ErrorLabel, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.label_room import grow_with_text, make_room

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent

    from homa_desk.backend import Backend
    from homa_desk.domain.staff import StaffMember


EMAIL_CHARACTERS = 52  # a clinic's long addresses (reception.frontdesk@sunrise-family-clinic.co.in) show in full


class LoginDialog(QDialog):
    """Accepted once the service returns the staff member; every refusal is shown beside the fields."""

    signed_in = Signal(object)
    painted = Signal()  # once, after the window's first paint: the moment to start the slower work
    try_again = Signal()

    def __init__(self, backend: Backend | None, parent: QWidget | None = None, *, email: str = "") -> None:
        """Without a backend the window waits for `database_ready` (or `database_failed`)."""
        super().__init__(parent)
        self._backend: Backend | None = None
        self._pending = False  # Sign in was pressed while the database was still opening
        self._painted = False
        self.member: StaffMember | None = None
        self.setWindowTitle(f"{APP_TITLE} — " + tr("Sign in"))
        self.setObjectName("login_dialog")

        title = QLabel(tr("Sign in to {app}").format(app=APP_TITLE))
        title.setProperty("role", "title")
        self.email = line_edit("email", placeholder=tr("name@clinic.example"))
        self.email.setText(email)
        self.email.setMinimumWidth(self.email.fontMetrics().averageCharWidth() * EMAIL_CHARACTERS + 16)
        self.password = line_edit("password", password=True)
        self.error = ErrorLabel()
        self.error.setObjectName("error")
        self.status = QLabel(tr("Connecting to the database…"))
        self.status.setObjectName("status")

        form = QFormLayout()
        form.addRow(tr("E-mail"), self.email)
        form.addRow(tr("Password"), self.password)
        form.addRow("", self.error)

        buttons = QDialogButtonBox()
        self.sign_in_button: QPushButton = buttons.addButton(tr("Sign in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("sign_in")
        self.sign_in_button.setDefault(True)
        self.try_again_button = buttons.addButton(tr("Try again"), QDialogButtonBox.ButtonRole.ActionRole)
        self.try_again_button.setObjectName("try_again")
        self.try_again_button.hide()
        self.try_again_button.clicked.connect(self._try_again)
        buttons.addButton(QDialogButtonBox.StandardButton.Close).setObjectName("close")
        buttons.accepted.connect(self.sign_in)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(buttons)
        grow_with_text(self)
        (self.password if email else self.email).setFocus()
        if backend is not None:
            self.database_ready(backend)

    @property
    def connecting(self) -> bool:
        return self._backend is None and self.try_again_button.isHidden()

    def database_ready(self, backend: Backend) -> None:
        """The database is open: signing in works now, and a Sign in pressed while waiting goes ahead."""
        self._backend = backend
        self.status.hide()
        self.try_again_button.hide()
        if self._pending:
            self._pending = False
            self._ask(backend)

    def database_failed(self, message: str) -> None:
        """Say why the desk cannot reach its data; Sign in stays off until Try again succeeds."""
        self._pending = False
        self.status.hide()
        self.error.show_message(message)
        make_room(self, self.error)
        self.sign_in_button.setEnabled(False)
        self.try_again_button.show()

    def sign_in(self) -> None:
        """Ask the auth service; the button stays disabled until it answers (or, while connecting, until then)."""
        if not self.sign_in_button.isEnabled():
            return
        self.error.show_message("")
        self.sign_in_button.setEnabled(False)
        if self._backend is None:
            self._pending = True
        else:
            self._ask(self._backend)

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if not self._painted:
            self._painted = True
            QTimer.singleShot(0, self, self.painted.emit)  # dropped if the window is gone by then

    def _ask(self, backend: Backend) -> None:
        from homa_desk.services import auth  # lazy: cold start
        from homa_desk.ui.common.worker import run_in_background  # lazy: cold start

        run_in_background(self, auth.sign_in, backend.uow(), self.email.text(), self.password.text(),
                          on_success=self._accept_member, on_failure=self._show_refusal)

    def _try_again(self) -> None:
        self.try_again_button.hide()
        self.error.show_message("")
        self.status.show()
        self.sign_in_button.setEnabled(True)
        self.try_again.emit()

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
        make_room(self, self.error)
