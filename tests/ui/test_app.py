from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QWizard

from homa_desk.ui.app import DeskController, run_desk
from homa_desk.ui.login_dialog import LoginDialog
from homa_desk.ui.resources import find_resource
from tests.helpers import STRONG_PASSWORD
from tests.ui.wizard_helpers import click, fill_clinic


def sign_in(qtbot, dialog: LoginDialog, email: str | None, password: str) -> None:
    if email is not None:
        dialog.email.clear()
        qtbot.keyClicks(dialog.email, email)
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


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
    controller.start()
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    sign_in(qtbot, controller.login_dialog, receptionist.email, STRONG_PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None)
    assert "Settings" not in controller.main_window.page_titles()
    qtbot.waitUntil(lambda: controller.idle_lock is not None and controller.idle_lock.is_locked, timeout=3000)
    qtbot.mouseClick(controller.idle_lock.dialog.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.main_window is None and controller.login_dialog.isVisible())
    assert controller.idle_lock is None
    controller.login_dialog.reject()


def test_closing_the_main_window_ends_the_desk(qtbot, backend, doctor):
    controller = DeskController(backend)
    controller.start()
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    sign_in(qtbot, controller.login_dialog, doctor.email, STRONG_PASSWORD)
    qtbot.waitUntil(lambda: controller.main_window is not None)
    with qtbot.waitSignal(controller.finished):
        controller.main_window.close()


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
