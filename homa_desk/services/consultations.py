"""The doctor's workstation: the consultation of one appointment, past visits, the printed prescription,
favourite medicines and templates, and follow-ups.

Clinical fields (vitals, symptoms, diagnosis, prescription, advice, past visits) are read and changed only by the
treating doctor (appointment.doctor_id) and admins; receptionists and other doctors get PermissionDenied. Every
change to them goes to the audit log with before and after.

Completing a consultation is one transaction: the notes and lines are saved, the appointment is completed, its queue
entry done, the consultation bill created for the front desk (through the billing service's own helper, in this
unit of work, so a visit is never completed without its bill or billed twice), and the follow-up booked or put on
the front desk's list.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import (
    AppointmentView,
    ConsultationType,
    Status,
    check_bookable,
    day_slots,
    local_day,
)
from homa_desk.domain.appointments import day_bounds as _day_bounds
from homa_desk.domain.consultation_drafts import UnsavedConsultation, check_unsaved
from homa_desk.domain.consultations import (
    Completion,
    Consultation,
    ConsultationDraft,
    Favourite,
    FollowUpRequest,
    PastVisit,
    PatientCard,
    PrescriptionDocument,
    TemperatureUnit,
    Template,
    validate_consultation,
)
from homa_desk.domain.errors import DomainError, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.prescriptions import (
    DoseForm,
    PrescriptionLine,
    check_lines,
    conflicts_in,
    prescription_text,
    template_name,
    validate_line,
)
from homa_desk.domain.queue import QueueState
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.validation import tidy_lines
from homa_desk.services import billing
from homa_desk.services.clinic import DEFAULT_NAME, TEMPERATURE_UNIT

log = logging.getLogger(__name__)

CLINICAL_ROLES = (Role.DOCTOR, Role.ADMIN)
DESK_AND_DOCTORS = (Role.RECEPTIONIST, Role.ADMIN, Role.DOCTOR)
NOT_TREATING = "Only the treating doctor or an admin may see or change this consultation."


class AllergyConflict(DomainError):
    """A prescribed medicine matches the patient's allergies; pass allergy_override=True after confirming."""

    def __init__(self, conflicts: dict[str, list[str]]) -> None:
        names = "; ".join(f"{medicine} (allergy: {', '.join(terms)})" for medicine, terms in conflicts.items())
        super().__init__("The patient is allergic to what is prescribed: {names}. Confirm to prescribe anyway.",
                         names=names)
        self.conflicts = conflicts


# --- reading -------------------------------------------------------------------------------------------------

def get_consultation(uow: UnitOfWork, actor: Actor, appointment_id: int) -> Consultation:
    """The patient card (allergies, medical history) and the visit as recorded so far."""
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment = _treating(uow, actor, appointment_id)
        return _consultation(uow, appointment)


@dataclass(frozen=True)
class OpenedVisit:
    """Everything the workstation shows when a visit opens."""

    consultation: Consultation
    past_visits: list[PastVisit]
    unsaved: UnsavedConsultation | None
    favourites: list[Favourite]
    templates: list[Template]


def open_visit(uow: UnitOfWork, actor: Actor, appointment_id: int) -> OpenedVisit:
    """What get_consultation, past_visits, unsaved_draft, list_favourites and list_templates read, in two round
    trips: the visit, the user's draft and own lists together; then the patient's card and earlier visits. Nothing
    read leaves before the treating-doctor check, which the second round trip waits for."""
    actor.require(*CLINICAL_ROLES)
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment, visit, draft, found, favourites, templates = uow.together(
            uow.appointments.get_later(appointment_id), uow.consultations.visit_later(appointment_id),
            uow.consultations.unsaved_draft_later(appointment_id, actor.user_id),
            uow.settings.get_many_later((TEMPERATURE_UNIT,)), uow.consultations.favourites_later(actor.user_id),
            uow.consultations.templates_later(actor.user_id))
        appointment = _may_treat(actor, appointment)
        card, past = uow.together(
            uow.consultations.patient_card_later(appointment.patient_id),
            uow.consultations.past_visits_later(appointment.patient_id, except_appointment_id=appointment_id,
                                                before=max(appointment.starts_at, utcnow())))
    consultation = _as_consultation(appointment, card, visit, TemperatureUnit.of(found[TEMPERATURE_UNIT]))
    unsaved = None if draft is None else UnsavedConsultation.from_json(*draft)
    return OpenedVisit(consultation, past, unsaved, favourites, templates)


