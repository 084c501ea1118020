"""A doctor's unsaved consultation draft on the real database: kept as typed, read back only by its author, gone
once the author saves the visit and for everyone once the visit is completed (0024)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from homa_desk.domain.consultation_drafts import MAX_DRAFT_TEXT, UnsavedConsultation
from homa_desk.domain.consultations import ConsultationDraft
from homa_desk.domain.errors import PermissionDenied, ValidationError
from homa_desk.domain.prescriptions import PrescriptionLine
from homa_desk.domain.roles import Role
from homa_desk.services import consultations, staff
from tests.helpers import new_staff
from tests.services.consultation_helpers import a_patient, a_visit, with_profile

TYPED = UnsavedConsultation(vitals={"temperature_c": "101", "pulse": "7x"}, symptoms="Fever for 3 days",
                            diagnosis="Viral fever", advice="Rest", lines=(PrescriptionLine("Paracetamol", "500 mg"),))


@pytest.fixture
def visit(uow, engine, admin, doctor):
    with_profile(uow, admin, doctor)
    return a_visit(uow, admin, a_patient(engine), doctor)


def drafts(engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM consultation_drafts"))


def test_a_draft_comes_back_as_typed_to_its_author_only(uow, engine, admin, doctor, visit):
    consultations.keep_draft(uow, doctor, visit, TYPED)
    back = consultations.unsaved_draft(uow, doctor, visit)
    assert back == TYPED and back.kept_at is not None
    assert consultations.unsaved_draft(uow, admin, visit) is None  # an admin may open the visit, not her draft
    other = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Kavya Rao")).as_actor()
    with pytest.raises(PermissionDenied):
        consultations.unsaved_draft(uow, other, visit)
    with pytest.raises(PermissionDenied):
        consultations.keep_draft(uow, other, visit, TYPED)

    consultations.keep_draft(uow, doctor, visit, UnsavedConsultation(diagnosis="Dengue?"))
    assert consultations.unsaved_draft(uow, doctor, visit).diagnosis == "Dengue?"
    assert drafts(engine) == 1


def test_saving_drops_the_authors_draft_and_completing_drops_every_draft(uow, engine, admin, doctor, visit):
    consultations.keep_draft(uow, doctor, visit, TYPED)
    consultations.keep_draft(uow, admin, visit, UnsavedConsultation(advice="Admin's note"))
    consultations.save_consultation(uow, doctor, visit, ConsultationDraft(diagnosis="Viral fever"))
    assert consultations.unsaved_draft(uow, doctor, visit) is None
    assert consultations.unsaved_draft(uow, admin, visit) is not None
    consultations.complete_consultation(uow, doctor, visit, ConsultationDraft(diagnosis="Viral fever"))
    assert drafts(engine) == 0


def test_discarding_and_the_bounds(uow, engine, doctor, visit):
    consultations.keep_draft(uow, doctor, visit, TYPED)
    consultations.discard_draft(uow, doctor, visit)
    assert consultations.unsaved_draft(uow, doctor, visit) is None
    with pytest.raises(ValidationError):
        consultations.keep_draft(uow, doctor, visit, UnsavedConsultation(symptoms="x" * (MAX_DRAFT_TEXT + 1)))
    with engine.begin() as conn, pytest.raises(Exception, match="consultation_drafts_content_object"):
        conn.execute(text("INSERT INTO consultation_drafts (appointment_id, author_id, content)"
                          " VALUES (:a, :d, '[]')"), {"a": visit, "d": doctor.user_id})
