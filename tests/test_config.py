from __future__ import annotations

import json
import stat

import keyring
import pytest

from homa_desk.config import Settings, config_file
from homa_desk.connect import remember_remote_database
from homa_desk.secret_store import FileKeyring, get_secret, keyring_usable, use_file_keyring


def test_settings_round_trip_and_defaults(tmp_path):
    path = tmp_path / "s.json"
    assert Settings.load(path) == Settings()
    Settings(idle_lock_minutes=3, language="hi").save(path)
    assert Settings.load(path) == Settings(idle_lock_minutes=3, language="hi")


def test_a_corrupt_or_foreign_settings_file_falls_back_to_defaults(tmp_path):
    path = tmp_path / "s.json"
    path.write_text("{not json")
    assert Settings.load(path) == Settings()
    path.write_text(json.dumps({"idle_lock_minutes": 5, "unknown": 1}))
    assert Settings.load(path).idle_lock_minutes == 5


def test_a_remote_url_password_goes_to_the_keyring_not_the_file(memory_keyring):
    settings = remember_remote_database(
        Settings(), "postgresql://clinic:S3cret-Neon-Pass@ep-cool-1.ap-south-1.aws.neon.tech/homa?sslmode=require"
    )
    text = config_file().read_text()
    assert "S3cret-Neon-Pass" not in text
    assert "ep-cool-1.ap-south-1.aws.neon.tech" in text
    assert settings.database_url is not None and "S3cret" not in settings.database_url
    assert "S3cret-Neon-Pass" in memory_keyring.secrets.values()


def test_keyring_usable_detects_a_failing_backend():
    from keyring.backends import fail

    assert keyring_usable()
    keyring.set_keyring(fail.Keyring())
    assert not keyring_usable()


def test_file_keyring_is_private_to_the_user(tmp_path):
    backend = use_file_keyring(tmp_path / "secrets.json")
    keyring.set_password("homa-desk", "gateway", "rzp_secret")
    assert get_secret("gateway") == "rzp_secret"
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600
    assert isinstance(keyring.get_keyring(), FileKeyring) and backend.path == tmp_path / "secrets.json"
    keyring.delete_password("homa-desk", "gateway")
    assert get_secret("gateway") is None
    with pytest.raises(keyring.errors.PasswordDeleteError):
        keyring.delete_password("homa-desk", "gateway")
