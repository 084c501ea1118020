"""Money held for review: pending payments with a review reason, and the bills they can go to."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from homa_desk.db.billing_repository import payment_record
from homa_desk.db.models import Bill, PatientProfile, Payment, PaymentSession, Refund, User
from homa_desk.domain.billing import BillStatus, PaymentMethod, PaymentRecord, PaymentState
from homa_desk.domain.held_money import HeldPayment, OpenBill
from homa_desk.domain.reports import NO_PATIENT

_HELD = (Payment.status == PaymentState.PENDING.value, Payment.review_reason.is_not(None))
_COUNTED = ("completed", "refunded")


class HeldMoneyRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def lock(self, payment_id: int) -> tuple[PaymentRecord, int | None] | None:
        """(the payment, its patient's id: None for gateway money on no desk QR), row-locked for the rest of the
        transaction."""
        payment = self._session.scalars(select(Payment).where(Payment.id == payment_id).with_for_update()).first()
        return None if payment is None else (payment_record(payment), payment.patient_id)

    def owner(self, payment_id: int) -> tuple[int | None, int | None] | None:
        """(patient_id, bill_id) of a payment."""
        row = self._session.execute(select(Payment.patient_id, Payment.bill_id).where(Payment.id == payment_id)).first()
        return None if row is None else (row[0], row[1])

    def on_bill(self, bill_id: int) -> Decimal:
        """How much is held for review on the bill."""
        return self._session.scalar(
            select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
            .where(Payment.bill_id == bill_id, *_HELD))

    def all_held(self, *, limit: int) -> list[HeldPayment]:
        """Every held payment, oldest first, with patient, bill and gateway ids: one statement."""
        rows = self._session.execute(
            select(Payment, User.full_name, PatientProfile.patient_number, Bill.bill_number, Bill.status,
                   PaymentSession.gateway, PaymentSession.gateway_qr_id)
            .outerjoin(User, User.id == Payment.patient_id)  # gateway money on no desk QR has no patient (0019)
            .outerjoin(PatientProfile, PatientProfile.user_id == Payment.patient_id)
            .outerjoin(Bill, Bill.id == Payment.bill_id)
            .outerjoin(PaymentSession, PaymentSession.id == Payment.payment_session_id)
            .where(*_HELD).order_by(Payment.payment_date, Payment.id).limit(limit))
        return [HeldPayment(
            id=p.id, patient_id=p.patient_id, patient_name=name or NO_PATIENT, patient_number=number, bill_id=p.bill_id,
            bill_number=bill_number, bill_status=BillStatus(bill_status) if bill_status else None, amount=p.amount,
            refunded_amount=p.refunded_amount, method=PaymentMethod(p.payment_method), reason=p.review_reason or "",
            paid_at=p.payment_date, gateway_payment_id=p.transaction_id, utr=p.upi_transaction_id, gateway=gateway,
            gateway_qr_id=qr_id) for p, name, number, bill_number, bill_status, gateway, qr_id in rows]

    def open_bills(self, patient_id: int, *, other_than: int | None) -> list[OpenBill]:
        """The patient's open bills (balance due), newest first, leaving out `other_than`."""
        paid = (select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
                .where(Payment.bill_id == Bill.id, Payment.status.in_(_COUNTED)).scalar_subquery())
        stmt = (select(Bill.id, Bill.bill_number, Bill.created_at, Bill.total, paid)
                .where(Bill.patient_id == patient_id, Bill.status == BillStatus.OPEN.value)
                .order_by(Bill.created_at.desc(), Bill.id.desc()))
        if other_than is not None:
            stmt = stmt.where(Bill.id != other_than)
        return [OpenBill(id=r[0], bill_number=r[1], created_at=r[2], total=r[3], paid=Decimal(r[4]))
                for r in self._session.execute(stmt) if r[3] > r[4]]

    def refund_with_reference(self, reference: str) -> int | None:
        """The payment whose refund carries this reference, if one does."""
        return self._session.scalar(select(Refund.payment_id).where(Refund.reference == reference))

    def accept(self, payment_id: int, bill_id: int, patient_id: int | None = None) -> None:
        """The held payment counts toward `bill_id` from now on; the reason it was held stays in the audit log.
        `patient_id`: the bill's patient, for money that came with none (gateway money on no desk QR)."""
        values: dict[str, object] = {"status": PaymentState.COMPLETED.value, "review_reason": None,
                                     "bill_id": bill_id}
        if patient_id is not None:
            values["patient_id"] = patient_id
        self._session.execute(update(Payment).where(Payment.id == payment_id).values(**values))

    def release_if_refunded(self, payment_id: int) -> bool:
        """After a refund: a payment refunded in full is no longer held. True when it was released."""
        released = self._session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.refunded_amount == Payment.amount)
            .values(review_reason=None).returning(Payment.id)).first()
        return released is not None
