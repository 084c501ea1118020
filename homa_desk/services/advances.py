"""Advances: a patient pays ahead (a procedure deposit, a package), the money sits on the patient's account, is
applied to later bills (part or whole) and can be refunded by an admin.

The advance's money is a payment on no bill (cash, card, net banking, wallet, or UPI with its UTR, checked as at
"Take payment…"), so the day's collection counts it on the day it was received, by its method; applying it to a bill
moves no money and is never collected again; a refund is a `refunds` row on its payment, subtracted on its day.
Each use case is one transaction. Applying locks the bill, then the patient's advances (their payment rows, in id
order), and reads the balance under those locks; PostgreSQL checks the same at commit (advances_within_amount,
bills_not_overpaid, advance_applications_same_patient, schema 0029), whatever code writes the rows.
"""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.advances import Advance, PatientAdvances, purpose_text
from homa_desk.domain.billing import (
    BillStatus,
    BillView,
    PaymentMethod,
    PaymentState,
    ReferenceTaken,
    payment_method_and_reference,
)
from homa_desk.domain.errors import Conflict, NotFound, ValidationError
from homa_desk.domain.held_money import refund_details
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services.billing import FRONT_DESK, QR_OPEN, locked_bill, settle_bill_status

log = logging.getLogger(__name__)


def receive_advance(uow: UnitOfWork, actor: Actor, patient_id: int, *, amount: str | Decimal,
                    method: PaymentMethod | str, reference: str = "", purpose: str = "",
                    now: datetime | None = None) -> Advance:
    """Money a patient pays ahead, by any method the desk takes (UPI by its UTR); audited as `advance_received`."""
    actor.require(*FRONT_DESK)
    value = validation.amount(amount)
    method, reference, gateway_id = payment_method_and_reference(method, reference)
    purpose = purpose_text(purpose)
    with uow.acting(actor, *FRONT_DESK):
        if not uow.bills.patient_exists(patient_id):
            raise NotFound("No such patient.")
        try:
            payment_id = uow.payments.add(
                patient_id=patient_id, bill_id=None, appointment_id=None, amount=value, method=method,
                state=PaymentState.COMPLETED, paid_at=now or utcnow(), received_by=actor.user_id,
                transaction_id=gateway_id, upi_transaction_id=None if gateway_id else reference or None)
        except ReferenceTaken as taken:
            raise taken.on("reference") from None
        advance_id = uow.advances.add(patient_id=patient_id, payment_id=payment_id, purpose=purpose,
                                      created_by=actor.user_id)
        uow.audit.record(actor, "advance_received", "advance", advance_id, after={
            "patient_id": patient_id, "payment_id": payment_id, "amount": str(value), "method": method.value,
            "purpose": purpose})
        uow.commit()
        advance = uow.advances.get(advance_id)
    assert advance is not None
    log.info("advance %s received by user %s", advance_id, actor.user_id)
    return advance


def get_advance(uow: UnitOfWork, actor: Actor, advance_id: int) -> Advance:
    """One advance with its uses and refunds (the advance receipt prints it)."""
    with uow.reading(actor, *FRONT_DESK):
        advance = uow.advances.get(advance_id)
    if advance is None:
        raise NotFound("No such advance.")
    return advance


def patient_advances(uow: UnitOfWork, actor: Actor, patient_id: int) -> PatientAdvances:
    """A patient's advances and what is left of them (the profile shows it to every staff role)."""
    with uow.reading(actor, *STAFF_ROLES):
        return uow.advances.for_patient(patient_id)


def apply_advance(uow: UnitOfWork, actor: Actor, bill_id: int, *, amount: str | Decimal) -> BillView:
    """Use `amount` of the patient's advances on one of the patient's bills, oldest advance first.

    At most the balance due and at most what is left; refused on a cancelled bill and while a UPI QR for it can
    still be paid (the patient could pay both). Audited as `advance_applied` with the bill's balance before/after.
    """
    actor.require(*FRONT_DESK)
    value = validation.amount(amount)
    with uow.acting(actor, *FRONT_DESK):
        status, total, patient_id = locked_bill(uow, bill_id)
        if status is BillStatus.CANCELLED:
            raise Conflict("This bill is cancelled.")
        if uow.upi_sessions.active_for_bill(bill_id) is not None:
            raise Conflict(QR_OPEN)
        due = total - uow.bills.net_paid(bill_id)
        if value > due:
            raise ValidationError("amount", "Only ₹{due} is due on this bill.", due=due)
        usable = uow.advances.for_patient(patient_id).usable()
        uow.advances.lock([a.id for a in usable])
        usable = uow.advances.for_patient(patient_id).usable()  # read again under the locks
        left = sum((a.available for a in usable), Decimal("0.00"))
        if value > left:
            raise ValidationError("amount", "Only {left} of the patient's advances is left.", left=format_inr(left))
        used, to_use = [], value
        for advance in usable:
            part = min(advance.available, to_use)
            if part <= 0:
                break
            uow.advances.apply(advance_id=advance.id, bill_id=bill_id, amount=part, applied_by=actor.user_id)
            used.append({"advance_id": advance.id, "amount": str(part)})
            to_use -= part
        settle_bill_status(uow, bill_id, total)
        uow.audit.record(actor, "advance_applied", "bill", bill_id, before={"balance_due": str(due)},
                         after={"balance_due": str(due - value), "advances": used})
        uow.commit()
        view = uow.bills.view(bill_id)
    assert view is not None
    log.info("advance of %s applied to bill %s by user %s", value, bill_id, actor.user_id)
    return view


def refund_advance(uow: UnitOfWork, actor: Actor, advance_id: int, *, amount: str | Decimal, reference: str,
                   reason: str) -> Advance:
    """Admins record a refund of what is left of an advance (cash handed back, a bank transfer, a card reversal),
    with its reference and a reason; audited as `advance_refunded` with before and after."""
    actor.require(Role.ADMIN)
    value = validation.amount(amount)
    details = refund_details(reference, reason)
    with uow.acting(actor, Role.ADMIN):
        found = uow.advances.get(advance_id)
        if found is None:
            raise NotFound("No such advance.")
        uow.advances.lock([advance_id])
        advance = uow.advances.get(advance_id)
        assert advance is not None
        if value > advance.available:
            raise ValidationError("amount", "Only {left} of this advance is left to refund.",
                                  left=format_inr(advance.available))
        used_by = uow.held_money.refund_with_reference(details.reference)
        if used_by is not None:
            raise ValidationError("reference", "This reference is already recorded for a refund (payment {payment}).",
                                  payment=used_by)
        refund_id = uow.payments.refund(advance.payment.id, value, details.reason, actor.user_id, details.reference)
        uow.audit.record(actor, "advance_refunded", "advance", advance_id,
                         before={"refunded": str(advance.refunded), "available": str(advance.available)},
                         after={"refunded": str(advance.refunded + value), "available": str(advance.available - value),
                                "refund_id": refund_id, "reference": details.reference, "reason": details.reason})
        uow.commit()
        after = uow.advances.get(advance_id)
    assert after is not None
    log.info("advance %s refunded by user %s", advance_id, actor.user_id)
    return after
