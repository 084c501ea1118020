from __future__ import annotations

import gc
import threading

import keyring
from keyring.backends import fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox, QWizard

from homa_desk.config import Settings
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.secret_store import FileKeyring
from homa_desk.ui.common.resources import find_resource
from homa_desk.ui.shell.app import DeskController, run_desk
from homa_desk.ui.shell.login_dialog import LoginDialog
from tests.helpers import STRONG_PASSWORD
from tests.ui.conftest import top_level
from tests.ui.desk_helpers import sign_in, start_signed_in
from tests.ui.shell.wizard_helpers import click, fill_clinic


def test_first_run_then_sign_in_then_sign_out_then_close(qtbot, backend):
    controller = DeskController(backend)
    controller.start()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.wizard.isVisible())
    wizard = controller.wizard
    fill_clinic(qtbot, wizard, clinic={"clinic_name": "Lotus Clinic"}, upi={})
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)

    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    login = controller.login_dialog
    assert login.email.text() == "meera@lotus.example"
    sign_in(qtbot, login, None, STRONG_PASSWORD)

    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    window = controller.main_window
    assert controller.login_dialog is None
    qtbot.waitUntil(lambda: window.clinic_label.text() == "Lotus Clinic")
    assert window.page_titles()[-1] == "Settings"

    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    assert controller.main_window is None
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    assert controller.login_dialog.email.text() == "meera@lotus.example"

    with qtbot.waitSignal(controller.finished) as finished:
        controller.login_dialog.reject()
    assert finished.args == [0]


def test_idle_lock_sign_out_returns_to_sign_in(qtbot, backend, receptionist):
    controller = DeskController(backend, idle_interval_ms=100)
    window = start_signed_in(qtbot, controller, receptionist.email)
    assert "Settings" not in window.page_titles()
    qtbot.waitUntil(lambda: controller.idle_lock is not None and controller.idle_lock.is_locked, timeout=3000)
    qtbot.mouseClick(controller.idle_lock.dialog.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main_window is None and controller.login_dialog.isVisible())
    assert controller.idle_lock is None
    controller.login_dialog.reject()


def test_closing_the_main_window_ends_the_desk(qtbot, backend, doctor):
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, doctor.email)
    with qtbot.waitSignal(controller.finished):
        window.close()


def test_run_desk_shows_sign_in_and_returns_when_it_is_closed(qtbot, backend, admin):
    app = QApplication.instance()
    seen: list[LoginDialog] = []

    def close_login() -> None:
        dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()]
        if dialogs:
            seen.append(dialogs[0])
            dialogs[0].reject()
        else:
            QTimer.singleShot(20, close_login)

    QTimer.singleShot(20, close_login)
    try:
        assert run_desk(backend) == 0
        assert len(seen) == 1
        assert app.styleSheet() != ""
        assert not app.windowIcon().isNull()
    finally:
        app.setStyleSheet("")
        app.setWindowIcon(QIcon())
        app.setQuitOnLastWindowClosed(True)


def test_style_sheet_and_icons_are_found():
    assert find_resource("desk.qss") is not None
    assert find_resource("icons/settings.svg") is not None


def answer_when_asked(button_text: str) -> list[QMessageBox]:
    """Click `button_text` in the next message box shown; the list gets the box once it has been answered."""
    answered: list[QMessageBox] = []

    def answer() -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, answer)
            return
        answered.append(box)
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(20, answer)
    return answered


def open_later(backend):  # type: ignore[no-untyped-def]
    """An `open_database` that waits until the test lets it through, as a slow network would."""
    gate = threading.Event()

    def open_database():  # type: ignore[no-untyped-def]
        assert gate.wait(10)
        return backend

    return open_database, gate


def test_the_sign_in_shows_before_the_database_opens_and_signs_in_once_it_has(qtbot, backend, receptionist):
    open_database, gate = open_later(backend)
    controller = DeskController(None, open_database=open_database)
    controller.start()
    login = controller.login_dialog
    qtbot.waitUntil(login.isVisible)
    assert login.connecting and login.status.isVisible()
    assert login.status.text() == "Connecting to the database…"
    sign_in(qtbot, login, receptionist.email, STRONG_PASSWORD)  # typed and pressed while still connecting
    assert not login.sign_in_button.isEnabled()
    assert controller.main_window is None
    with qtbot.waitSignal(controller.database_opened):
        gate.set()
    assert not login.status.isVisible()
    qtbot.waitUntil(lambda: controller.main_window is not None and controller.main_window.isVisible())
    assert controller.backend is backend


