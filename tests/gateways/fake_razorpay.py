"""A local Razorpay that speaks the QR Codes endpoints on 127.0.0.1, for tests of the adapter and of the whole flow.

It can be told to fail, throttle, stall or garble the next requests, and it records every request so tests can
count gateway calls. Use it as a context manager or through the `fake_razorpay` fixture in conftest.py.

It refuses what Razorpay documents it refuses, and more where the documents are unclear or disagree, so a desk
that passes here is not refused in production (the create and paging checks live in razorpay_rules.py). Sources,
by the tag used below:

- [create] https://razorpay.com/docs/api/qr-codes/create (repository razorpay/markdown-docs, api/qr-codes/create.md)
- [fetch] https://razorpay.com/docs/api/qr-codes/fetch-with-id (markdown-docs api/qr-codes/fetch-with-id.md)
- [payments] https://razorpay.com/docs/api/qr-codes/fetch-payments (markdown-docs api/qr-codes/fetch-payments.md)
- [close] https://razorpay.com/docs/api/qr-codes/close (markdown-docs api/qr-codes/close.md)
- [entity] https://razorpay.com/docs/api/qr-codes/entity (and the close_by text on [fetch] and [close])
- [sdk] razorpay/razorpay-python documents/qrcode.md, razorpay/razorpay-node documents/qrcode.md and
  lib/types/qrCode.d.ts
- [errors] https://razorpay.com/docs/errors (markdown-docs errors.md)
- [list] https://razorpay.com/docs/api/payments/fetch-all-payments ("Fetch all payments"), razorpay-node
  documents/payment.md "Fetch all payments", razorpay-python razorpay/resources/payment.py `all`

Every endpoint
- R1 HTTP Basic auth with the key id and secret; none or wrong → 401 "The api key provided is invalid" [create],
  [fetch], [payments], [close] (Errors: "The API {key/secret} provided is invalid", 4xx).
- R2 every refusal is {"error": {"code", "description", "field", "source", "step", "reason", "metadata"}} [errors];
  4xx carry code BAD_REQUEST_ERROR [create] (Failure example).
- R3 an unknown path, or a known path with the wrong method → 400 "The requested URL was not found on the
  server." [close], [payments] (Errors).
- R4 GETs and close take no body: one is refused "… is/are not required and should not be sent" ([create] Errors
  describe this answer for a POST endpoint called with GET; the fake applies it to every body-less call: stricter).

Create (POST /v1/payments/qr_codes)
- R5 the body is a JSON object (stricter: undocumented).
- R6 only type, name, usage, fixed_amount, payment_amount, description, customer_id, close_by and notes; anything
  else → "{field} is/are not required and should not be sent" [create] (Errors). There is no currency field: UPI
  QRs take INR only [entity], so `currency` is refused like any extra field; tax_invoice (GST QRs) is refused too,
  as the feature is not enabled here (stricter).
- R7 type is required and is upi_qr [create] ("The type field is required." / "The selected type is invalid.");
  [sdk] also lists bharat_qr, an on-demand feature this account does not have (stricter).
- R8 usage is required: single_use or multiple_use [create], [sdk].
- R9 fixed_amount, when sent, is a JSON boolean [create]; single_use needs fixed_amount true [create] (Watch Out).
- R10 payment_amount is required when fixed_amount is true and is an integer in paise [create], [sdk]: not a
  float, string or boolean; it is at least 100 (₹1): [create] says "must be at least 1" without a unit, so the
  stricter reading. It is refused when fixed_amount is not true (stricter: undocumented).
- R11 name and description, when sent, are strings; name at most 100 characters, description at most 255
  (stricter: [create] gives no limits).
- R12 customer_id must name a customer of this account → "{id} is not a valid id" [create] (Errors); the fake has
  no customers, so any customer_id is refused.
- R13 close_by is an integer Unix time, for single_use QRs only [create] (Watch Out), at least 15 minutes after the
  gateway's now ([sdk], [entity]; [create] now says 2 minutes: stricter) and at most 2 hours after it ([create]:
  "maximum of 2 hours", a later close_by is cut to 2 hours; the fake refuses it: stricter). This also keeps it
  within 946684800…4765046400 and below 2147483647 [create], [entity]. `clock_skew` puts the fake's clock ahead
  of (or behind) the desk's.
- R14 notes is an object of at most 15 pairs, each value at most 256 characters [create], [sdk]; keys are strings
  of at most 256 characters and values strings or integers ([sdk] types: string | number; stricter).

Fetch (GET /v1/payments/qr_codes/{id}), fetch payments (GET …/{id}/payments), close (POST …/{id}/close)
- R15 an id that is not qr_ and 14 letters or digits → "{id} is not a valid id" [fetch], [payments] (Errors);
  a well-formed id this account never made → "The id provided does not exist" [fetch], [close] (Errors).
- R16 fetch payments takes only from, to, count and skip as query parameters, integers; count 1…100, default 10;
  skip ≥ 0 [payments]; it returns at most `count` payments, so a caller that wants them all pages with skip.
  Anything else → "{name} is/are not required and should not be sent" (stricter: undocumented).
- R17 closing a closed QR → 400 "QR code is already closed" (the refusal is Razorpay's; its wording is not in
  [close]).
- R18 a QR whose close_by has passed on the gateway's clock reads closed by itself (close_reason null: [entity]
  names no reason for it), like the fake's `expire()`.

Fetch all payments (GET /v1/payments: the close-of-day reconciliation; R1–R3 apply)
- R19 only from, to, count and skip, integers, each at most once; count 1…100, default 10 ("By default, only the
  last 10 records are displayed"); skip ≥ 0, default 0 [list] (as R16; `expand[]` is refused too: the desk never
  asks for card details, so stricter).
- R20 from and to are unix timestamps in seconds between 946684800 and 4765046400 ([list]: "from must be between
  946684800 and 4765046400"): milliseconds and dates are refused, and so is from after to (stricter).
- R21 [list] says "created after" from and "created before" to without saying whether the ends count: the fake
  leaves both ends out (the stricter reading), so a client that needs them must widen the range itself.
- R22 the answer is {"entity": "collection", "count": n, "items": [...]}, newest first, payments of every status
  (created, authorized, captured, refunded, failed) [list]: the client picks the captured ones; payments on no
  QR (a payment link, the website) are listed too (`add_payment`).
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from homa_desk.domain import upi
from tests.gateways.razorpay_rules import DEFAULT_PAGE, create_refusal, page_params

TIMESTAMP_RANGE = (946684800, 4765046400)  # R20

KEY_ID = "rzp_test_fakekey"
KEY_SECRET = "fake-secret-not-real"
FAKE_VPA = "homa.fake@razorpay"


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
    def __init__(self, *, key_id: str = KEY_ID, key_secret: str = KEY_SECRET, image_content: bool = True,
                 clock_skew: float = 0.0) -> None:
        self.key_id = key_id
        self.key_secret = key_secret
        self.image_content = image_content  # whether created QRs carry their UPI intent string
        self.clock_skew = clock_skew  # seconds the gateway's clock is ahead of this machine's (R13, R18)
        self.qrs: dict[str, FakeQr] = {}
        self.other_payments: list[dict[str, Any]] = []  # money that reached the account on no QR (add_payment)
        self.requests: list[LoggedRequest] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._rrns = itertools.count(412345678901)  # one UTR per payment, as banks give: the desk keeps them unique
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
            self._close_if_due(qr)
            number = len(qr.payments) + 1
            payment = {
                "id": f"pay_{qr_id[3:]}{number:03d}", "entity": "payment",
                "amount": qr.data["payment_amount"] if amount_paise is None else amount_paise,
                "currency": currency, "status": status, "method": "upi", "vpa": vpa, "captured": status == "captured",
                "acquirer_data": {"rrn": str(next(self._rrns))}, "created_at": int(self.now()),
            }
            qr.payments.append(payment)
            if status == "captured":
                qr.data["payments_amount_received"] += payment["amount"]
                qr.data["payments_count_received"] += 1
                if qr.data["status"] == "active" and qr.data["usage"] == "single_use":
                    qr.data.update(status="closed", close_reason="paid", closed_at=int(self.now()))
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
            data["close_by"] = int(self.now()) - 1
            if data["status"] == "active":
                data.update(status="closed", close_reason=None, closed_at=int(self.now()))

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
                "created_at": int(self.now()) if created_at is None else created_at, "notes": [],
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
        parsed: Any = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = _NOT_JSON
        status, extra, payload = self._dispatch(method, path, headers, parsed)
        with self._lock:
            self.requests.append(LoggedRequest(method, path, status, parsed if isinstance(parsed, dict) else None))
        return status, extra, payload

    def now(self) -> float:
        """The gateway's clock: the desk's plus `clock_skew` seconds."""
        return time.time() + self.clock_skew

    def _dispatch(self, method: str, path: str, headers: Any, body: Any) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(path)
        if method == "GET" and url.path.startswith("/images/"):
            return self._image(url.path.removeprefix("/images/").removesuffix(".png"))
        if headers.get("Authorization") != "Basic " + base64.b64encode(
                f"{self.key_id}:{self.key_secret}".encode()).decode():
            return _error(401, "The api key provided is invalid")  # R1
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
        if url.path.rstrip("/") == "/v1/payments":
            return self._list_payments(method, url.query)
        parts = url.path.strip("/").split("/")
        if parts[:3] != ["v1", "payments", "qr_codes"] or len(parts) > 5:
            return _not_found()
        rest = parts[3:]
        if not rest:
            return self._create(body) if method == "POST" and not url.query else _not_found()
        route = (method, tuple(rest[1:]))
        if route not in {("GET", ()), ("GET", ("payments",)), ("POST", ("close",))}:
            return _not_found()
        if body is not None:
            fields = ", ".join(body) if isinstance(body, dict) else "body"
            return _error(400, f"{fields} is/are not required and should not be sent")  # R4
        if url.query and route != ("GET", ("payments",)):
            return _error(400, f"{', '.join(parse_qs(url.query, keep_blank_values=True))} is/are not required "
                               "and should not be sent")
        qr_id = rest[0]
        if not _QR_ID.fullmatch(qr_id):
            return _error(400, f"{qr_id} is not a valid id", field="id")  # R15
        with self._lock:
            qr = self.qrs.get(qr_id)
            if qr is None:
                return _error(400, "The id provided does not exist", field="id")
            self._close_if_due(qr)
            if route == ("GET", ()):
                return _json(dict(qr.data))
            if route == ("GET", ("payments",)):
                return self._payments(qr, url.query)
            if qr.data.get("status") != "active":
                return _error(400, "QR code is already closed")  # R17
            qr.data.update(status="closed", close_reason="on_demand", closed_at=int(self.now()))
            return _json(dict(qr.data))

    def _close_if_due(self, qr: FakeQr) -> None:
        """R18: Razorpay closes a QR by itself once close_by has passed on its clock."""
        close_by = qr.data.get("close_by")
        if qr.data.get("status") == "active" and isinstance(close_by, int) and close_by <= self.now():
            qr.data.update(status="closed", close_reason=None, closed_at=close_by)

    def _payments(self, qr: FakeQr, query: str) -> tuple[int, dict[str, str], bytes]:
        params, refusal = page_params(query)
        if refusal is not None:
            return _error(400, refusal[0], field=refusal[1])
        items = [dict(p) for p in qr.payments
                 if params.get("from", 0) <= p["created_at"] <= params.get("to", p["created_at"])]
        skip = params.get("skip", 0)
        page = items[skip:skip + params.get("count", DEFAULT_PAGE)]
        return _json({"entity": "collection", "count": len(page), "items": page})

    def _list_payments(self, method: str, query: str) -> tuple[int, dict[str, str], bytes]:
        """GET /v1/payments: R19–R22."""
        if method != "GET":
            return _not_found()
        params, refusal = page_params(query)
        if refusal is not None:
            return _error(400, refusal[0], field=refusal[1])
        low, high = TIMESTAMP_RANGE
        for name in ("from", "to"):
            if name in params and not low <= params[name] <= high:
                return _error(400, f"{name} must be between {low} and {high}", field=name)
        if params.get("from", low) > params.get("to", high):
            return _error(400, "from must be before to", field="from")
        with self._lock:
            every = [p for qr in self.qrs.values() for p in qr.payments] + self.other_payments
            after, before = params.get("from", low - 1), params.get("to", high + 1)
            chosen = [dict(p) for p in every if after < p["created_at"] < before]
        chosen.sort(key=lambda p: (p["created_at"], p["id"]), reverse=True)
        skip = params.get("skip", 0)
        page = chosen[skip:skip + params.get("count", DEFAULT_PAGE)]
        return _json({"entity": "collection", "count": len(page), "items": page})

    def _create(self, body: Any) -> tuple[int, dict[str, str], bytes]:
        refusal = create_refusal(body, self.now())
        if refusal is not None:
            description, field_name = refusal
            return _error(400, description, field=field_name)
        with self._lock:
            qr_id = f"qr_{self._run}{next(self._ids):06d}"
            fixed = body.get("fixed_amount") is True
            data = {
                "id": qr_id, "entity": "qr_code", "created_at": int(self.now()), "name": body.get("name"),
                "usage": body["usage"], "type": "upi_qr", "image_url": f"{self.base_url}/images/{qr_id}.png",
                "payment_amount": body["payment_amount"] if fixed else None, "status": "active",
                "description": body.get("description"), "fixed_amount": fixed, "payments_amount_received": 0,
                "payments_count_received": 0, "notes": body.get("notes") or {}, "customer_id": None,
                "close_by": body.get("close_by"), "closed_at": None, "close_reason": None,
            }
            if self.image_content and fixed:
                data["image_content"] = self.upi_link(qr_id, body["payment_amount"])
            self.qrs[qr_id] = FakeQr(data)
        return _json(data)

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


_NOT_JSON = object()  # a body that was sent but is not JSON
_QR_ID = re.compile(r"qr_[A-Za-z0-9]{14}")


def _not_found() -> tuple[int, dict[str, str], bytes]:
    return _error(400, "The requested URL was not found on the server.")  # R3



def _json(data: dict[str, Any], status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(data).encode()


def _error(status: int, description: str, code: str = "BAD_REQUEST_ERROR", *,
           field: str | None = None) -> tuple[int, dict[str, str], bytes]:
    """R2: Razorpay's error shape."""
    return _json({"error": {"code": code, "description": description, "field": field, "source": "business",
                            "step": "NA", "reason": "input_validation_failed" if status == 400 else "NA",
                            "metadata": {}}}, status)


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
