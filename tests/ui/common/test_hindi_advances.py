"""Advances in Hindi: the profile's Advances tab, receiving one with a wrong value, using it on a bill and
refunding it show no English (the purpose and the bill's line are what the test typed)."""

from __future__ import annotations

from homa_desk.services import advances
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.patients.patient_advances import PatientAdvancesPanel
from tests.services.advance_helpers import an_advance
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.common.test_hindi_desk import NAMES, hindi, shown  # noqa: F401
from tests.ui.hindi_sweep import english_left

TYPED = (*NAMES, "Kavya Nair", "Root canal deposit", "NEFT", "ADV")


def test_advances_on_the_profile_and_the_bill_in_hindi(qtbot, backend, uow, admin, receptionist, hindi):  # noqa: F811
    patient = a_patient(uow, receptionist)
    advance = an_advance(uow, receptionist, patient, "1500")
    bill = a_bill(uow, receptionist, patient)
    advances.apply_advance(uow, receptionist, bill.id, amount="200")
    advances.refund_advance(uow, admin, advance.id, amount="100", reference="NEFT 99", reason="Overpaid")
    panel = shown(qtbot, PatientAdvancesPanel(backend, admin, patient, "Kavya Nair"))
    qtbot.waitUntil(lambda: panel.account is not None, timeout=10_000)
    assert not (left := english_left([panel], (*TYPED, "Overpaid"))), left
    receive = panel.receive()
    receive.amount.setText("0")
    receive.save_button.click()
    qtbot.waitUntil(lambda: receive.errors.label("amount").isVisibleTo(receive), timeout=10_000)
    refund = panel.refund()
    refund.save_button.click()
    qtbot.waitUntil(lambda: refund.errors.label("reference").isVisibleTo(refund), timeout=10_000)
    dialog = shown(qtbot, BillDialog(backend, admin, bill.id))
    qtbot.waitUntil(lambda: dialog.bill is not None)
    use = dialog.use_advance()
    use.amount.setText("5000")
    use.save_button.click()
    qtbot.waitUntil(lambda: use.errors.label("amount").isVisibleTo(use), timeout=10_000)
    assert not (left := english_left([receive, refund, dialog, use], TYPED)), left
