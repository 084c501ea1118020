"""The desk's flow: first run (empty database) → sign-in → main window → sign out → sign-in again."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.staff import StaffMember
from homa_desk.services import staff
from homa_desk.services.first_run import FirstRunResult
from homa_desk.ui.backup_scheduler import BackupScheduler
from homa_desk.ui.database_status import PING_INTERVAL_MS
from homa_desk.ui.first_run_wizard import FirstRunWizard
from homa_desk.ui.i18n import tr
from homa_desk.ui.idle_lock import DEFAULT_IDLE_MINUTES, IdleLock
from homa_desk.ui.login_dialog import LoginDialog
from homa_desk.ui.main_window import MainWindow
from homa_desk.ui.outbox_sender import OutboxSender
from homa_desk.ui.resources import apply_style, icon_path
from homa_desk.ui.upi_reconcile import reconcile_open_sessions
from homa_desk.ui.worker import run_in_background, show_error, wait_for_idle

log = logging.getLogger(__name__)


class DeskController(QObject):
    """Owns whichever window is up and moves between them; `finished` carries the exit code."""

    finished = Signal(int)

    def __init__(self, backend: Backend | None, *, idle_lock_minutes: int = DEFAULT_IDLE_MINUTES,
                 idle_interval_ms: int | None = None, ping_interval_ms: int = PING_INTERVAL_MS,
                 send_messages: bool = False, data_dir: Path | None = None, demo: bool = False) -> None:
        """Without a backend (a new install) the wizard first asks where the data lives and opens it."""
        super().__init__()
        self._backend = backend
        self._data_dir = data_dir
        self._demo = demo
        self._idle_lock_minutes = idle_lock_minutes
        self._idle_interval_ms = idle_interval_ms
        self._ping_interval_ms = ping_interval_ms
        self.wizard: FirstRunWizard | None = None
        self.login_dialog: LoginDialog | None = None
        self.main_window: MainWindow | None = None
        self.idle_lock: IdleLock | None = None
        self.reconciled: dict[str, int] | None = None
        self._reconcile_started = False
        self._send_messages = send_messages
        self.outbox_sender: OutboxSender | None = None
        self.backup_scheduler: BackupScheduler | None = None

    def start(self) -> None:
        """Ask the database whether this is the first run, then show the wizard or the sign-in."""
        if self._backend is None:
            self.show_wizard()
            return
        run_in_background(self, staff.needs_first_admin, self._backend.uow(), on_success=self._first_step,
                          on_failure=self._cannot_start)

    def show_wizard(self) -> FirstRunWizard:
        self.wizard = FirstRunWizard(self._backend, data_dir=self._data_dir, demo=self._demo)
        self.wizard.completed.connect(self._set_up)
        self.wizard.rejected.connect(self.quit)
        self.wizard.show()
        return self.wizard

    def show_login(self, email: str = "") -> LoginDialog:
        self.login_dialog = LoginDialog(self._backend, email=email)
        self.login_dialog.signed_in.connect(self.show_main_window)
        self.login_dialog.rejected.connect(self.quit)
        self.login_dialog.show()
        return self.login_dialog

    def show_main_window(self, member: StaffMember) -> MainWindow:
        self._discard_dialogs()
        actor = member.as_actor()
        window = MainWindow(self._backend, actor, ping_interval_ms=self._ping_interval_ms)
        window.signed_out.connect(self.sign_out)
        window.closed.connect(self.quit)
        self.idle_lock = IdleLock(window, self._backend, actor, idle_minutes=self._idle_lock_minutes,
                                  interval_ms=self._idle_interval_ms)
        self.idle_lock.sign_out_requested.connect(window.sign_out)
        self.main_window = window
        window.show()
        self.reconcile_payments()
        self.start_outbox_sender()
        self.start_backup_scheduler()
        return window

    def reconcile_payments(self) -> None:
        """Once per desk process, in the background: settle UPI payments left open by an earlier run."""
        if self._reconcile_started:
            return
        self._reconcile_started = True
        run_in_background(self, reconcile_open_sessions, self._backend, on_success=self._reconciled,
                          on_failure=lambda error: log.warning("UPI reconciliation failed: %s", type(error).__name__))

    def start_outbox_sender(self) -> None:
        """After the first sign-in, once per desk process: deliver queued SMS, e-mail and Telegram messages."""
        if self._send_messages and self.outbox_sender is None:
            self.outbox_sender = OutboxSender(self._backend)
            self.outbox_sender.start()

    def start_backup_scheduler(self) -> None:
        """With the outbox sender (a real desk, not a test), once per desk process: the daily backup."""
        if self._send_messages and self.backup_scheduler is None:
            self.backup_scheduler = BackupScheduler(self._backend)
            self.backup_scheduler.start()

    def _reconciled(self, counts: dict[str, int]) -> None:
        self.reconciled = counts

    def sign_out(self) -> None:
        """Back to the sign-in, with the same e-mail filled in."""
        email = self.main_window.actor.email if self.main_window is not None else ""
        if self.idle_lock is not None:
            self.idle_lock.stop()
            self.idle_lock = None
        if self.main_window is not None:
            self.main_window.deleteLater()
            self.main_window = None
        log.info("signed out")
        self.show_login(email)

    def quit(self, code: int = 0) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
        if self.outbox_sender is not None:
            self.outbox_sender.stop()
            self.outbox_sender = None
        if self.backup_scheduler is not None:
            self.backup_scheduler.stop()
            self.backup_scheduler = None
        self.finished.emit(code)

    def _first_step(self, needs_admin: bool) -> None:
        if needs_admin:
            self.show_wizard()
        else:
            self.show_login()

    @property
    def backend(self) -> Backend | None:
        """The database in use: the one given, or the one the first-run wizard opened."""
        return self._backend

    def _set_up(self, outcome: FirstRunResult) -> None:
        if self.wizard is not None:
            self.wizard.rejected.disconnect(self.quit)
            self.wizard.deleteLater()
            self.wizard = None
        self._backend = outcome.backend
        self.show_login(outcome.admin.email if outcome.admin is not None else "")

    def _cannot_start(self, error: DomainError) -> None:
        box = show_error(None, tr("{app} cannot start.").format(app=APP_TITLE) + f"\n\n{error.message}")
        box.finished.connect(lambda _result: self.quit(1))

    def _discard_dialogs(self) -> None:
        if self.login_dialog is not None:
            self.login_dialog.rejected.disconnect(self.quit)
            self.login_dialog.deleteLater()
            self.login_dialog = None


def run_desk(backend: Backend | None, *, idle_lock_minutes: int = DEFAULT_IDLE_MINUTES,
             data_dir: Path | None = None, demo: bool = False) -> int:
    """Run the desk until the user closes it; returns the process exit code. Reuses an existing QApplication.

    With no backend (a new install) the first-run wizard opens the database; it is closed here at the end.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setQuitOnLastWindowClosed(False)
    apply_style(app)
    if (icon := icon_path("homa_desk")) is not None:
        app.setWindowIcon(QIcon(str(icon)))
    controller = DeskController(backend, idle_lock_minutes=idle_lock_minutes, send_messages=True, data_dir=data_dir,
                                demo=demo)
    controller.finished.connect(app.exit)
    controller.start()
    code = app.exec()
    wait_for_idle()
    if backend is None and controller.backend is not None:
        controller.backend.close()
    return code
