"""Verify a patient's mobile or e-mail: send a six-digit code through the outbox, then check what they read out."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.services import verification
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background


class ContactVerificationDialog(QDialog):
    verified = Signal()

    def __init__(self, backend: Backend, actor: Actor, user_id: int, *, has_email: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("contact_verification")
        self.setWindowTitle(tr("Verify contact"))
        self._backend = backend
        self._actor = actor
        self._user_id = user_id
        self.channel = QComboBox()
        self.channel.setObjectName("verify_channel")
        self.channel.addItem(tr("SMS to the mobile"), "sms")
        if has_email:
            self.channel.addItem(tr("E-mail"), "email")
        self.send_button = QPushButton(tr("Send code"))
        self.send_button.setObjectName("send_code")
        self.send_button.clicked.connect(self.send_code)
        self.status = QLabel("")
        self.status.setObjectName("verify_status")
        self.status.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setObjectName("verify_code")
        self.code.setPlaceholderText(tr("six digits"))
        self.code.setMaxLength(6)
        self.code_error = ErrorLabel()
        self.code_error.setObjectName("verify_code_error")
        self.check_button = QPushButton(tr("Check"))
        self.check_button.setObjectName("check_code")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self.check_code)
        self.code.returnPressed.connect(self.check_code)

        send = QHBoxLayout()
        send.addWidget(self.channel, 1)
        send.addWidget(self.send_button)
        check = QHBoxLayout()
        check.addWidget(self.code, 1)
        check.addWidget(self.check_button)
        layout = QVBoxLayout(self)
        layout.addLayout(send)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(tr("Code the patient received")))
        layout.addLayout(check)
        layout.addWidget(self.code_error)

    def send_code(self) -> None:
        self.send_button.setEnabled(False)
        self.status.setText(tr("Sending…"))
        run_in_background(self, verification.send_code, self._backend.uow(), self._actor, self._user_id,
                          self.channel.currentData(), on_success=self._code_sent, on_failure=self._send_failed)

    def check_code(self) -> None:
        if not self.check_button.isEnabled():
            return
        self.check_button.setEnabled(False)
        run_in_background(self, verification.check_code, self._backend.uow(), self._actor, self._user_id,
                          self.code.text().strip(), on_success=self._checked, on_failure=self._check_failed)

    def _code_sent(self, sent: verification.CodeSent) -> None:
        self.send_button.setEnabled(True)
        self.send_button.setText(tr("Send a new code"))
        self.status.setText(tr("A six-digit code is on its way to {destination}; it is valid for 10 minutes.").format(
            destination=sent.destination))
        self.check_button.setEnabled(True)
        self.code.setFocus()

    def _send_failed(self, error: DomainError) -> None:
        self.send_button.setEnabled(True)
        self.status.setText(error.message)

    def _checked(self, _ok: bool) -> None:
        self.code_error.show_message("")
        self.status.setText(tr("Verified ✓"))
        self.verified.emit()
        self.accept()

    def _check_failed(self, error: DomainError) -> None:
        self.check_button.setEnabled(True)
        self.code_error.show_message(error.message)
