"""Resolving money held for review (see domain/held_money.py): an admin accepts it toward its bill, refunds it (all
or part), or moves it to another open bill of the same patient.

Each resolution is one transaction: the payment row is locked first and checked to be still held, so of two admins
resolving the same payment at once one wins and the other is told it was resolved; then the bill is locked and its
balance read. Each is audited with before and after, and the audit insert refuses an actor whose account is no
longer an active admin, which rolls the whole resolution back. Refunds happen outside the desk (the gateway's
dashboard, a bank transfer); the desk records them with their reference.
"""

from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.billing import BillStatus, BillView, PaymentRecord
from homa_desk.domain.errors import Conflict, NotFound, ValidationError
from homa_desk.domain.held_money import ZERO, HeldPayment, OpenBill, RefundDetails, is_held, refund_details
from homa_desk.domain.money import format_inr
from homa_desk.domain.roles import Actor, Role
from homa_desk.services.billing import FRONT_DESK, locked_bill, settle_bill_status

log = logging.getLogger(__name__)

NO_LONGER_HELD = "This money is no longer held: another admin has just resolved it. Refresh to see what was done."


def list_held(uow: UnitOfWork, actor: Actor, *, limit: int = 200) -> list[HeldPayment]:
    """All money held for review, oldest first. The front desk may look; only admins resolve."""
    with uow.reading(actor, *FRONT_DESK):
        return uow.held_money.all_held(limit=max(1, min(limit, 1000)))


def move_targets(uow: UnitOfWork, actor: Actor, payment_id: int) -> list[OpenBill]:
    """The open bills of the held payment's patient, other than its own: where it can be moved."""
    with uow.reading(actor, Role.ADMIN):
        owner = uow.held_money.owner(payment_id)
        if owner is None:
            raise NotFound("No such payment.")
        patient_id, bill_id = owner
        if patient_id is None:
            return []  # gateway money of no patient: the admin names the bill (move_held takes any open bill)
        return uow.held_money.open_bills(patient_id, other_than=bill_id)


def accept_held(uow: UnitOfWork, actor: Actor, payment_id: int, *, refund_reference: str = "",
                refund_reason: str = "") -> BillView:
    """Count the held money toward its own bill. More than the balance due: the excess is refunded in the same step,
    with the refund's reference and reason (one gateway payment is never split over two bills)."""
    actor.require(Role.ADMIN)
    with uow:
        payment, _patient_id = _locked_held(uow, payment_id)
        if payment.bill_id is None:
            raise Conflict("This money has no bill: move it to one of the patient's bills or refund it.")
        before = _state(payment)
        after = _count_toward(uow, actor, payment, payment.bill_id, refund_reference, refund_reason)
        uow.audit.record(actor, "held_payment_accepted", "payment", payment_id, before=before, after=after)
        uow.commit()
        view = uow.bills.view(payment.bill_id)
    log.info("held payment %s accepted by user %s", payment_id, actor.user_id)
    assert view is not None
    return view


def move_held(uow: UnitOfWork, actor: Actor, payment_id: int, to_bill_id: int, *, refund_reference: str = "",
              refund_reason: str = "") -> BillView | None:
    """Count the held money toward another open bill of the same patient (more than its balance: the excess is
    refunded in the same step, as in accept_held). Money that came with no patient (captured at the gateway on no
    QR of the desk) may go to any open bill and becomes that bill's patient's. Returns the bill the money was held
    on, or the new one."""
    actor.require(Role.ADMIN)
    with uow:
        payment, patient_id = _locked_held(uow, payment_id)
        if to_bill_id == payment.bill_id:
            raise ValidationError("bill", "Choose another bill, or accept the money toward this one.")
        found = uow.bills.lock(to_bill_id)
        if found is None or (patient_id is not None and found[2] != patient_id):
            raise ValidationError("bill", "Choose one of this patient's open bills.")
        before = _state(payment)
        after = _count_toward(uow, actor, payment, to_bill_id, refund_reference, refund_reason,
                              patient_id=found[2] if patient_id is None else None)
        uow.audit.record(actor, "held_payment_moved", "payment", payment_id, before=before, after=after)
        uow.commit()
        view = uow.bills.view(payment.bill_id or to_bill_id)
    log.info("held payment %s moved to bill %s by user %s", payment_id, to_bill_id, actor.user_id)
    return view


