"""No keyring means no SMS, e-mail or Telegram: the desk says so where the channels are set up and in the header.

The start-up settles the keyring (ui/shell/app.py) and records the outcome here; Settings → Setup offers the
file-backed keyring, and accepting it there clears the notice at once, everywhere.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QObject, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from homa_desk.config import Settings
from homa_desk.ui.common.i18n import tr

NO_KEYRING = QT_TR_NOOP("No keyring: SMS, e-mail and Telegram secrets cannot be stored, so messages are not sent.")
SET_UP = QT_TR_NOOP("Set up a system keyring (GNOME Keyring or KWallet) and restart the desk, or use the file-backed "
                    "keyring: a file in your settings folder that only your user account can read.")
BADGE = QT_TR_NOOP("⚠ Messages off")


class KeyringState(QObject):
    """`changed` carries True when the desk has no keyring (messages are not sent), False once it has one."""

    changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self.missing = False

    def set_missing(self, missing: bool) -> None:
        if missing != self.missing:
            self.missing = missing
            self.changed.emit(missing)


_state: KeyringState | None = None


def keyring_state() -> KeyringState:
    """The one state of this process (created on first use, on the UI thread)."""
    global _state
    if _state is None:
        _state = KeyringState()
    return _state


def accept_file_keyring(settings: Settings) -> None:
    """Keep secrets in the file-backed keyring from now on, remembered for the next start."""
    from homa_desk.secret_store import use_file_keyring  # lazy: cold start

    settings.keyring_fallback = "accepted"
    settings.save()
    use_file_keyring()
    keyring_state().set_missing(False)


def notice_text() -> str:
    return f"{tr(NO_KEYRING)} {tr(SET_UP)}"


class NoKeyringBadge(QLabel):
    """The header's compact sign; the tooltip says the whole of it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(tr(BADGE), parent)
        self.setObjectName("no_keyring_badge")
        self.setProperty("role", "error")
        self.setToolTip(notice_text())
        self._show(keyring_state().missing)
        keyring_state().changed.connect(self._show)

    def _show(self, missing: bool) -> None:
        self.setVisible(missing)


class NoKeyringPanel(QWidget):
    """Settings → Setup: why messages are not sent, and the button that accepts the file-backed keyring."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("no_keyring_panel")
        self.text = QLabel(notice_text())
        self.text.setProperty("role", "error")
        self.text.setWordWrap(True)
        self.accept_button = QPushButton(tr("Use the file keyring"))
        self.accept_button.setObjectName("use_file_keyring")
        self.accept_button.clicked.connect(self._accept)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.accept_button)
        self._show(keyring_state().missing)
        keyring_state().changed.connect(self._show)

    def _accept(self) -> None:
        accept_file_keyring(Settings.load())

    def _show(self, missing: bool) -> None:
        self.setVisible(missing)
