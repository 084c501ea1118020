"""No system keyring: the desk says so once, and uses the file keyring only if the user accepts it."""

from __future__ import annotations

import keyring
import keyring.backend
import pytest
from keyring.backends import fail
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from homa_desk.config import Settings
from homa_desk.secret_store import FileKeyring, fallback_path
from homa_desk.ui.shell.keyring_notice import settle_keyring


def test_keyring_discovery_never_picks_the_file_keyring_by_itself():
    assert not any(isinstance(backend, FileKeyring) for backend in keyring.backend.get_all_keyring())


def _answer_when_shown(qtbot, button_text: str, seen: list[str]) -> None:
    def answer() -> None:
        box = next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()), None)
        if box is None:
            QTimer.singleShot(20, answer)
            return
        seen.append(box.text())
        button = next(b for b in box.buttons() if b.text() == button_text)
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(20, answer)


@pytest.mark.parametrize("answer, usable, saved", [
    ("Use the file keyring", True, "accepted"),
    ("Not now", False, "declined"),
])
def test_the_user_decides_and_is_asked_only_once(qtbot, answer, usable, saved):
    keyring.set_keyring(fail.Keyring())
    settings = Settings()
    seen: list[str] = []
    _answer_when_shown(qtbot, answer, seen)
    assert settle_keyring(settings) is usable
    assert "no system keyring" in seen[0] and str(fallback_path()) in seen[0]
    assert Settings.load().keyring_fallback == saved
    assert isinstance(keyring.get_keyring(), FileKeyring) is usable

    keyring.set_keyring(fail.Keyring())
    assert settle_keyring(Settings.load()) is usable  # no second question: nothing answers it
    assert len(seen) == 1


def test_a_working_keyring_needs_no_question():
    assert settle_keyring(Settings()) is True
    assert not fallback_path().exists()
