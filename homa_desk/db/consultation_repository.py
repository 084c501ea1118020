"""Consultations, structured prescription lines, doctors' favourites and templates, follow-up requests."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from homa_desk.db.models import (
    ConsultationDraftRow,
    ConsultationRow,
    FavouriteMedicine,
    FollowUpRequestRow,
    PrescriptionLineRow,
    PrescriptionTemplate,
)
from homa_desk.db.together import Later
from homa_desk.domain.consultations import Favourite, FollowUpRequest, PastVisit, PatientCard, Template, Vitals
from homa_desk.domain.notifications import language_of
from homa_desk.domain.patients import Gender
from homa_desk.domain.prescriptions import DoseForm, PrescriptionLine

T = TypeVar("T")

# the doctor's symptoms once the visit has notes; before that the reason typed at booking, as a starting point
_SYMPTOMS = "CASE WHEN c.appointment_id IS NULL THEN a.symptoms ELSE c.symptoms END"
_LINES = """(SELECT coalesce(json_agg(json_build_object('medicine', l.medicine, 'strength', l.strength,
                 'form', l.form, 'dose_pattern', l.dose_pattern, 'duration', l.duration, 'food', l.food,
                 'notes', l.notes) ORDER BY l.position), '[]')
             FROM prescription_lines l WHERE l.appointment_id = a.id)"""


def _vitals(row: Any) -> Vitals:
    def dec(value: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))

    return Vitals(bp_systolic=row.bp_systolic, bp_diastolic=row.bp_diastolic, pulse=row.pulse,
                  temperature_c=dec(row.temperature_c), weight_kg=dec(row.weight_kg), spo2=row.spo2)


def _lines(items: list[dict[str, Any]]) -> tuple[PrescriptionLine, ...]:
    return tuple(PrescriptionLine.from_dict(item) for item in items)


class ConsultationRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # --- one visit ---------------------------------------------------------------------------------------------

    def patient_card(self, patient_id: int, *, medical_history: bool = True) -> PatientCard | None:
        return self._now(self.patient_card_later(patient_id, medical_history=medical_history))

    def patient_card_later(self, patient_id: int, *, medical_history: bool = True) -> Later[PatientCard | None]:
        return Later(text(
            "SELECT u.id, u.full_name, u.phone, p.patient_number, p.gender::text AS gender, p.date_of_birth,"
            " p.dob_is_estimate, p.allergies, p.medical_history, p.old_file_number, p.preferred_language FROM users u"
            " LEFT JOIN patient_profiles p ON p.user_id = u.id WHERE u.id = :id"),
            lambda rows: _card(rows[0], medical_history) if rows else None, {"id": patient_id})

    def _now(self, read: Later[T]) -> T:
        return read.shape(list(self._session.execute(read.statement, read.params)))

    def visit(self, appointment_id: int) -> dict[str, Any] | None:
        """The appointment's clinical record in one statement: notes, vitals, lines, bill and follow-up."""
        return self._now(self.visit_later(appointment_id))

    def visit_later(self, appointment_id: int) -> Later[dict[str, Any] | None]:
        return Later(text(f"""
            SELECT a.id, {_SYMPTOMS} AS symptoms, a.diagnosis, c.bp_systolic, c.bp_diastolic, c.pulse, c.temperature_c,
                   c.weight_kg, c.spo2, c.advice, c.follow_up_on, c.follow_up_appointment_id, c.completed_at,
                   {_LINES} AS lines,
                   (SELECT b.id FROM bills b WHERE b.appointment_id = a.id) AS bill_id,
                   EXISTS (SELECT 1 FROM follow_up_requests f WHERE f.appointment_id = a.id) AS follow_up_requested
            FROM appointments a LEFT JOIN consultations c ON c.appointment_id = a.id
            WHERE a.id = :id"""), lambda rows: _visit(rows[0]) if rows else None, {"id": appointment_id})

    def save(self, appointment_id: int, *, doctor_id: int | None, vitals: Vitals, symptoms: str | None,
             advice: str | None, follow_up_on: date | None, completed_at: datetime | None = None) -> None:
        """The doctor's notes; their symptoms go here, never to appointments.symptoms (the booking's reason, which
        the front desk reads)."""
        values = {"doctor_id": doctor_id, "symptoms": symptoms, "advice": advice, "follow_up_on": follow_up_on,
                  **vitals.__dict__}
        if completed_at is not None:
            values["completed_at"] = completed_at
        stmt = insert(ConsultationRow).values(appointment_id=appointment_id, **values)
        self._session.execute(stmt.on_conflict_do_update(index_elements=["appointment_id"], set_=values))

    def set_follow_up_appointment(self, appointment_id: int, follow_up_appointment_id: int) -> None:
        self._session.execute(text("UPDATE consultations SET follow_up_appointment_id = :f WHERE appointment_id = :a"),
                              {"a": appointment_id, "f": follow_up_appointment_id})

    def replace_lines(self, appointment_id: int, lines: tuple[PrescriptionLine, ...]) -> None:
        self._session.execute(delete(PrescriptionLineRow).where(PrescriptionLineRow.appointment_id == appointment_id))
        self._session.add_all(
            PrescriptionLineRow(appointment_id=appointment_id, position=n, medicine=x.medicine, strength=x.strength,
                                form=x.form.value, dose_pattern=x.dose_pattern, duration=x.duration,
                                food=x.food.value, notes=x.notes)
            for n, x in enumerate(lines, start=1))
        self._session.flush()

    def set_design_columns(self, appointment_id: int, *, diagnosis: str | None, prescription: str | None) -> None:
        """The design's appointments.diagnosis/prescription, so a web backend reads the visit too."""
        self._session.execute(
            text("UPDATE appointments SET diagnosis = :d, prescription = :p WHERE id = :id"),
            {"id": appointment_id, "d": diagnosis, "p": prescription})

    def past_visits(self, patient_id: int, *, except_appointment_id: int, before: datetime,
                    limit: int = 30) -> list[PastVisit]:
        """The patient's earlier visits that have something clinical (completed, or a diagnosis/prescription)."""
        return self._now(self.past_visits_later(patient_id, except_appointment_id=except_appointment_id,
                                                before=before, limit=limit))

    def past_visits_later(self, patient_id: int, *, except_appointment_id: int, before: datetime,
                          limit: int = 30) -> Later[list[PastVisit]]:
        return Later(text(f"""
            SELECT a.id, a.appointment_date, d.full_name AS doctor_name, a.status::text AS status,
                   {_SYMPTOMS} AS symptoms,
                   a.diagnosis, a.prescription, c.bp_systolic, c.bp_diastolic, c.pulse, c.temperature_c,
                   c.weight_kg, c.spo2, {_LINES} AS lines
            FROM appointments a
            LEFT JOIN users d ON d.id = a.doctor_id
            LEFT JOIN consultations c ON c.appointment_id = a.id
            WHERE a.patient_id = :patient AND a.id <> :current AND a.appointment_date <= :before
              AND (a.status = 'completed' OR a.diagnosis IS NOT NULL OR a.prescription IS NOT NULL)
            ORDER BY a.appointment_date DESC, a.id DESC LIMIT :limit"""), lambda rows: [_past_visit(r) for r in rows],
            {"patient": patient_id, "current": except_appointment_id, "before": before, "limit": limit})

    # --- the doctor's own lists ----------------------------------------------------------------------------------

    def favourites(self, doctor_id: int) -> list[Favourite]:
        return self._now(self.favourites_later(doctor_id))

    def favourites_later(self, doctor_id: int) -> Later[list[Favourite]]:
        f = FavouriteMedicine
        return Later(select(f.id, f.medicine, f.strength, f.form).where(f.doctor_id == doctor_id)
                     .order_by(f.medicine, f.strength), lambda rows: [Favourite(*row) for row in rows])

    def add_favourite(self, doctor_id: int, medicine: str, strength: str, form: DoseForm) -> int | None:
        """The new row's id; None when the doctor already has this medicine and strength."""
        return self._session.scalar(
            insert(FavouriteMedicine).values(doctor_id=doctor_id, medicine=medicine, strength=strength,
                                             form=form.value)
            .on_conflict_do_nothing(constraint="favourite_medicines_once").returning(FavouriteMedicine.id))

    def remove_favourite(self, doctor_id: int, favourite_id: int) -> bool:
        result = self._session.execute(delete(FavouriteMedicine).where(
            FavouriteMedicine.id == favourite_id, FavouriteMedicine.doctor_id == doctor_id))
        return result.rowcount > 0  # type: ignore[attr-defined]

    def templates(self, doctor_id: int) -> list[Template]:
        return self._now(self.templates_later(doctor_id))

    def templates_later(self, doctor_id: int) -> Later[list[Template]]:
        t = PrescriptionTemplate
        return Later(select(t.id, t.name, t.lines).where(t.doctor_id == doctor_id).order_by(t.name),
                     lambda rows: [Template(r.id, r.name, _lines(r.lines)) for r in rows])

    def save_template(self, doctor_id: int, name: str, lines: tuple[PrescriptionLine, ...]) -> int:
        """Insert, or replace the lines of the doctor's template with this name."""
        data = [line.as_dict() for line in lines]
        return self._session.scalar(
            insert(PrescriptionTemplate).values(doctor_id=doctor_id, name=name, lines=data)
            .on_conflict_do_update(constraint="prescription_templates_name_once", set_={"lines": data})
            .returning(PrescriptionTemplate.id))

    def remove_template(self, doctor_id: int, template_id: int) -> bool:
        result = self._session.execute(delete(PrescriptionTemplate).where(
            PrescriptionTemplate.id == template_id, PrescriptionTemplate.doctor_id == doctor_id))
        return result.rowcount > 0  # type: ignore[attr-defined]

    # --- follow-ups for the front desk ------------------------------------------------------------------------

    def request_follow_up(self, *, appointment_id: int, patient_id: int, doctor_id: int | None, due_on: date) -> int:
        return self._session.scalar(
            insert(FollowUpRequestRow).values(appointment_id=appointment_id, patient_id=patient_id,
                                              doctor_id=doctor_id, due_on=due_on)
            .on_conflict_do_update(constraint="follow_up_requests_once",
                                   set_={"due_on": due_on, "closed_at": None, "closed_by": None})
            .returning(FollowUpRequestRow.id))

    def open_follow_ups(self, limit: int = 200) -> list[FollowUpRequest]:
        rows = self._session.execute(text("""
            SELECT f.id, f.appointment_id, f.patient_id, u.full_name AS patient_name, p.patient_number,
                   u.phone, f.doctor_id, d.full_name AS doctor_name, f.due_on, f.created_at
            FROM follow_up_requests f JOIN users u ON u.id = f.patient_id
            LEFT JOIN patient_profiles p ON p.user_id = f.patient_id
            LEFT JOIN users d ON d.id = f.doctor_id
            WHERE f.closed_at IS NULL ORDER BY f.due_on, f.id LIMIT :limit"""), {"limit": limit})
        return [FollowUpRequest(id=r.id, appointment_id=r.appointment_id, patient_id=r.patient_id,
                                patient_name=r.patient_name, patient_number=r.patient_number, patient_phone=r.phone,
                                doctor_id=r.doctor_id, doctor_name=r.doctor_name, due_on=r.due_on,
                                created_at=r.created_at) for r in rows]

    def close_follow_up(self, request_id: int, closed_by: int, now: datetime) -> bool:
        result = self._session.execute(
            update(FollowUpRequestRow).where(FollowUpRequestRow.id == request_id,
                                             FollowUpRequestRow.closed_at.is_(None))
            .values(closed_at=now, closed_by=closed_by))
        return result.rowcount > 0  # type: ignore[attr-defined]

    def drop_follow_up_request(self, appointment_id: int) -> None:
        self._session.execute(delete(FollowUpRequestRow).where(FollowUpRequestRow.appointment_id == appointment_id,
                                                               FollowUpRequestRow.closed_at.is_(None)))


    # --- a doctor's unsaved draft (0024) -----------------------------------------------------------------------

    def unsaved_draft(self, appointment_id: int, author_id: int) -> tuple[dict[str, Any], datetime] | None:
        return self._now(self.unsaved_draft_later(appointment_id, author_id))

    def unsaved_draft_later(self, appointment_id: int, author_id: int
                            ) -> Later[tuple[dict[str, Any], datetime] | None]:
        return Later(select(ConsultationDraftRow.content, ConsultationDraftRow.kept_at).where(
            ConsultationDraftRow.appointment_id == appointment_id, ConsultationDraftRow.author_id == author_id),
            lambda rows: (rows[0].content, rows[0].kept_at) if rows else None)

    def keep_draft(self, appointment_id: int, author_id: int, content: dict[str, Any], now: datetime) -> None:
        statement = insert(ConsultationDraftRow).values(appointment_id=appointment_id, author_id=author_id,
                                                        content=content, kept_at=now)
        self._session.execute(statement.on_conflict_do_update(
            index_elements=[ConsultationDraftRow.appointment_id, ConsultationDraftRow.author_id],
            set_={"content": statement.excluded.content, "kept_at": statement.excluded.kept_at}))

    def drop_drafts(self, appointment_id: int, author_id: int | None = None) -> None:
        """The author's draft of the visit; with no author, every draft of it (the visit is completed)."""
        statement = delete(ConsultationDraftRow).where(ConsultationDraftRow.appointment_id == appointment_id)
        if author_id is not None:
            statement = statement.where(ConsultationDraftRow.author_id == author_id)
        self._session.execute(statement)


