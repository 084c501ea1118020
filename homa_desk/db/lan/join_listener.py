"""The join port: TLS with the host's certificate, one JSON line each way.

The joiner sends `{"code": "ABCD-EFGH", "desk": "Reception 2"}` (see `desks`); the host answers
`{"ok": true, "role": …, "password": …, "database": …, "port": 54320, "clinic": …}` once, or
`{"ok": false}` after a second's pause (a guesser gets at most 5 tries a code, and slowly). Private source
addresses only, as on the database port.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

from homa_desk.db.lan.addresses import is_private
from homa_desk.db.lan.certificate import HostCertificate
from homa_desk.db.lan.desks import Credentials
from homa_desk.db.lan.gate import _close

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 4096
WRONG_CODE_PAUSE_SECONDS = 1.0


class JoinListener:
    """`redeem(code, desk_name, address)` runs off the event loop (it is a database transaction)."""

    def __init__(self, certificate: HostCertificate, redeem: Callable[[str, str, str], Credentials | None],
                 answer: dict[str, object]) -> None:
        self.context = certificate.server_context()
        self._redeem = redeem
        self._answer = answer  # database, port, clinic: what a joiner needs besides its credentials

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        address = str((writer.get_extra_info("peername") or ("?",))[0])
        try:
            if not is_private(address):
                log.warning("join port: refused a public address")
                return
            async with asyncio.timeout(20):
                line = await reader.readline()
            if len(line) > MAX_REQUEST_BYTES:
                return
            request = json.loads(line)
            code, desk = str(request.get("code", ""))[:40], str(request.get("desk", "")).strip()[:80] or address
            credentials = await asyncio.get_running_loop().run_in_executor(None, self._redeem, code, desk, address)
            if credentials is None:
                log.warning("join port: a wrong, expired or used join code from %s", address)
                await asyncio.sleep(WRONG_CODE_PAUSE_SECONDS)
                reply: dict[str, object] = {"ok": False}
            else:
                log.info("join port: a desk joined from %s as %s", address, credentials.role)
                reply = {"ok": True, "role": credentials.role, "password": credentials.password, **self._answer}
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        except (ValueError, AttributeError, TimeoutError, ConnectionError, OSError) as error:
            log.info("join port: %s left (%s)", address, type(error).__name__)
        finally:
            await _close(writer)