def test_a_database_that_cannot_be_opened_is_explained_in_the_sign_in_and_tried_again(qtbot, backend, admin):
    attempts: list[int] = []

    def open_database():  # type: ignore[no-untyped-def]
        attempts.append(1)
        if len(attempts) == 1:
            raise DatabaseUnavailable("Cannot reach the database at db.example.com. Check the network and the URL.")
        return backend

    controller = DeskController(None, open_database=open_database)
    controller.start()
    login = controller.login_dialog
    qtbot.waitUntil(lambda: login.error.isVisible())
    assert login.error.text().startswith("Cannot reach the database at db.example.com")
    assert login.try_again_button.isVisible() and not login.sign_in_button.isEnabled()
    assert not login.connecting and not top_level(QMessageBox)
    with qtbot.waitSignal(controller.database_opened):
        qtbot.mouseClick(login.try_again_button, Qt.MouseButton.LeftButton)
    assert login.sign_in_button.isEnabled() and not login.try_again_button.isVisible()
    assert login.error.text() == "" and len(attempts) == 2
    sign_in(qtbot, login, admin.email, STRONG_PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None)


def test_closing_the_sign_in_after_a_failed_start_ends_with_an_error_code(qtbot):
    def open_database():  # type: ignore[no-untyped-def]
        raise DatabaseUnavailable()

    controller = DeskController(None, open_database=open_database)
    controller.start()
    qtbot.waitUntil(lambda: controller.login_dialog.try_again_button.isVisible())
    with qtbot.waitSignal(controller.finished) as finished:
        controller.login_dialog.reject()
    assert finished.args == [1]


def test_a_database_without_an_admin_swaps_the_waiting_sign_in_for_the_wizard(qtbot, backend):
    controller = DeskController(None, open_database=lambda: backend)
    controller.start()
    assert controller.login_dialog.isVisible()
    qtbot.waitUntil(lambda: controller.wizard is not None and controller.wizard.isVisible())
    assert controller.login_dialog is None and not top_level(LoginDialog)
    controller.wizard.reject()


def test_a_new_install_shows_the_wizard_at_once_and_asks_about_a_missing_keyring_over_it(qtbot):
    """No database to wait for: the wizard is the first window; start-up and the keyring question follow."""
    keyring.set_keyring(fail.Keyring())
    settings = Settings()
    ran: list[str] = []
    answered = answer_when_asked("Not now")
    controller = DeskController(None, settings=settings, start_up=lambda: ran.append("start-up"))
    controller.start()
    assert controller.wizard is not None and controller.wizard.isVisible()
    assert [box.parentWidget() for box in answered] == [controller.wizard] and ran == ["start-up"]
    assert Settings.load().keyring_fallback == "declined"
    assert controller.login_dialog is None and controller.backend is None
    controller.wizard.reject()


def test_start_up_and_the_keyring_question_come_after_the_sign_in_shows(qtbot, backend, admin):
    keyring.set_keyring(fail.Keyring())
    threads: list[threading.Thread] = []
    answered = answer_when_asked("Use the file keyring")
    controller = DeskController(None, open_database=lambda: backend, settings=Settings(),
                                start_up=lambda: threads.append(threading.current_thread()))
    controller.start()
    assert controller.login_dialog.isVisible() and not threads  # nothing of it before the first window
    with qtbot.waitSignal(controller.database_opened, timeout=10_000):
        pass
    assert threads and threads[0] is not threading.main_thread()
    assert "no system keyring" in answered[0].text() and answered[0].parentWidget() is controller.login_dialog
    assert isinstance(keyring.get_keyring(), FileKeyring)
    assert Settings.load().keyring_fallback == "accepted"


def test_run_desk_closes_the_database_it_opened(qtbot, backend, admin, monkeypatch):
    closed: list[bool] = []
    monkeypatch.setattr(type(backend), "close", lambda self: closed.append(True))

    def close_when_ready() -> None:
        login = next((w for w in QApplication.topLevelWidgets() if isinstance(w, LoginDialog) and w.isVisible()
                      and w.sign_in_button.isEnabled() and not w.connecting), None)
        if login is None:
            QTimer.singleShot(20, close_when_ready)
        else:
            login.reject()

    QTimer.singleShot(20, close_when_ready)
    try:
        assert run_desk(None, open_database=lambda: backend) == 0
    finally:
        app = QApplication.instance()
        app.setStyleSheet("")
        app.setWindowIcon(QIcon())
        app.setQuitOnLastWindowClosed(True)
    assert closed == [True]


def test_a_sign_in_that_is_never_painted_still_opens_the_database(qtbot, backend, admin):
    controller = DeskController(None, open_database=lambda: backend)
    controller.start()
    controller.login_dialog.hide()  # minimised before its first paint, say
    with qtbot.waitSignal(controller.database_opened, timeout=5000):
        pass
    assert controller.backend is backend


def test_the_desk_freezes_its_start_up_objects_once_the_main_window_is_up(qtbot, backend, doctor):
    """Full garbage collections then walk only what was made since (80-130 ms became 10-20 ms in the bench)."""
    gc.unfreeze()
    controller = DeskController(backend, freeze_objects=True)
    try:
        controller.start()
        qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
        assert gc.get_freeze_count() == 0
        sign_in(qtbot, controller.login_dialog, doctor.email, STRONG_PASSWORD)
        qtbot.waitUntil(lambda: gc.get_freeze_count() > 10_000)
        with qtbot.waitSignal(controller.finished):
            controller.main_window.close()
    finally:
        gc.unfreeze()  # the test session goes on; let its garbage be collected
