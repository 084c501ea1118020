"""The joining computer's side: look at the host's certificate, prove the join code, get this desk's credentials.

`peek_fingerprint` does the TLS handshake without trusting anything, only to read the certificate (the first
contact: the admin compares the short fingerprint on both screens). From then on the certificate is pinned: libpq
trusts it alone (`sslmode=verify-ca`, `sslrootcert`), and `check_pinned` turns a refused handshake into words.
"""

from __future__ import annotations

import hmac
import json
import socket
import ssl
import struct
from dataclasses import dataclass

from homa_desk.db.lan.certificate import der_fingerprint, short_fingerprint
from homa_desk.db.lan.gate import SSL_REQUEST
from homa_desk.domain.errors import DatabaseUnavailable, DomainError, PermissionDenied

TIMEOUT_SECONDS = 8


class CertificateChanged(DomainError):
    """The computer at the host's address shows another certificate than the one this desk joined."""


@dataclass(frozen=True)
class HostSeen:
    certificate_pem: str
    fingerprint: str


@dataclass(frozen=True)
class Joined:
    role: str
    password: str
    database: str
    port: int
    clinic: str
    host: HostSeen


def _any_certificate() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # first contact only: the fingerprint is what is checked
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def _seen(tls: ssl.SSLSocket) -> HostSeen:
    der = tls.getpeercert(binary_form=True) or b""
    return HostSeen(ssl.DER_cert_to_PEM_cert(der), der_fingerprint(der))


def peek_fingerprint(host: str, database_port: int) -> HostSeen:
    """The certificate the database port at `host` shows (an SSLRequest, then the handshake)."""
    try:
        with socket.create_connection((host, database_port), timeout=TIMEOUT_SECONDS) as raw:
            raw.sendall(struct.pack("!II", 8, SSL_REQUEST))
            if raw.recv(1) != b"S":
                raise DatabaseUnavailable("The computer at {host} is not a clinic host (it does not offer TLS).",
                                          host=host)
            with _any_certificate().wrap_socket(raw) as tls:
                return _seen(tls)
    except (OSError, ssl.SSLError):
        raise DatabaseUnavailable("Cannot reach the clinic's host at {host}. Is its desk open, on this network?",
                                  host=host) from None


def check_pinned(host: str, database_port: int, pinned: str) -> None:
    """CertificateChanged when the host now shows another certificate than `pinned`."""
    seen = peek_fingerprint(host, database_port)
    if not hmac.compare_digest(seen.fingerprint, pinned):
        raise CertificateChanged(
            "The computer at {host} shows a different certificate ({found}) than the clinic's host this desk joined "
            "({expected}). This desk will not connect to it. If the host was really set up again, run `homa-desk lan "
            "forget` on this computer, then join again with a new code.",
            host=host, found=short_fingerprint(seen.fingerprint), expected=short_fingerprint(pinned))


def join(host: str, join_port: int, code: str, desk_name: str, expected: str = "") -> Joined:
    """Give `code` to the join port at `host` and receive this desk's role and password. `expected`: the
    fingerprint the joiner's screen showed (from `peek_fingerprint`); another certificate now gets no code."""
    try:
        with socket.create_connection((host, join_port), timeout=TIMEOUT_SECONDS) as raw, \
                _any_certificate().wrap_socket(raw) as tls:
            seen = _seen(tls)
            if expected and expected not in (seen.fingerprint, short_fingerprint(seen.fingerprint)):
                raise CertificateChanged("The computer at {host} changed its certificate while joining: it is not "
                                         "joined. Check the address and try again.", host=host)
            request = {"code": code, "desk": desk_name}
            tls.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(tls.makefile("rb").readline(65536) or b"{}")
    except (OSError, ssl.SSLError, ValueError):
        raise DatabaseUnavailable("Cannot reach the clinic's host at {host}. Is its desk open, on this network?",
                                  host=host) from None
    if not reply.get("ok"):
        raise PermissionDenied("This join code is wrong, expired or already used. Ask the admin on the host for a "
                               "new code (Settings → Desks).")
    return Joined(str(reply["role"]), str(reply["password"]), str(reply["database"]), int(reply["port"]),
                  str(reply.get("clinic", "")), seen)
