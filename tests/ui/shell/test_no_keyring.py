"""Declining the file keyring: Settings → Setup and the header say messages are not sent, until it is accepted."""

from __future__ import annotations

import keyring
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt

from homa_desk.config import Settings
from homa_desk.secret_store import FileKeyring, keyring_usable
from homa_desk.ui.common.keyring_state import keyring_state
from homa_desk.ui.shell.app import DeskController
from homa_desk.ui.shell.main_window import MainWindow
from tests.ui.shell.test_app import answer_when_asked


@pytest.fixture(autouse=True)
def _keyring_state_reset():
    yield
    keyring_state().set_missing(False)


def test_saying_not_now_at_start_marks_the_desk_as_sending_no_messages(qtbot):
    keyring.set_keyring(fail.Keyring())
    answer_when_asked("Not now")
    controller = DeskController(None, settings=Settings())
    controller.start()
    assert keyring_state().missing
    controller.wizard.reject()


def test_settings_and_the_header_say_it_and_accepting_the_file_keyring_clears_both(qtbot, backend, admin):
    keyring.set_keyring(fail.Keyring())
    Settings(keyring_fallback="declined").save()
    keyring_state().set_missing(True)
    window = MainWindow(backend, admin)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    badge = window.no_keyring_badge
    assert badge.isVisible() and "SMS, e-mail and Telegram" in badge.toolTip() and "not sent" in badge.toolTip()
    assert badge.width() <= 160
    window.sidebar.setCurrentRow(window.sidebar.count() - 1)
    settings_view = window.views["settings"]
    settings_view.tabs.setCurrentIndex(3)
    panel = settings_view.setup.no_keyring
    qtbot.waitUntil(panel.isVisible)
    assert "messages are not sent" in panel.text.text() and "file-backed keyring" in panel.text.text()

    qtbot.mouseClick(panel.accept_button, Qt.MouseButton.LeftButton)

    assert not panel.isVisible() and not badge.isVisible()
    assert isinstance(keyring.get_keyring(), FileKeyring) and keyring_usable()
    assert Settings.load().keyring_fallback == "accepted"
