"""A local Exotel on 127.0.0.1 that enforces what Exotel and DLT document for Send SMS, and records what arrived.

Rules, each with its source:
1. `POST /v1/Accounts/<sid>/Sms/send.json` with HTTP basic auth `<api_key>:<api_token>`; anything else is a 401
   `{"RestException": {"Status": 401, "Message": "Authentication failed…", "Code": "UNAUTHORIZED"}}`
   (developer.exotel.com/docs/sms-api/api-reference/send-sms; …/docs/sms-support/sms-api-errors).
   `fail_next(n, 200)` makes the next sends answer 200 without a Sid (an answer the desk must survive).
2. From, To and Body are mandatory, Body at most 2000 characters: else 400 (send-sms, "Request Parameters").
3. DltEntityId is mandatory for an Indian number and must be the account's registered entity: else 400
   (send-sms: "DltEntityId | Mandatory (India)"; "pass this as DltEntityId in every SMS request").
4. From must be the DLT header linked to the template: else 400 ("If your account doesn't have a valid Sender ID
   against the SMS body, API will return HTTP 400", developer.exotel.com/api/sms).
5. Body must match the registered text of DltTemplateId exactly, each `{#var#}` standing for at most 30 characters
   with no line break (TRAI DLT content templates; MSG91 documents 40, the desk keeps to 30). A mismatch is taken
   (200) but never delivered: the message is recorded in `blocked` as FAILED_DLT_TEMPLATE (23082), as operators'
   scrubbing does (developer.exotel.com/docs/sms-api/api-reference/status-codes).
6. A Body with characters outside GSM-7 needs EncodingType=unicode, else it is blocked as garbled ("EncodingType
   | plain (default) or unicode", send-sms).
7. `GET /v1/Accounts/<sid>/SMS/Messages/<SmsSid>.json` (SMS Details, same basic auth) answers `{"SMSMessage":
   {"Sid", "Status", "DetailedStatusCode", "DetailedStatus", …}}`, 404 `RestException` for a Sid this account never
   sent (developer.exotel.com/docs/sms-api/api-reference/sms-details; error-codes: "404 Not Found | Resource does
   not exist"). A message stays `submitted` (21020) until `settle()`: then what was delivered is `sent` with 20005
   DELIVERED_TO_HANDSET and what operators blocked is `failed` with 23082 FAILED_DLT_TEMPLATE (status-codes).
8. Answers: 200 `{"SMSMessage": {"Sid", "Status": "queued", …}}`; `fail_next` answers 429 or 5xx as a
   `RestException` (sms-api-errors lists 429 Too Many Requests, 500, 502, 503); `stall_next` delays the answer.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from homa_desk.domain.sms_segments import is_gsm7
from tests.fake_messaging import HttpStandIn

ACCOUNT_SID = "homaclinic1"
API_KEY = "exotel-key-not-real-11"
API_TOKEN = "exotel-token-not-real-22"
ENTITY_ID = "1201159100000000001"
HEADER = "HOMACL"
VARIABLE_LIMIT = 30


@dataclass
class FakeExotel(HttpStandIn):
    templates: dict[str, str] = field(default_factory=dict)  # DLT template id -> registered text
    delivered: list[dict[str, str]] = field(default_factory=list)
    blocked: list[dict[str, str]] = field(default_factory=list)
    requests: int = 0
    _faults: list[list] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._serve(_handler(self))

    def register(self, template_id: str, text: str) -> None:
        self.templates[template_id] = text


    def settle(self) -> None:
        """The operators' delivery reports arrive: delivered to the handset, or failed with the DLT reason."""
        with self._lock:
            for record in self.delivered:
                record.update(Status="sent", DetailedStatusCode="20005", DetailedStatus="DELIVERED_TO_HANDSET")
            for record in self.blocked:
                code = "23082" if record["DetailedStatus"] == "FAILED_DLT_TEMPLATE" else "23185"
                record.update(Status="failed", DetailedStatusCode=code)

    def record(self, sid: str) -> dict[str, str] | None:
        with self._lock:
            return next((r for r in self.delivered + self.blocked if r["Sid"] == sid), None)

    def matches(self, template_id: str, body: str) -> bool:
        text = self.templates.get(template_id)
        if text is None:
            return False
        pattern = f"[^\\r\\n]{{0,{VARIABLE_LIMIT}}}".join(re.escape(part) for part in text.split("{#var#}"))
        return re.fullmatch(pattern, body) is not None


