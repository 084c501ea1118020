"""Money held for review on the bill screen: everyone sees it, only an admin resolves it (accept, refund, move)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.billing import BillStatus, PaymentState
from homa_desk.domain.held_money import held_on
from homa_desk.services import billing
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.held_money_helpers import hold
from tests.ui.billing.test_billing_bill import open_bill


@pytest.fixture
def patient(uow, receptionist):
    return a_patient(uow, receptionist)


@pytest.fixture
def bill(uow, receptionist, patient):
    return a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"))


def resolve(qtbot, dialog):  # type: ignore[no-untyped-def]
    dialog.resolve_button.click()
    resolving = dialog.admin_dialog
    assert resolving.objectName() == "resolve_held_dialog"
    return resolving


def test_receptionist_sees_the_held_money_but_cannot_resolve_or_cancel(qtbot, backend, uow, receptionist, bill):
    hold(uow, bill, "5000")
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    assert dialog.held.isVisibleTo(dialog)
    assert "₹5,000.00 held for review (paid after the QR had closed)" in dialog.held.text()
    assert "until an admin resolves it" in dialog.held.text()
    assert "Balance due ₹500.00" in dialog.heading.text()
    assert not dialog.resolve_button.isVisibleTo(dialog)
    dialog.resolve_held()
    assert dialog.admin_dialog is None


def test_admin_accepts_five_thousand_on_a_five_hundred_bill_refunding_the_rest(qtbot, backend, uow, admin, bill):
    payment_id = hold(uow, bill, "5000")
    dialog = open_bill(qtbot, backend, admin, bill.id)
    assert dialog.resolve_button.isVisibleTo(dialog) and dialog.resolve_button.isEnabled()
    assert not dialog.cancel_button.isEnabled()
    resolving = resolve(qtbot, dialog)
    assert resolving.accept_choice.isChecked() and resolving.reference.isEnabled()
    assert "₹500.00 counts toward the bill and the other ₹4,500.00 is refunded" in resolving.plan.text()
    resolving.save_button.click()
    qtbot.waitUntil(lambda: resolving.errors.label("reference").isVisibleTo(resolving))
    assert "₹4,500.00" in resolving.errors.label("reference").text()
    qtbot.keyClicks(resolving.reference, "rfnd_N8x2Qm41")
    qtbot.keyClicks(resolving.reason, "Paid ten times the bill")
    resolving.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.PAID)
    assert not dialog.held.isVisibleTo(dialog) and not dialog.resolve_button.isEnabled()
    assert "Refunded ₹4,500.00" in dialog.totals.text() and dialog.heading.text().endswith("Paid")
    [payment] = dialog.bill.payments
    assert (payment.id, payment.state) == (payment_id, PaymentState.COMPLETED)
    assert "refunded ₹4,500.00" in dialog.payments.item(0, 3).text()


def test_admin_refunds_part_and_the_rest_stays_held(qtbot, backend, uow, admin, bill):
    hold(uow, bill, "5000")
    dialog = open_bill(qtbot, backend, admin, bill.id)
    resolving = resolve(qtbot, dialog)
    resolving.refund_choice.click()
    assert resolving.amount.isEnabled() and resolving.amount.text() == "5000.00"
    resolving.amount.setText("6000")
    qtbot.keyClicks(resolving.reference, "NEFT0042")
    qtbot.keyClicks(resolving.reason, "Overpaid")
    resolving.save_button.click()
    qtbot.waitUntil(lambda: resolving.errors.label("amount").isVisibleTo(resolving))
    assert resolving.errors.label("amount").text() == "Only ₹5,000.00 is held."
    resolving.amount.setText("4500")
    resolving.save_button.click()
    qtbot.waitUntil(lambda: held_on(dialog.bill) == Decimal("500.00"))
    assert "₹500.00 held for review" in dialog.held.text() and dialog.resolve_button.isEnabled()
    assert dialog.bill.totals.net_paid == 0


def test_admin_moves_the_money_to_another_open_bill_of_the_patient(qtbot, backend, uow, admin, receptionist,
                                                                   patient, bill):
    hold(uow, bill, "1200")
    other = a_bill(uow, receptionist, patient, ("procedure", "Dressing", "1", "1500"))
    a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Das", "9800011122"))
    dialog = open_bill(qtbot, backend, admin, bill.id)
    resolving = resolve(qtbot, dialog)
    resolving.move_choice.click()
    qtbot.waitUntil(lambda: resolving.targets is not None)
    assert [resolving.target.itemData(i) for i in range(resolving.target.count())] == [other.id]
    assert "All ₹1,200.00 counts toward the bill" in resolving.plan.text() and not resolving.reference.isEnabled()
    resolving.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.payments == ())
    assert not dialog.held.isVisibleTo(dialog) and dialog.cancel_button.isEnabled()
    assert billing.get_bill(uow, admin, other.id).totals.balance_due == Decimal("300.00")


def test_a_stale_screen_is_told_another_admin_resolved_it(qtbot, backend, uow, admin, bill):
    from homa_desk.services import held_money

    payment_id = hold(uow, bill, "300")
    dialog = open_bill(qtbot, backend, admin, bill.id)
    resolving = resolve(qtbot, dialog)
    held_money.accept_held(uow, admin, payment_id)
    resolving.save_button.click()
    qtbot.waitUntil(lambda: resolving.errors.general.isVisibleTo(resolving))
    assert "another admin has just resolved it" in resolving.errors.general.text()


def test_the_payments_page_lists_held_money_and_opens_its_bill_to_resolve(qtbot, backend, uow, admin, receptionist,
                                                                          bill):
    from homa_desk.ui.reports.payments_view import PaymentsView

    payment_id = hold(uow, bill, "5000")
    view = PaymentsView(backend, admin, debounce_ms=10)
    qtbot.addWidget(view)
    view.show()
    view.tabs.setCurrentIndex(2)
    panel = view.held
    qtbot.waitUntil(lambda: not panel.loading and panel.model.rowCount() == 1)
    texts = panel.model.texts(panel.model.row_at(0))
    assert texts[1].startswith("Kavya Nair") and texts[2] == bill.bill_number and texts[3] == "₹5,000.00"
    assert texts[4] == "paid after the QR had closed" and texts[5].startswith("pay_Held") and texts[6]
    assert "1 payments, ₹5,000.00 held for review" in panel.summary.text()
    panel._open_index(panel.model.index(0, 0))
    dialog = panel.bill_dialog
    qtbot.waitUntil(lambda: dialog.bill is not None)
    resolving = resolve(qtbot, dialog)
    resolving.refund_choice.click()
    qtbot.keyClicks(resolving.reference, "rfnd_Pg01")
    qtbot.keyClicks(resolving.reason, "Not for this clinic")
    resolving.save_button.click()
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.loading)
    assert panel.summary.text() == "No money is held for review."
    assert billing.get_bill(uow, admin, bill.id).payments[0].id == payment_id


def test_a_receptionist_sees_the_list_but_is_told_an_admin_resolves(qtbot, backend, uow, receptionist, bill):
    from homa_desk.ui.billing.held_money_view import HeldMoneyPanel

    hold(uow, bill, "65")
    panel = HeldMoneyPanel(backend, receptionist)
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: not panel.loading and panel.model.rowCount() == 1)
    assert "An admin resolves held money" in panel.summary.text()


def test_nothing_due_means_the_dialog_offers_refund_or_move_only(qtbot, backend, uow, admin, receptionist, bill):
    hold(uow, bill, "500")
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    dialog = open_bill(qtbot, backend, admin, bill.id)
    assert dialog.heading.text().endswith("Paid") and "₹500.00 held for review" in dialog.held.text()
    resolving = resolve(qtbot, dialog)
    assert not resolving.accept_choice.isEnabled() and resolving.refund_choice.isChecked()
