"""The host's own TLS certificate: made once at set-up, its private key readable by this user only (0600).

Self-signed and marked as a CA for itself, so a joined desk can give it to libpq as its only trusted root
(`sslmode=verify-ca`, `sslrootcert`): that is the pin. A different certificate fails the handshake; `fingerprint`
(SHA-256 of the DER) is what the admin sees on the host and the joiner keeps.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path

CERT_FILE = "host-cert.pem"
KEY_FILE = "host-key.pem"
VALID_DAYS = 3650


@dataclass(frozen=True)
class HostCertificate:
    cert_path: Path
    key_path: Path
    fingerprint: str  # SHA-256 of the DER, lower-case hex

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_path, self.key_path)
        return context


def ensure_certificate(folder: Path, clinic: str = "") -> HostCertificate:
    """The host's certificate in `folder`, made the first time (an EC P-256 key, valid ten years)."""
    cert_path, key_path = folder / CERT_FILE, folder / KEY_FILE
    if not (cert_path.exists() and key_path.exists()):
        _make(folder, cert_path, key_path, clinic)
    return HostCertificate(cert_path, key_path, pem_fingerprint(cert_path.read_text(encoding="ascii")))


def pem_fingerprint(pem: str) -> str:
    return der_fingerprint(ssl.PEM_cert_to_DER_cert(pem))


def der_fingerprint(der: bytes) -> str:
    return hashlib.sha256(der).hexdigest()


def short_fingerprint(fingerprint: str) -> str:
    """The first 16 hex digits in groups of four (what the two screens show to compare): `1A2B-3C4D-…`."""
    head = fingerprint[:16].upper()
    return "-".join(head[i:i + 4] for i in range(0, 16, 4))


def _make(folder: Path, cert_path: Path, key_path: Path, clinic: str) -> None:
    from cryptography import x509  # lazy: only the host makes one, once
    from cryptography.hazmat.primitives import hashes, serialization  # lazy: only the host, once
    from cryptography.hazmat.primitives.asymmetric import ec  # lazy: only the host, once
    from cryptography.x509.oid import NameOID  # lazy: only the host, once

    folder.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Homa Desk host {socket.gethostname()}"[:64]),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, (clinic or "Homa Desk clinic")[:64])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=False,
                                         content_commitment=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    key_bytes = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_bytes)
    os.chmod(key_path, 0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