def past_visits(uow: UnitOfWork, actor: Actor, appointment_id: int) -> list[PastVisit]:
    """The patient's earlier visits (any doctor), newest first, for the treating doctor of this appointment."""
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment = _treating(uow, actor, appointment_id)
        return uow.consultations.past_visits(appointment.patient_id, except_appointment_id=appointment_id,
                                             before=max(appointment.starts_at, utcnow()))


def copy_prescription(uow: UnitOfWork, actor: Actor, appointment_id: int,
                      from_appointment_id: int) -> tuple[PrescriptionLine, ...]:
    """The lines of one of the same patient's past visits, to add to this one (nothing is saved)."""
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment = _treating(uow, actor, appointment_id)
        source = uow.appointments.get(from_appointment_id)
        if source is None or source.patient_id != appointment.patient_id:
            raise NotFound("No such visit of this patient.")
        visit = uow.consultations.visit(from_appointment_id)
    assert visit is not None
    return visit["lines"]


def prescription_document(uow: UnitOfWork, actor: Actor, appointment_id: int) -> PrescriptionDocument:
    """What the printed prescription carries: letterhead, doctor, patient, the visit."""
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment = _treating(uow, actor, appointment_id)
        consultation = _consultation(uow, appointment)
        doctor = uow.doctors.schedule(appointment.doctor_id, local_day(utcnow()), local_day(utcnow())) \
            if appointment.doctor_id is not None else None
        settings = uow.settings.get_many(("clinic_name", "clinic_address", "clinic_phone"))
    profile = doctor.doctor if doctor else None
    return PrescriptionDocument(
        clinic_name=settings["clinic_name"] or DEFAULT_NAME,
        clinic_address=tidy_lines(settings["clinic_address"]) or None,
        clinic_phone=_setting(settings["clinic_phone"]),
        doctor_name=profile.full_name if profile else (appointment.doctor_name or ""),
        qualification=profile.qualification if profile else None,
        registration_number=profile.registration_number if profile else None,
        specialty=profile.specialty if profile else None, consultation=consultation,
        printed_on=local_day(utcnow()))


def follow_up_slots(uow: UnitOfWork, actor: Actor, appointment_id: int, day: date) -> list[datetime]:
    """The treating doctor's free slots on `day`, for booking the follow-up."""
    with uow.reading(actor, *CLINICAL_ROLES):
        appointment = _treating(uow, actor, appointment_id)
        if appointment.doctor_id is None:
            return []
        schedule = uow.doctors.schedule(appointment.doctor_id, day, day)
        start, end = _day_bounds(day)
        booked = uow.appointments.between(start, end, doctor_id=appointment.doctor_id)
    if schedule is None:
        return []
    return [s.starts_at for s in day_slots(schedule, day, booked, utcnow()) if s.is_bookable]


# --- writing -------------------------------------------------------------------------------------------------

def save_consultation(uow: UnitOfWork, actor: Actor, appointment_id: int, draft: ConsultationDraft, *,
                      allergy_override: bool = False) -> Consultation:
    """Save what was entered so far (also corrections after completion); the appointment's status is unchanged."""
    actor.require(*CLINICAL_ROLES)
    checked = validate_consultation(draft, local_day(utcnow()))
    with uow:
        appointment = _treating(uow, actor, appointment_id, for_update=True)
        if appointment.status in (Status.CANCELLED, Status.NO_SHOW):
            raise ValidationError("appointment", "A {status} appointment has no consultation.",
                                  status=appointment.status.label.lower())
        _store(uow, actor, appointment, checked, allergy_override=allergy_override)
        uow.consultations.drop_drafts(appointment_id, actor.user_id)
        if checked.follow_up_on is None:
            uow.consultations.drop_follow_up_request(appointment_id)
        result = _consultation(uow, appointment)
        uow.commit()
    log.info("user %s saved consultation %s", actor.user_id, appointment_id)
    return result


