"""Finding the host on the clinic's network by DNS-SD over multicast DNS (the `zeroconf` package).

The host announces `_homa-desk._tcp.local.` on its join port, with TXT records `fp` (its certificate's SHA-256),
`db` (the database port) and `clinic`. A joiner browses for a few seconds and lists what answered; the fingerprint
in an announcement is only a hint (anyone on the network can announce): what is pinned is the certificate the
join handshake showed, which the join code's proof is bound to.
"""

from __future__ import annotations

import socket
import time
from dataclasses import dataclass

SERVICE_TYPE = "_homa-desk._tcp.local."


@dataclass(frozen=True)
class FoundHost:
    name: str  # the clinic's name as announced
    address: str
    join_port: int
    database_port: int
    fingerprint: str


class Announcement:
    """The host's announcement, for as long as it is kept open."""

    def __init__(self, addresses: list[str], join_port: int, database_port: int, fingerprint: str,
                 clinic: str) -> None:
        from zeroconf import IPVersion, ServiceInfo, Zeroconf  # lazy: only a host announces

        self._zeroconf = Zeroconf(ip_version=IPVersion.V4Only)
        label = f"{clinic or 'Homa Desk'} ({socket.gethostname()})"[:60].replace(".", " ")
        self._info = ServiceInfo(
            SERVICE_TYPE, f"{label}.{SERVICE_TYPE}", port=join_port,
            addresses=[socket.inet_aton(a) for a in addresses],
            properties={"fp": fingerprint, "db": str(database_port), "clinic": clinic[:100]},
            server=f"homa-{fingerprint[:12]}.local.")
        self._zeroconf.register_service(self._info, allow_name_change=True)

    def close(self) -> None:
        self._zeroconf.unregister_service(self._info)
        self._zeroconf.close()


def browse(seconds: float = 3.0) -> list[FoundHost]:
    """The hosts that answered within `seconds`, one entry per address."""
    from zeroconf import IPVersion, ServiceBrowser, Zeroconf  # lazy: only the join page browses

    zeroconf = Zeroconf(ip_version=IPVersion.V4Only)
    names: set[str] = set()

    class _Listener:
        def add_service(self, _zc: object, _type: str, name: str) -> None:
            names.add(name)

        def update_service(self, _zc: object, _type: str, name: str) -> None:
            names.add(name)

        def remove_service(self, _zc: object, _type: str, name: str) -> None:
            names.discard(name)

    browser = ServiceBrowser(zeroconf, SERVICE_TYPE, _Listener())
    try:
        time.sleep(seconds)
        found = []
        for name in sorted(names):
            info = zeroconf.get_service_info(SERVICE_TYPE, name, timeout=2000)
            if info is None:
                continue
            props = {k.decode(): (v or b"").decode("utf-8", "replace") for k, v in info.properties.items()}
            for address in info.parsed_addresses():
                found.append(FoundHost(props.get("clinic", ""), address, int(info.port or 0),
                                       int(props.get("db", "0") or 0), props.get("fp", "")))
        return found
    finally:
        browser.cancel()
        zeroconf.close()
