"""The wizard's *Direct URL, past a pooler*: the schema is made on that server, and the URL is kept as Settings →
Setup keeps it (without its password, which goes to the keyring)."""

from __future__ import annotations

import psycopg
import pytest

from homa_desk.config import Settings, config_file
from homa_desk.db.urls import keyring_name, parse_database_url
from homa_desk.secret_store import SERVICE
from tests.helpers import libpq
from tests.ui.shell.test_first_run_wizard import choose_remote, empty_remote, finish, open_wizard, raw  # noqa: F401
from tests.ui.shell.wizard_helpers import fill_clinic, message, type_into

MIGRATOR = "clinic_migrator"


@pytest.fixture
def behind_a_pooler(cluster, empty_remote):  # noqa: F811
    """The desks' URL signs in as `clinic_owner`; the direct URL as the database's owner, whose objects
    `clinic_owner` may use (a member of it): who owns the tables tells which URL made them."""
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute(f"DROP ROLE IF EXISTS {MIGRATOR}")
        conn.execute(f"CREATE ROLE {MIGRATOR} LOGIN PASSWORD 'Migrator-Pass-42'")
        conn.execute(f'ALTER DATABASE "{empty_remote.database}" OWNER TO {MIGRATOR}')
        conn.execute(f"GRANT {MIGRATOR} TO clinic_owner")
    yield empty_remote, empty_remote.set(username=MIGRATOR, password="Migrator-Pass-42")
    with psycopg.connect(libpq(cluster.admin_url.set(database=empty_remote.database)), autocommit=True) as conn:
        conn.execute(f"REASSIGN OWNED BY {MIGRATOR} TO clinic_owner")
        conn.execute(f"DROP OWNED BY {MIGRATOR}")
        conn.execute(f"DROP ROLE {MIGRATOR}")


def test_the_schema_is_made_on_the_direct_url_and_it_is_kept_without_its_password(
        qtbot, behind_a_pooler, memory_keyring, tmp_path):
    desks, direct = behind_a_pooler
    wizard = open_wizard(qtbot, None, data_dir=tmp_path / "pgdata")
    page = wizard.database_page
    assert not page.database_direct_url.isEnabled()  # only for a server URL
    page.remote.setChecked(True)
    type_into(qtbot, wizard, database_direct_url="postgresql://owner@ep-cool-1.example.com/clinic")
    choose_remote(qtbot, wizard, raw(desks))
    assert wizard.currentPage() is page  # refused next to its field: no TLS to another machine
    assert message(page, "database_direct_url").startswith("A database on another machine must use TLS")
    type_into(qtbot, wizard, database_direct_url=raw(direct))
    choose_remote(qtbot, wizard, raw(desks))
    assert wizard.currentPage() is wizard.admin_page
    fill_clinic(qtbot, wizard)
    outcome = finish(qtbot, wizard, timeout=60000)
    try:
        with psycopg.connect(libpq(direct)) as conn:
            assert conn.execute("SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'").fetchone() == (
                MIGRATOR,)
        stored = Settings.load()
        assert parse_database_url(stored.database_direct_url).username == MIGRATOR
        assert parse_database_url(stored.database_direct_url).password is None
        assert "Migrator-Pass-42" not in config_file().read_text()
        assert memory_keyring.secrets[(SERVICE, keyring_name(direct))] == "Migrator-Pass-42"
        assert outcome.backend.target.direct.username == MIGRATOR  # dumps and restores go there too
    finally:
        outcome.backend.close()
