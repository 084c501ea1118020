"""Local stand-ins for the message providers on 127.0.0.1: one HTTP server speaking Twilio's Messages endpoint and
Telegram's sendMessage (credentials checked), and an aiosmtpd server with STARTTLS and AUTH.

Both record what arrived; the HTTP one can be told to fail (status) or stall (seconds) for the next requests.
"""

from __future__ import annotations

import base64
import datetime as dt
import email
import email.policy
import itertools
import json
import ssl
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

TWILIO_SID = "ACfake0000000000000000000000000001"
TWILIO_TOKEN = "twilio-token-not-real-77"
TWILIO_FROM = "+15005550006"
BOT_TOKEN = "123456:bot-token-not-real-88"
CHAT_ID = "-100987654"
SMTP_USER = "desk@clinic.example"
SMTP_PASSWORD = "smtp-password-not-real-99"


class HttpStandIn:
    """What every local provider stand-in shares: a threaded HTTP server on 127.0.0.1, its address, start and stop,
    injected failures and stalls for the next requests, and the ids it hands out."""

    _faults: list[list]
    requests: int

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.handle_error = lambda *_: None  # a client that gave up (timeout tests) is expected
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail_next(self, n: int, status: int = 500) -> None:
        with self._lock:
            self._faults.append(["fail", n, status])

    def stall_next(self, n: int, seconds: float) -> None:
        with self._lock:
            self._faults.append(["stall", n, seconds])

    def take_fault(self) -> list | None:
        with self._lock:
            self.requests += 1
            for fault in self._faults:
                if fault[1] > 0:
                    fault[1] -= 1
                    return fault
        return None

    def next_id(self) -> int:
        return next(self._ids)


@dataclass
class FakeProviders(HttpStandIn):
    """Twilio and Telegram in one local HTTP server."""

    sms: list[dict[str, str]] = field(default_factory=list)
    statuses: dict[str, tuple[str, int | None, str | None]] = field(default_factory=dict)  # sid: status, code, text
    telegram: list[dict[str, object]] = field(default_factory=list)
    requests: int = 0
    _faults: list[list] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._serve(_handler(self))



def _handler(fake: FakeProviders) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            """Twilio's GET Messages/{Sid}.json: the status `statuses` holds for it ("sent" by default)."""
            fault = fake.take_fault()
            if fault and fault[0] == "fail":
                return self._json(fault[2], {"code": 20500, "message": "Internal Server Error"})
            expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
            prefix = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/"
            if self.headers.get("Authorization") != expected:
                return self._json(401, {"code": 20003, "message": "Authenticate"})
            sid = self.path.removeprefix(prefix).removesuffix(".json")
            if not self.path.startswith(prefix) or sid not in {m["sid"] for m in fake.sms}:
                return self._json(404, {"code": 20404, "message": "The requested resource was not found"})
            status, code, text = fake.statuses.get(sid, ("sent", None, None))
            self._json(200, {"sid": sid, "status": status, "error_code": code, "error_message": text})

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = fake.take_fault()
            if fault and fault[0] == "stall":
                time.sleep(fault[2])
            if fault and fault[0] == "fail":
                return self._json(fault[2], {"code": 20500, "message": "Internal Server Error", "ok": False,
                                             "description": "Internal Server Error"})
            if self.path == f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json":
                return self._twilio(body)
            if self.path == f"/bot{BOT_TOKEN}/sendMessage":
                return self._telegram(body)
            if self.path.startswith("/bot"):
                return self._json(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
            return self._json(404, {"code": 20404, "message": "The requested resource was not found"})

        def _twilio(self, body: bytes) -> None:
            expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
            if self.headers.get("Authorization") != expected:
                return self._json(401, {"code": 20003, "message": "Authenticate"})
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            if not form.get("To", "").startswith("+"):
                return self._json(400, {"code": 21211, "message": "The 'To' number is not a valid phone number."})
            sid = f"SM{fake.next_id():032d}"
            with fake._lock:
                fake.sms.append({**form, "sid": sid})
            self._json(201, {"sid": sid, "status": "queued", "to": form["To"], "body": form.get("Body")})

        def _telegram(self, body: bytes) -> None:
            data = json.loads(body or b"{}")
            if not data.get("chat_id") or not data.get("text"):
                return self._json(400, {"ok": False, "error_code": 400, "description": "Bad Request: text is empty"})
            message_id = fake.next_id()
            with fake._lock:
                fake.telegram.append({**data, "message_id": message_id})
            self._json(200, {"ok": True, "result": {"message_id": message_id, "text": data["text"]}})

        def _json(self, status: int, payload: dict) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


# -- SMTP -----------------------------------------------------------------------------------------------------------


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1/localhost and its key, for the local server's STARTTLS."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class _Collect:
    def __init__(self, server: FakeSmtp) -> None:
        self._server = server

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self._server.received.append(message)  # type: ignore[arg-type]
        self._server.tls_used.append(session.ssl is not None)
        return "250 OK"


class FakeSmtp:
    """aiosmtpd on 127.0.0.1 that requires STARTTLS and then AUTH with SMTP_USER/SMTP_PASSWORD."""

    def __init__(self, folder: Path) -> None:
        cert, key = self_signed_cert(folder)
        server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_context.load_cert_chain(cert, key)
        self.client_context = ssl.create_default_context(cafile=str(cert))
        self.received: list[EmailMessage] = []
        self.tls_used: list[bool] = []
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=_free_port(),
                                      tls_context=server_context, require_starttls=True,
                                      authenticator=self._authenticate, auth_require_tls=True)

    @staticmethod
    def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == SMTP_USER \
            and auth_data.password.decode() == SMTP_PASSWORD
        return AuthResult(success=ok, handled=False)

    @property
    def port(self) -> int:
        return self._controller.port

    def __enter__(self) -> FakeSmtp:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
