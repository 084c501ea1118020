"""Patients at the desk: register, edit, find (search and likely duplicates) and open a profile.

Medical history is shown to and changed by doctors and admins only; the rule lives here, not in the screens.
Every change to clinical fields (allergies, medical history) goes to the audit log.
"""

from __future__ import annotations

import logging

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.appointments import local_day
from homa_desk.domain.errors import FormErrors, PermissionDenied, ValidationError
from homa_desk.domain.notifications import Language
from homa_desk.domain.patients import (
    CLINICAL_FIELDS,
    REGISTERING_ROLES,
    PatientDetails,
    PatientProfile,
    PatientSummary,
    may_see_medical_history,
    revalidated,
)
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow

log = logging.getLogger(__name__)

PAGE_SIZE = 50
HISTORY_REFUSED = "Only doctors and admins may see or change the medical history."


def _require_history_rights(actor: Actor) -> None:
    if not may_see_medical_history(actor.role):
        raise PermissionDenied(HISTORY_REFUSED)


def search_patients(uow: UnitOfWork, actor: Actor, query: str, *, after: tuple[str, int] | None = None,
                    limit: int = PAGE_SIZE) -> list[PatientSummary]:
    """One page of patients by name fragment, phone fragment or patient number, in name order; a patient whose old
    (paper) file number is exactly the query comes first.

    For the next page pass `after=page_key(last_row)` (homa_desk.domain.patients.page_key).
    """
    with uow.reading(actor, *REGISTERING_ROLES):
        return uow.patients.search(validation.search_text(query), after=after, limit=limit)


def find_likely_duplicates(uow: UnitOfWork, actor: Actor, full_name: str, phone: str, *,
                           exclude_user_id: int | None = None) -> list[PatientSummary]:
    """Patients who may be the person being typed in: same mobile (any formatting), or a similar name.

    Incomplete input is fine: an unfinished phone or name is simply not used.
    """
    name = _or_none(validation.full_name, full_name)
    if name is not None and len(name) < 3:
        name = None
    mobile = _or_none(validation.indian_mobile, phone)
    if name is None and mobile is None:
        return []
    with uow.acting(actor, *REGISTERING_ROLES):  # SET LOCAL needs a transaction
        return uow.patients.likely_duplicates(name, mobile, exclude_user_id=exclude_user_id)


def _or_none(check, value: str):  # type: ignore[no-untyped-def]
    try:
        return check(value or "")
    except ValidationError:
        return None


def register_patient(uow: UnitOfWork, actor: Actor, details: PatientDetails) -> PatientSummary:
    """Insert the patient's users row and profile in one transaction; FormErrors if the e-mail is taken."""
    actor.require(*REGISTERING_ROLES)
    details = revalidated(details, local_day(utcnow()))
    if details.medical_history and not may_see_medical_history(actor.role):
        raise PermissionDenied(HISTORY_REFUSED)
    with uow:
        if details.email and uow.patients.email_taken(details.email):
            raise FormErrors([ValidationError("email", "Another record already uses this e-mail.")])
        summary = uow.patients.add(details)
        after = {"patient_number": summary.patient_number}
        after.update({f: getattr(details, f) for f in CLINICAL_FIELDS if getattr(details, f)})
        if details.language is not None and details.language is not Language.ENGLISH:
            after["language"] = details.language.value
        if details.old_file_number:
            after["old_file_number"] = details.old_file_number
        uow.audit.record(actor, "patient_registered", "patient", summary.user_id, after=after)
        uow.commit()
    log.info("user %s registered patient %s", actor.user_id, summary.user_id)
    return summary


def update_patient(uow: UnitOfWork, actor: Actor, user_id: int, details: PatientDetails) -> PatientSummary:
    """Save an edited form. `details.medical_history=None` leaves it as it is (what a receptionist's form sends);
    so does `details.language=None` for the message language."""
    actor.require(*REGISTERING_ROLES)
    details = revalidated(details, local_day(utcnow()))
    change_history = details.medical_history is not None
    if change_history:
        _require_history_rights(actor)
    with uow:
        before = uow.patients.clinical_for_update(user_id)
        if details.email and details.email != before["email"] and uow.patients.email_taken(
                details.email, except_user_id=user_id):
            raise FormErrors([ValidationError("email", "Another record already uses this e-mail.")])
        uow.patients.update(user_id, details, medical_history=change_history)
        fields = [f for f in CLINICAL_FIELDS if f != "medical_history" or change_history]
        changed = {f: ((before[f] or None), (getattr(details, f) or None)) for f in fields
                   if (before[f] or None) != (getattr(details, f) or None)}
        if changed:
            uow.audit.record(actor, "patient_clinical_updated", "patient", user_id,
                             before={f: old for f, (old, _) in changed.items()},
                             after={f: new for f, (_, new) in changed.items()})
        others = [f for f in ("full_name", "phone", "email", "date_of_birth", "address", "emergency_contact")
                  if before[f] != getattr(details, f)]
        if details.language is not None and details.language.value != before["preferred_language"]:
            others.append("language")
        if details.old_file_number is not None and (details.old_file_number or None) != before["old_file_number"]:
            others.append("old_file_number")
        if others:
            uow.audit.record(actor, "patient_updated", "patient", user_id, after={"fields": others})
        summary = uow.patients.summary(user_id)
        uow.commit()
    assert summary is not None
    return summary


def get_patient_profile(uow: UnitOfWork, actor: Actor, user_id: int) -> PatientProfile:
    """The profile page in one statement; medical history left out (None) for receptionists."""
    visible = may_see_medical_history(actor.role)
    with uow.reading(actor, *REGISTERING_ROLES):
        data = uow.patients.profile(user_id, medical_history=visible, now=utcnow())
    return PatientProfile(medical_history_visible=visible, **data)
