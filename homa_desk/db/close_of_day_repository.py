"""Close of day: the cash drawer's counts, the desk's UPI payments the gateway should know, and gateway money held for
review when no desk QR explains it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import ARRAY, String, bindparam, func, or_, select, text
from sqlalchemy.orm import Session

from homa_desk.db.models import Bill, CashCount, Payment, PaymentSession, Refund, User
from homa_desk.domain.billing import PaymentMethod, PaymentState
from homa_desk.domain.payments import GatewayPayment
from homa_desk.domain.reconciliation import CashCount as CashCountView
from homa_desk.domain.reconciliation import DeskUpiPayment

_RECEIVED = (PaymentState.COMPLETED.value, PaymentState.REFUNDED.value)
_HOLD_LOCK = 7_316_018  # pg_advisory_xact_lock key: desks holding gateway money for review, one at a time


class CloseOfDayRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    # -- cash -------------------------------------------------------------------------------------------------

    def cash_expected(self, start: datetime, end: datetime) -> Decimal:
        """Cash received in [start, end) minus refunds of cash payments made then: what the drawer should hold."""
        cash = Payment.payment_method == PaymentMethod.CASH.value
        received = (select(func.coalesce(func.sum(Payment.amount), 0))
                    .where(cash, Payment.status.in_(_RECEIVED), Payment.payment_date >= start,
                           Payment.payment_date < end).scalar_subquery())
        refunded = (select(func.coalesce(func.sum(Refund.amount), 0)).join(Payment, Payment.id == Refund.payment_id)
                    .where(cash, Refund.created_at >= start, Refund.created_at < end).scalar_subquery())
        return Decimal(self._session.scalar(select(received - refunded)))

    def add_cash_count(self, *, day: date, counted: Decimal, expected: Decimal, reason: str | None,
                       counted_by: int) -> int:
        row = CashCount(day=day, counted=counted, expected=expected, reason=reason, counted_by=counted_by)
        self._session.add(row)
        self._session.flush()
        return row.id

    def cash_counts(self, day: date) -> list[CashCountView]:
        """The day's counts, oldest first (the last is the day's count)."""
        rows = self._session.execute(
            select(CashCount, User.full_name).outerjoin(User, User.id == CashCount.counted_by)
            .where(CashCount.day == day).order_by(CashCount.id))
        return [CashCountView(id=row.id, day=row.day, counted=row.counted, expected=row.expected, reason=row.reason,
                              counted_by=name, counted_at=row.counted_at) for row, name in rows]

    # -- the gateway ------------------------------------------------------------------------------------------

    def desk_upi_payments(self, start: datetime, end: datetime, gateway_ids: Sequence[str]) -> list[DeskUpiPayment]:
        """UPI payments dated in [start, end), and any payment carrying one of `gateway_ids` whatever its date."""
        ids = bindparam("gateway_ids", list(gateway_ids), type_=ARRAY(String))
        stmt = (select(Payment.id, Payment.transaction_id,
                       func.coalesce(Payment.upi_transaction_id, Payment.transaction_id), Payment.amount,
                       Payment.status, Bill.bill_number)
                .outerjoin(Bill, Bill.id == Payment.bill_id)
                .where(or_((Payment.payment_method == PaymentMethod.UPI.value) & (Payment.payment_date >= start)
                           & (Payment.payment_date < end),
                           Payment.transaction_id == func.any(ids)))
                .order_by(Payment.payment_date, Payment.id))
        return [DeskUpiPayment(id=r[0], transaction_id=r[1], reference=r[2], amount=r[3], state=PaymentState(r[4]),
                               bill_number=r[5]) for r in self._session.execute(stmt)]

    def qr_sessions(self, gateway: str, since: datetime, until: datetime) -> list[tuple[int, str, str]]:
        """(session id, QR id, status) of this gateway's sessions with a QR created in [since, until)."""
        rows = self._session.execute(
            select(PaymentSession.id, PaymentSession.gateway_qr_id, PaymentSession.status)
            .where(PaymentSession.gateway == gateway, PaymentSession.gateway_qr_id.is_not(None),
                   PaymentSession.created_at >= since, PaymentSession.created_at < until)
            .order_by(PaymentSession.id))
        return [(r[0], r[1], r[2]) for r in rows]

    def lock_holds(self) -> None:
        """Serialise holding gateway money for the rest of this transaction: a second desk checking the same day
        waits, then finds the payments already held instead of colliding on the unique payment id."""
        self._session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _HOLD_LOCK})

    def hold_unexplained(self, payment: GatewayPayment, reason: str, now: datetime) -> int:
        """Gateway money on no QR of this desk, kept as a pending payment of no patient and no bill (schema 0019)."""
        method = payment.method if payment.method in {m.value for m in PaymentMethod} else PaymentMethod.UPI.value
        row = Payment(patient_id=None, bill_id=None, appointment_id=None, amount=payment.amount, currency="INR",
                      payment_method=method, status=PaymentState.PENDING.value,
                      payment_date=payment.captured_at or now, received_by=None, transaction_id=payment.payment_id,
                      upi_transaction_id=payment.rrn, gateway_response=payment.raw or None, review_reason=reason)
        self._session.add(row)
        self._session.flush()
        return row.id

