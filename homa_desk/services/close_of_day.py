"""Close of day, reconciled: count the cash drawer, and check the day's UPI money against the payment gateway.

Who: receptionists and admins, the people who close the desk. Counting records what was found (it moves no money);
the gateway check only *holds* money it finds for review (a pending payment nobody counts as paid) and flags
differences, so neither needs an admin. Accepting, refunding or moving held money stays an admin's decision.

The gateway is asked outside any database transaction; each write is one short unit of work afterwards, and a
gateway payment id is unique in `payments`, so two desks checking the same day hold each payment once.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import date, datetime, timedelta

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.billing import PaymentMethod, PaymentState, SessionStatus
from homa_desk.domain.errors import NotFound, ValidationError
from homa_desk.domain.payments import GatewayPayment, ListingUnsupported
from homa_desk.domain.reconciliation import (
    NOT_ON_A_DESK_QR,
    UNRECORDED,
    ZERO,
    CashCount,
    Comparison,
    DeskUpiPayment,
    Finding,
    GatewayReconciliation,
    ReconciliationLine,
    cash_reason,
    compare,
    desk_only_note,
)
from homa_desk.domain.reports import day_bounds
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.gateways.base import PaymentGateway
from homa_desk.services.reports import FRONT_DESK
from homa_desk.services.upi_payments import LATE_PAYMENT_WINDOW, check_upi_payment

log = logging.getLogger(__name__)


def _checked_day(day: date, now: datetime) -> date:
    if day > now.astimezone(CLINIC_TZ).date():
        raise ValidationError("day", "That day has not come yet.")
    return day


# -- the cash drawer --------------------------------------------------------------------------------------------

def count_cash(uow: UnitOfWork, actor: Actor, day: date, counted: str, reason: str | None = None, *,
               now: datetime | None = None) -> CashCount:
    """Record the counted drawer for `day` against the desk's cash then (cash received minus cash refunds made that
    day). A difference needs a reason. A recount appends a new count that supersedes the earlier one (both kept);
    each is audited with the count it supersedes as `before`."""
    actor.require(*FRONT_DESK)
    now = now or utcnow()
    day = _checked_day(day, now)
    amount = validation.amount(counted, "counted", allow_zero=True)
    start, end = day_bounds(day)
    with uow:
        expected = uow.close_of_day.cash_expected(start, end)
        text = cash_reason(reason, amount - expected)
        earlier = uow.close_of_day.cash_counts(day)
        count_id = uow.close_of_day.add_cash_count(day=day, counted=amount, expected=expected, reason=text,
                                                   counted_by=actor.user_id)
        uow.audit.record(actor, "cash_counted", "cash_count", count_id,
                         before=_count_fields(earlier[-1]) if earlier else None,
                         after={"day": day.isoformat(), "counted": str(amount), "expected": str(expected),
                                "difference": str(amount - expected), "reason": text})
        uow.commit()
        [count] = [c for c in uow.close_of_day.cash_counts(day) if c.id == count_id]
    log.info("cash drawer counted for %s (count %s)", day, count_id)
    return count


def _count_fields(count: CashCount) -> dict[str, str | None]:
    return {"count_id": str(count.id), "counted": str(count.counted), "expected": str(count.expected),
            "reason": count.reason}


# -- the payment gateway ----------------------------------------------------------------------------------------

def reconcile_gateway(uow: UnitOfWork, gateway: PaymentGateway, actor: Actor, day: date, *,
                      now: datetime | None = None) -> GatewayReconciliation:
    """The gateway's captured payments of the clinic day (all pages) against the desk's UPI payments.

    Money the desk never recorded is held for review: on the bill of the desk QR it was paid on (found by asking
    the gateway about the desk's QRs of the day and the day before), or, paid on none of them, with no patient and
    no bill. A QR still being paid is settled as the poller would. Desk payments the gateway does not list and
    amounts that differ are flagged. Static UPI answers `supported=False`: no gateway sees that money.
    """
    now = now or utcnow()
    day = _checked_day(day, now)
    start, end = day_bounds(day)
    uow.confirm(actor, *FRONT_DESK)  # in the database, before the gateway is asked anything
    try:
        captured = gateway.captured_payments(start, min(end, now + timedelta(seconds=1)))
    except ListingUnsupported:
        return GatewayReconciliation(day=day, gateway=gateway.name, supported=False, checked_at=now)
    found = compare(captured, _desk_payments(uow, actor, start, end, captured))
    held: dict[str, tuple[str | None, str]] = {}
    if found.unrecorded:
        sessions = _sessions_of(uow, actor, gateway, found.unrecorded, start - LATE_PAYMENT_WINDOW, end, now)
        found = compare(captured, _desk_payments(uow, actor, start, end, captured))  # the poller's settling counts too
        held = _hold(uow, actor, found.unrecorded, sessions, now)
    listed = list({p.payment_id: p for p in captured}.values())
    settled = [(p, mine) for p, mine in found.matched if mine.state is not PaymentState.PENDING]
    result = GatewayReconciliation(
        day=day, gateway=gateway.name, supported=True, gateway_count=len(listed),
        gateway_total=sum((p.amount for p in listed), ZERO), matched_count=len(settled),
        matched_total=sum((p.amount for p, _mine in settled), ZERO), lines=_findings(found, held), checked_at=now,
        held_now=len(held))
    with uow:
        uow.audit.record(actor, "gateway_reconciled", "clinic_day", day.isoformat(), after={
            "gateway": gateway.name, "gateway_payments": result.gateway_count, "matched": result.matched_count,
            **{finding.value: len(result.of(finding)) for finding in Finding}, "held_now": len(held)})
        uow.commit()
    return result


def _findings(found: Comparison, held: dict[str, tuple[str | None, str]]) -> tuple[ReconciliationLine, ...]:
    lines = [ReconciliationLine(Finding.HELD, p.payment_id, p.amount, None, *held[p.payment_id])
             for p in found.unrecorded if p.payment_id in held]
    lines += [ReconciliationLine(Finding.HELD, p.payment_id, p.amount, mine.amount, mine.bill_number,
                                 "held for review earlier")
              for p, mine in found.matched if mine.state is PaymentState.PENDING]
    lines += [ReconciliationLine(Finding.AMOUNT_DIFFERS, p.payment_id, p.amount, mine.amount, mine.bill_number,
                                 "the desk recorded another amount") for p, mine in found.amount_differs]
    lines += [ReconciliationLine(Finding.DESK_ONLY, mine.reference or f"payment {mine.id}", None, mine.amount,
                                 mine.bill_number, desk_only_note(mine)) for mine in found.desk_only]
    return tuple(lines)


def _desk_payments(uow: UnitOfWork, actor: Actor, start: datetime, end: datetime,
                   captured: list[GatewayPayment]) -> list[DeskUpiPayment]:
    with uow.reading(actor, *FRONT_DESK):
        return uow.close_of_day.desk_upi_payments(start, end, [p.payment_id for p in captured])


def _sessions_of(uow: UnitOfWork, actor: Actor, gateway: PaymentGateway, payments: list[GatewayPayment],
                 since: datetime, until: datetime, now: datetime) -> dict[str, int]:
    """{gateway payment id: desk session} for the unrecorded payments made on the desk's QRs, by asking the gateway
    about each QR of the window until all are placed. A session still open is settled by the poller's own check
    instead (it then records the payment as paid or held, as it would have seconds later)."""
    wanted = {p.payment_id for p in payments}
    with uow.reading(actor, *FRONT_DESK):
        candidates = uow.close_of_day.qr_sessions(gateway.name, since, until)
    placed: dict[str, int] = {}
    for session_pk, qr_id, status in sorted(candidates, key=lambda c: c[2] == SessionStatus.COMPLETED.value):
        if not wanted - set(placed):
            break
        if status == SessionStatus.ACTIVE.value:
            with contextlib.suppress(NotFound):
                check_upi_payment(uow, gateway, session_pk, now=now)
        try:
            result = gateway.poll(qr_id)
        except NotFound:  # the simulator forgets the QRs of an earlier run
            continue
        for payment in result.payments:
            if payment.payment_id in wanted:
                placed[payment.payment_id] = session_pk
    return placed


def _hold(uow: UnitOfWork, actor: Actor, payments: list[GatewayPayment], sessions: dict[str, int],
          now: datetime) -> dict[str, tuple[str | None, str]]:
    """Record each unrecorded payment as pending with the reason: {gateway payment id: (bill number, reason)}."""
    held: dict[str, tuple[str | None, str]] = {}
    with uow:
        uow.close_of_day.lock_holds()
        for payment in payments:
            if uow.payments.by_transaction_id(payment.payment_id) is not None:
                continue  # another desk, or the poller, recorded it meanwhile
            session = uow.upi_sessions.get(sessions[payment.payment_id]) if payment.payment_id in sessions else None
            if session is not None:
                payment_id = uow.payments.add(
                    patient_id=session.patient_id, bill_id=session.bill_id, appointment_id=None,
                    amount=payment.amount, method=PaymentMethod.UPI, state=PaymentState.PENDING,
                    paid_at=payment.captured_at or now, received_by=None, transaction_id=payment.payment_id,
                    upi_transaction_id=payment.rrn, gateway_response=payment.raw or None,
                    payment_session_id=session.id, review_reason=UNRECORDED)
                held[payment.payment_id] = (session.bill_number, UNRECORDED)
            else:
                payment_id = uow.close_of_day.hold_unexplained(payment, NOT_ON_A_DESK_QR, now)
                held[payment.payment_id] = (None, NOT_ON_A_DESK_QR)
            uow.audit.record(actor, "gateway_payment_held", "payment", payment_id, after={
                "gateway_payment": payment.payment_id, "amount": str(payment.amount),
                "bill": held[payment.payment_id][0], "reason": held[payment.payment_id][1]})
        uow.commit()
    if held:
        log.warning("gateway check: %d payment(s) the desk had not recorded held for review", len(held))
    return held
