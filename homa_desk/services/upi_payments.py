"""UPI by QR code: open a payment session for a bill's balance, confirm it by polling the gateway, cancel it,
and settle what was left open when a desk stopped.

Network calls to the gateway never happen inside a database transaction. Confirmation is one conditional
update (active → final) under a row lock, and the gateway's payment id is unique in `payments`, so two desks
polling the same session, or a desk restarted mid-way, record a payment exactly once.

A bill is never paid twice over: while its QR can be paid, the desk takes no other payment for it
(billing.record_payment refuses); money the gateway reports on a QR that ended, or for a bill that can no longer
take it, is held for review (a pending payment with the reason), never completed; and PostgreSQL refuses any commit
that would leave completed payments minus refunds above the bill's total (schema 0015).
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain import validation
from homa_desk.domain.billing import (
    BillStatus,
    PaymentMethod,
    PaymentState,
    ReferenceTaken,
    SessionStatus,
    UpiSession,
)
from homa_desk.domain.errors import Conflict, NotFound
from homa_desk.domain.payments import (
    GatewayError,
    GatewayPayment,
    GatewayRejected,
    GatewayUnavailable,
    PaymentStatus,
    PollResult,
    QrStatus,
)
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.polling import Outcome, evaluate_payments
from homa_desk.services import notifications
from homa_desk.services.billing import FRONT_DESK, locked_bill, settle_bill_status

log = logging.getLogger(__name__)

DEFAULT_EXPIRY = timedelta(minutes=10)
QR_CREATE_GRACE = timedelta(minutes=1)  # well over the gateway's connect + read timeouts for one create call
NO_QR_SHOWN = "the desk stopped before it could show the QR"
LATE_PAYMENT_WINDOW = timedelta(hours=24)
LATE_PAYMENT = "paid after the QR had closed"
PAID_AGAIN = "paid again after the QR had been settled"
BILL_ALREADY_PAID = "the bill had been paid (or cancelled) by other means meanwhile"
UTR_RECORDED = "its UTR is already recorded on another payment"
NO_QR_MADE = "The payment gateway did not answer, so no QR was made and nothing was charged. Try again or take cash."


def start_upi_payment(uow: UnitOfWork, gateway: PaymentGateway, actor: Actor, bill_id: int, *,
                      expires_in: timedelta = DEFAULT_EXPIRY, now: datetime | None = None) -> UpiSession:
    """A single-use QR for the bill's balance due. The session row is committed before the gateway is asked,
    so a desk that dies in between leaves a session that reconciliation closes, never an untracked QR."""
    actor.require(*FRONT_DESK)
    now = now or utcnow()
    expires_at = now + expires_in
    reference = "HD" + secrets.token_hex(8).upper()
    _settle_leftover(uow, gateway, actor, bill_id, now)
    with uow:
        status, total, patient_id = locked_bill(uow, bill_id)
        if status is BillStatus.CANCELLED:
            raise Conflict("This bill is cancelled.")
        due = total - uow.bills.net_paid(bill_id)
        if due <= 0:
            raise Conflict("Nothing is due on this bill.")
        if uow.upi_sessions.active_for_bill(bill_id) is not None:
            raise Conflict("A UPI payment is already open for this bill; cancel it or wait for it.")
        view = uow.bills.view(bill_id)
        assert view is not None
        session_pk = uow.upi_sessions.add(session_id=reference, patient_id=patient_id, bill_id=bill_id, amount=due,
                                          upi_link="", expires_at=expires_at, gateway=gateway.name,
                                          created_by=actor.user_id)
        uow.audit.record(actor, "upi_session_started", "payment_session", session_pk,
                         after={"bill_id": bill_id, "amount": str(due), "gateway": gateway.name})
        uow.commit()
    try:
        qr = gateway.create_qr(amount=due, reference=reference, description=f"Bill {view.bill_number}",
                               expires_at=expires_at)
    except GatewayError as error:
        with uow:
            uow.upi_sessions.finish(session_pk, SessionStatus.CANCELLED, now=utcnow(),
                                    review_reason="the gateway did not create a QR")
            uow.commit()
        if isinstance(error, GatewayRejected):
            raise
        raise GatewayUnavailable(NO_QR_MADE) from error  # nothing retries a QR: "the desk keeps trying" is untrue
    with uow:
        uow.upi_sessions.attach_qr(session_pk, qr.qr_id, qr.upi_link or qr.image_url or "")
        uow.commit()
        session = uow.upi_sessions.get(session_pk)
    log.info("UPI session %s opened for bill %s (qr %s)", session_pk, bill_id, qr.qr_id)
    assert session is not None
    return session


def _settle_leftover(uow: UnitOfWork, gateway: PaymentGateway, actor: Actor, bill_id: int, now: datetime) -> None:
    """A session a stopped desk left open on this bill would block a new QR until some desk restarts: ask about it
    once (paid meanwhile → recorded; expired → closed; no QR after QR_CREATE_GRACE → cancelled). The actor is checked
    against the database before the gateway is asked."""
    with uow.reading(actor, *FRONT_DESK):
        leftover = uow.upi_sessions.active_for_bill(bill_id)
        session = uow.upi_sessions.get(leftover) if leftover is not None else None
    if session is None or session.gateway != gateway.name:
        return
    with contextlib.suppress(GatewayError, NotFound):  # then it stays open, and the refusal below says so
        check_upi_payment(uow, gateway, session.id, now=now)


def get_session(uow: UnitOfWork, actor: Actor, session_pk: int) -> UpiSession:
    with uow.reading(actor, *FRONT_DESK):
        session = uow.upi_sessions.get(session_pk)
    if session is None:
        raise NotFound("No such UPI payment.")
    return session


def check_upi_payment(uow: UnitOfWork, gateway: PaymentGateway, session_pk: int, *,
                      now: datetime | None = None) -> UpiSession:
    """Ask the gateway once and settle what it says. Gateway errors propagate: the poller backs off and retries.

    Runs for the desk's poller and for reconciliation; it acts on no one's behalf, so it takes no actor.
    """
    now = now or utcnow()
    with uow.reading(None):
        session = uow.upi_sessions.get(session_pk)
    if session is None:
        raise NotFound("No such UPI payment.")
    if session.status.final:
        return session
    if session.gateway_qr_id is None:
        if now >= session.expires_at:
            return _finish(uow, session_pk, SessionStatus.EXPIRED, now, "no QR was created")
        if session.created_at is not None and now - session.created_at >= QR_CREATE_GRACE:
            return _finish(uow, session_pk, SessionStatus.CANCELLED, now, NO_QR_SHOWN)
        return session
    result = gateway.poll(session.gateway_qr_id)
    if result.status is QrStatus.ACTIVE and now >= session.expires_at:
        gateway.close_qr(session.gateway_qr_id)
        result = gateway.poll(session.gateway_qr_id)  # a payment made in the last second is not lost
    if result.status is QrStatus.ACTIVE and not result.payments and now < session.expires_at:
        return session  # nothing happened yet: the usual poll writes nothing and opens no transaction
    return _settle_session(uow, session_pk, result, now)


def cancel_upi_payment(uow: UnitOfWork, gateway: PaymentGateway, actor: Actor, session_pk: int, *,
                       now: datetime | None = None) -> UpiSession:
    """Close the QR at the gateway, then look once more: if the patient paid meanwhile, it is Paid, not cancelled."""
    actor.require(*FRONT_DESK)
    now = now or utcnow()
    session = get_session(uow, actor, session_pk)
    if session.status.final:
        return session
    if session.gateway_qr_id is not None:
        gateway.close_qr(session.gateway_qr_id)
        result = gateway.poll(session.gateway_qr_id)
        settled = _settle_session(uow, session_pk, result, now)
        if settled.status.final:
            return settled
    finished = _finish(uow, session_pk, SessionStatus.CANCELLED, now, None, actor=actor)
    log.info("UPI session %s cancelled by user %s", session_pk, actor.user_id)
    return finished


def confirm_by_reference(uow: UnitOfWork, actor: Actor, session_pk: int, utr: str, *,
                         now: datetime | None = None) -> UpiSession:
    """Static UPI (no gateway sees the money): the receptionist checks the clinic's bank app and enters the UTR.

    A UTR settles one payment only, whichever way it was recorded before: the refusal names that bill.
    """
    actor.require(*FRONT_DESK)
    utr = validation.utr(utr, "utr")
    now = now or utcnow()
    with uow:
        session = uow.upi_sessions.get(session_pk, lock=True)
        if session is None:
            raise NotFound("No such UPI payment.")
        if session.status.final:
            raise Conflict("This UPI payment is already {status}.", status=session.status.value)
        transaction_id = f"UTR:{utr}"
        taken = uow.payments.find_reference(PaymentMethod.UPI, utr, transaction_id)
        if taken is not None:
            raise taken.on("utr")
        payment = GatewayPayment(payment_id=transaction_id, amount=session.amount, currency=session.currency,
                                 status=PaymentStatus.CAPTURED, method="upi", rrn=utr, captured_at=now)
        _record_paid(uow, session, payment, now, actor=actor)
        uow.commit()
        settled = uow.upi_sessions.get(session_pk)
    assert settled is not None
    return settled


def reconcile(uow: UnitOfWork, gateway: PaymentGateway, *, now: datetime | None = None) -> list[UpiSession]:
    """On start: re-check every session this gateway still has open and settle it. Unreachable gateway: leave
    them open for the next start or the poller. Then hold for review any payment that reached a QR after it
    closed (see _hold_late_payments)."""
    with uow.reading(None):
        open_sessions = uow.upi_sessions.active()
    settled = []
    for session_pk in open_sessions:
        with uow.reading(None):
            session = uow.upi_sessions.get(session_pk)
        if session is None or session.gateway != gateway.name:
            continue
        try:
            settled.append(check_upi_payment(uow, gateway, session_pk, now=now))
        except GatewayError as error:
            log.warning("UPI session %s not reconciled: %s", session_pk, type(error).__name__)
        except NotFound:  # the simulator forgets its QRs when the desk stops: nobody can have paid them
            settled.append(_finish(uow, session_pk, SessionStatus.EXPIRED, now or utcnow(),
                                   "the gateway no longer knows this QR"))
    _hold_late_payments(uow, gateway, now or utcnow())
    return settled


def _hold_late_payments(uow: UnitOfWork, gateway: PaymentGateway, now: datetime) -> None:
    """Money a patient's app sent after the QR had ended (expired, cancelled, or already paid or in review) would
    otherwise be seen by no one: look once more at the QRs that ended in the last LATE_PAYMENT_WINDOW and hold any
    payment the desk has not recorded for review; it never completes."""
    with uow:
        closed = uow.upi_sessions.closed_since(now - LATE_PAYMENT_WINDOW)
    for session_pk in closed:
        with uow:
            session = uow.upi_sessions.get(session_pk)
        if session is None or session.gateway != gateway.name or session.gateway_qr_id is None:
            continue
        try:
            result = gateway.poll(session.gateway_qr_id)
        except (GatewayError, NotFound):
            continue  # unreachable now, or a simulator QR from an earlier run: the next start looks again
        late = [p for p in result.payments if p.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)]
        if not late:
            continue
        reason = LATE_PAYMENT if session.status in (SessionStatus.EXPIRED, SessionStatus.CANCELLED) else PAID_AGAIN
        with uow:
            held = [p.payment_id for p in late if _record_for_review(uow, session, p, reason, now)]
            if held:
                uow.audit.record(None, "upi_payment_flagged", "payment_session", session_pk,
                                 after={"reason": reason, "payments": held})
            uow.commit()
        if held:
            log.warning("UPI session %s: %d payment(s) arrived after its QR closed; held for review", session_pk,
                        len(held))


def _settle_session(uow: UnitOfWork, session_pk: int, result: PollResult, now: datetime) -> UpiSession:
    with uow:
        session = uow.upi_sessions.get(session_pk, lock=True)
        assert session is not None
        if session.status.final:
            return session  # another desk settled it first
        verdict = evaluate_payments(session.amount, session.currency, result.payments)
        if verdict.outcome is Outcome.PAID:
            assert verdict.payment is not None
            _record_paid(uow, session, verdict.payment, now)
        elif verdict.outcome.needs_review:
            _hold_session(uow, session, verdict.payments, verdict.reason, now)
        elif result.status is QrStatus.EXPIRED or now >= session.expires_at:
            status = SessionStatus.EXPIRED
            uow.upi_sessions.finish(session_pk, status, now=now)
            uow.audit.record(None, "upi_session_expired", "payment_session", session_pk)
        else:
            return session
        uow.commit()
        settled = uow.upi_sessions.get(session_pk)
    assert settled is not None
    return settled


def _record_paid(uow: UnitOfWork, session: UpiSession, payment: GatewayPayment, now: datetime,
                 actor: Actor | None = None) -> None:
    """The session's money, counted toward its bill; held for review instead when the bill can no longer take it
    (cancelled, or paid meanwhile by other means) or its UTR is already recorded, so nothing completes twice.
    Received by the receptionist who confirmed it (`actor`), else the one who started the QR."""
    total = due = None
    if session.bill_id is not None:
        found = uow.bills.lock(session.bill_id)
        assert found is not None
        status, total, _ = found
        due = Decimal("0.00") if status is BillStatus.CANCELLED else total - uow.bills.net_paid(session.bill_id)
    if uow.payments.by_transaction_id(payment.payment_id) is None:
        if due is not None and payment.amount > due:
            return _hold_session(uow, session, [payment], BILL_ALREADY_PAID, now)
        try:
            payment_id = uow.payments.add(
                patient_id=session.patient_id, bill_id=session.bill_id, appointment_id=None, amount=payment.amount,
                method=PaymentMethod.UPI, state=PaymentState.COMPLETED, paid_at=payment.captured_at or now,
                received_by=actor.user_id if actor else session.created_by, transaction_id=payment.payment_id,
                upi_transaction_id=payment.rrn, gateway_response=payment.raw or None, payment_session_id=session.id,
            )
        except ReferenceTaken:
            return _hold_session(uow, session, [payment], UTR_RECORDED, now)
        uow.audit.record(actor, "payment_received", "payment", payment_id,
                         after={"bill_id": session.bill_id, "amount": str(payment.amount), "method": "upi",
                                "payment_session": session.id})
        notifications.enqueue_payment_received(uow, payment_id)
    uow.upi_sessions.finish(session.id, SessionStatus.COMPLETED, now=now)
    if session.bill_id is not None and total is not None:
        settle_bill_status(uow, session.bill_id, total)
    log.info("UPI session %s paid", session.id)


def _hold_session(uow: UnitOfWork, session: UpiSession, payments: list[GatewayPayment], reason: str,
                  now: datetime) -> None:
    """Inside the open transaction: the money is kept as pending payments with the reason and the session ends in
    review, for an admin to resolve."""
    for payment in payments:
        if payment.status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED):
            _record_for_review(uow, session, payment, reason, now)
    uow.upi_sessions.finish(session.id, SessionStatus.REVIEW, now=now, review_reason=reason)
    uow.audit.record(None, "upi_payment_flagged", "payment_session", session.id,
                     after={"reason": reason, "payments": [p.payment_id for p in payments]})
    log.warning("UPI session %s flagged for review", session.id)


def _record_for_review(uow: UnitOfWork, session: UpiSession, payment: GatewayPayment, reason: str,
                       now: datetime) -> bool:
    """Money that arrived but not as asked: kept as a pending payment with the reason, not counted as paid.
    False when it was recorded already. A UTR another payment has already is kept only in the gateway's record
    (the unique index allows it once) and said in the reason."""
    if uow.payments.by_transaction_id(payment.payment_id) is not None:
        return False
    rrn = payment.rrn
    if rrn and uow.payments.find_reference(PaymentMethod.UPI, rrn) is not None:
        rrn, reason = None, f"{reason}; {UTR_RECORDED}"
    try:
        uow.payments.add(
            patient_id=session.patient_id, bill_id=session.bill_id, appointment_id=None, amount=payment.amount,
            method=PaymentMethod.UPI, state=PaymentState.PENDING, paid_at=payment.captured_at or now,
            received_by=None, transaction_id=payment.payment_id, upi_transaction_id=rrn,
            gateway_response=payment.raw or None, payment_session_id=session.id, review_reason=reason,
        )
    except ReferenceTaken:
        return False  # another desk recorded it a moment ago
    return True


def _finish(uow: UnitOfWork, session_pk: int, status: SessionStatus, now: datetime, reason: str | None,
            actor: Actor | None = None) -> UpiSession:
    with uow:
        if uow.upi_sessions.finish(session_pk, status, now=now, review_reason=reason):
            uow.audit.record(actor, f"upi_session_{status.value}", "payment_session", session_pk)
            uow.commit()
        session = uow.upi_sessions.get(session_pk)
    assert session is not None
    return session


