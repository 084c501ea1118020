"""The host's side, all of it: the certificate, the database and join ports on this computer's private addresses,
the DNS-SD announcement, and the joined desks' last-seen times. One asyncio loop in one daemon thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from homa_desk.db.embedded import DATABASE_NAME
from homa_desk.db.lan import DATABASE_PORT, JOIN_PORT, desks
from homa_desk.db.lan.addresses import private_ipv4_addresses
from homa_desk.db.lan.certificate import HostCertificate, ensure_certificate
from homa_desk.db.lan.desks import Credentials, JoinedDesk
from homa_desk.db.lan.gate import LocalServer, PgGate
from homa_desk.db.lan.join_listener import JoinListener

if TYPE_CHECKING:
    from homa_desk.db.embedded import EmbeddedServer

log = logging.getLogger(__name__)

SEEN_FLUSH_SECONDS = 30.0
FOLDER = "lan-host"


def certificate_folder(server: EmbeddedServer) -> Path:
    """Beside the database's data directory: the host's certificate and its private key."""
    return server.data_dir.parent / FOLDER


class LanHost:
    """`addresses`: where to listen (default: this computer's private IPv4 addresses, never 0.0.0.0). `clinic`:
    the name announced and told to joiners (default: the clinic's name in its settings, read at start)."""

    def __init__(self, server: EmbeddedServer, *, clinic: str | None = None, addresses: list[str] | None = None,
                 database_port: int = DATABASE_PORT, join_port: int = JOIN_PORT, announce: bool = True,
                 database: str = DATABASE_NAME) -> None:
        self.server = server
        self._admin = create_engine(server.url(database), poolclass=NullPool)
        self.clinic = desks.clinic_name(self._admin) if clinic is None else clinic
        self.addresses = addresses if addresses is not None else private_ipv4_addresses()
        self.database_port, self.join_port = database_port, join_port
        self._announce = announce
        self.certificate: HostCertificate = ensure_certificate(certificate_folder(server), self.clinic)
        self._seen: dict[str, tuple[str, datetime]] = {}
        self._seen_lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="lan-host", daemon=True)
        self._servers: list[asyncio.AbstractServer] = []
        self._announcement = None
        self.gate = PgGate(self.certificate, self._local_server, database, self._saw)
        self.joins = JoinListener(self.certificate, self._redeem,
                                  {"database": database, "port": database_port, "clinic": self.clinic})

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint

    def start(self) -> LanHost:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._listen(), self._loop).result(10)
        if self._announce and self.addresses:
            try:
                from homa_desk.db.lan.discovery import Announcement  # lazy: zeroconf loads only on a host

                self._announcement = Announcement(self.addresses, self.join_port, self.database_port,
                                                  self.fingerprint, self.clinic)
            except OSError as error:  # no multicast on this network: joiners type the address instead
                log.warning("cannot announce the host on the network: %s", type(error).__name__)
        log.info("hosting the clinic on %s (database port %d, join port %d)", ", ".join(self.addresses) or "nothing",
                 self.database_port, self.join_port)
        return self

    async def _listen(self) -> None:
        for address in self.addresses:
            self._servers.append(await asyncio.start_server(self.gate.handle, address, self.database_port))
            self._servers.append(await asyncio.start_server(self.joins.handle, address, self.join_port,
                                                            ssl=self.joins.context))
        self._loop.create_task(self._flush_seen_now_and_then())

    def stop(self) -> None:
        if self._announcement is not None:
            with contextlib.suppress(Exception):
                self._announcement.close()
        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(self._close_servers(), self._loop).result(10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)
        self._flush_seen()
        self._admin.dispose()

    async def _close_servers(self) -> None:
        for server in self._servers:
            server.close()
        for task in asyncio.all_tasks():
            if task is not asyncio.current_task():
                task.cancel()

    # --- what the admin does on the host -------------------------------------------------------------------------

    def new_code(self) -> str:
        return desks.new_code(self._admin)

    def desks(self) -> list[JoinedDesk]:
        self._flush_seen()
        return desks.joined_desks(self._admin)

    def remove(self, desk_id: int) -> bool:
        role = desks.remove_desk(self._admin, desk_id)
        if role is None:
            return False
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self.gate.drop, role)
        return True

    # --- inside -------------------------------------------------------------------------------------------------

    def _redeem(self, code: str, desk_name: str, address: str) -> Credentials | None:
        return desks.redeem(self._admin, code, desk_name, address)

    def _local_server(self) -> LocalServer:
        url = self.server.url()
        socket_dir = url.query.get("host")
        port = url.port or 5432
        if socket_dir:
            return LocalServer(socket_path=str(Path(str(socket_dir)) / f".s.PGSQL.{port}"))
        return LocalServer(port=port)

    def _saw(self, role: str, address: str) -> None:
        with self._seen_lock:
            self._seen[role] = (address, datetime.now(UTC))

    def _flush_seen(self) -> None:
        with self._seen_lock:
            seen, self._seen = self._seen, {}
        if seen:
            try:
                desks.record_seen(self._admin, seen)
            except Exception as error:  # the server may be stopping: the next flush tries again
                log.warning("cannot record the desks' last-seen times: %s", type(error).__name__)
                with self._seen_lock:
                    self._seen = {**seen, **self._seen}

    async def _flush_seen_now_and_then(self) -> None:
        while True:
            await asyncio.sleep(SEEN_FLUSH_SECONDS)
            await asyncio.get_running_loop().run_in_executor(None, self._flush_seen)
