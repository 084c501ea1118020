"""The desk's flow: sign-in (or first run) → main window → sign out → sign-in again.

The first window shows before anything slow happens: the sign-in appears at once, and only after its first paint
does a background call settle the keyring, open the database (start the embedded server or connect, check the
schema), check whether the clinic has an admin yet and seed `--demo` data. Meanwhile the user can type; the window
says it is connecting, and shows what went wrong if the database cannot be opened. SQLAlchemy, the services, the
main window and its pages are imported on the way, never before the first window.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from homa_desk import APP_TITLE
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.ui.common.resources import apply_style, icon_path
from homa_desk.ui.shell.login_dialog import LoginDialog

if TYPE_CHECKING:
    from homa_desk.backend import Backend
    from homa_desk.domain.account_check import Revocation
    from homa_desk.domain.staff import StaffMember
    from homa_desk.services.first_run import FirstRunResult
    from homa_desk.services.jobs.outbox import OutboxSender
    from homa_desk.ui.shell.backup_scheduler import BackupScheduler
    from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
    from homa_desk.ui.shell.idle_lock import IdleLock
    from homa_desk.ui.shell.main_window import MainWindow
    from homa_desk.ui.shell.offsite_scheduler import OffsiteScheduler

log = logging.getLogger(__name__)

OPEN_AFTER_MS = 250  # open the database this long after the sign-in was shown even if it was never painted


class DeskController(QObject):
    """Owns whichever window is up and moves between them; `finished` carries the exit code."""

    finished = Signal(int)
    database_opened = Signal()  # signing in works now: the database is open and has an admin

    def __init__(self, backend: Backend | None, *, open_database: Callable[[], Backend] | None = None,
                 settings: Settings | None = None, start_up: Callable[[], object] | None = None,
                 idle_lock_minutes: int | None = None,
                 idle_interval_ms: int | None = None, ping_interval_ms: int | None = None,
                 send_messages: bool = False, freeze_objects: bool = False, data_dir: Path | None = None,
                 demo: bool = False) -> None:
        """`backend`: a database already open. Without one, `open_database` opens it in the background while the
        sign-in shows; with neither (a new install) the first-run wizard asks where the data lives and opens it.
        With `settings`, a missing system keyring is settled (asked about once) before the database is opened.
        `start_up` (the log file, say) runs once off the UI thread after the first window shows, before the rest.
        `freeze_objects`: once the first main window is up, the objects alive then are frozen (ui/common/garbage.py).
        The desk does; tests do not, as frozen garbage would pile up over a whole test session."""
        super().__init__()
        self._backend = backend
        self._open_database = open_database
        self._settings = settings
        self._data_dir = data_dir
        self._demo = demo
        self._idle_lock_minutes = idle_lock_minutes
        self._idle_interval_ms = idle_interval_ms
        self._ping_interval_ms = ping_interval_ms
        self._opening_started = False
        self._ready = False  # the database is open and has an admin: a new sign-in window can be used at once
        self._start_up = start_up
        self._started_up = start_up is None and settings is None
        self._failed = False
        self._quitting = False
        self._freeze_objects = freeze_objects
        self._sign_in_message = ""  # why the desk signed out, for the next sign-in window
        self.wizard: FirstRunWizard | None = None
        self.login_dialog: LoginDialog | None = None
        self.main_window: MainWindow | None = None
        self.idle_lock: IdleLock | None = None
        self.reconciled: dict[str, int] | None = None
        self._reconcile_started = False
        self._send_messages = send_messages
        self.outbox_sender: OutboxSender | None = None
        self.backup_scheduler: BackupScheduler | None = None
        self.offsite_scheduler: OffsiteScheduler | None = None

    def start(self) -> None:
        """Show the first window now: the wizard on a new install, else the sign-in, which waits for the database."""
        if self._backend is None and self._open_database is None:
            wizard = self.show_wizard()
            if not self._started_up:
                self._started_up = True
                if self._start_up is not None:
                    self._start_up()
                if self._settings is not None:
                    from homa_desk.ui.shell.keyring_notice import settle_keyring  # lazy: cold start

                    _record_keyring(settle_keyring(self._settings, wizard))
            return
        login = self.show_login()
        login.painted.connect(self._open)
        login.try_again.connect(self._open_again)
        QTimer.singleShot(OPEN_AFTER_MS, self, self._open)

    def show_wizard(self) -> FirstRunWizard:
        from homa_desk.ui.shell.first_run_wizard import FirstRunWizard  # lazy: cold start

        self.wizard = FirstRunWizard(self._backend, data_dir=self._data_dir, demo=self._demo)
        self.wizard.completed.connect(self._set_up)
        self.wizard.rejected.connect(self.quit)
        self.wizard.show()
        return self.wizard

    def show_login(self, email: str = "") -> LoginDialog:
        """The sign-in; until the database is open and checked (see `start`) it says it is connecting."""
        self.login_dialog = LoginDialog(self._backend if self._ready else None, email=email)
        self.login_dialog.signed_in.connect(self.show_main_window)
        self.login_dialog.rejected.connect(self._login_closed)
        self.login_dialog.show()
        return self.login_dialog

    def show_main_window(self, member: StaffMember) -> MainWindow:
        from homa_desk.ui.shell.idle_lock import DEFAULT_IDLE_MINUTES, IdleLock  # lazy: cold start
        from homa_desk.ui.shell.main_window import MainWindow  # lazy: cold start

        self._discard_dialogs()
        actor = member.as_actor()
        ping = {} if self._ping_interval_ms is None else {"ping_interval_ms": self._ping_interval_ms}
        window = MainWindow(self._backend, actor, **ping)
        window.signed_out.connect(self.sign_out)
        window.closed.connect(self.quit)
        minutes = DEFAULT_IDLE_MINUTES if self._idle_lock_minutes is None else self._idle_lock_minutes
        self.idle_lock = IdleLock(window, self._backend, actor, idle_minutes=minutes,
                                  interval_ms=self._idle_interval_ms, unkept_work=window.unkept_work)
        self.idle_lock.sign_out_requested.connect(window.sign_out_keeping_work)
        self.idle_lock.locked.connect(window.keep_work)
        window.database_status.watch_account(member)
        window.database_status.account_revoked.connect(self._account_revoked)
        self.main_window = window
        window.show()
        if self._freeze_objects:
            self._freeze_objects = False  # once per process: what sign-in brought in lives as long as the desk
            QTimer.singleShot(0, self, self._freeze_long_lived_objects)
        self.reconcile_payments()
        self.start_outbox_sender()
        self.start_backup_scheduler()
        return window

    def _freeze_long_lived_objects(self) -> None:
        from homa_desk.ui.common.garbage import freeze_long_lived_objects  # lazy: cold start

        log.debug("froze %d start-up objects for the garbage collector", freeze_long_lived_objects())

    def reconcile_payments(self) -> None:
        """Once per desk process, in the background: settle UPI payments left open by an earlier run."""
        from homa_desk.ui.billing.upi_reconcile import reconcile_open_sessions  # lazy: cold start
        from homa_desk.ui.common.worker import run_in_background  # lazy: cold start

        if self._reconcile_started:
            return
        self._reconcile_started = True
        run_in_background(self, reconcile_open_sessions, self._backend, on_success=self._reconciled,
                          on_failure=lambda error: log.warning("UPI reconciliation failed: %s", type(error).__name__))

    def start_outbox_sender(self) -> None:
        """After the first sign-in, once per desk process: deliver queued SMS, e-mail and Telegram messages."""
        if self._send_messages and self.outbox_sender is None:
            from homa_desk.services.jobs.outbox import OutboxSender  # lazy: cold start
            from homa_desk.ui.billing.receipt import receipt_renderer  # lazy: cold start
            from homa_desk.ui.common.activity import desk_activity  # lazy: cold start

            activity = desk_activity()
            resting = activity.resting if self._backend.target.kind == "remote" else None
            self.outbox_sender = OutboxSender(self._backend, render_attachment=receipt_renderer(self._backend),
                                              resting=resting)
            activity.woke.connect(self.outbox_sender.wake)
            self.outbox_sender.start()

    def start_backup_scheduler(self) -> None:
        """With the outbox sender (a real desk, not a test), once per desk process: the daily backup."""
        if self._send_messages and self.backup_scheduler is None:
            from homa_desk.ui.shell.backup_scheduler import BackupScheduler  # lazy: cold start

            self.backup_scheduler = BackupScheduler(self._backend)
            self.backup_scheduler.start()
        if self._send_messages and self.offsite_scheduler is None:
            from homa_desk.ui.shell.offsite_scheduler import OffsiteScheduler  # lazy: cold start

            self.offsite_scheduler = OffsiteScheduler(self._backend)
            self.offsite_scheduler.copy_made.connect(self._offsite_copy_changed)
            self.offsite_scheduler.copy_failed.connect(self._offsite_copy_changed)
            self.offsite_scheduler.start()

    def _offsite_copy_changed(self, _what: object) -> None:
        """The header shows a failed or missed off-site copy at once (admins only)."""
        if self.main_window is not None:
            self.main_window.offsite_badge.refresh()

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
        if self._sign_in_message:
            self.login_dialog.error.show_message(self._sign_in_message)
            self._sign_in_message = ""

    def _account_revoked(self, reason: Revocation) -> None:
        """An admin disabled this account or changed its role or password: sign out, and say why on the sign-in
        (once a print dialog open at that moment has been cancelled, if there was one)."""
        from homa_desk.ui.shell.database_status import revoked_message  # lazy: cold start

        if self.main_window is not None:
            self._sign_in_message = revoked_message(reason)
            self.main_window.sign_out_keeping_work()

    def quit(self, code: int = 0) -> None:
        self._quitting = True
        if self.idle_lock is not None:
            self.idle_lock.stop()
        if self.outbox_sender is not None:
            self.outbox_sender.stop()
            self.outbox_sender = None
        if self.backup_scheduler is not None:
            self.backup_scheduler.stop()
            self.backup_scheduler = None
        if self.offsite_scheduler is not None:
            self.offsite_scheduler.stop()
            self.offsite_scheduler = None
        self.finished.emit(code)

    @property
    def backend(self) -> Backend | None:
        """The database in use: the one given, or the one opened here or by the first-run wizard."""
        return self._backend

    def _open(self) -> None:
        """After the sign-in's first paint, once: start-up and keyring, then the database and the first-run check."""
        if self._opening_started:
            return
        self._opening_started = True
        if self._started_up:
            self._open_database_now()
            return
        from homa_desk.ui.common.worker import run_in_background  # lazy: cold start

        run_in_background(self, _start_up, self._start_up, self._settings, on_success=self._keyring_known,
                          on_failure=self._cannot_open)

    def _keyring_known(self, usable: bool | None) -> None:
        self._started_up = True
        if usable is None and not self._quitting:
            from homa_desk.ui.shell.keyring_notice import ask_keyring  # lazy: cold start

            usable = ask_keyring(self._settings, self.login_dialog)  # type: ignore[arg-type]  # None only with settings
        _record_keyring(usable)
        self._open_database_now()

    def _open_database_now(self) -> None:
        if self._quitting:
            return
        from homa_desk.ui.common.worker import run_in_background  # lazy: cold start

        run_in_background(self, _open_and_check, self._backend, self._open_database, on_success=self._opened,
                          on_failure=self._cannot_open)

    def _open_again(self) -> None:
        self._failed = False
        self._open_database_now()

    def _opened(self, outcome: tuple[Backend, bool]) -> None:
        self._backend, needs_admin = outcome  # kept even when quitting, so that run_desk closes it
        if self._quitting:
            return
        if needs_admin:
            self._discard_dialogs()
            self.show_wizard()
            return
        self._ready = True
        if self.login_dialog is not None:
            self.login_dialog.database_ready(self._backend)
        self.database_opened.emit()
        from homa_desk.ui.common.worker import run_in_background  # lazy: cold start

        run_in_background(self, _import_main_window)

    def _cannot_open(self, error: DomainError) -> None:
        self._failed = True
        if self.login_dialog is not None and not self._quitting:
            self.login_dialog.database_failed(error.message)

    def _login_closed(self) -> None:
        self.quit(1 if self._failed else 0)

    def _set_up(self, outcome: FirstRunResult) -> None:
        if self.wizard is not None:
            self.wizard.rejected.disconnect(self.quit)
            self.wizard.deleteLater()
            self.wizard = None
        self._backend = outcome.backend
        self._ready = True
        self.show_login(outcome.admin.email if outcome.admin is not None else "")

    def _discard_dialogs(self) -> None:
        if self.login_dialog is not None:
            self.login_dialog.rejected.disconnect(self._login_closed)
            self.login_dialog.hide()
            self.login_dialog.deleteLater()
            self.login_dialog = None


