"""When to poll a gateway next, when to stop, and what the payments on a QR mean. Pure logic: no Qt, no DB.

The worker that polls lives in the desk; keeping the decisions here lets them be tested without a clock or a
network, and keeps gateway calls per session within budget (≤ 30 a minute at the default 2 s interval).
"""

from __future__ import annotations

import enum
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from homa_desk.domain.payments import GatewayPayment, GatewayRateLimited, PaymentStatus, QrStatus

DEFAULT_INTERVAL = 2.0
MAX_BACKOFF = 30.0
DEFAULT_RETRY_AFTER = 2.0


class PollSchedule:
    """The delay before the next poll of one QR.

    OK → the interval. Rate limited → exactly max(Retry-After, interval): the gateway said how long. Any other
    error (outage, malformed answer, refusal) → exponential backoff with jitter, capped, so a dozen desks do not
    hammer a recovering gateway in step. One good answer resets the backoff.
    """

    def __init__(self, interval: float = DEFAULT_INTERVAL, *, max_backoff: float = MAX_BACKOFF,
                 rng: random.Random | None = None) -> None:
        if interval <= 0:
            raise ValueError("the poll interval must be positive")
        self.interval = interval
        self.max_backoff = max(max_backoff, interval)
        self.failures = 0
        self._rng = rng or random.Random()

    def next_delay(self, error: BaseException | None = None) -> float:
        """Seconds to wait after a poll that ended with `error` (None for success)."""
        if error is None:
            self.failures = 0
            return self.interval
        if isinstance(error, GatewayRateLimited):
            return max(error.retry_after, self.interval)
        self.failures += 1
        ceiling = min(self.max_backoff, self.interval * 2 ** min(self.failures, 16))
        # "Equal jitter": never shorter than half the ceiling, never shorter than the interval.
        return max(self.interval, ceiling / 2 + self._rng.uniform(0, ceiling / 2))


def should_stop(now: datetime, expires_at: datetime, status: QrStatus) -> bool:
    """Stop polling once the QR is no longer active or its expiry has passed.

    On expiry the caller closes the QR and polls once more, so a payment made in the last second is not lost.
    """
    return status is not QrStatus.ACTIVE or now >= expires_at


class Outcome(enum.StrEnum):
    PAID = "paid"
    MISMATCH = "mismatch"  # wrong amount or currency, or money refunded: review, never Paid
    DUPLICATE = "duplicate"  # more than one payment on a single-use QR: review
    PENDING = "pending"
    FAILED = "failed"  # only failed attempts so far: the patient may try again, keep waiting

    @property
    def needs_review(self) -> bool:
        return self in (Outcome.MISMATCH, Outcome.DUPLICATE)

    @property
    def settled(self) -> bool:
        """Nothing more is expected on this QR: stop polling."""
        return self in (Outcome.PAID, Outcome.MISMATCH, Outcome.DUPLICATE)


@dataclass(frozen=True)
class Verdict:
    """What the payments on one QR amount to; `payment` is the one that pays (PAID) or the first suspect."""

    outcome: Outcome
    payment: GatewayPayment | None = None
    reason: str = ""
    payments: tuple[GatewayPayment, ...] = field(default=(), repr=False)


def evaluate_payments(expected_amount: Decimal, currency: str, payments: Iterable[GatewayPayment]) -> Verdict:
    """PAID only for exactly one captured payment of exactly the expected amount in the expected currency.

    Everything else that involves received money (a second payment, a wrong amount, a refund) is flagged for a
    person to look at; the desk never shows Paid for it.
    """
    all_payments = tuple(payments)
    captured = [p for p in all_payments if p.status is PaymentStatus.CAPTURED]
    refunded = [p for p in all_payments if p.status is PaymentStatus.REFUNDED]
    received = captured + refunded
    if len(received) > 1:
        return Verdict(Outcome.DUPLICATE, received[0], f"{len(received)} payments on a single-use QR",
                       all_payments)
    if captured:
        payment = captured[0]
        if payment.currency.upper() != currency.upper():
            return Verdict(Outcome.MISMATCH, payment, f"paid in {payment.currency}, expected {currency}",
                           all_payments)
        if payment.amount != expected_amount:
            return Verdict(Outcome.MISMATCH, payment, f"paid {payment.amount}, expected {expected_amount}",
                           all_payments)
        return Verdict(Outcome.PAID, payment, "", all_payments)
    if refunded:
        return Verdict(Outcome.MISMATCH, refunded[0], "the payment was refunded", all_payments)
    if all_payments and all(p.status is PaymentStatus.FAILED for p in all_payments):
        return Verdict(Outcome.FAILED, None, "only failed attempts", all_payments)
    return Verdict(Outcome.PENDING, None, "", all_payments)
