"""A local Razorpay that speaks the QR Codes endpoints on 127.0.0.1, for tests of the adapter and of the whole flow.

It can be told to fail, throttle, stall or garble the next requests, and it records every request so tests can
count gateway calls. Use it as a context manager or through the `fake_razorpay` fixture in conftest.py.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from homa_desk.domain import upi

KEY_ID = "rzp_test_fakekey"
KEY_SECRET = "fake-secret-not-real"
FAKE_VPA = "homa.fake@razorpay"
LIST_MAX_COUNT = 100
LIST_DEFAULT_COUNT = 10
TIMESTAMP_RANGE = (946684800, 4765046400)


@dataclass(frozen=True)
class LoggedRequest:
    method: str
    path: str
    status: int
    body: dict[str, Any] | None = None


@dataclass
class _Fault:
    kind: str  # "fail", "rate_limit", "slow", "malformed"
    remaining: int
    status: int = 500
    seconds: float = 0.0
    method: str | None = None


@dataclass
class FakeQr:
    data: dict[str, Any]
    payments: list[dict[str, Any]] = field(default_factory=list)


class FakeRazorpay:
    def __init__(self, *, key_id: str = KEY_ID, key_secret: str = KEY_SECRET, image_content: bool = True) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self.image_content = image_content  # whether created QRs carry their UPI intent string
        self.qrs: dict[str, FakeQr] = {}
        self.other_payments: list[dict[str, Any]] = []  # money that reached the account on no QR (add_payment)
        self.requests: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._run = secrets.token_hex(4)  # ids unique across runs, as Razorpay's are: a reused database keeps them
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-razorpay",
                                        daemon=True)

    # -- lifecycle --------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeRazorpay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeRazorpay:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- controls ---------------------------------------------------------------------------------------------

    def mark_paid(self, qr_id: str, amount_paise: int | None = None, currency: str = "INR", *,
                  status: str = "captured", vpa: str = "patient@okicici") -> dict[str, Any]:
        """A patient paid. A captured payment on an active QR closes it with close_reason "paid", like Razorpay;
        a payment on a closed QR is still recorded (the race the desk must flag)."""
        with self._lock:
            qr = self.qrs[qr_id]
            number = len(qr.payments) + 1
            payment = {
                "id": f"pay_{qr_id[3:]}{number:03d}", "entity": "payment",
                "amount": qr.data["payment_amount"] if amount_paise is None else amount_paise,
                "currency": currency, "status": status, "method": "upi", "vpa": vpa, "captured": status == "captured",
                "acquirer_data": {"rrn": f"{412345678900 + number}"}, "created_at": int(time.time()),
            }
            qr.payments.append(payment)
            if status == "captured":
                qr.data["payments_amount_received"] += payment["amount"]
                qr.data["payments_count_received"] += 1
                if qr.data["status"] == "active":
                    qr.data.update(status="closed", close_reason="paid", closed_at=int(time.time()))
            return payment

    def wrong_amount(self, qr_id: str, amount_paise: int | None = None) -> dict[str, Any]:
        """Report a payment of another amount (₹1 short unless told)."""
        with self._lock:
            expected = self.qrs[qr_id].data["payment_amount"]
        return self.mark_paid(qr_id, expected - 100 if amount_paise is None else amount_paise)

    def expire(self, qr_id: str) -> None:
        """Move close_by into the past, as if the QR's time ran out."""
        with self._lock:
            data = self.qrs[qr_id].data
            data["close_by"] = int(time.time()) - 1
            if data["status"] == "active":
                data.update(status="closed", close_reason=None, closed_at=int(time.time()))

    def add_payment(self, amount_paise: int, *, created_at: int | None = None, status: str = "captured",
                    qr_id: str | None = None, method: str = "upi") -> dict[str, Any]:
        """A payment made at `created_at` (unix seconds, now if None): on the QR `qr_id` (without touching its
        status, as a payment racing its close), or on none of the desk's QRs (a payment link, the website)."""
        with self._lock:
            number = next(self._ids)
            payment = {
                "id": f"pay_{self._run}x{number:06d}", "entity": "payment", "amount": amount_paise,
                "currency": "INR", "status": status, "method": method, "vpa": "payer@okaxis",
                "captured": status in ("captured", "refunded"), "acquirer_data": {"rrn": f"{512345678900 + number}"},
                "created_at": int(time.time()) if created_at is None else created_at, "notes": [],
            }
            (self.qrs[qr_id].payments if qr_id is not None else self.other_payments).append(payment)
            return payment

    def fail_next(self, n: int, status: int = 500, *, method: str | None = None) -> None:
        self._add(_Fault("fail", n, status=status, method=method))

    def rate_limit_next(self, n: int, retry_after: float = 1, *, method: str | None = None) -> None:
        self._add(_Fault("rate_limit", n, status=429, seconds=retry_after, method=method))

    def slow_next(self, n: int, seconds: float, *, method: str | None = None) -> None:
        self._add(_Fault("slow", n, seconds=seconds, method=method))

    def malformed_next(self, n: int, *, method: str | None = None) -> None:
        self._add(_Fault("malformed", n, method=method))

    def calls(self, method: str | None = None, path_prefix: str = "") -> int:
        with self._lock:
            return sum(1 for r in self.requests
                       if (method is None or r.method == method) and r.path.startswith(path_prefix))

    def _add(self, fault: _Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, method: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.remaining > 0 and fault.method in (None, method):
                    fault.remaining -= 1
                    return fault
        return None

    # -- the API ----------------------------------------------------------------------------------------------

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parsed = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        status, extra, payload = self._dispatch(method, path, headers, parsed)
        with self._lock:
            self.requests.append(LoggedRequest(method, path, status, parsed))
        return status, extra, payload

    def _dispatch(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, dict[str, str], bytes]:
        if method == "GET" and path.startswith("/images/"):
            return self._image(path.removeprefix("/images/").removesuffix(".png"))
        if headers.get("Authorization") != "Basic " + base64.b64encode(
                f"{self.key_id}:{self.key_secret}".encode()).decode():
            return _error(401, "The api key provided is invalid")
        fault = self._take_fault(method)
        if fault is not None:
            if fault.kind == "fail":
                return _error(fault.status, "Internal server error", code="SERVER_ERROR")
            if fault.kind == "rate_limit":
                status, extra, payload = _error(429, "Too many requests", code="BAD_REQUEST_ERROR")
                return status, {**extra, "Retry-After": f"{fault.seconds:g}"}, payload
            if fault.kind == "malformed":
                return 200, {"Content-Type": "application/json"}, b'{"id": "qr_broken", "status":'
            time.sleep(fault.seconds)
        url = urlsplit(path)
        if url.path.rstrip("/") == "/v1/payments":
            return self._list_payments(method, url.query)
        parts = path.strip("/").split("/")
        if parts[:3] != ["v1", "payments", "qr_codes"]:
            return _error(404, "The requested URL was not found on the server.")
        rest = parts[3:]
        if method == "POST" and not rest:
            return self._create(body)
        if not rest or rest[0] not in self.qrs:
            return _error(400, "The id provided does not exist")
        qr = self.qrs[rest[0]]
        if method == "GET" and len(rest) == 1:
            return _json(dict(qr.data))
        if method == "GET" and rest[1:] == ["payments"]:
            with self._lock:
                items = [dict(p) for p in qr.payments]
            return _json({"entity": "collection", "count": len(items), "items": items})
        if method == "POST" and rest[1:] == ["close"]:
            with self._lock:
                if qr.data["status"] != "active":
                    return _error(400, "QR code is already closed")
                qr.data.update(status="closed", close_reason="on_demand", closed_at=int(time.time()))
                return _json(dict(qr.data))
        return _error(404, "The requested URL was not found on the server.")

    def _create(self, body: Any) -> tuple[int, dict[str, str], bytes]:
        if not isinstance(body, dict):
            return _error(400, "The request body is not valid JSON")
        checks = [
            (body.get("type") == "upi_qr", "type must be upi_qr"),
            (body.get("usage") == "single_use", "usage must be single_use"),
            (body.get("fixed_amount") is True, "fixed_amount must be true"),
            (isinstance(body.get("payment_amount"), int) and body["payment_amount"] > 0,
             "payment_amount must be a positive integer in paise"),
            (isinstance(body.get("close_by"), int) and body["close_by"] > time.time(),
             "close_by should be at least 2 minutes after current time"),
        ]
        for ok, description in checks:
            if not ok:
                return _error(400, description)
        with self._lock:
            qr_id = f"qr_{self._run}{next(self._ids):06d}"
            data = {
                "id": qr_id, "entity": "qr_code", "created_at": int(time.time()), "name": body.get("name"),
                "usage": "single_use", "type": "upi_qr", "image_url": f"{self.base_url}/images/{qr_id}.png",
                "payment_amount": body["payment_amount"], "status": "active", "description": body.get("description"),
                "fixed_amount": True, "payments_amount_received": 0, "payments_count_received": 0,
                "notes": body.get("notes") or {}, "customer_id": None, "close_by": body["close_by"],
                "closed_at": None, "close_reason": None,
            }
            if self.image_content:
                data["image_content"] = self.upi_link(qr_id, body["payment_amount"])
            self.qrs[qr_id] = FakeQr(data)
        return _json(data)

    def _list_payments(self, method: str, query: str) -> tuple[int, dict[str, str], bytes]:
        """GET /v1/payments, enforcing what Razorpay documents for it:

        GET /v1/payments ("Fetch all payments": https://razorpay.com/docs/api/payments/fetch-all-payments/ and
        razorpay-node documents/payment.md "Fetch all payments"; razorpay-python resources/payment.py `all`):
        - Basic auth with the key id and secret, as every endpoint (401 otherwise).
        - Only the documented query parameters: `from`, `to`, `count`, `skip` (and `expand[]` = card or emi); anything else
          is refused (stricter than the docs, which do not say).
        - `from` and `to` are unix timestamps in seconds: whole numbers between 946684800 and 4765046400 (the docs' own
          error "from must be between 946684800 and 4765046400"); milliseconds and dates are refused, and so is `from`
          after `to` (stricter).
        - `from`/`to` select payments "created after" / "created before" them: the fake reads both as exclusive, the
          stricter reading, so a client that needs the ends must widen the range itself.
        - `count` is a whole number from 1 to 100, 10 when absent ("By default, only the last 10 records are displayed";
          100 is the most one call returns); `skip` a whole number from 0, 0 when absent.
        - The answer is {"entity": "collection", "count": n, "items": [...]}, newest first, payments of every status
          (created, authorized, captured, refunded, failed): the client picks the captured ones.
        """
        if method != "GET":
            return _error(404, "The requested URL was not found on the server.")
        params: dict[str, str] = {}
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name in params or name not in ("from", "to", "count", "skip", "expand[]"):
                return _error(400, f"{name} is/are not required and should not be sent")
            params[name] = value
        if params.get("expand[]", "card") not in ("card", "emi"):
            return _error(400, "expand[] should be card or emi")
        bounds = {}
        for name in ("from", "to"):
            if name in params:
                value = params[name]
                low, high = TIMESTAMP_RANGE
                if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
                    return _error(400, f"{name} must be between {low} and {high}")
                bounds[name] = int(value)
        if "from" in bounds and "to" in bounds and bounds["from"] > bounds["to"]:
            return _error(400, "from must be before to")
        count = params.get("count", str(LIST_DEFAULT_COUNT))
        if not count.isascii() or not count.isdigit() or not 1 <= int(count) <= LIST_MAX_COUNT:
            return _error(400, f"The count must be between 1 and {LIST_MAX_COUNT}.")
        skip = params.get("skip", "0")
        if not skip.isascii() or not skip.isdigit():
            return _error(400, "The skip must be at least 0.")
        with self._lock:
            every = [p for qr in self.qrs.values() for p in qr.payments] + self.other_payments
            chosen = [dict(p) for p in every
                      if bounds.get("from", -1) < p["created_at"] < bounds.get("to", TIMESTAMP_RANGE[1] + 1)]
        chosen.sort(key=lambda p: (p["created_at"], p["id"]), reverse=True)
        page = chosen[int(skip):int(skip) + int(count)]
        return _json({"entity": "collection", "count": len(page), "items": page})

    @staticmethod
    def upi_link(qr_id: str, amount_paise: int) -> str:
        from decimal import Decimal

        return upi.build_upi_link(vpa=FAKE_VPA, payee_name="Homa Fake Merchant",
                                  amount=Decimal(amount_paise) / 100, note="Fake Razorpay QR",
                                  reference=qr_id.replace("_", ""))

    def _image(self, qr_id: str) -> tuple[int, dict[str, str], bytes]:
        if qr_id not in self.qrs:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        png = upi.render_qr_png(self.upi_link(qr_id, self.qrs[qr_id].data["payment_amount"]))
        return 200, {"Content-Type": "image/png"}, png


def _json(data: dict[str, Any], status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def _error(status: int, description: str, code: str = "BAD_REQUEST_ERROR") -> tuple[int, dict[str, str], bytes]:
    return _json({"error": {"code": code, "description": description, "source": "NA", "step": "NA",
                            "reason": "NA", "metadata": {}}}, status)


def _handler_for(fake: FakeRazorpay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like the real API behind requests' connection pool
        disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms delayed-ACK stall per call

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, headers, payload = fake.handle(self.command, self.path, self.headers, body)
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a read timeout test)

        def handle(self) -> None:
            with contextlib.suppress(ConnectionResetError):  # the client was killed mid-request (the crash test)
                super().handle()

        do_GET = _serve
        do_POST = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler
