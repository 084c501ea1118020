"""A TCP proxy on 127.0.0.1 that adds latency: `python -m bench.latency_proxy --target 127.0.0.1:5432 --ms 100`.

Every chunk read from either side is written to the other side half the added latency later (order kept, chunks
pipelined, not queued behind each other), so one request/answer exchange costs `ms` more, as a database 100 ms
away would. It counts exchanges: a client chunk that follows an answer (or opens the connection) starts one, so a
statement sent as one message is one round trip whatever its size.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import threading
import time
from types import TracebackType


class LatencyProxy:
    """Runs in its own thread with its own event loop; `port` is known once the context is entered."""

    def __init__(self, target_host: str, target_port: int, *, latency_ms: float = 100.0, listen_port: int = 0) -> None:
        """`target_host` may be a directory: PostgreSQL's Unix socket there (as the embedded server's URLs say)."""
        self.target = (target_host, target_port)
        self.latency = latency_ms / 1000
        self.port = listen_port
        self.round_trips = 0
        self.connections = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> LatencyProxy:
        self._thread = threading.Thread(target=self._run, name="latency-proxy", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("latency proxy did not start")
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def reset(self) -> None:
        with self._lock:
            self.round_trips = 0
            self.connections = 0

    @classmethod
    def for_url(cls, url: str, *, latency_ms: float = 100.0) -> LatencyProxy:
        """A proxy in front of the server a database URL names (TCP host, or `?host=/socket/dir`)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        host = parsed.query.get("host") or parsed.host or "127.0.0.1"
        return cls(host if isinstance(host, str) else host[0], parsed.port or 5432, latency_ms=latency_ms)

    def url_for(self, url: str) -> str:
        """The same database URL, pointed at the proxy (TCP to 127.0.0.1, the proxy's port)."""
        from sqlalchemy.engine import make_url

        parsed = make_url(url)
        return parsed.difference_update_query(["host", "port"]).set(host="127.0.0.1", port=self.port) \
            .render_as_string(hide_password=False)

    def _run(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            host, port = self.target
            if host.startswith("/"):
                server_reader, server_writer = await asyncio.open_unix_connection(f"{host}/.s.PGSQL.{port}")
            else:
                server_reader, server_writer = await asyncio.open_connection(host, port)
        except OSError:
            client_writer.close()
            return
        with self._lock:
            self.connections += 1
        answered = [True]  # the next client chunk starts an exchange

        def client_chunk() -> None:
            if answered[0]:
                with self._lock:
                    self.round_trips += 1
                answered[0] = False

        def server_chunk() -> None:
            answered[0] = True

        with contextlib.suppress(asyncio.CancelledError):  # the proxy stopping with connections open
            await asyncio.gather(self._pipe(client_reader, server_writer, client_chunk),
                                 self._pipe(server_reader, client_writer, server_chunk))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, seen) -> None:  # type: ignore[no-untyped-def]
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()
        delay = self.latency / 2

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()

        sender = asyncio.create_task(deliver())
        try:
            while data := await reader.read(65536):
                seen()
                queue.put_nowait((time.monotonic() + delay, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((0.0, b""))
        try:
            await sender
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.latency_proxy", description=__doc__)
    parser.add_argument("--target", required=True, help="host:port of the PostgreSQL server")
    parser.add_argument("--ms", type=float, default=100.0, help="added round-trip latency in milliseconds")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    with LatencyProxy(host or "127.0.0.1", int(port), latency_ms=args.ms, listen_port=args.port) as proxy:
        print(f"listening on 127.0.0.1:{proxy.port}, +{args.ms:.0f} ms per round trip; Ctrl+C stops", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
