"""The joined desks and their join codes, in the clinic's database; run by the host with the cluster's superuser
(only it may create, disable and drop roles and end other roles' sessions).

A code: 8 characters from an alphabet without look-alikes (about 39 bits), shown as `ABCD-EFGH`, kept only as its
bcrypt hash (which the desks may read, as a backup does: guessing a code from it takes far longer than its 10
minutes). The joiner sends the code inside TLS, after its screen showed the host certificate's short fingerprint
for the admin to compare with the host's. The host checks it against each live code (unused, under 10 minutes old,
fewer than 5 wrong tries); a wrong code counts one wrong try on every live code.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

import bcrypt
from sqlalchemy import Connection, Engine, text

from homa_desk.db.roles import APP_ROLE, _literal, _scram_verifier, new_password

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8
CODE_MINUTES = 10
MAX_WRONG_TRIES = 5
BCRYPT_ROUNDS = 10


def clinic_name(engine: Engine) -> str:
    """The clinic's name from its shared settings (Settings → Clinic), "" before the wizard set it."""
    with engine.connect() as conn:
        value = conn.execute(text("SELECT value FROM clinic_settings WHERE key = 'clinic_name'")).scalar()
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class JoinedDesk:
    id: int
    role_name: str
    desk_name: str
    address: str | None
    joined_at: datetime
    last_seen_at: datetime | None
    connected_now: bool


@dataclass(frozen=True)
class Credentials:
    role: str
    password: str


def normalise_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return bcrypt.hashpw(normalise_code(code).encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


def _matches(code: str, stored: str) -> bool:
    try:
        return bcrypt.checkpw(normalise_code(code).encode(), stored.encode())
    except ValueError:
        return False


def new_code(engine: Engine) -> str:
    """A new join code (any older unused one stays valid until it expires); shown once, stored hashed."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO lan_join_codes (code_hash, expires_at) VALUES "
                          "(:hash, now() + make_interval(mins => :minutes))"),
                     {"hash": code_hash(raw), "minutes": CODE_MINUTES})
    return f"{raw[:4]}-{raw[4:]}"


def redeem(engine: Engine, code: str, desk_name: str, address: str) -> Credentials | None:
    """One transaction: the live code `code` matches is used up and a new desk role is made (member of the
    application role, a SCRAM password); None (and one wrong try counted on each live code) when none matches."""
    with engine.begin() as conn:
        live = conn.execute(text(
            "SELECT id, code_hash FROM lan_join_codes WHERE used_at IS NULL AND expires_at > now() "
            "AND failed_attempts < :max FOR UPDATE"), {"max": MAX_WRONG_TRIES}).all()
        match = next((row.id for row in live if _matches(code, row.code_hash)), None)
        if match is None:
            conn.execute(text("UPDATE lan_join_codes SET failed_attempts = failed_attempts + 1 "
                              "WHERE id = ANY(:ids)"), {"ids": [row.id for row in live]})
            return None
        conn.execute(text("UPDATE lan_join_codes SET used_at = now() WHERE id = :id"), {"id": match})
        return _new_desk_role(conn, desk_name, address)


def _new_desk_role(conn: Connection, desk_name: str, address: str) -> Credentials:
    role = f"homa_desk_{secrets.token_hex(6)}"
    password = new_password()
    verifier = _scram_verifier(conn, role, password)
    conn.exec_driver_sql(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                         f"INHERIT IN ROLE {APP_ROLE} PASSWORD {_literal(verifier)}")
    conn.execute(text("INSERT INTO lan_desks (role_name, desk_name, address) VALUES (:role, :name, :address)"),
                 {"role": role, "name": desk_name, "address": address})
    return Credentials(role, password)


def joined_desks(engine: Engine) -> list[JoinedDesk]:
    """The desks not removed, newest first; `connected_now` when the role has a session this moment."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT d.id, d.role_name, d.desk_name, d.address, d.joined_at, d.last_seen_at,"
            " EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.usename = d.role_name) AS connected_now"
            " FROM lan_desks d WHERE d.removed_at IS NULL ORDER BY d.joined_at DESC, d.id DESC")).all()
    return [JoinedDesk(*row) for row in rows]


def record_seen(engine: Engine, seen: dict[str, tuple[str, datetime]]) -> None:
    with engine.begin() as conn:
        for role, (address, when) in seen.items():
            conn.execute(text("UPDATE lan_desks SET last_seen_at = greatest(last_seen_at, :when), address = :address"
                              " WHERE role_name = :role AND removed_at IS NULL"),
                         {"role": role, "address": address, "when": when})


def remove_desk(engine: Engine, desk_id: int) -> str | None:
    """Access ends at once: the role may no longer sign in, its sessions are ended, then it is dropped; the row
    stays, marked removed. Returns the role's name (None when there was no such desk)."""
    with engine.begin() as conn:
        role = conn.scalar(text("UPDATE lan_desks SET removed_at = now() WHERE id = :id AND removed_at IS NULL"
                                " RETURNING role_name"), {"id": desk_id})
        if role is None:
            return None
        conn.execute(text(f"ALTER ROLE {role} NOLOGIN PASSWORD NULL"))
    with engine.begin() as conn:  # after the commit: a new session can no longer start
        conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :role"),
                     {"role": role})
        conn.execute(text(f"REVOKE {APP_ROLE} FROM {role}"))
        conn.execute(text(f"DROP ROLE IF EXISTS {role}"))
    return role
