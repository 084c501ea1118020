"""The screen over an idle desk: only the same user's password, checked like a sign-in, opens it again."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.staff import StaffMember
from homa_desk.services import auth
from homa_desk.ui.common.form import ErrorLabel, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background


class LockDialog(QDialog):
    """Escape and the close button do nothing: the way out is the password or signing out."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 unkept_work: Callable[[], int] | None = None) -> None:
        """`unkept_work`: how many open forms have typed changes that signing out would lose (not a draft)."""
        super().__init__(parent)
        self._unkept_work = unkept_work
        self._warned = False
        self.setObjectName("lock_dialog")
        self.setWindowTitle(f"{APP_TITLE} — " + tr("Locked"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._backend = backend
        self._actor = actor
        self._leaving = False
        title = QLabel(tr("The desk is locked"))
        title.setProperty("role", "title")
        self.prompt = QLabel(tr("It was idle. {name}, enter your password to continue.").format(name=actor.full_name))
        self.prompt.setWordWrap(True)
        self.password = line_edit("password", password=True)
        self.error = ErrorLabel()
        self.error.setObjectName("error")
        self.unlock_button = QPushButton(tr("Unlock"))
        self.unlock_button.setObjectName("unlock")
        self.unlock_button.setDefault(True)
        self.sign_out_button = QPushButton(tr("Sign out instead"))
        self.sign_out_button.setObjectName("sign_out_instead")
        self.unlock_button.clicked.connect(self.unlock)
        self.sign_out_button.clicked.connect(self.sign_out_instead)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_out_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        layout = QVBoxLayout(self)
        for widget in (title, self.prompt, self.password, self.error):
            layout.addWidget(widget)
        layout.addLayout(buttons)
        self.password.setFocus()

    def unlock(self) -> None:
        """A real sign-in, so wrong passwords here count toward the account's lockout."""
        if not self.unlock_button.isEnabled():
            return
        self.error.show_message("")
        self.unlock_button.setEnabled(False)
        run_in_background(self, auth.sign_in, self._backend.uow(), self._actor.email, self.password.text(),
                          on_success=self._check_member, on_failure=self._show_refusal)

    def sign_out_instead(self) -> None:
        """Typed changes that cannot be kept are never lost without a word: the first press says so."""
        if not self._warned and self._unkept_work is not None and self._unkept_work():
            self._warned = True
            self.error.show_message(tr("Typed changes in an open form are not saved: unlock to save them, or press "
                                       "Sign out instead again to throw them away."))
            return
        self._leaving = True
        self.sign_out_requested.emit()
        self.done(QDialog.DialogCode.Rejected)

    def reject(self) -> None:
        if self._leaving:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._leaving or self.result() == QDialog.DialogCode.Accepted:
            super().closeEvent(event)
        else:
            event.ignore()

    def _check_member(self, member: StaffMember) -> None:
        self.unlock_button.setEnabled(True)
        if member.id != self._actor.user_id:
            self._show_refusal(DomainError(tr("That is another account; enter your own password.")))
            return
        self._leaving = True
        self.unlocked.emit()
        self.accept()

    def _show_refusal(self, error: DomainError) -> None:
        self.unlock_button.setEnabled(True)
        self.password.clear()
        self.password.setFocus()
        self.error.show_message(error.message)
