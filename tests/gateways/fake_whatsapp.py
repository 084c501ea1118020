"""A local stand-in for Meta's WhatsApp Cloud API on 127.0.0.1, enforcing the rules its documentation states.

Rules (sources: Meta for Developers, WhatsApp Cloud API; "…" is developers.facebook.com/docs):
1. Auth: every call carries `Authorization: Bearer <access token>`; a wrong token is HTTP 401 with Graph error code
   190 (OAuthException). — developers.facebook.com/docs/graph-api/guides/error-handling
2. Error shape: {"error": {"message", "type", "code", "error_data": {"messaging_product", "details"}, "fbtrace_id"}}.
   — developers.facebook.com/documentation/business-messaging/whatsapp/support/error-codes
3. POST /{version}/{phone-number-id}/messages takes JSON with messaging_product "whatsapp", `to` and a `type`; the
   answer is {"messaging_product", "contacts": [{"input", "wa_id"}], "messages": [{"id": "wamid…"}]}.
   — …/whatsapp/cloud-api/reference/messages
4. Customer-service window: free-form messages (type "text", "document" …) reach only a user who wrote to the
   business in the last 24 hours; otherwise error 131047 "Re-engagement message". Templates are the only way to start
   a conversation; and only users who opted in may be messaged at all. (Meta may report 131047 synchronously or by
   webhook; this stand-in answers at once.)
   — developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages ("Customer service
   windows"), and the error-codes page above
5. Templates: the name and language must be an approved template (else 132001 "Template name does not exist in
   the translation"); the body's parameters must number exactly its {{n}} placeholders (else 132000 "Number of
   parameters does not match the expected number of params"); a template with a DOCUMENT header needs a document
   parameter (else 132012 "Parameter format does not match format in the created template"); an empty text
   parameter is refused (131008 "Required parameter is missing").
6. Media: POST /{version}/{phone-number-id}/media, multipart/form-data with messaging_product=whatsapp, `file` and
   `type`; a document must be one of the supported types (application/pdf …, at most 100 MB); the answer is
   {"id": "<media id>"}, which a message then names as document.id (an unknown id: 131053 "Media upload error").
   — …/whatsapp/cloud-api/reference/media
7. Rate limits: too many messages is error 130429 ("Rate limit hit"); the stand-in answers it with HTTP 429.

Controls: `approve(name, language, variables, document=False)`, `open_window(number)`, `fail_next(n, status)`,
`stall_next(n, seconds)`, `rate_limit_next(n)`. `messages` and `media` record what arrived.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler

from homa_desk.domain.message_routing import WHATSAPP_VARIABLES
from homa_desk.domain.notifications import Template
from tests.fake_messaging import HttpStandIn

PHONE_NUMBER_ID = "106540352242922"
ACCESS_TOKEN = "EAAG-whatsapp-token-not-real-55"
VERSION = "v21.0"
DOCUMENT_TYPES = frozenset({"application/pdf", "text/plain", "application/msword"})
MAX_DOCUMENT = 100 * 1024 * 1024


@dataclass
class FakeWhatsApp(HttpStandIn):
    messages: list[dict] = field(default_factory=list)
    media: dict[str, dict] = field(default_factory=dict)
    templates: dict[tuple[str, str], tuple[int, bool]] = field(default_factory=dict)
    windows: set[str] = field(default_factory=set)
    requests: int = 0
    _faults: list[list] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._serve(_handler(self))

    def approve(self, name: str, language: str, variables: int, *, document: bool = False) -> None:
        self.templates[(name, language)] = (variables, document)

    def open_window(self, number: str) -> None:
        self.windows.add(number.lstrip("+"))

    def rate_limit_next(self, n: int) -> None:
        with self._lock:
            self._faults.append(["rate", n, 429])



def error_body(code: int, message: str, details: str = "", kind: str = "OAuthException") -> dict:
    return {"error": {"message": f"(#{code}) {message}", "type": kind, "code": code,
                      "error_data": {"messaging_product": "whatsapp", "details": details or message},
                      "fbtrace_id": "AbCdEfFakeTrace"}}


def _handler(fake: FakeWhatsApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            fault = fake.take_fault()
            if fault and fault[0] == "stall":
                time.sleep(fault[2])
            if fault and fault[0] == "fail":
                return self._json(fault[2], error_body(1, "An unknown error occurred", kind="OAuthException"))
            if fault and fault[0] == "rate":
                return self._json(429, error_body(130429, "Rate limit hit",
                                                  "Cloud API message throughput has been reached."))
            if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                return self._json(401, error_body(190, "Invalid OAuth access token - Cannot parse access token"))
            if self.path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages":
                return self._message(body)
            if self.path == f"/{VERSION}/{PHONE_NUMBER_ID}/media":
                return self._upload(body)
            return self._json(400, error_body(100, "Unsupported post request.", kind="GraphMethodException"))

        def _message(self, body: bytes) -> None:
            try:
                data = json.loads(body or b"{}")
            except ValueError:
                return self._json(400, error_body(100, "Invalid parameter", "The body is not JSON."))
            if data.get("messaging_product") != "whatsapp" or not str(data.get("to", "")).isdigit():
                return self._json(400, error_body(100, "Invalid parameter", "messaging_product and to are required"))
            kind = data.get("type", "text")
            if kind != "template" and data["to"] not in fake.windows:
                return self._json(400, error_body(131047, "Re-engagement message",
                                                  "Message failed to send because more than 24 hours have passed "
                                                  "since the customer last replied to this number."))
            if kind == "template":
                refusal = self._check_template(data.get("template") or {})
                if refusal:
                    return self._json(400, refusal)
            wamid = f"wamid.FAKE{fake.next_id():020d}"
            with fake._lock:
                fake.messages.append({**data, "id": wamid})
            self._json(200, {"messaging_product": "whatsapp", "contacts": [{"input": data["to"], "wa_id": data["to"]}],
                             "messages": [{"id": wamid}]})

        def _check_template(self, template: dict) -> dict | None:
            key = (template.get("name"), (template.get("language") or {}).get("code"))
            if key not in fake.templates:
                return error_body(132001, "Template name does not exist in the translation",
                                  f"template name ({key[0]}) does not exist in {key[1]}")
            variables, document = fake.templates[key]
            components = {c.get("type"): c.get("parameters") or [] for c in template.get("components") or []}
            body = components.get("body", [])
            if len(body) != variables:
                return error_body(132000, "Number of parameters does not match the expected number of params",
                                  f"body: number of localizable_params ({len(body)}) does not match the expected "
                                  f"number of params ({variables})")
            if any(not str(p.get("text", "")).strip() for p in body):
                return error_body(131008, "Required parameter is missing", "body text parameter is empty")
            header = components.get("header", [])
            if document:
                if len(header) != 1 or header[0].get("type") != "document":
                    return error_body(132012, "Parameter format does not match format in the created template",
                                      "header: a DOCUMENT parameter is required")
                media_id = (header[0].get("document") or {}).get("id")
                if media_id not in fake.media:
                    return error_body(131053, "Media upload error", f"media id {media_id} was not uploaded")
            return None

        def _upload(self, body: bytes) -> None:
            raw = f"Content-Type: {self.headers.get('Content-Type', '')}\r\n\r\n".encode() + body
            parsed = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
            if not parsed.is_multipart():
                return self._json(400, error_body(100, "Invalid parameter", "multipart/form-data is required"))
            fields: dict[str, object] = {}
            for part in parsed.iter_parts():
                name = part.get_param("name", header="content-disposition")
                fields[name] = part.get_payload(decode=True)
                if part.get_filename():
                    fields["filename"] = part.get_filename()
            product = fields.get("messaging_product", b"")
            mime = (fields.get("type") or b"").decode()
            content = fields.get("file")
            if product != b"whatsapp" or not content:
                return self._json(400, error_body(100, "Invalid parameter", "messaging_product and file are required"))
            if mime not in DOCUMENT_TYPES or len(content) > MAX_DOCUMENT:
                return self._json(400, error_body(131053, "Media upload error", f"unsupported type {mime}"))
            media_id = str(900000 + fake.next_id())
            with fake._lock:
                fake.media[media_id] = {"type": mime, "content": content, "filename": fields.get("filename")}
            self._json(200, {"id": media_id})

        def _json(self, status: int, payload: dict) -> None:
            raw = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    return Handler


def approve_desk_templates(fake: FakeWhatsApp) -> None:
    """The templates the README asks a clinic to submit, in English and Hindi, as Meta would hold them."""
    for template, variables in WHATSAPP_VARIABLES.items():
        for language in ("en", "hi"):
            fake.approve(template.value, language, len(variables), document=template is Template.PAYMENT)
