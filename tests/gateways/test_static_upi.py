from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.payments import QrStatus
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.upi import parse_upi_link
from homa_desk.gateways.base import PaymentGateway
from homa_desk.gateways.static_upi import StaticUpiGateway


def test_builds_the_clinics_own_link_and_needs_manual_confirmation():
    gateway = StaticUpiGateway("Sunrise.Clinic@okaxis", "Sunrise Clinic")
    assert isinstance(gateway, PaymentGateway) and gateway.needs_manual_confirmation
    expires = utcnow() + timedelta(minutes=10)
    qr = gateway.create_qr(amount=Decimal("350.5"), reference="HD/2025-26/000007", description="Bill 7",
                           expires_at=expires)
    request = parse_upi_link(qr.upi_link)
    assert (request.vpa, request.payee_name, request.amount, request.reference, request.note) == (
        "sunrise.clinic@okaxis", "Sunrise Clinic", Decimal("350.50"), "HD202526000007", "Bill 7")
    assert qr.image_url is None and qr.expires_at == expires and qr.amount == Decimal("350.50")


def test_poll_never_sees_a_payment_and_close_is_a_no_op():
    gateway = StaticUpiGateway("clinic@okaxis", "Clinic")
    qr = gateway.create_qr(amount=Decimal("1"), reference="R1", description="", expires_at=utcnow())
    gateway.close_qr(qr.qr_id)
    result = gateway.poll(qr.qr_id)
    assert result.status is QrStatus.ACTIVE and result.payments == []


def test_refuses_a_bad_vpa():
    with pytest.raises(ValidationError):
        StaticUpiGateway("not a vpa", "Clinic")
