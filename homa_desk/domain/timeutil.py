"""Timezone-aware time: stored in UTC, shown in Asia/Kolkata."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CLINIC_TZ = ZoneInfo("Asia/Kolkata")


def utcnow() -> datetime:
    return datetime.now(UTC)


def to_local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: every timestamp in Homa Desk carries its timezone")
    return moment.astimezone(CLINIC_TZ)


def format_local_time(moment: datetime) -> str:
    return to_local(moment).strftime("%d %b %Y, %I:%M %p")
