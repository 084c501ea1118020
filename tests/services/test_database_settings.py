"""Settings → Setup takes a Neon string as pasted, a direct URL for a pooler that is not Neon's, and whether the
desk may prepare statements; passwords go to the keyring, never the settings file."""

from __future__ import annotations

import pytest

from homa_desk.config import Settings, config_file
from homa_desk.db.urls import keyring_name, parse_database_url
from homa_desk.domain.errors import FormErrors
from homa_desk.secret_store import SERVICE
from homa_desk.services import settings as settings_service
from homa_desk.services.settings import SettingsForm

NEON = ("postgresql://neondb_owner:npg_Paste9@ep-quiet-moon-a1b2c3-pooler.ap-south-1.aws.neon.tech/neondb"
        "?sslmode=require&channel_binding=require")


def test_a_pasted_neon_string_a_direct_url_and_prepared_statements_are_kept(uow, admin, memory_keyring):
    form = SettingsForm(database_url=f"psql '{NEON}'",
                        database_direct_url="postgresql://homa_app:Direct-Pass-4@db.clinic.lan:6432/homa?sslmode=require",
                        database_prepared_statements="off")
    settings_service.save_settings(uow, admin, form)

    saved = Settings.load()
    assert saved.database_url.endswith("@ep-quiet-moon-a1b2c3-pooler.ap-south-1.aws.neon.tech/neondb"
                                       "?channel_binding=require&sslmode=require")
    assert saved.database_direct_url.endswith("homa_app@db.clinic.lan:6432/homa?sslmode=require")
    assert saved.database_prepared_statements == "off"
    written = config_file().read_text(encoding="utf-8")
    assert "npg_Paste9" not in written and "Direct-Pass-4" not in written
    secrets = memory_keyring.secrets
    assert secrets[(SERVICE, keyring_name(parse_database_url(NEON)))] == "npg_Paste9"
    assert secrets[(SERVICE, keyring_name(parse_database_url(saved.database_direct_url)))] == "Direct-Pass-4"


def test_a_plain_direct_url_and_an_unknown_choice_are_refused_at_their_fields(uow, admin):
    form = SettingsForm(database_url=NEON, database_direct_url="postgresql://u@db.clinic.lan/homa",
                        database_prepared_statements="sometimes")
    with pytest.raises(FormErrors) as refused:
        settings_service.save_settings(uow, admin, form)
    assert {error.field for error in refused.value.errors} == {"database_direct_url", "database_prepared_statements"}
    assert Settings.load().database_url is None
