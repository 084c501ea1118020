"""The waiting room board: who is in with each doctor, the next tokens, rooms, and what it shows of a patient."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text

from homa_desk.domain.appointments import local_day
from homa_desk.domain.doctors import ProfileChanges, validate_profile
from homa_desk.domain.errors import FormErrors, PermissionDenied, ValidationError
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.waiting_room import BoardLanguage, announcement
from homa_desk.services import doctors, queue, waiting_room
from tests.services.waiting_room_helpers import a_doctor, busy_morning


def today():  # type: ignore[no-untyped-def]
    return local_day(utcnow())


def test_the_board_shows_each_doctors_patient_in_and_next_four_tokens(uow, engine, admin, receptionist):
    clinic = busy_morning(uow, engine, admin, receptionist)
    board = waiting_room.waiting_board(uow, receptionist, today())
    assert board.now_calling is None
    assert [(d.doctor_name, d.room, d.next_tokens, d.waiting) for d in board.doctors] == [
        ("Arjun Rao", None, (1, 2), 2), ("Dr. Shilpa Hegde", "2", (1, 2, 3, 4), 6)]

    queue.call_next(uow, receptionist, clinic.shilpa.user_id)
    queue.call_next(uow, receptionist, clinic.arjun.user_id)
    queue.call_next(uow, receptionist, clinic.shilpa.user_id)
    board = waiting_room.waiting_board(uow, receptionist, today())
    shilpa = board.doctors[1]
    assert shilpa.current.token == 2 and shilpa.next_tokens == (3, 4, 5, 6) and shilpa.waiting == 4
    assert (board.now_calling.token, board.now_calling.doctor_name, board.now_calling.room) == (2, "Dr. Shilpa Hegde",
                                                                                               "2")
    assert board.now_calling.first_name is None  # the clinic has not allowed names
    assert announcement("en", board.now_calling) == "Token 2, please go to Dr. Shilpa Hegde, Room 2."
    assert announcement("hi", board.doctors[0].current) == "टोकन 1, कृपया डॉ. Arjun Rao के पास जाइए।"


def test_a_new_call_is_new_once(uow, engine, admin, receptionist):
    clinic = busy_morning(uow, engine, admin, receptionist)
    seen = {call.key for call in waiting_room.waiting_board(uow, receptionist, today()).calls}
    queue.call_next(uow, receptionist, clinic.shilpa.user_id)
    board = waiting_room.waiting_board(uow, receptionist, today())
    assert [call.token for call in board.new_calls(seen)] == [1]
    seen |= {call.key for call in board.calls}
    assert waiting_room.waiting_board(uow, receptionist, today()).new_calls(seen) == ()


def test_the_first_name_only_when_the_clinic_allows_it_and_never_more(uow, engine, admin, receptionist):
    clinic = busy_morning(uow, engine, admin, receptionist)
    queue.call_next(uow, receptionist, clinic.shilpa.user_id)
    assert waiting_room.waiting_board(uow, receptionist, today()).now_calling.first_name is None
    settings = waiting_room.set_board_settings(uow, admin, "hi", True)
    assert settings.language is BoardLanguage.HINDI and settings.show_first_name
    board = waiting_room.waiting_board(uow, receptionist, today())
    assert board.settings == settings and board.now_calling.first_name == "Priya"
    assert announcement("en", board.now_calling) == "Token 1, Priya, please go to Dr. Shilpa Hegde, Room 2."
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT before, after FROM audit_log WHERE action = 'waiting_board_settings_set'"
                                    )).one()
    assert audited.after == {"language": "hi", "first_name": True} and audited.before["first_name"] is None


def test_board_settings_are_the_admins_and_checked(uow, admin, receptionist):
    assert waiting_room.board_settings(uow, receptionist).language is BoardLanguage.ENGLISH
    with pytest.raises(PermissionDenied):
        waiting_room.set_board_settings(uow, receptionist, "hi", False)
    with pytest.raises(ValidationError, match="English, Hindi or both"):
        waiting_room.set_board_settings(uow, admin, "ta", False)
    waiting_room.set_board_settings(uow, admin, "both", False)
    assert waiting_room.board_settings(uow, receptionist).language is BoardLanguage.BOTH


def test_a_doctors_room_is_saved_audited_and_checked(uow, engine, admin, receptionist):
    clinic = busy_morning(uow, engine, admin, receptionist)
    assert doctors.get_doctor(uow, receptionist, clinic.shilpa.user_id).doctor.room == "2"
    with pytest.raises(FormErrors) as refused:
        validate_profile(specialty="ENT", qualification=None, registration_number=None, consultation_fee="300",
                         slot_minutes_text="15", room="Room number twenty-one B")
    assert [e.field for e in refused.value.errors] == ["room"]
    with engine.connect() as conn:
        audited = conn.execute(text("SELECT after FROM audit_log WHERE action = 'doctor_profile_updated'"
                                    " AND entity_id = :id"), {"id": str(clinic.shilpa.user_id)}).scalar_one()
    assert audited["room"] == "2"


def test_the_database_refuses_a_room_with_padding_or_control_characters(engine, uow, admin):
    doctor = a_doctor(uow, admin, "Dr. Shilpa Hegde", "2")
    for bad in (" 2", "", "2\n"):
        with pytest.raises(Exception, match="doctor_profiles_room_shape"), engine.begin() as conn:
            conn.execute(text("UPDATE doctor_profiles SET room = :r WHERE user_id = :id"),
                         {"r": bad, "id": doctor.user_id})


def test_a_hand_built_profile_with_a_bad_room_is_refused_by_the_service(uow, admin):
    doctor = a_doctor(uow, admin, "Dr. Shilpa Hegde", None)
    with pytest.raises(FormErrors) as refused:
        doctors.update_profile(uow, admin, doctor.user_id, ProfileChanges(
            "General Physician", None, None, Decimal("500"), 15, "OPD\u200b3"))
    assert [e.field for e in refused.value.errors] == ["room"]
    saved = doctors.update_profile(uow, admin, doctor.user_id, ProfileChanges(
        "General Physician", None, None, Decimal("500"), 15, "  OPD   3 "))
    assert saved.doctor.room == "OPD 3"
