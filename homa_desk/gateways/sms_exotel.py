"""SMS through Exotel's Send SMS API, which takes the DLT fields explicitly (developer.exotel.com, "Send SMS").

`POST {base}/v1/Accounts/{account_sid}/Sms/send.json`, form-encoded, HTTP basic auth with the API key and token;
`base` is https://api.exotel.com (Singapore cluster) or https://api.in.exotel.com (Mumbai). The desk passes From
(the DLT sender header), To, Body (the registered template, filled), DltEntityId, DltTemplateId, EncodingType
(plain or unicode) and SmsType=transactional (Exotel: "OTP or Service Implicit content", which appointment and
payment messages are). A refusal is a JSON `RestException` with Status, Message and Code.

Exotel has no idempotency key either: a read timeout after the request went out is not retry-safe.
"""

from __future__ import annotations

import requests

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import SEND_TIMEOUT, Outgoing, SendError, http_error

SINGAPORE = "https://api.exotel.com"
MUMBAI = "https://api.in.exotel.com"


class ExotelSms:
    channel = Channel.SMS

    def __init__(self, account_sid: str, api_key: str, api_token: str, *, base_url: str = SINGAPORE,
                 timeout: tuple[float, float] = SEND_TIMEOUT) -> None:
        self._auth = (api_key, api_token)
        self._url = f"{base_url.rstrip('/')}/v1/Accounts/{account_sid}/Sms/send.json"
        self._timeout = timeout

    def send(self, message: Outgoing) -> str | None:
        if message.dlt is None:
            raise SendError("Exotel is set up here for Indian numbers under DLT only", retry_safe=False)
        form = {"From": message.dlt.header, "To": message.recipient, "Body": message.body,
                "DltEntityId": message.dlt.entity_id, "DltTemplateId": message.dlt.template_id,
                "EncodingType": "unicode" if message.dlt.unicode else "plain", "SmsType": "transactional"}
        try:
            response = requests.post(self._url, data=form, auth=self._auth, timeout=self._timeout)
        except requests.ReadTimeout:
            raise SendError("Exotel did not answer in time; the SMS may have gone", retry_safe=False) from None
        except requests.RequestException as error:
            raise SendError(f"Exotel unreachable ({type(error).__name__})", retry_safe=True) from None
        if response.status_code not in (200, 202):
            raise http_error("Exotel", response.status_code, _detail(response))
        try:
            return str(response.json()["SMSMessage"]["Sid"])
        except (ValueError, KeyError, TypeError):
            return None


def _detail(response: requests.Response) -> str:
    try:
        error = response.json()["RestException"]
        return f"{error.get('Code', '')} {error.get('Message', '')}".strip()
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.text[:200]