def _card(row: Any, medical_history: bool) -> PatientCard:
    return PatientCard(user_id=row.id, full_name=row.full_name, patient_number=row.patient_number,
                       phone=row.phone, gender=Gender(row.gender) if row.gender else None,
                       date_of_birth=row.date_of_birth, dob_is_estimate=bool(row.dob_is_estimate),
                       allergies=row.allergies, medical_history=row.medical_history if medical_history else None,
                       old_file_number=row.old_file_number, language=language_of(row.preferred_language))


def _visit(row: Any) -> dict[str, Any]:
    return {"symptoms": row.symptoms, "diagnosis": row.diagnosis, "vitals": _vitals(row), "advice": row.advice,
            "follow_up_on": row.follow_up_on, "follow_up_appointment_id": row.follow_up_appointment_id,
            "completed_at": row.completed_at, "lines": _lines(row.lines), "bill_id": row.bill_id,
            "follow_up_requested": row.follow_up_requested}


def _past_visit(r: Any) -> PastVisit:
    return PastVisit(appointment_id=r.id, starts_at=r.appointment_date, doctor_name=r.doctor_name, status=r.status,
                     symptoms=r.symptoms, diagnosis=r.diagnosis, prescription_text=r.prescription,
                     lines=_lines(r.lines), vitals=_vitals(r))
