"""Bills paid at chosen moments, for the payment history and daily collection tests (through the real services)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from homa_desk.domain.billing import LineInput, PaymentMethod, PaymentState
from homa_desk.services import billing

IST = ZoneInfo("Asia/Kolkata")


def ist(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=IST)


def paid_bill(uow, actor, patient_id: int, amount: str, *, at: datetime, method: str = "cash",
              doctor_id: int | None = None, reference: str = ""):
    """A bill of `amount` paid in full at `at`; returns the BillView after payment."""
    bill = billing.create_bill(uow, actor, patient_id=patient_id, doctor_id=doctor_id,
                               lines=[LineInput("consultation", "Consultation", "1", amount)])
    if method == "upi" and not reference:
        reference = f"UTR{bill.id:09d}"
    return billing.record_payment(uow, actor, bill.id, amount=amount, method=method, reference=reference, now=at)


def pending_payment(uow, patient_id: int, bill_id: int, amount: str, *, at: datetime) -> int:
    """A UPI payment held for review (the gateway reported a wrong amount), as the UPI service records it."""
    with uow:
        payment_id = uow.payments.add(patient_id=patient_id, bill_id=bill_id, appointment_id=None,
                                      amount=Decimal(amount), method=PaymentMethod.UPI, state=PaymentState.PENDING,
                                      paid_at=at, received_by=None, transaction_id=f"pay_{bill_id}_{amount}",
                                      review_reason="Paid ₹1.00 instead of the amount asked")
        uow.commit()
    return payment_id
