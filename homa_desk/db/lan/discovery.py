"""Finding the host on the clinic's network by DNS-SD over multicast DNS (the `zeroconf` package).

The host announces `_homa-desk._tcp.local.` on its join port, with TXT records `fp` (its certificate's SHA-256),
`db` (the database port) and `clinic`. The service's instance name is the clinic's name (`instance_name`), so a
DNS-SD browser (and the joiner's list) shows "Lotus Family Clinic", not a computer's name. A joiner browses for a
few seconds and lists what answered; the fingerprint in an announcement is only a hint (anyone on the network can
announce): what is pinned is the certificate the join handshake showed, which the join code's proof is bound to.
"""

from __future__ import annotations

import socket
import time
import unicodedata
from dataclasses import dataclass

SERVICE_TYPE = "_homa-desk._tcp.local."
UNNAMED = "Homa Desk"  # a host whose clinic has no name yet
# RFC 6763 §4.1.1: the instance name is one DNS label, at most 63 bytes of UTF-8 (NFC, §4.1.3). zeroconf renames
# a name another host already announces to "name-2", "name-3"…: 4 bytes are kept for that suffix.
INSTANCE_BYTES = 63 - 4
TXT_BYTES = 255  # RFC 6763 §6.1: one TXT string, "clinic=" included


def _utf8_prefix(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character."""
    return text.encode()[:limit].decode("utf-8", "ignore")


def instance_name(clinic: str) -> str:
    """The clinic's name as a DNS-SD instance name: NFC, no control characters, no dots (zeroconf writes a name
    label by label, split at dots), whitespace collapsed, at most `INSTANCE_BYTES` bytes of UTF-8, cut at a word's
    end where it can be."""
    text = unicodedata.normalize("NFC", clinic)
    text = "".join(" " if ch == "." or unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") else ch for ch in text)
    text = " ".join(text.split())
    cut = _utf8_prefix(text, INSTANCE_BYTES)
    if len(cut) < len(text) and text[len(cut)] != " " and " " in cut[len(cut) // 2:]:
        cut = cut.rsplit(" ", 1)[0]  # at a word's end: "महिला" cut inside reads as another word (a vowel sign is
        # a character of its own in Devanagari)
    return cut.rstrip() or UNNAMED


def txt_clinic(clinic: str) -> str:
    """The clinic's full name for the `clinic` TXT record (at most 255 bytes with its key)."""
    return _utf8_prefix(" ".join(unicodedata.normalize("NFC", clinic).split()), TXT_BYTES - len("clinic="))


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
        self._info = ServiceInfo(
            SERVICE_TYPE, f"{instance_name(clinic)}.{SERVICE_TYPE}", port=join_port,
            addresses=[socket.inet_aton(a) for a in addresses],
            properties={"fp": fingerprint, "db": str(database_port), "clinic": txt_clinic(clinic)},
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
                clinic = props.get("clinic") or name.removesuffix(f".{SERVICE_TYPE}")
                found.append(FoundHost(clinic, address, int(info.port or 0), int(props.get("db", "0") or 0),
                                       props.get("fp", "")))
        return found
    finally:
        browser.cancel()
        zeroconf.close()
