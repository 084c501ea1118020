from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMainWindow

from homa_desk.domain.errors import AuthenticationFailed
from homa_desk.domain.staff import MAX_FAILED_SIGN_INS
from homa_desk.ui.shell.idle_lock import IdleLock
from tests.helpers import STRONG_PASSWORD


@pytest.fixture
def window(qtbot):
    window = QMainWindow()
    window.setCentralWidget(QLabel("Today's patients"))
    qtbot.addWidget(window)
    window.show()
    return window


def test_activity_keeps_the_desk_open(qtbot, window, backend, admin):
    lock = IdleLock(window, backend, admin, interval_ms=300)
    for _ in range(6):
        qtbot.wait(100)
        qtbot.keyClick(window, Qt.Key.Key_Shift)
    assert not lock.is_locked
    lock.stop()


def test_idle_desk_locks_and_only_the_right_password_unlocks(qtbot, window, backend, admin):
    lock = IdleLock(window, backend, admin, interval_ms=50)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=3000)
    dialog = lock.dialog
    assert dialog.isVisible() and dialog.isModal()
    assert admin.full_name in dialog.prompt.text()
    assert not window.centralWidget().isVisible()

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert dialog.isVisible()

    qtbot.keyClicks(dialog.password, "Not-The-Password-1")
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible)
    assert dialog.error.text() == AuthenticationFailed().message
    assert lock.is_locked and dialog.isVisible()

    qtbot.keyClicks(dialog.password, STRONG_PASSWORD)
    with qtbot.waitSignal(lock.unlocked, timeout=5000):
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
    assert not lock.is_locked
    assert not dialog.isVisible()
    assert window.centralWidget().isVisible()
    lock.stop()


def test_sign_out_instead(qtbot, window, backend, receptionist):
    lock = IdleLock(window, backend, receptionist, interval_ms=50)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=3000)
    with qtbot.waitSignal(lock.sign_out_requested):
        qtbot.mouseClick(lock.dialog.sign_out_button, Qt.MouseButton.LeftButton)
    lock.stop()


def test_wrong_passwords_at_the_lock_count_toward_the_lockout(qtbot, window, backend, doctor):
    lock = IdleLock(window, backend, doctor, interval_ms=50)
    qtbot.waitUntil(lambda: lock.is_locked, timeout=3000)
    dialog = lock.dialog
    for _ in range(MAX_FAILED_SIGN_INS):
        qtbot.keyClicks(dialog.password, "Not-The-Password-1")
        qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: dialog.unlock_button.isEnabled() and dialog.error.isVisible())
    qtbot.keyClicks(dialog.password, STRONG_PASSWORD)
    qtbot.mouseClick(dialog.unlock_button, Qt.MouseButton.LeftButton)  # locked now: the right password is refused
    qtbot.waitUntil(lambda: dialog.unlock_button.isEnabled() and dialog.error.isVisible())
    assert dialog.error.text() == AuthenticationFailed().message
    assert lock.is_locked
    lock.stop()