def complete_consultation(uow: UnitOfWork, actor: Actor, appointment_id: int, draft: ConsultationDraft, *,
                          allergy_override: bool = False, follow_up_at: datetime | None = None) -> Completion:
    """Save, complete the appointment, close its queue entry, bill the visit, book or request the follow-up.

    `follow_up_at` is one of the doctor's free slots on `draft.follow_up_on` (see follow_up_slots); without it a
    follow-up date goes on the front desk's list. A slot taken meanwhile raises Conflict and nothing is saved.
    """
    actor.require(*CLINICAL_ROLES)
    now = utcnow()
    checked = validate_consultation(draft, local_day(now))
    if follow_up_at is not None and (checked.follow_up_on is None or follow_up_at.tzinfo is None
                                     or local_day(follow_up_at) != checked.follow_up_on):
        raise ValidationError("follow_up_on", "The follow-up slot must be on the follow-up date.")
    with uow:
        before = _treating(uow, actor, appointment_id, for_update=True)
        if before.status is not Status.SCHEDULED:
            raise ValidationError("appointment", "This appointment is already {status}.",
                                  status=before.status.label.lower())
        _store(uow, actor, before, checked, allergy_override=allergy_override, completed_at=now)
        uow.consultations.drop_drafts(appointment_id)
        uow.appointments.set_status(appointment_id, Status.COMPLETED)
        after = uow.appointments.get(appointment_id)
        assert after is not None
        uow.audit.record(actor, "appointment_completed", "appointment", appointment_id,
                         before=before.as_audit(), after=after.as_audit())
        entry = uow.queue.for_appointment(appointment_id)
        if entry is not None and entry.state is not QueueState.DONE:
            uow.queue.set_state(entry.id, QueueState.DONE)
        bill_id = billing.add_consultation_bill(uow, actor, appointment_id, now)
        booked_id = request_id = None
        if checked.follow_up_on is not None and follow_up_at is not None:
            booked_id = _book_follow_up(uow, actor, before, follow_up_at, now)
            uow.consultations.drop_follow_up_request(appointment_id)
        elif checked.follow_up_on is not None:
            request_id = uow.consultations.request_follow_up(
                appointment_id=appointment_id, patient_id=before.patient_id, doctor_id=before.doctor_id,
                due_on=checked.follow_up_on)
            uow.audit.record(actor, "follow_up_requested", "appointment", appointment_id,
                             after={"due_on": checked.follow_up_on.isoformat(), "request_id": request_id})
        else:
            uow.consultations.drop_follow_up_request(appointment_id)
        result = _consultation(uow, after)
        bill = uow.bills.view(bill_id)
        uow.commit()
    assert bill is not None
    log.info("user %s completed consultation %s (bill %s)", actor.user_id, appointment_id, bill_id)
    return Completion(result, bill_id, bill.bill_number, booked_id, request_id)


# --- the author's unsaved draft: theirs alone, not the record (so neither audited nor printed) -------------------

def unsaved_draft(uow: UnitOfWork, actor: Actor, appointment_id: int) -> UnsavedConsultation | None:
    """What this user typed in the visit and has not saved (kept by keep_draft), or None."""
    with uow.reading(actor, *CLINICAL_ROLES):
        _treating(uow, actor, appointment_id)
        found = uow.consultations.unsaved_draft(appointment_id, actor.user_id)
    return None if found is None else UnsavedConsultation.from_json(*found)


def keep_draft(uow: UnitOfWork, actor: Actor, appointment_id: int, draft: UnsavedConsultation) -> None:
    """Keep the screen as typed, replacing this user's earlier draft of the visit; saving the visit drops it."""
    checked = check_unsaved(draft)
    with uow.acting(actor, *CLINICAL_ROLES):
        _treating(uow, actor, appointment_id)
        uow.consultations.keep_draft(appointment_id, actor.user_id, checked.as_json(), utcnow())
        uow.commit()


