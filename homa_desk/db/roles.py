"""Least privilege in the database: an owner role for the schema, an application role for the desk.

The owner (`homa_owner` on the embedded server; the database's owner on Neon) runs the migrations and owns every
table, function and type. The desk connects as the application role (`homa_app`), which may read and write rows
and nothing more: it owns nothing, is no superuser, has no CREATE on the schema, and cannot TRUNCATE, so it cannot
alter, disable or drop the triggers that keep the audit log append-only, nor set `session_replication_role`
(a superuser-only setting) to skip them. Tables whose triggers refuse UPDATE or DELETE (`homa_refuse_change`) get
neither privilege either: the audit log is INSERT and SELECT only.

`grant_application_role` runs after every migration, as the owner, under the migration lock: objects that a later
migration adds are granted then, and the owner's default privileges grant what the owner creates in between.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import ProgrammingError

from homa_desk.domain.errors import PermissionDenied

OWNER_ROLE = "homa_owner"
APP_ROLE = "homa_app"
ROLES = (OWNER_ROLE, APP_ROLE)
# tables the application role may read (a backup as that role dumps them) but never write: a desk must not mint
# its own join code (db/lan/)
READ_ONLY_TABLES = ("lan_join_codes",)
ROW_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")
_TRIGGER_ON_DELETE, _TRIGGER_ON_UPDATE = 8, 16  # pg_trigger.tgtype bits
_PASSWORD_ALPHABET = string.ascii_letters + string.digits + "-_.~"


def new_password() -> str:
    """40 random characters (~240 bits): far above Neon's 60-bit minimum, and safe in a URL."""
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(40))


