"""Payments, refunds and UPI payment sessions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, cast, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from homa_desk.db.billing_repository import payment_record
from homa_desk.db.models import PAYMENT_METHOD, Bill, Payment, PaymentSession, Refund, User
from homa_desk.domain.billing import (
    PaymentMethod,
    PaymentRecord,
    PaymentState,
    ReferenceTaken,
    SessionStatus,
    UpiSession,
)


class PaymentRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, patient_id: int, bill_id: int | None, appointment_id: int | None, amount: Decimal,
            method: PaymentMethod, state: PaymentState, paid_at: datetime | None, received_by: int | None,
            transaction_id: str | None = None, upi_transaction_id: str | None = None,
            gateway_response: dict[str, Any] | None = None, payment_session_id: int | None = None,
            review_reason: str | None = None) -> int:
        """The new payment's id; ReferenceTaken when its UTR/RRN or gateway payment id already settles another
        payment (the unique indexes decide, so two desks typing the same UTR at once cannot both record it)."""
        payment_id = self._session.scalar(
            insert(Payment).values(
                patient_id=patient_id, bill_id=bill_id, appointment_id=appointment_id, amount=amount,
                currency="INR", payment_method=method.value, status=state.value, payment_date=paid_at,
                received_by=received_by, transaction_id=transaction_id, upi_transaction_id=upi_transaction_id,
                gateway_response=gateway_response, payment_session_id=payment_session_id,
                review_reason=review_reason)
            .on_conflict_do_nothing().returning(Payment.id))
        if payment_id is None:
            raise self.find_reference(method, upi_transaction_id, transaction_id) or ReferenceTaken(None)
        return payment_id

    def find_reference(self, method: PaymentMethod, reference: str | None,
                       transaction_id: str | None = None) -> ReferenceTaken | None:
        """ReferenceTaken naming the bill of the payment that already has this UTR/RRN (normalised as the unique
        index does) or this gateway payment id; None when no payment has either."""
        key = func.homa_settlement_reference(cast(method.value, PAYMENT_METHOD), reference)
        same = and_(func.homa_settlement_reference(Payment.payment_method, Payment.upi_transaction_id) == key,
                    Payment.upi_transaction_id.is_not(None))
        if transaction_id is not None:
            same = or_(same, Payment.transaction_id == transaction_id)
        found = self._session.execute(
            select(Bill.bill_number).select_from(Payment).outerjoin(Bill, Bill.id == Payment.bill_id).where(same)
            .limit(1)).first()
        return None if found is None else ReferenceTaken(found[0])

    def lock(self, payment_id: int) -> PaymentRecord | None:
        payment = self._session.scalars(select(Payment).where(Payment.id == payment_id).with_for_update()).first()
        return None if payment is None else payment_record(payment)

    def by_transaction_id(self, transaction_id: str) -> int | None:
        return self._session.scalar(select(Payment.id).where(Payment.transaction_id == transaction_id))

    def refund(self, payment_id: int, amount: Decimal, reason: str, refunded_by: int,
               reference: str | None = None) -> int:
        """Record a refund of `amount` (`reference`: the gateway refund id or bank reference, when the refund was
        made outside the desk); the payment turns `refunded` when nothing is left to refund."""
        payment = self._session.get(Payment, payment_id)
        assert payment is not None
        payment.refunded_amount = payment.refunded_amount + amount
        if payment.refunded_amount == payment.amount:
            payment.status = PaymentState.REFUNDED.value
        refund = Refund(payment_id=payment_id, amount=amount, reason=reason, refunded_by=refunded_by,
                        reference=reference)
        self._session.add(refund)
        self._session.flush()
        return refund.id


class PaymentSessionRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, session_id: str, patient_id: int, bill_id: int, amount: Decimal, upi_link: str,
            expires_at: datetime, gateway: str, created_by: int | None) -> int:
        row = PaymentSession(session_id=session_id, patient_id=patient_id, bill_id=bill_id, amount=amount,
                             upi_link=upi_link, expires_at=expires_at, gateway=gateway, created_by=created_by)
        self._session.add(row)
        self._session.flush()
        return row.id

    def attach_qr(self, session_pk: int, qr_id: str, upi_link: str | None) -> None:
        values: dict[str, object] = {"gateway_qr_id": qr_id}
        if upi_link:
            values["upi_link"] = upi_link
        self._session.execute(update(PaymentSession).where(PaymentSession.id == session_pk).values(**values))

    def get(self, session_pk: int, *, lock: bool = False) -> UpiSession | None:
        stmt = (select(PaymentSession, User.full_name, Bill.bill_number, Payment.id)
                .join(User, User.id == PaymentSession.patient_id)
                .outerjoin(Bill, Bill.id == PaymentSession.bill_id)
                .outerjoin(Payment, (Payment.payment_session_id == PaymentSession.id)
                           & (Payment.status == PaymentState.COMPLETED.value))
                .where(PaymentSession.id == session_pk))
        if lock:
            stmt = stmt.with_for_update(of=PaymentSession)
        row = self._session.execute(stmt).first()
        return None if row is None else _session_view(*row)

    def finish(self, session_pk: int, status: SessionStatus, *, now: datetime,
               review_reason: str | None = None) -> bool:
        """Move an active session to a final status; False when another desk settled it first."""
        result = self._session.execute(
            update(PaymentSession)
            .where(PaymentSession.id == session_pk, PaymentSession.status == SessionStatus.ACTIVE.value)
            .values(status=status.value, closed_at=now, review_reason=review_reason)
            .returning(PaymentSession.id)
        ).first()
        return result is not None

    def active(self) -> list[int]:
        return list(self._session.scalars(
            select(PaymentSession.id).where(PaymentSession.status == SessionStatus.ACTIVE.value)
            .order_by(PaymentSession.id)))

    def closed_since(self, since: datetime) -> list[int]:
        """Sessions with a QR that ended since `since` (expired, cancelled, paid or in review), whose QR a late or
        second payment could still reach."""
        return list(self._session.scalars(
            select(PaymentSession.id).where(
                PaymentSession.status != SessionStatus.ACTIVE.value,
                PaymentSession.gateway_qr_id.is_not(None), PaymentSession.closed_at >= since)
            .order_by(PaymentSession.id)))

    def active_for_bill(self, bill_id: int) -> int | None:
        return self._session.scalar(select(PaymentSession.id).where(
            PaymentSession.bill_id == bill_id, PaymentSession.status == SessionStatus.ACTIVE.value))


def _session_view(row: PaymentSession, full_name: str, bill_number: str | None, payment_id: int | None) -> UpiSession:
    return UpiSession(
        id=row.id, session_id=row.session_id, bill_id=row.bill_id, bill_number=bill_number,
        patient_id=row.patient_id, patient_first_name=(full_name.split() or [""])[0], amount=row.amount,
        currency=row.currency, upi_link=row.upi_link, status=SessionStatus(row.status), expires_at=row.expires_at,
        gateway=row.gateway, gateway_qr_id=row.gateway_qr_id, review_reason=row.review_reason, payment_id=payment_id,
        created_at=row.created_at, created_by=row.created_by,
    )