def _start_up(start_up: Callable[[], object] | None, settings: Settings | None) -> bool | None:
    """Off the UI thread: the start-up work, then whether secrets can be stored (None: the user must be asked)."""
    if start_up is not None:
        start_up()
    if settings is None:
        return True
    from homa_desk.ui.shell.keyring_notice import keyring_settled  # lazy: cold start

    return keyring_settled(settings)


def _record_keyring(usable: bool | None) -> None:
    """Settings and the header say so while the desk has no keyring (None: not asked, as in tests)."""
    from homa_desk.ui.common.keyring_state import keyring_state  # lazy: cold start

    keyring_state().set_missing(usable is False)


def _import_main_window() -> None:
    """Off the UI thread, while the user signs in (bcrypt lets it run alongside): what signing in will show."""
    from homa_desk.services.jobs import outbox  # noqa: F401  # lazy: cold start
    from homa_desk.ui.billing import receipt, upi_reconcile  # noqa: F401  # lazy: cold start
    from homa_desk.ui.shell import backup_scheduler, idle_lock  # noqa: F401  # lazy: cold start
    from homa_desk.ui.shell.main_window import import_start_pages  # lazy: cold start

    import_start_pages()


def _open_and_check(backend: Backend | None, open_database: Callable[[], Backend] | None) -> tuple[Backend, bool]:
    """Off the UI thread: the database (opened here unless given) and whether it still needs its first admin."""
    from homa_desk.services import staff  # lazy: cold start

    if backend is None:
        assert open_database is not None
        backend = open_database()
    try:
        return backend, staff.needs_first_admin(backend.uow())
    except BaseException:
        if open_database is not None:
            backend.close()
        raise


