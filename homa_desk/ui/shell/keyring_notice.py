"""At start: no system keyring? Say so once, and use the file-backed one only if the user accepts.

The check (`keyring_settled`) may run off the UI thread while the first window shows; only the question
(`ask_keyring`) needs the UI thread.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox, QWidget

from homa_desk import APP_TITLE
from homa_desk.config import Settings
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.keyring_state import accept_file_keyring


def settle_keyring(settings: Settings, parent: QWidget | None = None) -> bool:
    """Return True when secrets can be stored. Asks at most once; the answer is remembered in settings."""
    known = keyring_settled(settings)
    return ask_keyring(settings, parent) if known is None else known


def keyring_settled(settings: Settings) -> bool | None:
    """True when secrets can be stored, False when the user said "Not now" before, None when the user must be asked.

    Installs the file keyring when the user accepted it earlier. Touches no widget.
    """
    from homa_desk.secret_store import keyring_usable, use_file_keyring  # lazy: cold start

    if settings.keyring_fallback == "accepted":
        use_file_keyring()
        return True
    if keyring_usable():
        return True
    if settings.keyring_fallback == "declined":
        return False
    return None


def ask_keyring(settings: Settings, parent: QWidget | None = None) -> bool:
    """The question itself, on the UI thread; the answer is saved in settings and True means "file keyring"."""
    box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE, keyring_question(), parent=parent)
    accept = box.addButton(tr("Use the file keyring"), QMessageBox.ButtonRole.AcceptRole)
    box.addButton(tr("Not now"), QMessageBox.ButtonRole.RejectRole)
    box.exec()
    accepted = box.clickedButton() is accept
    if accepted:
        accept_file_keyring(settings)
    else:
        settings.keyring_fallback = "declined"
        settings.save()
    return accepted


def keyring_question() -> str:
    from homa_desk.secret_store import fallback_path  # lazy: cold start

    return (
        tr("This computer has no system keyring (such as GNOME Keyring, KWallet, macOS Keychain or Windows "
           "Credential Manager) to keep passwords and gateway keys safe.\n\n"
           "Homa Desk can keep them in a file only your user account can read:\n{path}\n"
           "Anyone with access to your account or a backup of that file could read them.\n\n"
           "The embedded database needs no password, so you can say 'Not now' and decide later.").format(
            path=fallback_path())
    )
