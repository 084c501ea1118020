"""What a desk killed mid-payment leaves behind must not block the bill: the next "Pay by UPI" on it (or the next
start) settles the leftover session once it can no longer be paid, and a leftover that was paid counts once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homa_desk.domain.billing import BillStatus, SessionStatus
from homa_desk.domain.errors import Conflict
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing
from homa_desk.services import upi_payments as upi
from tests.services.billing_helpers import a_bill, a_patient


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs, no except clause of the app catches it."""


class DiesMakingTheQr(SimulatorGateway):
    def create_qr(self, **kwargs):
        raise Killed


@pytest.fixture
def sim():
    return SimulatorGateway()


@pytest.fixture
def bill(uow, receptionist):
    return a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "650"))


def statuses(uow, receptionist, *session_ids):
    return [upi.get_session(uow, receptionist, pk).status for pk in session_ids]


def open_session(uow, bill_id):
    with uow:
        return uow.upi_sessions.active_for_bill(bill_id)


def test_killed_before_the_qr_was_made_blocks_the_bill_only_for_the_grace(uow, receptionist, sim, bill):
    with pytest.raises(Killed):
        upi.start_upi_payment(uow, DiesMakingTheQr(), receptionist, bill.id)
    leftover = open_session(uow, bill.id)
    with pytest.raises(Conflict):  # another desk may still be waiting for its QR
        upi.start_upi_payment(uow, sim, receptionist, bill.id)
    later = utcnow() + upi.QR_CREATE_GRACE + timedelta(seconds=1)
    session = upi.start_upi_payment(uow, sim, receptionist, bill.id, now=later)
    assert session.status is SessionStatus.ACTIVE and session.gateway_qr_id
    [left] = statuses(uow, receptionist, leftover)
    assert left is SessionStatus.CANCELLED


def test_start_up_reconciliation_cancels_a_leftover_without_a_qr(uow, receptionist, bill):
    with pytest.raises(Killed):
        upi.start_upi_payment(uow, DiesMakingTheQr(), receptionist, bill.id)
    leftover = open_session(uow, bill.id)
    upi.reconcile(uow, SimulatorGateway())
    assert statuses(uow, receptionist, leftover) == [SessionStatus.ACTIVE]  # too young: maybe still being made
    [settled] = upi.reconcile(uow, SimulatorGateway(), now=utcnow() + upi.QR_CREATE_GRACE + timedelta(seconds=1))
    assert settled.id == leftover and settled.status is SessionStatus.CANCELLED


def test_an_expired_leftover_nobody_polled_is_closed_and_a_new_qr_made(uow, receptionist, sim, bill):
    first = upi.start_upi_payment(uow, sim, receptionist, bill.id)  # then the desk died: nothing polls it
    second = upi.start_upi_payment(uow, sim, receptionist, bill.id, now=first.expires_at + timedelta(seconds=1))
    assert statuses(uow, receptionist, first.id, second.id) == [SessionStatus.EXPIRED, SessionStatus.ACTIVE]


def test_a_leftover_paid_while_no_desk_was_looking_counts_once(uow, receptionist, sim, bill):
    first = upi.start_upi_payment(uow, sim, receptionist, bill.id)
    sim.simulate_payment(first.gateway_qr_id)  # the patient paid; the desk was dead
    with pytest.raises(Conflict, match="Nothing is due"):
        upi.start_upi_payment(uow, sim, receptionist, bill.id)
    stored = billing.get_bill(uow, receptionist, bill.id)
    assert stored.status is BillStatus.PAID and len(stored.payments) == 1
    assert statuses(uow, receptionist, first.id) == [SessionStatus.COMPLETED]