def discard_draft(uow: UnitOfWork, actor: Actor, appointment_id: int) -> None:
    """The user chose to throw away what they typed: their draft of the visit goes."""
    with uow.acting(actor, *CLINICAL_ROLES):
        _treating(uow, actor, appointment_id)
        uow.consultations.drop_drafts(appointment_id, actor.user_id)
        uow.commit()


def _store(uow: UnitOfWork, actor: Actor, appointment: AppointmentView, draft: ConsultationDraft, *,
           allergy_override: bool, completed_at: datetime | None = None) -> None:
    card = uow.consultations.patient_card(appointment.patient_id)
    conflicts = conflicts_in(card.allergies if card else None, draft.lines)
    if conflicts and not allergy_override:
        raise AllergyConflict(conflicts)
    if conflicts:
        uow.audit.record(actor, "allergy_override", "appointment", appointment.id,
                         after={"allergies": card.allergies if card else None, "medicines": conflicts})
    visit = uow.consultations.visit(appointment.id)
    assert visit is not None
    before = ConsultationDraft(visit["vitals"], visit["symptoms"], visit["diagnosis"], visit["advice"],
                               visit["lines"], visit["follow_up_on"])
    uow.consultations.save(appointment.id, doctor_id=appointment.doctor_id, vitals=draft.vitals,
                           symptoms=draft.symptoms, advice=draft.advice, follow_up_on=draft.follow_up_on,
                           completed_at=completed_at)
    uow.consultations.replace_lines(appointment.id, draft.lines)
    uow.consultations.set_design_columns(appointment.id, diagnosis=draft.diagnosis,
                                         prescription=prescription_text(draft.lines))
    if before != draft:
        uow.audit.record(actor, "consultation_saved", "appointment", appointment.id,
                         before=before.as_audit(), after=draft.as_audit())


def _book_follow_up(uow: UnitOfWork, actor: Actor, visit: AppointmentView, starts_at: datetime,
                    now: datetime) -> int:
    """Book the follow-up with the same rules as the front desk's booking (hours, leave, slot, no double booking)."""
    assert visit.doctor_id is not None
    day = local_day(starts_at)
    schedule = uow.doctors.schedule(visit.doctor_id, day, day)
    if schedule is None:
        raise NotFound("No such doctor.")
    start = check_bookable(schedule, starts_at, now)
    booked_id = uow.appointments.add(
        patient_id=visit.patient_id, doctor_id=visit.doctor_id, starts_at=start,
        duration_minutes=schedule.doctor.slot_minutes, consultation_type=ConsultationType.OFFLINE,
        meeting_link=None, symptoms=None, booked_by=actor.user_id)
    booked = uow.appointments.get(booked_id)
    assert booked is not None
    uow.audit.record(actor, "appointment_booked", "appointment", booked_id,
                     after={**booked.as_audit(), "follow_up_of": visit.id})
    uow.consultations.set_follow_up_appointment(visit.id, booked_id)
    return booked_id


def _treating(uow: UnitOfWork, actor: Actor, appointment_id: int, *, for_update: bool = False) -> AppointmentView:
    actor.require(*CLINICAL_ROLES)
    return _may_treat(actor, uow.appointments.get(appointment_id, for_update=for_update))


def _may_treat(actor: Actor, appointment: AppointmentView | None) -> AppointmentView:
    if appointment is None:
        raise NotFound("No such appointment.")
    if actor.role is Role.DOCTOR and appointment.doctor_id != actor.user_id:
        raise PermissionDenied(NOT_TREATING)
    return appointment


def _consultation(uow: UnitOfWork, appointment: AppointmentView) -> Consultation:
    return _as_consultation(appointment, uow.consultations.patient_card(appointment.patient_id),
                            uow.consultations.visit(appointment.id),
                            TemperatureUnit.of(uow.settings.get(TEMPERATURE_UNIT)))