def _handler(fake: FakeExotel) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            fault = fake.take_fault()
            if fault and fault[0] == "stall":
                time.sleep(fault[2])
            if fault and fault[0] == "fail":
                return self._refuse(fault[2], "Too Many Requests" if fault[2] == 429 else "Internal Server Error")
            prefix = f"/v1/Accounts/{ACCOUNT_SID}/SMS/Messages/"
            if not (self.path.startswith(prefix) and self.path.endswith(".json")):
                return self._refuse(404, "Not Found")
            if not self._authorised():
                return self._refuse(401, "Authentication failed. Invalid API Key or Token.", "UNAUTHORIZED")
            record = fake.record(self.path[len(prefix):-len(".json")])
            if record is None:
                return self._refuse(404, "SMS not found")
            self._json(200, {"SMSMessage": {
                "Sid": record["Sid"], "AccountSid": ACCOUNT_SID, "From": record["From"], "To": record["To"],
                "Body": record["Body"], "Status": record.get("Status", "submitted"),
                "DetailedStatusCode": int(record.get("DetailedStatusCode", "21020")),
                "DetailedStatus": record.get("DetailedStatus", "PENDING_ON_OPERATOR")
                if "Status" in record else "PENDING_ON_OPERATOR"}})

        def _authorised(self) -> bool:
            expected = "Basic " + base64.b64encode(f"{API_KEY}:{API_TOKEN}".encode()).decode()
            return self.headers.get("Authorization") == expected

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = fake.take_fault()
            if fault and fault[0] == "stall":
                time.sleep(fault[2])
            if fault and fault[0] == "fail" and fault[2] == 200:
                return self._json(200, {"SMSMessage": {"Status": "queued"}})  # taken, but no Sid came back
            if fault and fault[0] == "fail":
                return self._refuse(fault[2], "Too Many Requests" if fault[2] == 429 else "Internal Server Error")
            if self.path != f"/v1/Accounts/{ACCOUNT_SID}/Sms/send.json":
                return self._refuse(404, "Not Found")
            if not self._authorised():
                return self._refuse(401, "Authentication failed. Invalid API Key or Token.", "UNAUTHORIZED")
            form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
            missing = [name for name in ("From", "To", "Body") if not form.get(name)]
            if missing:
                return self._refuse(400, f"Missing parameter {missing[0]}")
            if len(form["Body"]) > 2000:
                return self._refuse(400, "Body exceeds 2000 characters")
            if form["To"].startswith("+91") and form.get("DltEntityId") != ENTITY_ID:
                return self._refuse(400, "DltEntityId missing or not registered")
            if form["From"] != HEADER:
                return self._refuse(400, "Invalid Sender ID for the SMS body")
            sid = f"{next(fake._ids):032x}"
            record = {**form, "Sid": sid}
            if not fake.matches(form.get("DltTemplateId", ""), form["Body"]):
                record["DetailedStatus"] = "FAILED_DLT_TEMPLATE"
            elif not is_gsm7(form["Body"]) and form.get("EncodingType") != "unicode":
                record["DetailedStatus"] = "GARBLED_PLAIN_ENCODING"
            with fake._lock:
                (fake.blocked if "DetailedStatus" in record else fake.delivered).append(record)
            self._json(200, {"SMSMessage": {"Sid": sid, "AccountSid": ACCOUNT_SID, "To": form["To"],
                                            "From": form["From"], "Body": form["Body"], "Status": "queued",
                                            "DltEntityId": form.get("DltEntityId"),
                                            "DltTemplateId": form.get("DltTemplateId")}})

        def _refuse(self, status: int, message: str, code: str | int = "") -> None:
            self._json(status, {"RestException": {"Status": status, "Message": message, "Code": code or status}})

        def _json(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler
