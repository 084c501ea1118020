"""WhatsApp through Meta's Cloud API (Graph API, bearer token): business-initiated messages as approved templates.

Why Meta's Cloud API and not Twilio's WhatsApp sender: a desk has no public URL. Meta lets the desk upload the
receipt PDF itself (POST /{phone-number-id}/media, multipart) and send it as a document by the returned media id;
Twilio's WhatsApp media must be fetched by Twilio from a public MediaUrl. The price of the choice: Meta reports
delivery only by webhook, which a desk cannot receive, so a WhatsApp message's status stays "accepted by WhatsApp"
(README, Messages). Every message goes as a template, so the 24-hour customer-service window never applies (free
text outside it is refused, error 131047).

Meta has no idempotency key: a timeout after the message request went out is not retry-safe (it may have gone). An
upload that times out is retry-safe: nothing reached the patient, and an unused media id expires.
"""

from __future__ import annotations

from typing import Any

import requests

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import SEND_TIMEOUT, Attachment, Outgoing, SendError

GRAPH_URL = "https://graph.facebook.com"
GRAPH_VERSION = "v21.0"
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})  # Meta's throughput and spam rate limits


class WhatsAppCloud:
    channel = Channel.WHATSAPP

    def __init__(self, phone_number_id: str, access_token: str, *, base_url: str = GRAPH_URL,
                 api_version: str = GRAPH_VERSION, timeout: tuple[float, float] = SEND_TIMEOUT) -> None:
        self._url = f"{base_url.rstrip('/')}/{api_version}/{phone_number_id}"
        self._headers = {"Authorization": f"Bearer {access_token}"}
        self._timeout = timeout

    def send(self, message: Outgoing) -> str | None:
        if not message.template:
            raise SendError("WhatsApp from the desk goes only as an approved template; this message has none",
                            retry_safe=False, refused=True)
        components: list[dict[str, Any]] = []
        for attachment in message.attachments[:1]:
            components.append({"type": "header", "parameters": [
                {"type": "document", "document": {"id": self.upload(attachment), "filename": attachment.filename}}]})
        if message.variables:
            components.append({"type": "body", "parameters": [{"type": "text", "text": v} for v in message.variables]})
        body = {"messaging_product": "whatsapp", "recipient_type": "individual",
                "to": message.recipient.lstrip("+"), "type": "template",
                "template": {"name": message.template, "language": {"code": message.language or "en"},
                             "components": components}}
        try:
            response = requests.post(f"{self._url}/messages", json=body, headers=self._headers, timeout=self._timeout)
        except requests.ReadTimeout:
            raise SendError("WhatsApp did not answer in time; the message may have gone", retry_safe=False) from None
        except requests.RequestException as error:
            raise SendError(f"WhatsApp unreachable ({type(error).__name__})", retry_safe=True) from None
        answer = _json(response)
        if response.status_code != 200:
            raise graph_error(response.status_code, answer)
        try:
            return str(answer["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            return None

    def upload(self, attachment: Attachment) -> str:
        """The file uploaded to Meta; its media id, valid for 30 days."""
        try:
            response = requests.post(f"{self._url}/media", headers=self._headers, timeout=self._timeout,
                                     data={"messaging_product": "whatsapp", "type": attachment.mime_type},
                                     files={"file": (attachment.filename, attachment.content, attachment.mime_type)})
        except requests.RequestException as error:
            raise SendError(f"WhatsApp media upload failed ({type(error).__name__})", retry_safe=True) from None
        answer = _json(response)
        if response.status_code != 200 or not answer.get("id"):
            raise graph_error(response.status_code, answer, "WhatsApp media upload")
        return str(answer["id"])


def graph_error(status: int, answer: dict[str, Any], what: str = "WhatsApp") -> SendError:
    """Meta's error object ({"error": {"code", "message", "error_data": {"details"}}}) as a SendError: 5xx and the
    rate limits are retried; any other refusal is final, and the message may go by the fallback channel."""
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    code = error.get("code")
    details = (error.get("error_data") or {}).get("details", "") if isinstance(error.get("error_data"), dict) else ""
    text = f"{what} answered {status}: ({code}) {error.get('message', '')}" + (f" — {details}" if details else "")
    retry = status >= 500 or status == 429 or code in RATE_LIMIT_CODES
    return SendError(text[:400], retry_safe=retry, refused=not retry)


def _json(response: requests.Response) -> dict[str, Any]:
    try:
        value = response.json()
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
