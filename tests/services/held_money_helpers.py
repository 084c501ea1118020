"""Money held for review, as the UPI reconciliation records it (a pending payment with a review reason)."""

from __future__ import annotations

import itertools
from decimal import Decimal

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import BillView, PaymentMethod, PaymentState
from homa_desk.domain.timeutil import utcnow

_ids = itertools.count(1)
LATE = "paid after the QR had closed"


def hold(uow: UnitOfWork, bill: BillView, amount: str, reason: str = LATE) -> int:
    """₹`amount` held on `bill`, with its own gateway payment id and UTR."""
    n = next(_ids)
    with uow:
        payment_id = uow.payments.add(
            patient_id=bill.patient_id, bill_id=bill.id, appointment_id=None, amount=Decimal(amount),
            method=PaymentMethod.UPI, state=PaymentState.PENDING, paid_at=utcnow(), received_by=None,
            transaction_id=f"pay_Held{n:08d}", upi_transaction_id=f"{611000000000 + n}", review_reason=reason)
        uow.commit()
    return payment_id