def refund_held(uow: UnitOfWork, actor: Actor, payment_id: int, *, amount: str | Decimal, reference: str,
                reason: str) -> BillView | None:
    """Record a refund of all or part of the held money, made at the gateway or by bank transfer. What is not
    refunded stays held; refunded in full, the payment is no longer held. Returns its bill, if it has one."""
    actor.require(Role.ADMIN)
    value = validation.amount(amount)
    details = refund_details(reference, reason)
    with uow:
        payment, _patient_id = _locked_held(uow, payment_id)
        held = payment.amount - payment.refunded_amount
        if value > held:
            raise ValidationError("amount", "Only {amount} is held.", amount=format_inr(held))
        before = _state(payment)
        refund_id = _refund(uow, actor, payment_id, value, details)
        released = uow.held_money.release_if_refunded(payment_id)
        uow.audit.record(actor, "held_payment_refunded", "payment", payment_id, before=before, after={
            "state": "refunded" if released else "pending", "refunded_amount": str(payment.refunded_amount + value),
            "refund_id": refund_id, "refund": str(value), "refund_reference": details.reference,
            "reason": details.reason, "still_held": str(held - value)})
        uow.commit()
        view = uow.bills.view(payment.bill_id) if payment.bill_id is not None else None
    log.info("held payment %s: %s refunded by user %s", payment_id, "all" if released else "part", actor.user_id)
    return view


def _locked_held(uow: UnitOfWork, payment_id: int) -> tuple[PaymentRecord, int | None]:
    found = uow.held_money.lock(payment_id)
    if found is None:
        raise NotFound("No such payment.")
    if not is_held(found[0]):
        raise Conflict(NO_LONGER_HELD)
    return found


def _count_toward(uow: UnitOfWork, actor: Actor, payment: PaymentRecord, bill_id: int, refund_reference: str,
                  refund_reason: str, *, patient_id: int | None = None) -> dict[str, Any]:
    """Inside the transaction, with the payment locked: lock the bill, refund what is over its balance, and make
    the payment count toward it. Returns the audit's `after`."""
    status, total, _patient_id = locked_bill(uow, bill_id)
    if status is BillStatus.CANCELLED:
        raise Conflict("That bill is cancelled: refund the money or move it to another bill.")
    due = total - uow.bills.net_paid(bill_id)
    held = payment.amount - payment.refunded_amount
    if due <= 0:
        raise Conflict("Nothing is due on that bill: refund the money or move it to another bill.")
    after: dict[str, Any] = {"state": "completed", "bill_id": bill_id, "accepted": str(min(held, due))}
    excess = held - due
    if excess > ZERO:
        if not (refund_reference or "").strip():
            raise ValidationError("reference", "Only {due} is due, so the other {excess} is refunded: enter the "
                                               "refund's reference.", due=format_inr(due), excess=format_inr(excess))
        details = refund_details(refund_reference, refund_reason)
        after.update(refund_id=_refund(uow, actor, payment.id, excess, details), refund=str(excess),
                     refund_reference=details.reference, reason=details.reason)
    uow.held_money.accept(payment.id, bill_id, patient_id)
    if patient_id is not None:
        after["patient_id"] = patient_id
    settle_bill_status(uow, bill_id, total)
    after["refunded_amount"] = str(payment.refunded_amount + max(excess, ZERO))
    return after


def _refund(uow: UnitOfWork, actor: Actor, payment_id: int, value: Decimal, details: RefundDetails) -> int:
    used_by = uow.held_money.refund_with_reference(details.reference)
    if used_by is not None:
        raise ValidationError("reference", "This reference is already recorded for a refund (payment {payment}).",
                              payment=used_by)
    return uow.payments.refund(payment_id, value, details.reason, actor.user_id, details.reference)


def _state(payment: PaymentRecord) -> dict[str, Any]:
    return {"state": payment.state.value, "bill_id": payment.bill_id, "amount": str(payment.amount),
            "refunded_amount": str(payment.refunded_amount), "review_reason": payment.review_reason}
