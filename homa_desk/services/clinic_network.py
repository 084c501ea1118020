"""One desk hosts the clinic on its network (issue 14 §1): the host's admin makes join codes, sees and removes the
joined computers; another computer joins with a code; a single-computer clinic becomes a host.

The host's side needs this computer's own database server (`LanHost`, the cluster's superuser): only the hosting
desk can do it. Each admin action is checked against the database (`uow.confirm`/audit) before it runs.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from pathlib import Path

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.db.lan import DATABASE_PORT, JOIN_PORT, join_client
from homa_desk.db.lan.desks import JoinedDesk
from homa_desk.db.lan.discovery import FoundHost
from homa_desk.db.lan.host import LanHost
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import PermissionDenied, ValidationError
from homa_desk.domain.roles import Actor, Role

log = logging.getLogger(__name__)

PINNED_CERTIFICATE = "clinic-host.pem"
NOT_HOST = "This desk does not host the clinic: make join codes and remove desks on the host computer."


@dataclass(frozen=True)
class JoinCode:
    code: str  # ABCD-EFGH, shown once
    fingerprint: str  # the host certificate's short fingerprint, to compare with the joining screen
    minutes: int = 10


def make_join_code(uow: UnitOfWork, actor: Actor, host: LanHost | None) -> JoinCode:
    """A one-time code (10 minutes) an admin reads out to the computer that joins."""
    from homa_desk.db.lan.certificate import short_fingerprint  # lazy: only the Desks tab needs it

    uow.confirm(actor, Role.ADMIN)
    if host is None:
        raise PermissionDenied(NOT_HOST)
    code = host.new_code()
    log.info("join code made by user %s", actor.user_id)
    return JoinCode(code, short_fingerprint(host.fingerprint))


def joined_desks(uow: UnitOfWork, actor: Actor, host: LanHost | None) -> list[JoinedDesk]:
    uow.confirm(actor, Role.ADMIN)
    if host is None:
        raise PermissionDenied(NOT_HOST)
    return host.desks()


def remove_desk(uow: UnitOfWork, actor: Actor, host: LanHost | None, desk_id: int) -> bool:
    """The computer's access ends at once: its role can no longer sign in and its open sessions are ended."""
    uow.confirm(actor, Role.ADMIN)
    if host is None:
        raise PermissionDenied(NOT_HOST)
    removed = host.remove(desk_id)
    if removed:
        with uow:
            uow.audit.record(actor, "desk_removed", "lan_desk", desk_id)
            uow.commit()
    return removed


def find_hosts(seconds: float = 3.0) -> list[FoundHost]:
    """The clinic hosts that announce themselves on this network (DNS-SD)."""
    from homa_desk.db.lan.discovery import browse  # lazy: zeroconf loads only when a desk joins

    return browse(seconds)


def host_fingerprint(address: str, database_port: int = DATABASE_PORT) -> str:
    """The host's certificate fingerprint (short form), shown before the code is asked for, so the admin can
    compare it with the one on the host's Settings → Desks."""
    from homa_desk.db.lan.certificate import short_fingerprint  # lazy: cold start

    if not address.strip():
        raise ValidationError("host_address", "Choose the clinic's host, or type its address (like 192.168.1.10).")
    return short_fingerprint(join_client.peek_fingerprint(address.strip(), database_port).fingerprint)


def join_clinic(address: str, code: str, *, settings_path: Path | None = None, desk_name: str = "",
                join_port: int = JOIN_PORT, expected_fingerprint: str = "") -> Settings:
    """Join the host at `address` with `code`: the host's certificate is pinned (kept beside the settings file),
    this desk's password goes to the keyring, its URL (without the password) to the settings.
    `expected_fingerprint`: the full fingerprint the screen showed; a different certificate is refused."""
    from homa_desk.config import config_file  # lazy: the settings file's folder
    from homa_desk.db.urls import keyring_name, parse_database_url, without_password  # lazy: cold start
    from homa_desk.secret_store import set_secret  # lazy: cold start

    address = address.strip()
    if not address:
        raise ValidationError("host_address", "Choose the clinic's host, or type its address (like 192.168.1.10).")
    if len(code.replace("-", "").replace(" ", "").strip()) != 8:
        raise ValidationError("join_code", "The join code has 8 letters and digits, like ABCD-EFGH.")
    joined = join_client.join(address, join_port, code, desk_name or socket.gethostname(), expected_fingerprint)
    folder = (settings_path or config_file()).parent
    folder.mkdir(parents=True, exist_ok=True)
    pinned = folder / PINNED_CERTIFICATE
    pinned.write_text(joined.host.certificate_pem, encoding="ascii")
    url = (f"postgresql://{joined.role}:{joined.password}@{_host_part(address)}:{joined.port}/{joined.database}"
           f"?sslmode=verify-ca&sslrootcert={pinned.as_posix()}")
    parsed = parse_database_url(url)
    set_secret(keyring_name(parsed), joined.password)
    settings = Settings.load(settings_path)
    settings.lan_fingerprint = joined.host.fingerprint
    settings.lan_host = False
    settings.database_url = without_password(parsed)
    settings.save(settings_path)
    log.info("joined the clinic host at %s", address)
    return settings


def become_host(uow: UnitOfWork, actor: Actor, backend: Backend, *, settings_path: Path | None = None) -> None:
    """This single-computer clinic hosts its other computers from now on (and at every start): the caller then
    opens the ports (`start_host`)."""
    uow.confirm(actor, Role.ADMIN)
    if backend.embedded is None:
        raise PermissionDenied("Only a clinic whose data is on this computer can host the clinic's other computers.")
    settings = Settings.load(settings_path)
    settings.lan_host = True
    settings.save(settings_path)
    log.info("this computer hosts the clinic from now on (user %s)", actor.user_id)


def start_host(backend: Backend, *, addresses: list[str] | None = None, database_port: int = DATABASE_PORT,
               join_port: int = JOIN_PORT, announce: bool = True) -> LanHost:
    """Open the host's ports for this desk's embedded database (once: a second call returns the running host)."""
    if backend.lan_host is None:
        if backend.embedded is None:
            raise PermissionDenied("Only a clinic whose data is on this computer can host the clinic's other "
                                   "computers.")
        backend.lan_host = LanHost(backend.embedded, addresses=addresses, database_port=database_port,
                                   join_port=join_port, announce=announce).start()
    return backend.lan_host


def _host_part(address: str) -> str:
    return f"[{address}]" if ":" in address else address
