"""The waiting room screen: whose turn it is, with which doctor and in which room, and who comes next.

The board is read as a whole on every poll; a *call* is one patient put in with a doctor (queue entry and the time
it was called), so a board that sees a call it has not seen before chimes and announces it once, however often it
polls. What the board may show of a patient is the clinic's choice: token and doctor always, the first name only
when the clinic allows it (off by default), never the full name.

Its words are in the clinic's language for the board (English, Hindi, or both in turn), not the desk's: the phrases
are here, in both languages, because the same screen may need both at once.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime

from homa_desk.domain.errors import ValidationError

NEXT_TOKENS = 4  # waiting tokens shown per doctor


class BoardLanguage(enum.StrEnum):
    ENGLISH = "en"
    HINDI = "hi"
    BOTH = "both"  # English and Hindi in turn

    @classmethod
    def of(cls, value: object) -> BoardLanguage:
        """The stored setting, English when it was never set (or is not one of ours)."""
        try:
            return cls(str(value))
        except ValueError:
            return cls.ENGLISH

    @property
    def languages(self) -> tuple[str, ...]:
        return ("en", "hi") if self is BoardLanguage.BOTH else (self.value,)


@dataclass(frozen=True)
class BoardSettings:
    language: BoardLanguage = BoardLanguage.ENGLISH
    show_first_name: bool = False


def board_language(value: object) -> BoardLanguage:
    """A language chosen in Settings; ValidationError for anything else."""
    try:
        return BoardLanguage(str(value))
    except ValueError:
        raise ValidationError("waiting_board_language", "Choose English, Hindi or both.") from None


@dataclass(frozen=True)
class BoardCall:
    """A patient called in: `entry_id` and `called_at` together name the call (a token is called once)."""

    entry_id: int
    doctor_id: int
    doctor_name: str
    room: str | None
    token: int
    called_at: datetime
    first_name: str | None = None  # only when the clinic allows it

    @property
    def key(self) -> tuple[int, datetime]:
        return self.entry_id, self.called_at


@dataclass(frozen=True)
class DoctorLine:
    """One doctor's row: who is in now (if anyone), the next waiting tokens in order and how many wait in all."""

    doctor_id: int
    doctor_name: str
    room: str | None
    current: BoardCall | None
    next_tokens: tuple[int, ...]
    waiting: int


@dataclass(frozen=True)
class WaitingBoard:
    settings: BoardSettings
    doctors: tuple[DoctorLine, ...] = ()

    @property
    def calls(self) -> tuple[BoardCall, ...]:
        return tuple(line.current for line in self.doctors if line.current is not None)

    @property
    def now_calling(self) -> BoardCall | None:
        """The latest call of any doctor: the one the screen shows large."""
        return max(self.calls, key=lambda call: call.called_at, default=None)

    def new_calls(self, seen: set[tuple[int, datetime]]) -> tuple[BoardCall, ...]:
        """The calls not in `seen`, oldest first."""
        return tuple(sorted((c for c in self.calls if c.key not in seen), key=lambda c: c.called_at))


_DOCTOR_TITLE = re.compile(r"^\s*dr\b\.?\s*", re.IGNORECASE)

PHRASES = {
    "en": {"now_calling": "Now calling", "token": "Token {token}", "room": "Room {room}", "doctor": "Dr. {name}",
           "next": "Next", "nobody": "Please wait: your token will be called here",
           "more": "+{count} more", "none_waiting": "—",
           "announce": "Token {token}{name}, please go to {doctor}.",
           "announce_room": "Token {token}{name}, please go to {doctor}, Room {room}."},
    "hi": {"now_calling": "अब बारी", "token": "टोकन {token}", "room": "कमरा {room}", "doctor": "डॉ. {name}",
           "next": "अगले", "nobody": "कृपया प्रतीक्षा करें: आपका टोकन यहाँ बुलाया जाएगा",
           "more": "+{count} और", "none_waiting": "—",
           "announce": "टोकन {token}{name}, कृपया {doctor} के पास जाइए।",
           "announce_room": "टोकन {token}{name}, कृपया कमरा {room} में {doctor} के पास जाइए।"},
}


def phrase(language: str, key: str, **values: object) -> str:
    return PHRASES[language][key].format(**values)


def doctor_label(language: str, name: str) -> str:
    """"Dr. Shilpa Hegde" (or "डॉ. Shilpa Hegde"), whether or not the stored name already starts with Dr."""
    return phrase(language, "doctor", name=_DOCTOR_TITLE.sub("", name).strip() or name)


def announcement(language: str, call: BoardCall) -> str:
    """What the screen says aloud: "Token 12, Priya, please go to Dr. Shilpa Hegde, Room 2."."""
    name = f", {call.first_name}" if call.first_name else ""
    return phrase(language, "announce_room" if call.room else "announce", token=call.token, name=name,
                  doctor=doctor_label(language, call.doctor_name), room=call.room)
