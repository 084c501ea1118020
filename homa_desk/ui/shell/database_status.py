"""The header's database light: which database this desk uses, and whether it answers right now.

The same ping also reads the signed-in account's row (no extra round trip): when an admin disabled the account or
changed its role or password, `account_revoked` tells the desk to sign out.

On a remote database the ping rests while nobody uses the desk (`ui/common/activity.py`), so Neon can suspend the
compute; the first touch afterwards pings at once and shows "connecting…" while the compute wakes. Only when the
database still does not answer after `WAKE_TRIES` pings is it "unreachable".
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.account_check import Revocation, SignedInAccount
from homa_desk.domain.errors import DomainError
from homa_desk.domain.staff import StaffMember
from homa_desk.services import auth
from homa_desk.ui.common.activity import DeskActivity, desk_activity
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background

PING_INTERVAL_MS = 10_000
CONNECTED = QT_TR_NOOP("connected")
UNREACHABLE = QT_TR_NOOP("unreachable")
CHECKING = QT_TR_NOOP("checking…")
CONNECTING = QT_TR_NOOP("connecting…")
RESTING = QT_TR_NOOP("resting until the desk is used")
WAKE_TRIES = 3
WAKE_RETRY_MS = 2_000
REVOKED = {
    Revocation.DISABLED: QT_TR_NOOP("Your account was disabled by an admin."),
    Revocation.ROLE_CHANGED: QT_TR_NOOP("Your role changed: sign in again."),
    Revocation.PASSWORD_CHANGED: QT_TR_NOOP("Your password was changed: sign in again."),
}
UNSAVED_LOST = QT_TR_NOOP("Anything typed in an open form and not yet saved was discarded.")


def revoked_message(reason: Revocation) -> str:
    """What the sign-in window says after the desk signed out because of `reason`."""
    return f"{tr(REVOKED[reason])} {tr(UNSAVED_LOST)}"


class DatabaseStatus(QWidget):
    """Pings the database on a timer (and once at start), never on the UI thread, one ping at a time."""

    reachability_changed = Signal(bool)
    account_revoked = Signal(object)  # a Revocation; emitted once, then the pings stop

    def __init__(self, backend: Backend, parent: QWidget | None = None, *,
                 interval_ms: int = PING_INTERVAL_MS, activity: DeskActivity | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("database_status")
        self._backend = backend
        self._activity = activity or desk_activity()
        self._adaptive = backend.target.kind == "remote"
        self._waking = 0  # pings left before a silent database counts as unreachable after a rest
        self.resting = False
        self._pinging = False
        self._account: SignedInAccount | None = None
        self._account_pending = False
        self.reachable: bool | None = None
        self.dot = QLabel("●")
        self.dot.setObjectName("database_dot")
        self.text = QLabel()
        self.text.setObjectName("database_text")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.dot)
        layout.addWidget(self.text)
        self._show(None)
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._activity.woke.connect(self._wake)
        self.check_now()

    def watch_account(self, member: StaffMember) -> None:
        """From now on every ping also checks that `member` (as signed in) may go on working."""
        self._account = SignedInAccount(member.id, member.role, member.password_stamp)
        if self._pinging:
            self._account_pending = True  # the ping under way started without the account
        else:
            self.check_now()

    def _tick(self) -> None:
        if self._adaptive and self._activity.resting():
            if not self.resting:
                self.resting = True
                self._show_state(RESTING, "resting", "#9aa0a6")
            return
        self.check_now()

    def _wake(self) -> None:
        """Someone touched the desk after a rest: ping now; a compute that is waking up gets a few tries."""
        if not self.resting:
            return
        self.resting = False
        self._waking = WAKE_TRIES
        self._show_state(CONNECTING, "connecting", "#f9ab00")
        self.check_now()

    def check_now(self) -> None:
        if self._pinging or not self.timer.isActive():
            return
        self._pinging = True
        run_in_background(self, auth.check_signed_in, self._backend.uow(), self._account,
                          on_success=self._answered, on_failure=self._unanswered)

    def stop(self) -> None:
        self.timer.stop()

    def _answered(self, revoked: Revocation | None) -> None:
        self._pinging = False
        self._waking = 0
        self._show(True)
        if revoked is not None and self.timer.isActive():
            self.stop()
            self.account_revoked.emit(revoked)
        elif self._account_pending:
            self._account_pending = False
            self.check_now()

    def _unanswered(self, _error: DomainError) -> None:
        self._pinging = False
        self._account_pending = False
        if self._waking > 1 and self.timer.isActive():
            self._waking -= 1  # still "connecting…": Neon resumes a compute within seconds
            QTimer.singleShot(WAKE_RETRY_MS, self, self.check_now)
            return
        self._waking = 0
        self._show(False)

    def _show(self, reachable: bool | None) -> None:
        state = CHECKING if reachable is None else CONNECTED if reachable else UNREACHABLE
        color = "#9aa0a6" if reachable is None else "#1e8e3e" if reachable else "#d93025"
        self._show_state(state, "unknown" if reachable is None else tr(state), color)
        changed = reachable is not None and reachable != self.reachable
        self.reachable = reachable
        if changed:
            self.reachability_changed.emit(bool(reachable))

    def _show_state(self, state: str, dot_state: str, color: str) -> None:
        target = self._backend.target
        if target.kind == "lan":  # another computer of the clinic hosts the data
            where = tr("Clinic host ({host})").format(host=target.url.host)
        else:
            where = tr("Embedded database") if target.kind == "embedded" else tr("Remote database ({host})").format(
                host=target.url.host)
        self.text.setText(f"{where}: {tr(state)}")
        self.dot.setProperty("state", dot_state)
        self.dot.style().unpolish(self.dot)
        self.dot.style().polish(self.dot)
        self.dot.setStyleSheet(f"color: {color};")
