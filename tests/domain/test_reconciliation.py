"""Matching the gateway's payments with the desk's, and the drawer's reason rule, without I/O."""

from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.billing import PaymentState
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.payments import GatewayPayment, PaymentStatus
from homa_desk.domain.reconciliation import DeskUpiPayment, cash_reason, compare, desk_only_note


def gateway(payment_id: str, amount: str) -> GatewayPayment:
    return GatewayPayment(payment_id, Decimal(amount), "INR", PaymentStatus.CAPTURED, "upi")


def desk(pk: int, transaction_id: str | None, amount: str, state=PaymentState.COMPLETED) -> DeskUpiPayment:
    return DeskUpiPayment(pk, transaction_id, transaction_id, Decimal(amount), state, None)


def test_pairs_by_payment_id_and_sorts_out_the_rest():
    found = compare(
        [gateway("pay_a", "500"), gateway("pay_b", "300"), gateway("pay_c", "250"), gateway("pay_a", "500")],
        [desk(1, "pay_a", "500"), desk(2, "pay_b", "310"), desk(3, "UTR:123456", "200"),
         desk(4, "pay_d", "90", PaymentState.FAILED)])
    assert [(g.payment_id, d.id) for g, d in found.matched] == [("pay_a", 1)]  # listed twice, matched once
    assert [(g.payment_id, d.id) for g, d in found.amount_differs] == [("pay_b", 2)]
    assert [g.payment_id for g in found.unrecorded] == ["pay_c"]
    assert [d.id for d in found.desk_only] == [3]  # a failed desk payment claims nothing


def test_desk_only_notes_say_where_to_look():
    assert "static UPI" in desk_only_note(desk(1, "UTR:998877", "1"))
    assert "bank statement" in desk_only_note(desk(1, None, "1"))
    assert "lists no such payment" in desk_only_note(desk(1, "pay_x", "1"))


def test_a_difference_needs_a_reason_a_match_does_not():
    assert cash_reason("  ", Decimal("0")) is None
    assert cash_reason("  extra   change  ", Decimal("5")) == "extra change"
    with pytest.raises(ValidationError, match=r"₹5\.00 more"):
        cash_reason("", Decimal("5"))
    with pytest.raises(ValidationError, match="under 500"):
        cash_reason("x" * 501, Decimal("-1"))
