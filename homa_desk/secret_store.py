"""Secrets (database password, gateway keys, SMS tokens) in the OS keyring.

Headless Linux often has no keyring daemon. The desk then says so and offers a file-backed keyring in the
config dir (readable only by this user); it is used only after the user accepts it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

import keyring
from jaraco.classes import properties
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError, PasswordDeleteError

from homa_desk import APP_NAME
from homa_desk.config import config_dir
from homa_desk.domain.errors import DomainError

log = logging.getLogger(__name__)

SERVICE = APP_NAME


class SecretStoreUnavailable(DomainError):
    """No keyring to keep a secret in; the message tells the user what to do."""


def keyring_usable() -> bool:
    """True when the active keyring can really store and return a secret (a round trip, not a guess)."""
    probe = "__homa_probe__"
    try:
        keyring.set_password(SERVICE, probe, "1")
        ok = keyring.get_password(SERVICE, probe) == "1"
        keyring.delete_password(SERVICE, probe)
        return ok
    except Exception:  # any backend failure means: not usable
        return False


def get_secret(name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, name)
    except KeyringError as error:
        raise SecretStoreUnavailable(_NO_KEYRING) from error


def set_secret(name: str, value: str) -> None:
    try:
        keyring.set_password(SERVICE, name, value)
    except KeyringError as error:
        raise SecretStoreUnavailable(_NO_KEYRING) from error
    log.info("secret %s stored in the keyring", name)


def delete_secret(name: str) -> None:
    with contextlib.suppress(PasswordDeleteError, KeyringError):
        keyring.delete_password(SERVICE, name)


_NO_KEYRING = ("No system keyring is available to keep passwords and keys. Accept the file-backed keyring "
               "(Settings) or install a keyring service such as GNOME Keyring or KWallet.")


def fallback_path() -> Path:
    return config_dir() / "secrets.json"


class FileKeyring(KeyringBackend):
    """A keyring in one JSON file only this user can read (mode 0600). Used only when the user accepts it."""

    @properties.classproperty
    def priority(cls) -> float:
        """Never chosen by keyring's own discovery: only `use_file_keyring`, after the user accepts, installs it."""
        raise RuntimeError("the file keyring is used only when the user accepts it")

    def __init__(self, path: Path | None = None) -> None:
        super().__init__()
        self.path = path or fallback_path()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            return json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}

    def _write(self, data: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, self.path)

    def get_password(self, service: str, username: str) -> str | None:
        return self._read().get(service, {}).get(username)

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._read()
        data.setdefault(service, {})[username] = password
        self._write(data)

    def delete_password(self, service: str, username: str) -> None:
        data = self._read()
        if username not in data.get(service, {}):
            raise PasswordDeleteError(username)
        del data[service][username]
        self._write(data)


def use_file_keyring(path: Path | None = None) -> FileKeyring:
    backend = FileKeyring(path)
    keyring.set_keyring(backend)
    log.info("using the file-backed keyring the user accepted")
    return backend
