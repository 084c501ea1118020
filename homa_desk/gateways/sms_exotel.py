"""SMS through Exotel's Send SMS API, which takes the DLT fields explicitly (developer.exotel.com, "Send SMS").

`POST {base}/v1/Accounts/{account_sid}/Sms/send.json`, form-encoded, HTTP basic auth with the API key and token;
`base` is https://api.exotel.com (Singapore cluster) or https://api.in.exotel.com (Mumbai). The desk passes From
(the DLT sender header), To, Body (the registered template, filled), DltEntityId, DltTemplateId, EncodingType
(plain or unicode) and SmsType=transactional (Exotel: "OTP or Service Implicit content", which appointment and
payment messages are). A refusal is a JSON `RestException` with Status, Message and Code.

Exotel has no idempotency key either: a read timeout after the request went out is not retry-safe.

Delivery status: a desk cannot receive Exotel's StatusCallback, so it asks the SMS Details API, `GET
{base}/v1/Accounts/{account_sid}/SMS/Messages/{SmsSid}.json` with the same basic auth
(developer.exotel.com/docs/sms-api/api-reference/sms-details). Its `Status` is queued, sending, submitted, sent,
delivered, failed, failed_dnd, expired or undelivered; `DetailedStatusCode` and `DetailedStatus` say why
(developer.exotel.com/docs/sms-support/sms-status-codes: 20005 DELIVERED_TO_HANDSET, 23082 FAILED_DLT_TEMPLATE …).
Exotel's older pages call `sent` final ("Once SMS reaches terminal state (sent/failed/failed_dnd)"), its newer ones
"awaiting handset confirmation", so the desk reads the detailed code: delivered only when the handset confirmed it.
"""

from __future__ import annotations

from urllib.parse import quote

import requests

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import SEND_TIMEOUT, DeliveryStatus, Outgoing, SendError, http_error

SINGAPORE = "https://api.exotel.com"
MUMBAI = "https://api.in.exotel.com"
DELIVERED_TO_HANDSET = {"20000", "20005"}  # the newer and the older status-code pages number it differently
NOT_DELIVERED = {"failed", "failed_dnd", "expired", "undelivered"}


class ExotelSms:
    channel = Channel.SMS

    def __init__(self, account_sid: str, api_key: str, api_token: str, *, base_url: str = SINGAPORE,
                 timeout: tuple[float, float] = SEND_TIMEOUT) -> None:
        self._auth = (api_key, api_token)
        self._url = f"{base_url.rstrip('/')}/v1/Accounts/{account_sid}/Sms/send.json"
        self._details = f"{base_url.rstrip('/')}/v1/Accounts/{account_sid}/SMS/Messages"
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


    def status(self, provider_message_id: str) -> DeliveryStatus:
        """What Exotel's SMS Details API says became of the SMS: delivered, undelivered with Exotel's reason
        ("23082 FAILED_DLT_TEMPLATE"), or still on its way (queued, sending, submitted, sent)."""
        try:
            response = requests.get(f"{self._details}/{quote(provider_message_id, safe='')}.json", auth=self._auth,
                                    timeout=self._timeout)
        except requests.RequestException as error:
            raise SendError(f"Exotel unreachable ({type(error).__name__})", retry_safe=True) from None
        if response.status_code != 200:
            raise http_error("Exotel", response.status_code, _detail(response))
        try:
            message = response.json()["SMSMessage"]
            status = str(message.get("Status") or "").lower()
        except (ValueError, KeyError, TypeError, AttributeError):
            raise SendError("Exotel answered without a status", retry_safe=True) from None
        return delivery_of(status, str(message.get("DetailedStatusCode") or ""),
                           str(message.get("DetailedStatus") or ""))


def delivery_of(status: str, code: str, detailed: str) -> DeliveryStatus:
    """Exotel's Status and detailed status as the desk records them (`delivered` and `undelivered` are final)."""
    reason = f"{code} {detailed}".strip() or None
    if status == "delivered" or (status == "sent" and code in DELIVERED_TO_HANDSET):
        return DeliveryStatus("delivered")
    if status in NOT_DELIVERED:
        return DeliveryStatus("undelivered", reason or status)
    return DeliveryStatus(status or "unknown")


def _detail(response: requests.Response) -> str:
    try:
        error = response.json()["RestException"]
        return f"{error.get('Code', '')} {error.get('Message', '')}".strip()
    except (ValueError, KeyError, TypeError, AttributeError):
        return response.text[:200]
