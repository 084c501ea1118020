"""Cash at the desk: what the patient handed over gives the change to give back, as it is typed; too little is
flagged beside the field and cannot be saved; the payment records the amount paid."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.billing import PaymentMethod
from homa_desk.services import billing
from homa_desk.ui.billing.payment_dialog import PaymentDialog
from tests.services.billing_helpers import a_bill, a_patient


def shown_dialog(qtbot, backend, uow, receptionist) -> PaymentDialog:
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "450"))
    dialog = PaymentDialog(backend, receptionist, billing.get_bill(uow, receptionist, bill.id))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def retype(qtbot, edit, value: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, value) if value else qtbot.keyClick(edit, Qt.Key.Key_Backspace)


def test_the_change_shows_as_the_amount_handed_over_is_typed(qtbot, backend, uow, engine, receptionist):
    dialog = shown_dialog(qtbot, backend, uow, receptionist)
    assert dialog.handed_over.isVisible() and dialog.change_due.text() == ""
    qtbot.keyClicks(dialog.handed_over, "500")
    assert dialog.change_due.text() == "₹50.00"
    retype(qtbot, dialog.handed_over, "2,000")
    assert dialog.change_due.text() == "₹1,550.00"
    retype(qtbot, dialog.amount, "449.50")
    assert dialog.change_due.text() == "₹1,550.50"
    retype(qtbot, dialog.amount, "450")
    with qtbot.waitSignal(dialog.payment_recorded, timeout=10_000) as recorded:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert recorded.args[0].totals.balance_due == Decimal("0.00")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT amount, payment_method::text FROM payments")).one() == (
            Decimal("450.00"), "cash")


def test_too_little_handed_over_is_flagged_beside_the_field_and_blocks_saving(qtbot, backend, uow, engine,
                                                                              receptionist):
    dialog = shown_dialog(qtbot, backend, uow, receptionist)
    qtbot.keyClicks(dialog.handed_over, "400")
    message = dialog.errors.label("handed_over")
    assert message.isVisible() and message.text() == "Less than the amount: ₹50.00 more is needed."
    assert dialog.change_due.text() == "" and not dialog.save_button.isEnabled()
    qtbot.keyClick(dialog.handed_over, Qt.Key.Key_Return)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM payments")).scalar_one() == 0
    retype(qtbot, dialog.amount, "400")  # a part payment of what was handed over is fine
    assert not message.isVisible() and dialog.change_due.text() == "₹0.00" and dialog.save_button.isEnabled()
    retype(qtbot, dialog.amount, "450")
    retype(qtbot, dialog.handed_over, "")  # the field is optional
    assert not message.isVisible() and dialog.save_button.isEnabled()


def test_the_change_rows_are_for_cash_only(qtbot, backend, uow, receptionist):
    dialog = shown_dialog(qtbot, backend, uow, receptionist)
    qtbot.keyClicks(dialog.handed_over, "400")
    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.CARD.value))
    assert not dialog.handed_over.isVisible() and not dialog.change_due.isVisible()
    assert dialog.save_button.isEnabled() and not dialog.errors.label("handed_over").isVisible()
    dialog.method.setCurrentIndex(dialog.method.findData(PaymentMethod.CASH.value))
    assert dialog.handed_over.isVisible() and not dialog.save_button.isEnabled()