def run_desk(backend: Backend | None, *, open_database: Callable[[], Backend] | None = None,
             settings: Settings | None = None, start_up: Callable[[], object] | None = None,
             idle_lock_minutes: int | None = None, data_dir: Path | None = None, demo: bool = False) -> int:
    """Run the desk until the user closes it; returns the process exit code. Reuses an existing QApplication.

    With no backend, `open_database` (or, on a new install, the first-run wizard) opens the database; it is closed
    here at the end.
    """
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv)
    app.setApplicationName(APP_TITLE)
    app.setQuitOnLastWindowClosed(False)
    apply_style(app)
    if (icon := icon_path("homa_desk")) is not None:
        app.setWindowIcon(QIcon(str(icon)))
    controller = DeskController(backend, open_database=open_database, settings=settings, start_up=start_up,
                                idle_lock_minutes=idle_lock_minutes, send_messages=True, freeze_objects=True,
                                data_dir=data_dir, demo=demo)
    controller.finished.connect(app.exit)
    controller.start()
    code = app.exec()
    from homa_desk.ui.common.worker import wait_for_idle  # lazy: cold start

    wait_for_idle(30)  # a database still opening behind a closed sign-in: let it finish, so that it is closed here
    if backend is None and controller.backend is not None:
        controller.backend.close()
    return code
