from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from homa_desk.domain.errors import AuthenticationFailed
from homa_desk.domain.staff import MAX_FAILED_SIGN_INS
from homa_desk.services import staff
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.shell.login_dialog import LoginDialog
from tests.helpers import STRONG_PASSWORD


@pytest.fixture
def dialog(qtbot, backend):
    dialog = LoginDialog(backend)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def sign_in(qtbot, dialog: LoginDialog, email: str, password: str) -> None:
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, email)
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, password)
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)


def wait_for_answer(qtbot, dialog: LoginDialog) -> None:
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled() and bool(dialog.error.text() or dialog.member))


def test_wrong_password_is_shown_next_to_the_fields(qtbot, dialog, admin):
    sign_in(qtbot, dialog, admin.email, "Not-The-Password-1")
    assert not dialog.sign_in_button.isEnabled()  # disabled while the call runs
    wait_for_answer(qtbot, dialog)
    assert dialog.error.text() == AuthenticationFailed().message
    assert dialog.error.isVisible()
    assert dialog.result() != QDialog.DialogCode.Accepted
    assert dialog.password.text() == ""


def test_empty_fields_ask_for_both(qtbot, dialog, admin):
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    wait_for_answer(qtbot, dialog)
    assert dialog.error.text() == "Enter your e-mail and password."


def test_five_wrong_passwords_lock_the_account_with_the_same_answer(qtbot, dialog, admin):
    answers = set()
    for _ in range(MAX_FAILED_SIGN_INS):
        sign_in(qtbot, dialog, admin.email, "Not-The-Password-1")
        wait_for_answer(qtbot, dialog)
        answers.add(dialog.error.text())
    sign_in(qtbot, dialog, admin.email, STRONG_PASSWORD)
    qtbot.waitUntil(lambda: dialog.sign_in_button.isEnabled())
    answers.add(dialog.error.text())
    assert len(answers) == 1 and "After 5 wrong tries sign-in waits 15 minutes" in answers.pop()
    assert dialog.member is None


def test_correct_password_accepts_with_the_staff_member(qtbot, dialog, receptionist):
    with qtbot.waitSignal(dialog.signed_in, timeout=5000) as signal:
        sign_in(qtbot, dialog, receptionist.email.upper(), STRONG_PASSWORD)
    member = signal.args[0]
    assert member.id == receptionist.user_id
    assert dialog.member == member
    assert dialog.result() == QDialog.DialogCode.Accepted


def test_enter_in_the_password_field_signs_in(qtbot, dialog, admin):
    qtbot.keyClicks(dialog.email, admin.email)
    qtbot.keyClicks(dialog.password, STRONG_PASSWORD)
    with qtbot.waitSignal(dialog.signed_in, timeout=5000):
        qtbot.keyClick(dialog.password, Qt.Key.Key_Return)


def test_disabled_account_is_refused(qtbot, dialog, uow, admin, doctor):
    staff.set_staff_active(uow, admin, doctor.user_id, False)
    sign_in(qtbot, dialog, doctor.email, STRONG_PASSWORD)
    wait_for_answer(qtbot, dialog)
    assert dialog.error.text() == AuthenticationFailed().message  # what a wrong password gets: nothing to learn
    assert dialog.member is None


@pytest.fixture
def waiting(qtbot):
    """The sign-in as the desk first shows it: no database yet."""
    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_while_connecting_the_user_types_and_sign_in_waits_for_the_database(qtbot, waiting, backend, admin):
    assert waiting.connecting and waiting.status.isVisible() and waiting.email.hasFocus()
    sign_in(qtbot, waiting, admin.email, STRONG_PASSWORD)
    assert not waiting.sign_in_button.isEnabled() and waiting.member is None
    qtbot.wait(50)
    assert waiting.member is None  # nothing to ask yet
    with qtbot.waitSignal(waiting.signed_in, timeout=5000):
        waiting.database_ready(backend)
    assert not waiting.status.isVisible()


def test_a_failed_database_is_shown_beside_the_fields_with_try_again(qtbot, waiting):
    sign_in(qtbot, waiting, "meera@sunrise.example", STRONG_PASSWORD)
    waiting.database_failed("Cannot reach the database at db.example.com. Check the network and the URL.")
    assert waiting.error.isVisible() and "Cannot reach" in waiting.error.text()
    assert not waiting.status.isVisible() and not waiting.sign_in_button.isEnabled()
    assert waiting.try_again_button.isVisible() and not waiting.connecting
    with qtbot.waitSignal(waiting.try_again):
        qtbot.mouseClick(waiting.try_again_button, Qt.MouseButton.LeftButton)
    assert waiting.connecting and waiting.status.isVisible() and waiting.sign_in_button.isEnabled()
    assert waiting.error.text() == "" and not waiting.try_again_button.isVisible()
    assert waiting.password.text() == STRONG_PASSWORD  # typed once, kept for the next attempt


def test_the_first_paint_is_announced_once(qtbot, waiting):
    with qtbot.waitSignal(waiting.painted):
        pass
    with qtbot.assertNotEmitted(waiting.painted, wait=100):
        waiting.update()
        waiting.repaint()


@pytest.mark.parametrize("email", ["reception.frontdesk@sunrise-family-clinic.co.in",
                                   "dr.shilpa.hegde.paediatrics@lotusclinic.example"])
def test_the_sign_in_shows_the_whole_email(qtbot, qapp, backend, email):
    """Issue 18, defect 17: a clinic's long addresses are read in full before the password is typed."""
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    try:
        dialog = LoginDialog(backend, email=email)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        field = dialog.email
        room = field.contentsRect().width() - field.textMargins().left() - field.textMargins().right() - 8
        assert field.fontMetrics().horizontalAdvance(email) <= room, (field.width(), room)
        assert dialog.width() <= 1366 - 8
    finally:
        qapp.setStyleSheet(previous)