def _as_consultation(appointment: AppointmentView, card: PatientCard | None, visit: dict[str, Any] | None,
                     unit: TemperatureUnit) -> Consultation:
    if card is None or visit is None:
        raise NotFound("No such appointment.")
    draft = ConsultationDraft(visit["vitals"], visit["symptoms"], visit["diagnosis"], visit["advice"],
                              visit["lines"], visit["follow_up_on"])
    return Consultation(appointment_id=appointment.id, patient=card, doctor_id=appointment.doctor_id,
                        doctor_name=appointment.doctor_name, starts_at=appointment.starts_at,
                        status=appointment.status.value, draft=draft, completed_at=visit["completed_at"],
                        bill_id=visit["bill_id"], follow_up_appointment_id=visit["follow_up_appointment_id"],
                        follow_up_requested=visit["follow_up_requested"], temperature_unit=unit)


def _setting(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


# --- the doctor's favourites and templates (their own; no patient data) -----------------------------------------

def list_favourites(uow: UnitOfWork, actor: Actor) -> list[Favourite]:
    with uow.reading(actor, *CLINICAL_ROLES):
        return uow.consultations.favourites(actor.user_id)


def add_favourite(uow: UnitOfWork, actor: Actor, medicine: str, strength: str = "",
                  form: DoseForm | str = DoseForm.TABLET) -> list[Favourite]:
    line = validate_line(medicine=medicine, strength=strength, form=form, dose="1-0-0", how_long="1 day")
    with uow.acting(actor, *CLINICAL_ROLES):
        uow.consultations.add_favourite(actor.user_id, line.medicine, line.strength, line.form)
        uow.commit()
        return uow.consultations.favourites(actor.user_id)


def remove_favourite(uow: UnitOfWork, actor: Actor, favourite_id: int) -> list[Favourite]:
    actor.require(*CLINICAL_ROLES)
    with uow.acting(actor, *CLINICAL_ROLES):
        if not uow.consultations.remove_favourite(actor.user_id, favourite_id):
            raise NotFound("No such favourite.")
        uow.commit()
        return uow.consultations.favourites(actor.user_id)


def list_templates(uow: UnitOfWork, actor: Actor) -> list[Template]:
    with uow.reading(actor, *CLINICAL_ROLES):
        return uow.consultations.templates(actor.user_id)


def save_template(uow: UnitOfWork, actor: Actor, name: str, lines: list[PrescriptionLine] | tuple[PrescriptionLine, ...]
                  ) -> list[Template]:
    """Save the lines under a name (replacing the doctor's template of that name)."""
    checked_name = template_name(name)
    checked = check_lines(lines)
    if not checked:
        raise ValidationError("prescription", "Add at least one medicine before saving a template.")
    with uow.acting(actor, *CLINICAL_ROLES):
        uow.consultations.save_template(actor.user_id, checked_name, checked)
        uow.commit()
        return uow.consultations.templates(actor.user_id)


def remove_template(uow: UnitOfWork, actor: Actor, template_id: int) -> list[Template]:
    actor.require(*CLINICAL_ROLES)
    with uow.acting(actor, *CLINICAL_ROLES):
        if not uow.consultations.remove_template(actor.user_id, template_id):
            raise NotFound("No such template.")
        uow.commit()
        return uow.consultations.templates(actor.user_id)


# --- follow-ups for the front desk (who and when; nothing clinical) ---------------------------------------------

def open_follow_ups(uow: UnitOfWork, actor: Actor) -> list[FollowUpRequest]:
    with uow.reading(actor, *DESK_AND_DOCTORS):
        return uow.consultations.open_follow_ups()


def close_follow_up(uow: UnitOfWork, actor: Actor, request_id: int) -> None:
    """The front desk booked (or settled) the follow-up: it leaves the list."""
    actor.require(Role.RECEPTIONIST, Role.ADMIN)
    with uow:
        if not uow.consultations.close_follow_up(request_id, actor.user_id, utcnow()):
            raise NotFound("This follow-up is no longer on the list.")
        uow.audit.record(actor, "follow_up_closed", "follow_up_request", request_id)
        uow.commit()