def ensure_cluster_roles(conn: Connection, passwords: dict[str, str] | None) -> None:
    """As the cluster's superuser: the two roles with their attributes and passwords (None: no password, for a
    computer without a keyring). Writes only what differs, so a normal start changes no catalog row. A password
    reaches the server only as a SCRAM verifier."""
    found = {name: (attributes, stored) for name, attributes, stored in conn.execute(text(
        "SELECT rolname, ARRAY[rolcanlogin, rolsuper, rolcreaterole, rolreplication, rolbypassrls, rolcreatedb],"
        " rolpassword FROM pg_authid WHERE rolname IN (:owner, :app)"), {"owner": OWNER_ROLE, "app": APP_ROLE})}
    for role in ROLES:
        createdb = role == OWNER_ROLE  # the owner creates the database a restore swaps in
        if role not in found:
            conn.execute(text(f"CREATE ROLE {role} LOGIN"))
        if role not in found or found[role][0] != [True, False, False, False, False, createdb]:
            conn.execute(text(f"ALTER ROLE {role} LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                              f"{'CREATEDB' if createdb else 'NOCREATEDB'}"))
        password = (passwords or {}).get(role)
        stored = found.get(role, (None, None))[1]
        if password and not _verifier_matches(stored, password):
            conn.exec_driver_sql(f"ALTER ROLE {role} PASSWORD {_literal(_scram_verifier(conn, role, password))}")
        elif not password and stored is not None:
            conn.execute(text(f"ALTER ROLE {role} PASSWORD NULL"))
    if not conn.scalar(text("SELECT pg_has_role(:owner, 'pg_signal_backend', 'MEMBER')"), {"owner": OWNER_ROLE}):
        # a restore ends the desks' sessions on the database it replaces (it cannot end a superuser's)
        conn.execute(text(f"GRANT pg_signal_backend TO {OWNER_ROLE}"))


def hand_database_to_owner(conn: Connection, database: str, *others: str) -> int:
    """As the superuser, in `database`: make the owner role own the database and every object in it that is not an
    extension's. A database migrated before the roles existed (everything owned by the superuser) is converted;
    on a converted one this changes nothing. `others` (a restore's leftovers, which it drops) only change owner.
    Returns how many objects changed owner."""
    for name in conn.scalars(text("SELECT datname FROM pg_database WHERE datname = ANY(:names)"
                                  " AND pg_get_userbyid(datdba) <> :owner"),
                             {"names": [database, *others], "owner": OWNER_ROLE}).all():
        conn.execute(text(f"ALTER DATABASE {_identifier(name)} OWNER TO {OWNER_ROLE}"))
    statements = [f"ALTER {kind} {name} OWNER TO {OWNER_ROLE}" for kind, name in conn.execute(text(_NOT_OWNED),
                                                                                             {"owner": OWNER_ROLE})]
    for statement in statements:
        conn.execute(text(statement))
    return len(statements)


def grant_application_role(conn: Connection, app_role: str = APP_ROLE) -> bool:
    """As the owner: what the desk may do, granted on everything in the schema now and by default on what the
    owner creates later. False (nothing granted) when the application role does not exist (a remote database whose
    admin has not created it yet)."""
    if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": app_role}):
        return False
    rows = ", ".join(ROW_PRIVILEGES)
    for statement in (
        "REVOKE CREATE ON SCHEMA public FROM PUBLIC",  # PostgreSQL 14 (still offered by Neon) grants it to all
        f"GRANT CONNECT ON DATABASE {_identifier(conn.scalar(text('SELECT current_database()')))} TO {app_role}",
        f"GRANT USAGE ON SCHEMA public TO {app_role}",
        f"GRANT {rows} ON ALL TABLES IN SCHEMA public TO {app_role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app_role}",
        f"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {app_role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT {rows} ON TABLES TO {app_role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app_role}",
        f"REVOKE TRUNCATE, REFERENCES, TRIGGER ON ALL TABLES IN SCHEMA public FROM {app_role}",
        f"REVOKE INSERT, UPDATE, DELETE ON TABLE alembic_version FROM {app_role}",
    ):
        conn.execute(text(statement))
    for table, tgtype in conn.execute(text(_APPEND_ONLY)):
        refused = [name for bit, name in ((_TRIGGER_ON_UPDATE, "UPDATE"), (_TRIGGER_ON_DELETE, "DELETE"))
                   if tgtype & bit]
        conn.execute(text(f"REVOKE {', '.join(refused)} ON TABLE {table} FROM {app_role}"))
    for table in READ_ONLY_TABLES:
        if conn.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": f"public.{table}"}):
            conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE ON TABLE {table} FROM {app_role}"))
    return True


def grants_missing(conn: Connection, app_role: str = APP_ROLE) -> bool:
    """True when the application role exists but a table or sequence of the schema is not granted to it, or the
    owner's default privileges are not set (a restored or converted database): one catalog query, no writes."""
    return bool(conn.scalar(text(_GRANTS_MISSING), {"role": app_role}))


def provision_application_role(engine: Engine, app_role: str = APP_ROLE) -> str | None:
    """On a remote database, as its owner: create the application role with SQL if it is missing (on Neon a role
    made this way is no member of neon_superuser, unlike one made in the console) and grant it. Returns the new
    role's generated password, or None when the role existed (it is granted again). PermissionDenied when the
    owner may not create roles."""
    with engine.begin() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": app_role}):
            grant_application_role(conn, app_role)
            return None
    password = new_password()
    try:
        with engine.begin() as conn:
            verifier = _scram_verifier(conn, app_role, password)
            conn.exec_driver_sql(f"CREATE ROLE {app_role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 f"PASSWORD {_literal(verifier)}")
            grant_application_role(conn, app_role)
    except ProgrammingError as error:
        if getattr(error.orig, "sqlstate", None) != "42501":  # insufficient_privilege
            raise
        raise PermissionDenied("This role may not create roles. Create the desks' role with SQL as one that may "
                               "(CREATE ROLE {role} LOGIN PASSWORD '…'), then run `homa-desk db upgrade` again.",
                               role=app_role) from None
    return password


def can_change_schema(conn: Connection) -> bool:
    """True when the connected role could alter the desk's tables (owns them, or is a superuser): it is not the
    application role the desk should run as."""
    return bool(conn.scalar(text(
        "SELECT rolsuper OR pg_has_role(current_user, (SELECT relowner FROM pg_class "
        "WHERE oid = to_regclass('public.audit_log')), 'USAGE') FROM pg_roles WHERE rolname = current_user")))


def _scram_verifier(conn: Connection, role: str, password: str) -> str:
    """libpq's PQencryptPasswordConn: the server stores the verifier and never sees the password (not even in a
    statement its log could show)."""
    pgconn = conn.connection.driver_connection.pgconn
    return pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()


def _verifier_matches(stored: str | None, password: str) -> bool:
    """True when `stored` (pg_authid.rolpassword) is the SCRAM-SHA-256 verifier of `password` (RFC 5802: the
    server key from the salted password). The desk's passwords are ASCII, which SASLprep leaves as they are."""
    try:
        method, iterations_salt, keys = (stored or "").split("$")
        iterations, salt = iterations_salt.split(":")
        _stored_key, server_key = keys.split(":")
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    except ValueError:
        return False
    expected = base64.b64encode(hmac.new(salted, b"Server Key", "sha256").digest()).decode()
    return method == "SCRAM-SHA-256" and hmac.compare_digest(expected, server_key)


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# Every object of the public schema not owned by the owner and not part of an extension, as (kind, name) for
# ALTER … OWNER TO. Sequences owned by a column follow their table; row types and array types follow theirs.
_NOT_OWNED = """
WITH ours AS (SELECT oid FROM pg_namespace WHERE nspname = 'public'),
     owner AS (SELECT oid FROM pg_roles WHERE rolname = :owner),
     extension_member AS (SELECT objid, classid FROM pg_depend WHERE deptype = 'e')
SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
       format('%I.%I', 'public', c.relname)
FROM pg_class c
WHERE c.relnamespace = (SELECT oid FROM ours) AND c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S')
  AND c.relowner <> (SELECT oid FROM owner)
  AND NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_class'::regclass AND e.objid = c.oid)
  AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                       AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
       format('%I.%I(%s)', 'public', p.proname, pg_get_function_identity_arguments(p.oid))
FROM pg_proc p
WHERE p.pronamespace = (SELECT oid FROM ours) AND p.proowner <> (SELECT oid FROM owner)
  AND NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid)
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'DOMAIN' ELSE 'TYPE' END, format('%I.%I', 'public', t.typname)
FROM pg_type t
WHERE t.typnamespace = (SELECT oid FROM ours) AND t.typowner <> (SELECT oid FROM owner)
  AND (t.typtype IN ('e', 'd', 'r')
       OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))
  AND NOT EXISTS (SELECT 1 FROM extension_member e WHERE e.classid = 'pg_type'::regclass AND e.objid = t.oid)
"""

# Tables with a trigger that refuses rows changing (the audit log's), and which of UPDATE and DELETE it refuses.
_APPEND_ONLY = """
SELECT format('%I.%I', n.nspname, c.relname), bit_or(t.tgtype::int)
FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE t.tgfoid = to_regproc('public.homa_refuse_change') AND n.nspname = 'public'
  AND (t.tgtype::int & 24) <> 0
GROUP BY 1
"""

_GRANTS_MISSING = """
SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :role) AND (
    NOT EXISTS (SELECT 1 FROM pg_default_acl WHERE defaclrole = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                AND defaclnamespace = 'public'::regnamespace AND defaclobjtype = 'r')
    OR EXISTS (SELECT 1 FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace
               AND ((c.relkind IN ('r', 'p') AND NOT has_table_privilege(:role, c.oid, 'SELECT'))
                    OR (c.relkind = 'S' AND NOT has_sequence_privilege(:role, c.oid, 'USAGE')))))
"""
