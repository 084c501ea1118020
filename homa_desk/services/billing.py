"""Bills and the payments against them: create, pay in part or in full by any method, refund, cancel."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.advances import RETURNED_ON_CANCEL
from homa_desk.domain.appointments import day_bounds, local_day
from homa_desk.domain.billing import (
    BillLine,
    BillStatus,
    BillView,
    LineInput,
    LineKind,
    PatientAccount,
    PaymentMethod,
    PaymentState,
    ReferenceTaken,
    UnbilledVisit,
    bill_number,
    financial_year,
    payment_method_and_reference,
    totals,
    validate_lines,
)
from homa_desk.domain.errors import Conflict, NotFound, ValidationError
from homa_desk.domain.gst import state_code
from homa_desk.domain.roles import STAFF_ROLES, Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import notifications
from homa_desk.services.price_list import default_sac, price_lines

log = logging.getLogger(__name__)

FRONT_DESK = (Role.ADMIN, Role.RECEPTIONIST)
MAX_REASON = 500
QR_OPEN = ("A UPI QR for this bill can still be paid. Cancel it on the UPI screen (or use Switch to cash) before "
           "taking another payment, so the patient cannot pay twice.")


def create_bill(uow: UnitOfWork, actor: Actor, *, patient_id: int, lines: Iterable[LineInput],
                appointment_id: int | None = None, doctor_id: int | None = None, notes: str = "",
                now: datetime | None = None, place_of_supply: str | None = None) -> BillView:
    """A bill for a visit (appointment) or a walk-in, numbered within the financial year (April–March).

    Lines from the price list keep its GST rate and SAC/HSN (price_list.price_lines); `place_of_supply` is the GST
    state code the bill is made out for (None: the clinic's own state)."""
    actor.require(*FRONT_DESK)
    checked = validate_lines(lines)
    validation.storable(notes or "", "notes", "The note")
    place = state_code(place_of_supply) if place_of_supply else None
    with uow:
        checked = price_lines(uow, checked, by_admin=actor.role is Role.ADMIN)
        bill_id = _add_bill(uow, actor, patient_id=patient_id, lines=checked, appointment_id=appointment_id,
                            doctor_id=doctor_id, notes=notes, now=now or utcnow(), place_of_supply=place)
        uow.commit()
        view = uow.bills.view(bill_id)
    assert view is not None
    log.info("bill %s created by user %s", bill_id, actor.user_id)
    return view


def consultation_bill(uow: UnitOfWork, actor: Actor, appointment_id: int, *, now: datetime | None = None) -> BillView:
    """The visit's bill with the doctor's consultation fee; the existing one when the visit is already billed.

    Doctors may call it: completing a consultation hands the bill over to the front desk.
    """
    with uow.acting(actor, Role.ADMIN, Role.RECEPTIONIST, Role.DOCTOR):
        bill_id = add_consultation_bill(uow, actor, appointment_id, now or utcnow())
        uow.commit()
        view = uow.bills.view(bill_id)
    assert view is not None
    return view


def add_consultation_bill(uow: UnitOfWork, actor: Actor, appointment_id: int, now: datetime) -> int:
    """Inside an open unit of work: the visit's bill id, creating it with the doctor's fee when there is none.

    Completing a consultation calls it in the same transaction that completes the appointment.
    """
    actor.require(Role.ADMIN, Role.RECEPTIONIST, Role.DOCTOR)
    existing = uow.bills.for_appointment(appointment_id)
    if existing is not None:
        return existing
    visit = uow.bills.visit(appointment_id)
    if visit is None:
        raise NotFound("No such appointment.")
    patient_id, doctor_id, fee, doctor_name = visit
    description = f"Consultation — {doctor_name}" if doctor_name else "Consultation"
    line = BillLine(LineKind.CONSULTATION, description[:200], Decimal("1"), fee,
                    sac_hsn=default_sac(LineKind.CONSULTATION))
    return _add_bill(uow, actor, patient_id=patient_id, lines=[line], appointment_id=appointment_id,
                     doctor_id=doctor_id, notes="", now=now)


def _add_bill(uow: UnitOfWork, actor: Actor, *, patient_id: int, lines: list[BillLine], appointment_id: int | None,
              doctor_id: int | None, notes: str, now: datetime, place_of_supply: str | None = None) -> int:
    is_patient, visit_of_patient, active_doctor = uow.bills.links(patient_id, appointment_id, doctor_id)
    if not is_patient:
        raise NotFound("No such patient.")
    if not visit_of_patient:
        raise ValidationError("appointment_id", "This visit is not one of this patient's.")
    if not active_doctor:
        raise ValidationError("doctor_id", "The bill's doctor must be an active doctor of the clinic.")
    if appointment_id is not None and uow.bills.for_appointment(appointment_id) is not None:
        raise Conflict("This visit already has a bill; open it instead.")
    notes = " ".join((notes or "").split())[:MAX_REASON] or None
    fy = financial_year(to_local(now).date())
    serial = uow.bills.take_serial(fy)
    total = totals(lines).total
    bill_id = uow.bills.add(bill_number=bill_number(fy, serial), financial_year=fy, serial=serial,
                            patient_id=patient_id, appointment_id=appointment_id, doctor_id=doctor_id, lines=lines,
                            total=total, notes=notes, created_by=actor.user_id, place_of_supply=place_of_supply)
    uow.audit.record(actor, "bill_created", "bill", bill_id, after={
        "bill_number": bill_number(fy, serial), "total": str(total), "patient_id": patient_id,
        "lines": _audit_lines(lines),
    })
    if total == 0:
        uow.bills.set_status(bill_id, BillStatus.PAID)
    return bill_id


def update_lines(uow: UnitOfWork, actor: Actor, bill_id: int, lines: Iterable[LineInput], *,
                 notes: str | None = None, place_of_supply: str | None = None) -> BillView:
    """The bill's lines (and notes, and place of supply, unless None) replaced, while nothing has been paid on it: no
    payment (completed, refunded or held for review) and no UPI QR that can still be paid. Audited with both sides.
    A line kept as it was keeps the GST it was billed at."""
    actor.require(*FRONT_DESK)
    checked = validate_lines(lines)
    if notes is not None:
        validation.storable(notes, "notes", "The note")
    place = state_code(place_of_supply) if place_of_supply else None
    with uow:
        status, before_total, _ = locked_bill(uow, bill_id)
        if status is BillStatus.CANCELLED:
            raise Conflict("This bill is cancelled.")
        if uow.bills.has_payments(bill_id):
            raise Conflict("Money has been paid (or is held) on this bill, so its lines can no longer change.")
        if uow.upi_sessions.active_for_bill(bill_id) is not None:
            raise Conflict("A UPI QR for this bill can still be paid: cancel it before changing the lines.")
        before = uow.bills.view(bill_id)
        assert before is not None
        checked = price_lines(uow, checked, before.lines, by_admin=actor.role is Role.ADMIN)
        kept_notes = before.notes if notes is None else " ".join(notes.split())[:MAX_REASON] or None
        total = totals(checked).total
        uow.bills.replace_lines(bill_id, checked, total, kept_notes, place or before.place_of_supply)
        uow.bills.set_status(bill_id, BillStatus.PAID if total == 0 else BillStatus.OPEN)
        uow.audit.record(actor, "bill_lines_changed", "bill", bill_id,
                         before={"total": str(before_total), "lines": _audit_lines(before.lines),
                                 "notes": before.notes},
                         after={"total": str(total), "lines": _audit_lines(checked), "notes": kept_notes})
        uow.commit()
        view = uow.bills.view(bill_id)
    assert view is not None
    log.info("bill %s lines changed by user %s", bill_id, actor.user_id)
    return view


def _audit_lines(lines: Iterable[BillLine]) -> list[dict[str, str]]:
    return [{"kind": x.kind.value, "description": x.description, "quantity": str(x.quantity),
             "unit_price": str(x.unit_price), "discount": str(x.discount), "gst_rate": str(x.gst_rate),
             "sac_hsn": x.sac_hsn, "price_item_id": x.price_item_id} for x in lines]


def get_bill(uow: UnitOfWork, actor: Actor, bill_id: int) -> BillView:
    with uow.reading(actor, *FRONT_DESK):
        view = uow.bills.view(bill_id)
    if view is None:
        raise NotFound("No such bill.")
    return view


def record_payment(uow: UnitOfWork, actor: Actor, bill_id: int, *, amount: str | Decimal, method: PaymentMethod | str,
                   reference: str = "", now: datetime | None = None) -> BillView:
    """Money received at the desk (cash, card, net banking, wallet, or UPI to the clinic's VPA with its UTR).

    Part payments are fine; more than the balance due is refused (the desk gives change, not credit). While a UPI
    QR of the bill can still be paid, other payments are refused: the patient could pay both (cancel the QR first,
    as "Switch to cash" does). A UTR, RRN or gateway payment id already recorded anywhere is refused, naming its bill.
    """
    actor.require(*FRONT_DESK)
    value = validation.amount(amount)
    method, reference, gateway_id = payment_method_and_reference(method, reference)
    with uow:
        status, total, patient_id = locked_bill(uow, bill_id)
        if status is BillStatus.CANCELLED:
            raise Conflict("This bill is cancelled.")
        if uow.upi_sessions.active_for_bill(bill_id) is not None:
            raise Conflict(QR_OPEN)
        due = total - uow.bills.net_paid(bill_id)
        if value > due:
            raise ValidationError("amount", "Only ₹{due} is due on this bill.", due=due)
        try:
            payment_id = uow.payments.add(
                patient_id=patient_id, bill_id=bill_id, appointment_id=None, amount=value, method=method,
                state=PaymentState.COMPLETED, paid_at=now or utcnow(), received_by=actor.user_id,
                transaction_id=gateway_id, upi_transaction_id=None if gateway_id else reference or None,
            )
        except ReferenceTaken as taken:
            raise taken.on("reference") from None
        settle_bill_status(uow, bill_id, total)
        uow.audit.record(actor, "payment_received", "payment", payment_id,
                         after={"bill_id": bill_id, "amount": str(value), "method": method.value})
        notifications.enqueue_payment_received(uow, payment_id)
        uow.commit()
        view = uow.bills.view(bill_id)
    log.info("payment %s of bill %s recorded by user %s", payment_id, bill_id, actor.user_id)
    assert view is not None
    return view


def refund_payment(uow: UnitOfWork, actor: Actor, payment_id: int, *, amount: str | Decimal, reason: str) -> BillView:
    """Admins refund all or part of a payment, with a reason. Nothing is deleted; the audit log keeps both sides."""
    actor.require(Role.ADMIN)
    value = validation.amount(amount)
    reason = validation.storable(" ".join((reason or "").split()), "reason", "The reason")
    if not reason:
        raise ValidationError("reason", "Say why the money is refunded.")
    if len(reason) > MAX_REASON:
        raise ValidationError("reason", "At most {limit} characters.", limit=MAX_REASON)
    with uow:
        payment = uow.payments.lock(payment_id)
        if payment is None or payment.bill_id is None:
            raise NotFound("No such payment.")
        _, total, _ = locked_bill(uow, payment.bill_id)
        if value > payment.refundable:
            raise ValidationError("amount", "At most ₹{refundable} of this payment can be refunded.",
                                  refundable=payment.refundable)
        refund_id = uow.payments.refund(payment_id, value, reason, actor.user_id)
        settle_bill_status(uow, payment.bill_id, total)
        uow.audit.record(actor, "payment_refunded", "payment", payment_id,
                         before={"refunded_amount": str(payment.refunded_amount)},
                         after={"refunded_amount": str(payment.refunded_amount + value), "refund_id": refund_id,
                                "reason": reason})
        uow.commit()
        view = uow.bills.view(payment.bill_id)
    assert view is not None
    return view


def cancel_bill(uow: UnitOfWork, actor: Actor, bill_id: int, reason: str) -> BillView:
    """Admins cancel a bill nobody has paid (refund the payments first). Cancelled bills keep their number.

    Advances applied to it go back to the patient's balance in the same transaction (no money moved when they were
    applied, so none moves now); the audit entry lists them."""
    actor.require(Role.ADMIN)
    reason = validation.storable(" ".join((reason or "").split()), "reason", "The reason")
    if not reason:
        raise ValidationError("reason", "Say why the bill is cancelled.")
    with uow:
        status, _, _ = locked_bill(uow, bill_id)
        if status is BillStatus.CANCELLED:
            raise Conflict("This bill is already cancelled.")
        if uow.bills.paid_in_money(bill_id) > 0 or uow.upi_sessions.active_for_bill(bill_id) is not None:
            raise Conflict("Money has been paid on this bill, or a UPI payment is open: refund or cancel it first.")
        if uow.held_money.on_bill(bill_id) > 0:
            raise Conflict("Money is held for review on this bill: an admin resolves it (accept, refund or move it) "
                           "before the bill can be cancelled.")
        returned = uow.advances.return_all(bill_id, returned_by=actor.user_id, reason=RETURNED_ON_CANCEL)
        uow.bills.set_status(bill_id, BillStatus.CANCELLED, reason=reason[:MAX_REASON])
        back = [{"advance_id": advance_id, "amount": str(amount)} for _use, advance_id, amount in returned]
        uow.audit.record(actor, "bill_cancelled", "bill", bill_id,
                         before={"status": status.value, **({"advances_applied": back} if back else {})},
                         after={"status": "cancelled", "reason": reason[:MAX_REASON],
                                **({"advances_returned": back} if back else {})})
        uow.commit()
        view = uow.bills.view(bill_id)
    assert view is not None
    return view


def locked_bill(uow: UnitOfWork, bill_id: int) -> tuple[BillStatus, Decimal, int]:
    """Inside a transaction that moves money: the bill's row locked (status, total, patient), or NotFound."""
    found = uow.bills.lock(bill_id)
    if found is None:
        raise NotFound("No such bill.")
    return found


def settle_bill_status(uow: UnitOfWork, bill_id: int, total: Decimal) -> None:
    """Keep the bill's status in step with its balance (inside the transaction that moved money)."""
    status = BillStatus.PAID if uow.bills.net_paid(bill_id) >= total else BillStatus.OPEN
    uow.bills.set_status(bill_id, status)


@dataclass(frozen=True)
class BillSummary:
    """One row of the billing list."""

    id: int
    bill_number: str
    patient_name: str
    total: Decimal
    paid: Decimal
    status: BillStatus
    created_at: datetime

    @property
    def balance_due(self) -> Decimal:
        return Decimal("0.00") if self.status is BillStatus.CANCELLED else self.total - self.paid


def list_bills(uow: UnitOfWork, actor: Actor, *, since: datetime, query: str = "", limit: int = 200
               ) -> list[BillSummary]:
    """Bills made since `since`, newest first; `query` matches part of the patient's name or the bill number."""
    with uow.reading(actor, *FRONT_DESK):
        rows = uow.bills.recent(since=since, query=validation.search_text(query), limit=limit)
    return [BillSummary(id=r[0], bill_number=r[1], patient_name=r[2], total=r[3], paid=r[4], status=BillStatus(r[5]),
                        created_at=r[6]) for r in rows]


def unbilled_visits(uow: UnitOfWork, actor: Actor, *, now: datetime | None = None, limit: int = 200
                    ) -> list[UnbilledVisit]:
    """Today's visits that still need a bill (arrived, with the doctor, seen, or walk-ins), in arrival order.

    One statement, so the billing page can reload it on every change.
    """
    day = local_day(now or utcnow())
    start, end = day_bounds(day)
    with uow.reading(actor, *FRONT_DESK):
        return uow.bills.unbilled_visits(start=start, end=end, day=day, limit=max(1, min(limit, 1000)))


def patient_account(uow: UnitOfWork, actor: Actor, patient_id: int, *, limit: int = 50) -> PatientAccount:
    """A patient's newest `limit` bills and payments, with counts and totals over all of them (two statements).

    Doctors may look (the profile shows it to them); opening a bill stays with the front desk (get_bill).
    """
    with uow.reading(actor, *STAFF_ROLES):
        return uow.bills.patient_account(patient_id, limit=max(1, min(limit, 1000)))
