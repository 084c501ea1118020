"""SMS through Twilio's Messages API (form-encoded POST with basic auth: account SID and auth token).

Twilio has no idempotency key, so a timeout after the request went out is reported as not retry-safe.
"""

from __future__ import annotations

import requests

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import SEND_TIMEOUT, DeliveryStatus, Outgoing, SendError, http_error


class TwilioSms:
    channel = Channel.SMS

    def __init__(self, account_sid: str, auth_token: str, from_number: str, *,
                 base_url: str = "https://api.twilio.com", timeout: tuple[float, float] = SEND_TIMEOUT) -> None:
        self._sid = account_sid
        self._token = auth_token
        self._from = from_number
        self._url = f"{base_url.rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        self._timeout = timeout

    def send(self, message: Outgoing) -> str | None:
        try:
            response = requests.post(self._url, data={"To": message.recipient, "From": self._from,
                                                      "Body": message.body},
                                     auth=(self._sid, self._token), timeout=self._timeout)
        except requests.ReadTimeout:
            raise SendError("Twilio did not answer in time; the SMS may have gone", retry_safe=False) from None
        except requests.RequestException as error:
            raise SendError(f"Twilio unreachable ({type(error).__name__})", retry_safe=True) from None
        if response.status_code not in (200, 201):
            raise http_error("Twilio", response.status_code, _detail(response))
        try:
            return str(response.json()["sid"])
        except (ValueError, KeyError):
            return None


    def status(self, provider_message_id: str) -> DeliveryStatus:
        """GET Messages/{Sid}: Twilio's status (queued, sent, delivered, undelivered, failed …) and, when it failed,
        its error code and message. A desk cannot receive Twilio's status callbacks, so it asks."""
        url = self._url.removesuffix(".json") + f"/{provider_message_id}.json"
        try:
            response = requests.get(url, auth=(self._sid, self._token), timeout=self._timeout)
        except requests.RequestException as error:
            raise SendError(f"Twilio unreachable ({type(error).__name__})", retry_safe=True) from None
        if response.status_code != 200:
            raise http_error("Twilio", response.status_code, _detail(response))
        try:
            body = response.json()
        except ValueError:
            raise SendError("Twilio answered without a status", retry_safe=True) from None
        code, text = body.get("error_code"), body.get("error_message")
        error = f"{code} {text or ''}".strip() if code else None
        return DeliveryStatus(str(body.get("status") or "unknown"), error)


def _detail(response: requests.Response) -> str:
    try:
        body = response.json()
        return f"{body.get('code', '')} {body.get('message', '')}".strip()
    except ValueError:
        return response.text[:200]
