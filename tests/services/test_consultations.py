"""The doctor's workstation services on the real database: consultations, completion with the bill and the queue,
allergies, past visits, favourites and templates, follow-ups, the audit log, and who may do what."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text

from homa_desk.domain.appointments import Status, local_day
from homa_desk.domain.consultations import ConsultationDraft, TemperatureUnit, Vitals
from homa_desk.domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.prescriptions import DoseForm, FoodTiming, PrescriptionLine
from homa_desk.domain.queue import QueueState
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import appointments, billing, clinic, consultations, queue, staff
from homa_desk.services.consultations import AllergyConflict
from tests.appointment_helpers import at, next_weekday, with_hours
from tests.helpers import new_staff
from tests.services.consultation_helpers import a_patient, a_visit, with_profile

PARACETAMOL = PrescriptionLine("Paracetamol", "500 mg", DoseForm.TABLET, "1-0-1", "5 days", FoodTiming.AFTER)
AMOXICILLIN = PrescriptionLine("Amoxicillin", "500 mg", DoseForm.CAPSULE, "1-1-1", "5 days", FoodTiming.AFTER)
DRAFT = ConsultationDraft(Vitals(124, 82, 78, Decimal("38.4"), Decimal("61.50"), 97), "Fever for 3 days",
                          "Viral fever", "Plenty of fluids; rest", (PARACETAMOL,))


@pytest.fixture
def visit(uow, engine, admin, doctor):
    with_profile(uow, admin, doctor)
    return a_visit(uow, admin, a_patient(engine), doctor)


@pytest.fixture
def other_doctor(uow, admin):
    return staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()


def audit(engine, action: str) -> list:
    with engine.connect() as conn:
        return conn.execute(text("SELECT before, after FROM audit_log WHERE action = :a ORDER BY id"),
                            {"a": action}).all()


def test_saving_fills_vitals_lines_and_the_design_columns(uow, engine, doctor, visit):
    saved = consultations.save_consultation(uow, doctor, visit, DRAFT)
    assert saved.draft == DRAFT
    assert saved.patient.allergies == "Penicillin" and saved.patient.full_name == "Priya Sharma"
    assert saved.status == "scheduled"
    again = consultations.get_consultation(uow, doctor, visit)
    assert again.draft.vitals.temperature_c == Decimal("38.4") and again.draft.lines == (PARACETAMOL,)
    with engine.connect() as conn:
        row = conn.execute(text("SELECT a.symptoms, c.symptoms, diagnosis, prescription FROM appointments a"
                                " JOIN consultations c ON c.appointment_id = a.id WHERE id = :id"),
                           {"id": visit}).one()
        lines = conn.execute(text("SELECT position, medicine, dose_pattern FROM prescription_lines"
                                  " WHERE appointment_id = :id"), {"id": visit}).all()
    # the doctor's symptoms stay with the consultation; appointments.symptoms is the booking's reason (none here)
    assert tuple(row) == (None, "Fever for 3 days", "Viral fever",
                          "1. Paracetamol 500 mg tablet — 1-0-1 × 5 days, after food")
    assert [tuple(x) for x in lines] == [(1, "Paracetamol", "1-0-1")]
    (before, after), = audit(engine, "consultation_saved")
    assert before["diagnosis"] is None and after["diagnosis"] == "Viral fever"
    assert after["vitals"]["temperature_c"] == "38.4"
    consultations.save_consultation(uow, doctor, visit, DRAFT)  # nothing changed: no second entry
    assert len(audit(engine, "consultation_saved")) == 1


def test_bad_input_is_refused_before_anything_is_stored(uow, doctor, visit):
    bad = ConsultationDraft(lines=(PrescriptionLine("Paracetamol", dose_pattern="one"),),
                            follow_up_on=local_day(utcnow()))
    with pytest.raises(FormErrors) as caught:
        consultations.save_consultation(uow, doctor, visit, bad)
    assert set(caught.value.by_field()) == {"prescription", "follow_up_on"}


def test_completing_marks_the_visit_done_and_bills_it_in_one_go(uow, engine, admin, doctor, visit, receptionist):
    queue.call_next(uow, doctor, doctor.user_id)
    done = consultations.complete_consultation(uow, doctor, visit, DRAFT)
    assert done.consultation.is_completed and done.consultation.completed_at is not None
    assert appointments.get_appointment(uow, receptionist, visit).status is Status.COMPLETED
    assert queue.queue_for(uow, receptionist, doctor.user_id, local_day(utcnow())).entries[0].state is QueueState.DONE
    bill = billing.get_bill(uow, receptionist, done.bill_id)
    assert bill.appointment_id == visit and bill.totals.total == Decimal("500.00")
    assert bill.lines[0].description == "Consultation — Rahul Menon"
    assert billing.consultation_bill(uow, receptionist, visit).id == done.bill_id  # the desk finds the same bill
    assert len(audit(engine, "appointment_completed")) == 1 and len(audit(engine, "bill_created")) == 1
    with pytest.raises(ValidationError, match="already completed"):
        consultations.complete_consultation(uow, doctor, visit, DRAFT)
    corrected = consultations.save_consultation(uow, doctor, visit, ConsultationDraft(diagnosis="Dengue (NS1+)"))
    assert corrected.draft.diagnosis == "Dengue (NS1+)" and corrected.is_completed


def test_a_visit_billed_at_the_desk_first_keeps_its_bill(uow, doctor, visit, receptionist):
    early = billing.consultation_bill(uow, receptionist, visit)
    assert consultations.complete_consultation(uow, doctor, visit, DRAFT).bill_id == early.id


def test_a_failed_completion_leaves_nothing_behind(uow, engine, doctor, visit):
    with pytest.raises(AllergyConflict):
        consultations.complete_consultation(uow, doctor, visit, ConsultationDraft(lines=(AMOXICILLIN,)))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bills")).scalar_one() == 0
        assert conn.execute(text("SELECT status::text FROM appointments WHERE id = :i"), {"i": visit}).scalar_one() \
            == "scheduled"


def test_an_allergy_match_is_refused_unless_overridden_and_the_override_is_audited(uow, engine, doctor, visit):
    draft = ConsultationDraft(lines=(PARACETAMOL, AMOXICILLIN))
    with pytest.raises(AllergyConflict) as caught:
        consultations.save_consultation(uow, doctor, visit, draft)
    assert caught.value.conflicts == {"Amoxicillin": ["penicillin"]}
    assert consultations.get_consultation(uow, doctor, visit).draft.lines == ()
    saved = consultations.save_consultation(uow, doctor, visit, draft, allergy_override=True)
    assert [x.medicine for x in saved.draft.lines] == ["Paracetamol", "Amoxicillin"]
    (_, after), = audit(engine, "allergy_override")
    assert after == {"allergies": "Penicillin", "medicines": {"Amoxicillin": ["penicillin"]}}


def test_past_visits_and_copying_a_prescription(uow, engine, admin, doctor, other_doctor):
    with_profile(uow, admin, doctor)
    patient = a_patient(engine)
    first = a_visit(uow, admin, patient, other_doctor)
    consultations.complete_consultation(uow, other_doctor, first, ConsultationDraft(
        diagnosis="Acute pharyngitis", lines=(PARACETAMOL,), vitals=Vitals(pulse=80)))
    someone_else = a_visit(uow, admin, a_patient(engine, "Rohan Das", allergies=None, phone="+919812345678"), doctor)
    current = a_visit(uow, admin, patient, doctor)
    past = consultations.past_visits(uow, doctor, current)
    assert [(p.appointment_id, p.doctor_name, p.diagnosis) for p in past] == [(first, "Kavya Rao",
                                                                                "Acute pharyngitis")]
    assert past[0].lines == (PARACETAMOL,) and past[0].vitals.pulse == 80
    assert consultations.copy_prescription(uow, doctor, current, first) == (PARACETAMOL,)
    with pytest.raises(NotFound):
        consultations.copy_prescription(uow, doctor, current, someone_else)


def test_favourites_and_templates_belong_to_each_doctor(uow, doctor, other_doctor):
    favourites = consultations.add_favourite(uow, doctor, "Paracetamol", "500 mg", "tablet")
    favourites = consultations.add_favourite(uow, doctor, "Paracetamol", "500 mg", "tablet")  # once only
    favourites = consultations.add_favourite(uow, doctor, "Azithromycin", "500 mg", "tablet")
    assert [(f.medicine, f.strength) for f in favourites] == [("Azithromycin", "500 mg"), ("Paracetamol", "500 mg")]
    assert consultations.list_favourites(uow, other_doctor) == []
    with pytest.raises(NotFound):
        consultations.remove_favourite(uow, other_doctor, favourites[0].id)
    assert len(consultations.remove_favourite(uow, doctor, favourites[0].id)) == 1
    with pytest.raises(FormErrors):
        consultations.add_favourite(uow, doctor, "", "", "tablet")

    templates = consultations.save_template(uow, doctor, "Viral fever", [PARACETAMOL])
    templates = consultations.save_template(uow, doctor, "Viral fever", [PARACETAMOL, AMOXICILLIN])  # replaced
    assert [(t.name, len(t.lines)) for t in templates] == [("Viral fever", 2)]
    assert templates[0].lines == (PARACETAMOL, AMOXICILLIN)
    assert consultations.list_templates(uow, other_doctor) == []
    with pytest.raises(ValidationError, match="at least one medicine"):
        consultations.save_template(uow, doctor, "Empty", [])
    with pytest.raises(NotFound):
        consultations.remove_template(uow, other_doctor, templates[0].id)
    assert consultations.remove_template(uow, doctor, templates[0].id) == []


def test_a_follow_up_date_without_a_slot_goes_on_the_front_desks_list(uow, engine, doctor, visit, receptionist):
    due = local_day(utcnow()) + timedelta(days=7)
    done = consultations.complete_consultation(uow, doctor, visit, replace(DRAFT, follow_up_on=due))
    assert done.follow_up_request_id is not None and done.follow_up_appointment_id is None
    (request,) = consultations.open_follow_ups(uow, receptionist)
    assert (request.patient_name, request.doctor_name, request.due_on) == ("Priya Sharma", "Rahul Menon", due)
    with pytest.raises(PermissionDenied):
        consultations.close_follow_up(uow, doctor, request.id)
    consultations.close_follow_up(uow, receptionist, request.id)
    assert consultations.open_follow_ups(uow, receptionist) == []
    with pytest.raises(NotFound):
        consultations.close_follow_up(uow, receptionist, request.id)


def test_a_follow_up_in_a_free_slot_is_booked_and_a_taken_slot_refused(uow, engine, admin, doctor, visit,
                                                                       receptionist):
    with_hours(uow, admin, doctor)
    day = next_weekday(2)
    slots = consultations.follow_up_slots(uow, doctor, visit, day)
    assert slots[0] == at(day, 9) and len(slots) == 28
    other = a_patient(engine, "Rohan Das", allergies=None, phone="+919812345678")
    appointments.book_appointment(uow, receptionist, patient_id=other, doctor_id=doctor.user_id,
                                  starts_at=at(day, 9))
    assert at(day, 9) not in consultations.follow_up_slots(uow, doctor, visit, day)
    draft = ConsultationDraft(diagnosis="Viral fever", follow_up_on=day)
    with pytest.raises(Conflict, match="just taken"):
        consultations.complete_consultation(uow, doctor, visit, draft, follow_up_at=at(day, 9))
    with pytest.raises(ValidationError, match="on the follow-up date"):
        consultations.complete_consultation(uow, doctor, visit, draft, follow_up_at=at(day + timedelta(days=1), 9))
    done = consultations.complete_consultation(uow, doctor, visit, draft, follow_up_at=at(day, 9, 15))
    booked = appointments.get_appointment(uow, receptionist, done.follow_up_appointment_id)
    assert booked.starts_at == at(day, 9, 15) and booked.patient_name == "Priya Sharma"
    assert done.consultation.follow_up_appointment_id == booked.id
    assert consultations.open_follow_ups(uow, receptionist) == []


def test_the_prescription_document_carries_letterhead_doctor_and_patient(uow, engine, admin, doctor, visit):
    with uow:
        uow.settings.put("clinic_address", "12 MG Road, Pune 411001")
        uow.settings.put("clinic_phone", "+91 20 2567 8901")
        uow.commit()
    clinic.set_clinic_name(uow, admin, "Sunrise Clinic")
    consultations.save_consultation(uow, doctor, visit, DRAFT)
    document = consultations.prescription_document(uow, doctor, visit)
    assert (document.clinic_name, document.clinic_address, document.clinic_phone) == (
        "Sunrise Clinic", "12 MG Road, Pune 411001", "+91 20 2567 8901")
    assert (document.doctor_name, document.qualification, document.registration_number) == (
        "Rahul Menon", "MBBS, MD (Medicine)", "KMC-12345")
    assert document.consultation.draft.lines == (PARACETAMOL,)
    assert document.consultation.patient.age_sex(date(2026, 11, 27)) == "36 y / F"


# --- who may do what: every clinical function × every role ---------------------------------------------------------

def _calls(visit: int, other_visit: int, day: date):
    return {
        "get_consultation": lambda uow, who: consultations.get_consultation(uow, who, visit),
        "save_consultation": lambda uow, who: consultations.save_consultation(uow, who, visit, DRAFT),
        "complete_consultation": lambda uow, who: consultations.complete_consultation(uow, who, visit, DRAFT),
        "past_visits": lambda uow, who: consultations.past_visits(uow, who, visit),
        "copy_prescription": lambda uow, who: consultations.copy_prescription(uow, who, visit, other_visit),
        "prescription_document": lambda uow, who: consultations.prescription_document(uow, who, visit),
        "follow_up_slots": lambda uow, who: consultations.follow_up_slots(uow, who, visit, day),
    }


CLINICAL_FUNCTIONS = list(_calls(0, 0, date.today()))
ROLES = {"admin": True, "receptionist": False, "treating_doctor": True, "other_doctor": False}


@pytest.mark.parametrize("function", CLINICAL_FUNCTIONS)
@pytest.mark.parametrize(("who", "allowed"), list(ROLES.items()))
def test_only_the_treating_doctor_and_admins_reach_clinical_fields(uow, engine, admin, receptionist, doctor,
                                                                  other_doctor, function, who, allowed):
    with_profile(uow, admin, doctor)
    patient = a_patient(engine)
    earlier = a_visit(uow, admin, patient, doctor)
    consultations.complete_consultation(uow, doctor, earlier, DRAFT)
    visit = a_visit(uow, admin, patient, doctor)
    actor = {"admin": admin, "receptionist": receptionist, "treating_doctor": doctor,
             "other_doctor": other_doctor}[who]
    call = _calls(visit, earlier, next_weekday(2))[function]
    with engine.connect() as conn:
        audit_before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    if allowed:
        call(uow, actor)
    else:
        with pytest.raises(PermissionDenied):
            call(uow, actor)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == audit_before


@pytest.mark.parametrize("function", ["list_favourites", "add_favourite", "list_templates", "save_template"])
def test_receptionists_have_no_favourites_or_templates(uow, receptionist, function):
    call = {"list_favourites": lambda: consultations.list_favourites(uow, receptionist),
            "add_favourite": lambda: consultations.add_favourite(uow, receptionist, "Paracetamol"),
            "list_templates": lambda: consultations.list_templates(uow, receptionist),
            "save_template": lambda: consultations.save_template(uow, receptionist, "X", [PARACETAMOL])}[function]
    with pytest.raises(PermissionDenied):
        call()


def test_only_an_admin_sets_the_temperature_unit_and_the_consultation_carries_it(uow, engine, admin, receptionist,
                                                                                doctor, visit):
    assert consultations.get_consultation(uow, doctor, visit).temperature_unit is TemperatureUnit.CELSIUS
    with pytest.raises(PermissionDenied):
        clinic.set_temperature_unit(uow, receptionist, TemperatureUnit.FAHRENHEIT)
    with pytest.raises(PermissionDenied):
        clinic.set_temperature_unit(uow, doctor, TemperatureUnit.FAHRENHEIT)
    assert clinic.set_temperature_unit(uow, admin, TemperatureUnit.FAHRENHEIT) is TemperatureUnit.FAHRENHEIT
    assert clinic.temperature_unit(uow) is TemperatureUnit.FAHRENHEIT
    assert consultations.get_consultation(uow, doctor, visit).temperature_unit is TemperatureUnit.FAHRENHEIT
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'temperature_unit_set'")).scalar() == 1
