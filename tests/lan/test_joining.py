"""A host and a joining desk over a real network path (tests/lan/network.py): discovery, the join code, the pinned
certificate, removal. The joining desk is this test process, with its own settings folder and keyring."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from homa_desk.config import Settings
from homa_desk.connect import open_backend
from homa_desk.db.lan import desks
from homa_desk.domain.errors import DatabaseUnavailable, PermissionDenied
from homa_desk.services import clinic_network
from tests.lan.network import DATABASE_PORT


def joined(host, settings_path, desk_name="Reception 2") -> Settings:
    return clinic_network.join_clinic(host.network.host_address, host.code(), settings_path=settings_path,
                                      desk_name=desk_name)


def test_the_joining_desk_finds_the_host_on_the_network(clinic_host, lan_network):
    if not lan_network.isolated:
        pytest.skip(f"no multicast on the loopback fallback ({lan_network.why_not})")
    found = clinic_network.find_hosts(seconds=3)
    assert [(f.address, f.fingerprint, f.database_port) for f in found] == [
        (lan_network.host_address, clinic_host.fingerprint, DATABASE_PORT)]


def test_a_joined_desk_works_as_its_own_non_superuser_role_over_tls(clinic_host, joiner_settings, memory_keyring):
    settings = joined(clinic_host, joiner_settings)
    assert settings.lan_fingerprint == clinic_host.fingerprint
    [password] = [secret for (_service, name), secret in memory_keyring.secrets.items()
                  if name.startswith("database:homa_desk_")]  # this desk's password is in its keyring
    assert password not in joiner_settings.read_text() and password not in settings.database_url
    backend = open_backend(Settings.load(joiner_settings))
    try:
        assert backend.target.kind == "lan" and backend.target.url.host == clinic_host.network.host_address
        with backend.engine.connect() as conn:
            role, superuser, tls = conn.execute(text(
                "SELECT current_user, rolsuper, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) "
                "FROM pg_roles WHERE rolname = current_user")).one()
            assert role.startswith("homa_desk_") and superuser is False
            assert tls is False  # the server's own side is the local socket: TLS ends at the host's gate
            assert conn.execute(text("SELECT count(*) FROM users")).scalar_one() >= 0
            with pytest.raises(Exception, match="permission denied"):  # a desk cannot mint a join code
                conn.execute(text("INSERT INTO lan_join_codes (code_hash, expires_at) VALUES "
                                  "('$2b$10$' || repeat('a', 53), now() + interval '5 minutes')"))
        assert backend.engine.dialect.get_driver_connection(
            backend.engine.raw_connection().dbapi_connection).pgconn.ssl_in_use
    finally:
        backend.close()
    listed = {d.desk_name: d for d in _desks(clinic_host)}
    assert "Reception 2" in listed


def _desks(host):
    """What Settings → Desks lists on the host (the same function)."""
    engine = host.superuser_engine()
    try:
        return desks.joined_desks(engine)
    finally:
        engine.dispose()


def test_a_wrong_code_an_expired_code_and_a_used_code_are_refused(clinic_host, joiner_settings):
    address = clinic_host.network.host_address
    with pytest.raises(PermissionDenied, match="wrong, expired or already used"):
        clinic_network.join_clinic(address, "ABCD-EFGH", settings_path=joiner_settings)
    code = clinic_host.code()
    clinic_network.join_clinic(address, code, settings_path=joiner_settings)
    with pytest.raises(PermissionDenied, match="wrong, expired or already used"):  # used once already
        clinic_network.join_clinic(address, code, settings_path=joiner_settings)
    expired = clinic_host.code()
    with clinic_host.superuser() as conn:
        conn.execute("UPDATE lan_join_codes SET created_at = created_at - interval '11 minutes', "
                     "expires_at = expires_at - interval '11 minutes' WHERE used_at IS NULL")
    with pytest.raises(PermissionDenied, match="wrong, expired or already used"):
        clinic_network.join_clinic(address, expired, settings_path=joiner_settings)


def test_five_wrong_tries_void_the_live_code(clinic_host, joiner_settings):
    code = clinic_host.code()
    for _ in range(5):
        with pytest.raises(PermissionDenied):
            clinic_network.join_clinic(clinic_host.network.host_address, "WXYZ-2345", settings_path=joiner_settings)
    with pytest.raises(PermissionDenied):
        clinic_network.join_clinic(clinic_host.network.host_address, code, settings_path=joiner_settings)


def test_the_database_port_refuses_plain_connections_and_other_roles(clinic_host, joiner_settings):
    settings = joined(clinic_host, joiner_settings)
    url = settings.database_url
    address = clinic_host.network.host_address
    with pytest.raises(psycopg.OperationalError, match="TLS required"):
        psycopg.connect(f"host={address} port={DATABASE_PORT} dbname=homa user=postgres sslmode=disable",
                        connect_timeout=5)
    for role in ("postgres", "homa_owner", "homa_app"):
        with pytest.raises(psycopg.OperationalError, match="not allowed from the network"):
            psycopg.connect(f"host={address} port={DATABASE_PORT} dbname=homa user={role} sslmode=require",
                            connect_timeout=5)
    joined_role = url.split("//", 1)[1].split("@", 1)[0]
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(f"host={address} port={DATABASE_PORT} dbname=homa user={joined_role} password=guess "
                        "sslmode=require", connect_timeout=5)


def test_removing_a_desk_ends_its_access_at_once(clinic_host, joiner_settings):
    joined(clinic_host, joiner_settings, desk_name="Doctor room")
    backend = open_backend(Settings.load(joiner_settings))
    try:
        conn = backend.engine.connect()
        assert conn.execute(text("SELECT 1")).scalar_one() == 1
        desk = next(d for d in _desks(clinic_host) if d.desk_name == "Doctor room")
        # on the loopback fallback the desk's connection comes from 127.0.0.1, whatever address the host has
        expected = clinic_host.network.desk_address if clinic_host.network.isolated else "127.0.0.1"
        assert desk.connected_now and desk.address == expected
        assert clinic_host.admin("remove", str(desk.id)) == "removed"  # `homa-desk lan remove` on the host
        with pytest.raises(Exception, match=r"terminat|closed|server"):  # the open session was ended
            conn.execute(text("SELECT 1"))
        conn.invalidate()
        with pytest.raises(DatabaseUnavailable, match="refused this desk"):  # and no new one starts
            open_backend(Settings.load(joiner_settings)).close()
        assert "Doctor room" not in [d.desk_name for d in _desks(clinic_host)]
    finally:
        backend.close()


def test_a_public_source_address_is_refused_before_anything_is_read(clinic_host, lan_network):
    if not lan_network.isolated:
        pytest.skip(f"needs a network namespace to give this side a public address ({lan_network.why_not})")
    import socket
    import struct

    def ask_for_tls(source: str) -> bytes:
        with socket.socket() as sock:
            sock.settimeout(5)
            sock.bind((source, 0))
            sock.connect((lan_network.host_address, DATABASE_PORT))
            sock.sendall(struct.pack("!II", 8, 80877103))
            try:
                return sock.recv(1)
            except ConnectionResetError:  # closed with our request unread: a reset rather than an end of file
                return b""

    assert ask_for_tls(lan_network.desk_address) == b"S"  # a private address is answered
    assert ask_for_tls(lan_network.public_desk_address) == b""  # a public one is closed unanswered
