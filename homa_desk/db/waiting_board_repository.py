"""The waiting room screen's one statement: the clinic's board settings and, per doctor, who is in and the next few
tokens. A screen polls it every second or two, so it reads each doctor's day through the (doctor_id, day, token)
index, and reads a patient's first name only when the clinic allows it (never the full name)."""

from __future__ import annotations

from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from homa_desk.domain.waiting_room import BoardCall, BoardLanguage, BoardSettings, DoctorLine, WaitingBoard

LANGUAGE_KEY = "waiting_board_language"
FIRST_NAME_KEY = "waiting_board_first_name"

_BOARD = """
WITH shown AS (
    SELECT (SELECT value #>> '{}' FROM clinic_settings WHERE key = :language_key) AS language,
           coalesce((SELECT value = 'true'::jsonb FROM clinic_settings WHERE key = :first_name_key), false)
               AS first_names),
entries AS (
    SELECT d.id AS doctor_id, d.full_name AS doctor_name, p.room, e.*
    FROM users d
    LEFT JOIN doctor_profiles p ON p.user_id = d.id
    CROSS JOIN LATERAL (
        SELECT q.id AS entry_id, q.appointment_id, q.token, q.state::text AS state, q.called_at, q.arrived_at,
               row_number() OVER (PARTITION BY q.state ORDER BY q.arrived_at, q.token) AS place,
               count(*) FILTER (WHERE q.state = 'waiting') OVER () AS waiting
        FROM queue_entries q
        WHERE q.doctor_id = d.id AND q.day = :day AND q.state IN ('waiting', 'in_consultation')) e
    WHERE d.role = 'doctor')
SELECT s.language, s.first_names, e.doctor_id, e.doctor_name, e.room, e.entry_id, e.token, e.state, e.called_at,
       e.waiting,
       CASE WHEN s.first_names AND e.state = 'in_consultation' THEN split_part(btrim(u.full_name), ' ', 1)
       END AS first_name
FROM shown s
LEFT JOIN entries e ON e.state = 'in_consultation' OR e.place <= :next
LEFT JOIN appointments a ON a.id = e.appointment_id
LEFT JOIN users u ON u.id = a.patient_id
ORDER BY lower(e.doctor_name), e.doctor_id, e.state, e.arrived_at, e.token
"""


def _line(rows: list[Any]) -> DoctorLine:
    first = rows[0]
    current = next((BoardCall(entry_id=r.entry_id, doctor_id=r.doctor_id, doctor_name=r.doctor_name, room=r.room,
                              token=r.token, called_at=r.called_at, first_name=r.first_name or None)
                    for r in rows if r.state == "in_consultation"), None)
    return DoctorLine(doctor_id=first.doctor_id, doctor_name=first.doctor_name, room=first.room, current=current,
                      next_tokens=tuple(r.token for r in rows if r.state == "waiting"), waiting=int(first.waiting))


class WaitingBoardRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def board(self, day: date, next_tokens: int) -> WaitingBoard:
        """Every doctor with someone in or waiting on `day`, by name; the settings even when nobody is."""
        rows = self._session.execute(text(_BOARD), {"day": day, "next": next_tokens, "language_key": LANGUAGE_KEY,
                                                    "first_name_key": FIRST_NAME_KEY}).all()
        settings = BoardSettings(BoardLanguage.of(rows[0].language), bool(rows[0].first_names))
        doctors = tuple(_line(list(group)) for _, group in
                        groupby((r for r in rows if r.doctor_id is not None), key=lambda r: r.doctor_id))
        return WaitingBoard(settings, doctors)
