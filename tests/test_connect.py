from __future__ import annotations

import pytest

from homa_desk.config import Settings
from homa_desk.connect import SchemaOutOfDate, open_backend, open_remote, remember_remote_database
from homa_desk.domain.errors import DatabaseUnavailable, ValidationError
from tests.helpers import libpq


def test_env_url_wins_and_a_migrated_database_opens_as_remote(db_url):
    backend = open_backend(Settings(), env={"HOMA_DATABASE_URL": libpq(db_url)})
    try:
        assert backend.target.kind == "remote"
        assert backend.embedded is None
    finally:
        backend.close()


def test_an_unmigrated_remote_database_is_refused_with_the_command_to_run(cluster):
    url = cluster.fresh_database(migrated=False)
    try:
        with pytest.raises(SchemaOutOfDate, match="homa-desk db upgrade"):
            open_remote(libpq(url))
    finally:
        cluster.drop(url)


def test_an_unreachable_database_says_so():
    with pytest.raises(DatabaseUnavailable, match="Cannot reach"):
        open_remote("postgresql://u:p@127.0.0.1:9/homa")


def test_insecure_remote_url_from_the_env_is_refused():
    with pytest.raises(ValidationError, match="TLS"):
        open_backend(Settings(), env={"HOMA_DATABASE_URL": "postgresql://u:p@db.example.com/homa"})


def test_password_comes_back_from_the_keyring(cluster):
    """The URL in settings has no password; the keyring supplies it (the embedded server trusts local users,
    so the check is on the URL the engine was given)."""
    import psycopg

    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS desk_user")
        conn.execute("CREATE ROLE desk_user LOGIN PASSWORD 'Desk-Pass-2026'")
    url = cluster.fresh_database()
    try:
        with psycopg.connect(libpq(cluster.owner_url(url)), autocommit=True) as conn:
            conn.execute("GRANT SELECT ON alembic_version TO desk_user")
        tcp = f"postgresql://desk_user:Desk-Pass-2026@localhost/{url.database}?host={url.query['host']}"
        settings = remember_remote_database(Settings(), tcp)
        assert "Desk-Pass" not in (settings.database_url or "")
        backend = open_backend(settings, env={})
        backend.close()
        assert backend.target.url.password == "Desk-Pass-2026"
        assert backend.target.url.username == "desk_user"
    finally:
        cluster.drop(url)


def test_a_remote_url_without_a_keyring_is_used_as_it_is():
    """No keyring daemon (a headless server running `homa-desk db upgrade`): libpq's PGPASSWORD, ~/.pgpass or a
    trusting server may still let it in, so the missing keyring is not an error here."""
    import keyring
    from keyring.backends import fail
    from sqlalchemy.engine import make_url

    from homa_desk.connect import with_stored_password

    url = make_url("postgresql+psycopg://clinic@db.example.com/homa?sslmode=require")
    keyring.set_keyring(fail.Keyring())
    assert with_stored_password(url) == url


def test_a_remote_url_gets_the_password_the_keyring_keeps(memory_keyring):
    from sqlalchemy.engine import make_url

    from homa_desk.connect import with_stored_password
    from homa_desk.db.urls import keyring_name
    from homa_desk.secret_store import set_secret

    url = make_url("postgresql+psycopg://clinic@db.example.com/homa?sslmode=require")
    set_secret(keyring_name(url), "s3cret-pass")
    assert with_stored_password(url).password == "s3cret-pass"
