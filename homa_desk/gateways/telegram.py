"""Telegram through the Bot API's sendMessage (the token is part of the URL, so errors never quote the URL)."""

from __future__ import annotations

import requests

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import SEND_TIMEOUT, Outgoing, SendError, http_error


class TelegramBot:
    channel = Channel.TELEGRAM

    def __init__(self, token: str, *, base_url: str = "https://api.telegram.org",
                 timeout: tuple[float, float] = SEND_TIMEOUT) -> None:
        self._url = f"{base_url.rstrip('/')}/bot{token}/sendMessage"
        self._timeout = timeout

    def send(self, message: Outgoing) -> str | None:
        try:
            response = requests.post(self._url, json={"chat_id": message.recipient, "text": message.body},
                                     timeout=self._timeout)
        except requests.ReadTimeout:
            raise SendError("Telegram did not answer in time; the message may have gone", retry_safe=False) from None
        except requests.RequestException as error:
            raise SendError(f"Telegram unreachable ({type(error).__name__})", retry_safe=True) from None
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not body.get("ok"):
            raise http_error("Telegram", response.status_code, str(body.get("description", "")))
        return str(body.get("result", {}).get("message_id", "")) or None
