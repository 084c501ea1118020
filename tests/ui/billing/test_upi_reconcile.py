"""After sign-in the desk settles, once and in the background, the UPI payments an earlier run left open."""

from __future__ import annotations

import logging
from datetime import timedelta

from homa_desk.domain.billing import BillStatus, SessionStatus
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing
from homa_desk.services import upi_payments as upi
from homa_desk.ui.shell.app import DeskController
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.upi_helpers import backend_with


def test_sign_in_reconciles_open_sessions_once_and_logs_counts_only(qtbot, backend, uow, receptionist, caplog):
    gateway = SimulatorGateway()
    paid_bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    late_bill = a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Gupta", "9812345671"))
    paid = upi.start_upi_payment(uow, gateway, receptionist, paid_bill.id)
    late = upi.start_upi_payment(uow, gateway, receptionist, late_bill.id, now=utcnow() - timedelta(minutes=11))
    gateway.simulate_payment(paid.gateway_qr_id)  # paid while no desk was watching
    controller = DeskController(backend_with(backend, gateway))
    with uow:
        member = uow.staff.get(receptionist.user_id)
    caplog.set_level(logging.INFO)
    controller.show_main_window(member)
    qtbot.waitUntil(lambda: controller.reconciled is not None, timeout=5000)
    assert controller.reconciled == {"completed": 1, "expired": 1}
    assert billing.get_bill(uow, receptionist, paid_bill.id).status is BillStatus.PAID
    assert upi.get_session(uow, receptionist, late.id).status is SessionStatus.EXPIRED
    controller.reconcile_payments()  # a second sign-in does not run it again
    assert "completed 1, expired 1" in caplog.text
    assert "Kavya" not in caplog.text and "Rohan" not in caplog.text and paid_bill.bill_number not in caplog.text
    controller.main_window.close()
