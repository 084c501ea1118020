"""Advances (schema 0029): the patient's money paid ahead, its uses on bills and its refunds."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, aliased

from homa_desk.db.billing_repository import (
    advance_use_list,
    advance_uses,
    advance_uses_query,
    advances_available,
    payment_record,
)
from homa_desk.db.models import AdvanceApplication, PatientAdvance, PatientProfile, Payment, Refund, User
from homa_desk.db.together import Later, together_on
from homa_desk.domain.advances import Advance, AdvanceRefund, AdvanceUse, PatientAdvances
from homa_desk.domain.timeutil import utcnow

_LIVE = AdvanceApplication.returned_at.is_(None)


class AdvanceRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, patient_id: int, payment_id: int, purpose: str, created_by: int) -> int:
        return self._session.scalar(insert(PatientAdvance).values(
            patient_id=patient_id, payment_id=payment_id, purpose=purpose, created_by=created_by)
            .returning(PatientAdvance.id))

    def lock(self, advance_ids: list[int]) -> None:
        """The advances' payment rows locked, in id order (the order every desk takes them in): what the deferred
        check advances_within_amount locks at commit, taken first so the balance read after it is current."""
        self._session.execute(
            select(Payment.id).join(PatientAdvance, PatientAdvance.payment_id == Payment.id)
            .where(PatientAdvance.id.in_(advance_ids)).order_by(PatientAdvance.id).with_for_update(of=Payment))

    def get(self, advance_id: int) -> Advance | None:
        found = self._advances(PatientAdvance.id == advance_id)
        return found[0] if found else None

    def for_patient(self, patient_id: int) -> PatientAdvances:
        """The patient's advances with their uses and refunds: three reads sent together, one round trip."""
        receiver, by = aliased(User), aliased(User)
        theirs = PatientAdvance.patient_id == patient_id
        advances, uses, refunds = together_on(
            self._session,
            Later(select(PatientAdvance.id.label("advance_id"), PatientAdvance.patient_id.label("advance_patient"),
                         PatientAdvance.purpose, *Payment.__table__.c, receiver.full_name.label("received_by_name"),
                         User.full_name.label("patient_name"), PatientProfile.patient_number)
                  .select_from(PatientAdvance)
                  .join(Payment, Payment.id == PatientAdvance.payment_id)
                  .join(User, User.id == PatientAdvance.patient_id)
                  .outerjoin(PatientProfile, PatientProfile.user_id == PatientAdvance.patient_id)
                  .outerjoin(receiver, receiver.id == Payment.received_by)
                  .where(theirs).order_by(PatientAdvance.created_at.desc(), PatientAdvance.id.desc()), list),
            Later(advance_uses_query(AdvanceApplication.advance_id.in_(select(PatientAdvance.id).where(theirs))),
                  advance_use_list),
            Later(select(Refund.payment_id, Refund.id, Refund.amount, Refund.reason, Refund.reference,
                         Refund.created_at, by.full_name.label("refunded_by_name"))
                  .outerjoin(by, by.id == Refund.refunded_by)
                  .where(Refund.payment_id.in_(select(PatientAdvance.payment_id).where(theirs))).order_by(Refund.id),
                  list))
        used: dict[int, list[AdvanceUse]] = {}
        for use in uses:
            used.setdefault(use.advance_id, []).append(use)
        refunded: dict[int, list[AdvanceRefund]] = {}
        for r in refunds:
            refunded.setdefault(r.payment_id, []).append(AdvanceRefund(
                id=r.id, amount=r.amount, reason=r.reason, reference=r.reference, refunded_at=r.created_at,
                refunded_by=r.refunded_by_name))
        return PatientAdvances(tuple(
            Advance(id=a.advance_id, patient_id=a.advance_patient, patient_name=a.patient_name,
                    patient_number=a.patient_number, purpose=a.purpose,
                    payment=payment_record(a, a.received_by_name), uses=tuple(used.get(a.advance_id, ())),
                    refunds=tuple(refunded.get(a.id, ()))) for a in advances))

    def available(self, patient_id: int) -> Decimal:
        """What is left of the patient's advances, in one statement."""
        return advances_available(self._session, patient_id)

    def uses_on_bill(self, bill_id: int) -> tuple[AdvanceUse, ...]:
        return tuple(advance_uses(self._session, AdvanceApplication.bill_id == bill_id))

    def apply(self, *, advance_id: int, bill_id: int, amount: Decimal, applied_by: int) -> int:
        return self._session.scalar(insert(AdvanceApplication).values(
            advance_id=advance_id, bill_id=bill_id, amount=amount, applied_by=applied_by)
            .returning(AdvanceApplication.id))

    def return_all(self, bill_id: int, *, returned_by: int, reason: str) -> list[tuple[int, int, Decimal]]:
        """Every live use on the bill goes back to its advance: [(use id, advance id, amount)]."""
        rows = self._session.execute(
            update(AdvanceApplication).where(AdvanceApplication.bill_id == bill_id, _LIVE)
            .values(returned_at=utcnow(), returned_by=returned_by, return_reason=reason)
            .returning(AdvanceApplication.id, AdvanceApplication.advance_id, AdvanceApplication.amount))
        return [(r[0], r[1], r[2]) for r in rows]

    def _advances(self, condition: object) -> list[Advance]:
        receiver = aliased(User)
        rows = self._session.execute(
            select(PatientAdvance, Payment, receiver.full_name, User.full_name, PatientProfile.patient_number)
            .join(Payment, Payment.id == PatientAdvance.payment_id)
            .join(User, User.id == PatientAdvance.patient_id)
            .outerjoin(PatientProfile, PatientProfile.user_id == PatientAdvance.patient_id)
            .outerjoin(receiver, receiver.id == Payment.received_by)
            .where(condition).order_by(PatientAdvance.created_at.desc(), PatientAdvance.id.desc())).all()
        if not rows:
            return []
        ids = [row[0].id for row in rows]
        uses: dict[int, list[AdvanceUse]] = {}
        for use in advance_uses(self._session, AdvanceApplication.advance_id.in_(ids)):
            uses.setdefault(use.advance_id, []).append(use)
        refunds: dict[int, list[AdvanceRefund]] = {}
        by = aliased(User)
        for payment_id, refund, name in self._session.execute(
                select(Refund.payment_id, Refund, by.full_name).outerjoin(by, by.id == Refund.refunded_by)
                .where(Refund.payment_id.in_([row[1].id for row in rows])).order_by(Refund.id)):
            refunds.setdefault(payment_id, []).append(AdvanceRefund(
                id=refund.id, amount=refund.amount, reason=refund.reason, reference=refund.reference,
                refunded_at=refund.created_at, refunded_by=name))
        return [Advance(id=a.id, patient_id=a.patient_id, patient_name=patient, patient_number=number,
                        purpose=a.purpose, payment=payment_record(p, received_by),
                        uses=tuple(uses.get(a.id, ())), refunds=tuple(refunds.get(p.id, ())))
                for a, p, received_by, patient, number in rows]
