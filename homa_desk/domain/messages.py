"""A text the services hand the desk to show (not an error): an English key with `{name}` placeholders and its
values, so the desk can show it in its own language (ui/common/service_text.py); str() is the English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Message:
    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.key.format(**self.params) if self.params else self.key
