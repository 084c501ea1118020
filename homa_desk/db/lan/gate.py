"""The database port on the clinic's network: TLS in front of the embedded PostgreSQL, which has none of its own.

What a connection must get through, in order (each refusal closes it):
1. its source address is private (`addresses.is_private`), checked before a byte is read;
2. it asks for TLS (PostgreSQL's SSLRequest; a GSSENCRequest is answered "no" and may be followed by one); a plain
   startup is answered with a FATAL "TLS required" and closed;
3. the TLS handshake with the host's certificate;
4. its startup message names a joined desk's role (`homa_desk_` + 12 hex digits) and the clinic's database, and
   asks for no replication: the cluster's superuser, the owner and the application role never sign in from the
   network, whatever pg_hba.conf says;
5. the local server then asks that role for its SCRAM password (pg_hba.conf, `embedded_roles`).
A CancelRequest (which carries its backend's secret key) is passed through after TLS.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

from homa_desk.db.lan.addresses import is_private
from homa_desk.db.lan.certificate import HostCertificate

log = logging.getLogger(__name__)

SSL_REQUEST, GSSENC_REQUEST, CANCEL_REQUEST, PROTOCOL_3 = 80877103, 80877104, 80877102, 196608
DESK_ROLE = re.compile(r"^homa_desk_[0-9a-f]{12}$")
HANDSHAKE_SECONDS = 10
MAX_STARTUP_BYTES = 10_000


@dataclass(frozen=True)
class LocalServer:
    """Where the embedded server listens on this computer: a Unix socket path, or 127.0.0.1 and a port."""

    socket_path: str | None = None
    port: int | None = None

    async def open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.socket_path is not None:
            return await asyncio.open_unix_connection(self.socket_path)
        return await asyncio.open_connection("127.0.0.1", self.port)


class Refused(Exception):
    """Why a connection was refused: logged (no patient data, no secret), and sent as a FATAL once TLS is up."""


class PgGate:
    """One TLS database port. `local` is asked for the server's place at each connection (it may have restarted);
    `seen(role, address)` is told of each session let through."""

    def __init__(self, certificate: HostCertificate, local: Callable[[], LocalServer], database: str,
                 seen: Callable[[str, str], None] = lambda role, address: None) -> None:
        self._context = certificate.server_context()
        self._local = local
        self._database = database
        self._seen = seen
        self._sessions: dict[str, set[asyncio.StreamWriter]] = {}

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = str((writer.get_extra_info("peername") or ("?",))[0])
        try:
            if not is_private(address):
                raise Refused("a connection from a public address")
            async with asyncio.timeout(HANDSHAKE_SECONDS):
                startup = await self._handshake(reader, writer)
            await self._relay(startup, address, reader, writer)
        except Refused as refusal:
            log.warning("database port: refused %s: %s", address, refusal)
            if writer.get_extra_info("ssl_object") is not None or str(refusal).startswith("TLS"):
                writer.write(fatal("28000" if "role" in str(refusal) else "08P01", str(refusal)))
        except (asyncio.IncompleteReadError, TimeoutError, ConnectionError, OSError) as error:
            log.info("database port: %s left (%s)", address, type(error).__name__)
        finally:
            await _close(writer)

    async def _handshake(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        length, code = struct.unpack("!II", await reader.readexactly(8))
        if length == 8 and code == GSSENC_REQUEST:
            writer.write(b"N")
            length, code = struct.unpack("!II", await reader.readexactly(8))
        if not (length == 8 and code == SSL_REQUEST):
            raise Refused("TLS required: this clinic's host accepts encrypted connections only (sslmode=require)")
        writer.write(b"S")
        await writer.drain()
        await writer.start_tls(self._context)
        (length,) = struct.unpack("!I", await reader.readexactly(4))
        if not 8 <= length <= MAX_STARTUP_BYTES:
            raise Refused("a malformed startup message")
        body = await reader.readexactly(length - 4)
        return struct.pack("!I", length) + body

    async def _relay(self, startup: bytes, address: str, reader: asyncio.StreamReader,
                     writer: asyncio.StreamWriter) -> None:
        (code,) = struct.unpack("!I", startup[4:8])
        role = ""
        if code == PROTOCOL_3:
            role = self._check_startup(startup[8:])
        elif code != CANCEL_REQUEST:
            raise Refused("an unknown protocol")
        try:
            local_reader, local_writer = await self._local().open()
        except OSError:
            raise Refused("the clinic's database is not running on the host") from None
        local_writer.write(startup)
        if not role:  # a cancel request: the server answers nothing and closes
            await local_writer.drain()
            await _close(local_writer)
            return
        self._seen(role, address)
        self._sessions.setdefault(role, set()).add(writer)
        try:
            await _pipe_both(reader, writer, local_reader, local_writer)
        finally:
            self._sessions.get(role, set()).discard(writer)
            await _close(local_writer)

    def _check_startup(self, body: bytes) -> str:
        parts = body.split(b"\x00")
        params = dict(zip(parts[0::2], parts[1::2], strict=False))
        role = params.get(b"user", b"").decode("utf-8", "replace")
        if not DESK_ROLE.match(role):
            raise Refused("role not allowed from the network (only joined desks' roles are)")
        if params.get(b"database", b"").decode("utf-8", "replace") != self._database:
            raise Refused("database not served on the network")
        if b"replication" in params:
            raise Refused("replication is not served on the network")
        return role

    def drop(self, role: str) -> int:
        """End every session of `role` now (its desk was removed); how many there were."""
        sessions = self._sessions.pop(role, set())
        for writer in sessions:
            writer.transport.abort()
        return len(sessions)


def fatal(sqlstate: str, message: str) -> bytes:
    """A PostgreSQL ErrorResponse (FATAL), which libpq shows as the connection's error."""
    fields = b"".join(kind + value.encode() + b"\x00" for kind, value in
                      ((b"S", "FATAL"), (b"V", "FATAL"), (b"C", sqlstate), (b"M", message)))
    body = fields + b"\x00"
    return b"E" + struct.pack("!I", len(body) + 4) + body


async def _pipe_both(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                     local_reader: asyncio.StreamReader, local_writer: asyncio.StreamWriter) -> None:
    tasks = [asyncio.create_task(_pipe(client_reader, local_writer)),
             asyncio.create_task(_pipe(local_reader, client_writer))]
    _done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, ConnectionError, OSError):
            await task


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()


async def _close(writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(Exception):
        writer.close()
        async with asyncio.timeout(2):
            await writer.wait_closed()
