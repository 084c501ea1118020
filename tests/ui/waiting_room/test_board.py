"""The waiting room board: a Call next at another desk shows within two seconds, is chimed and said once, in English
or Hindi as the clinic chose, in type a tenth of the screen high, and nothing runs off a TV's or a laptop's screen."""

from __future__ import annotations

import time

import pytest

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.services import queue, waiting_room
from tests.appointment_helpers import add_patient
from tests.helpers import engine_for
from tests.services.waiting_room_helpers import a_doctor, busy_morning
from tests.ui.waiting_room.board_helpers import WrittenVoice, clipped, counting_announcer, shown_board


@pytest.fixture
def other_desk(db_url):
    """Another computer of the clinic: its own engine, so its own connections."""
    engine = engine_for(db_url)
    yield UnitOfWork(engine)
    engine.dispose()


def test_call_next_at_another_desk_shows_within_two_seconds_chimed_and_said_once(
        qtbot, backend, engine, admin, receptionist, other_desk):
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    announcer, chime, voice = counting_announcer()
    board = shown_board(qtbot, backend, receptionist, announcer=announcer)
    assert board.token.text() == "—" and board.rows[1][3].text() == "Next: 1  2  3  4  +2 more"

    called_at = time.monotonic()
    queue.call_next(other_desk, receptionist, clinic.shilpa.user_id)
    qtbot.waitUntil(lambda: board.token.text() == "Token 1", timeout=2000)
    assert time.monotonic() - called_at < 2
    assert board.doctor.text() == "Dr. Shilpa Hegde · Room 2"
    assert [label.text() for label in board.rows[1]] == ["Dr. Shilpa Hegde", "Room 2", "Token 1",
                                                         "Next: 2  3  4  5  +1 more"]
    polls = board.polls
    qtbot.waitUntil(lambda: board.polls >= polls + 3, timeout=8000)  # polling on, and the call still on the board
    qtbot.waitUntil(lambda: bool(voice.said), timeout=3000)
    assert chime.count == 1
    assert voice.said == [("en", "Token 1, please go to Dr. Shilpa Hegde, Room 2.")]

    queue.call_next(other_desk, clinic.arjun, clinic.arjun.user_id)
    qtbot.waitUntil(lambda: board.doctor.text() == "Dr. Arjun Rao", timeout=2000)
    qtbot.waitUntil(lambda: len(voice.said) == 2, timeout=3000)
    assert chime.count == 2 and voice.said[1] == ("en", "Token 1, please go to Dr. Arjun Rao.")


def test_calls_on_the_board_when_it_opens_are_not_announced(qtbot, backend, engine, admin, receptionist):
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    queue.call_next(UnitOfWork(engine), receptionist, clinic.shilpa.user_id)
    announcer, chime, _voice = counting_announcer()
    board = shown_board(qtbot, backend, receptionist, announcer=announcer)
    assert board.token.text() == "Token 1"
    qtbot.wait(400)
    assert chime.count == 0


def test_two_screens_of_one_desk_announce_a_call_once(qtbot, backend, engine, admin, receptionist, other_desk):
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    announcer, chime, voice = counting_announcer()
    boards = [shown_board(qtbot, backend, receptionist, announcer=announcer) for _ in range(2)]
    queue.call_next(other_desk, receptionist, clinic.shilpa.user_id)
    qtbot.waitUntil(lambda: all(board.token.text() == "Token 1" for board in boards), timeout=2000)
    qtbot.waitUntil(lambda: bool(voice.said), timeout=3000)
    qtbot.wait(300)
    assert chime.count == 1 and len(voice.said) == 1


def test_the_board_in_hindi_with_the_first_name_the_clinic_allowed(qtbot, backend, engine, admin, receptionist,
                                                                   other_desk):
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    waiting_room.set_board_settings(UnitOfWork(engine), admin, "hi", True)
    announcer, chime, voice = counting_announcer(WrittenVoice(("en",)))  # no Hindi voice on this computer
    board = shown_board(qtbot, backend, receptionist, announcer=announcer)
    assert board.heading.text() == "अब बारी"
    queue.call_next(other_desk, receptionist, clinic.shilpa.user_id)
    qtbot.waitUntil(lambda: board.token.text() == "टोकन 1 · Priya", timeout=2000)
    assert board.doctor.text() == "डॉ. Shilpa Hegde · कमरा 2"
    assert [label.text() for label in board.rows[1][1:]] == ["कमरा 2", "टोकन 1", "अगले: 2  3  4  5  +1 और"]
    qtbot.wait(1700)
    assert chime.count == 1 and voice.said == []  # chimed, shown, not spoken: no voice for Hindi


def test_both_languages_take_turns(qtbot, backend, engine, admin, receptionist):
    busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    waiting_room.set_board_settings(UnitOfWork(engine), admin, "both", False)
    announcer, _chime, _voice = counting_announcer()
    board = shown_board(qtbot, backend, receptionist, announcer=announcer, alternate_ms=150)
    qtbot.waitUntil(lambda: board.heading.text() == "Now calling", timeout=2000)
    qtbot.waitUntil(lambda: board.heading.text() == "अब बारी", timeout=2000)
    qtbot.waitUntil(lambda: board.rows[0][0].text() == "Dr. Arjun Rao", timeout=2000)


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
@pytest.mark.parametrize("language", ["en", "hi"])
def test_readable_from_five_metres_and_nothing_runs_off_the_screen(qtbot, laptop, backend, engine, admin,
                                                                   receptionist, size, language):
    uow = UnitOfWork(engine)
    clinic = busy_morning(uow, engine, admin, receptionist)
    third = a_doctor(uow, admin, "Dr. Venkataraghavan Subramaniam", "OPD 12B")
    fourth = a_doctor(uow, admin, "Dr. Lakshmi Narasimhan", "1st floor, B")
    for doctor, patient in ((third, "Kiran Patil"), (fourth, "Meena Rao")):
        queue.add_walk_in(uow, receptionist, add_patient(engine, patient, "+919000000001"), doctor.user_id)
        queue.add_walk_in(uow, receptionist, add_patient(engine, patient + " Jr", "+919000000002"), doctor.user_id)
        queue.call_next(uow, receptionist, doctor.user_id)
    queue.call_next(uow, receptionist, clinic.shilpa.user_id)
    queue.call_next(uow, receptionist, third.user_id)  # the longest name is the one called last
    waiting_room.set_board_settings(uow, admin, language, True)
    announcer, _chime, _voice = counting_announcer()
    board = shown_board(qtbot, backend, receptionist, size, announcer=announcer)
    qtbot.waitUntil(lambda: "Venkataraghavan" in board.doctor.text(), timeout=3000)
    height = size[1]
    assert board.token.fontInfo().pixelSize() >= height / 10
    assert board.doctor.fontInfo().pixelSize() >= height / 20
    assert all(board.rows[row][0].isVisible() for row in range(4))
    qtbot.wait(50)  # each column's lines take one size
    assert min(label.fontInfo().pixelSize() for label in board.rows[0]) >= height / 30
    assert len({label.fontInfo().pixelSize() for label in (row[0] for row in board.rows[:4])}) == 1
    assert clipped(board) == []
