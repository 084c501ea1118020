"""The profile's "Bills and payments", driven through its widgets: rows, totals, paging, Open, roles, refresh."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableWidget

from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.patients.patient_bills import PatientBillsPanel
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from tests.services.billing_helpers import a_bill, a_patient


def texts(table: QTableWidget) -> list[list[str]]:
    return [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(table.rowCount())]


def click_row(qtbot, table: QTableWidget, row: int) -> None:
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=table.visualItemRect(table.item(row, 0)).center())


def an_account(uow, admin, receptionist):
    """Three bills of Kavya: part paid, paid by UPI then part refunded, cancelled; and someone else's bill."""
    patient = a_patient(uow, receptionist)
    first = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "500"))
    billing.record_payment(uow, receptionist, first.id, amount="200", method="cash")
    second = a_bill(uow, receptionist, patient, ("procedure", "Dressing", "1", "250"))
    second = billing.record_payment(uow, receptionist, second.id, amount="250", method="upi", reference="UTR123")
    billing.refund_payment(uow, admin, second.payments[0].id, amount="50", reason="Smaller dressing")
    third = a_bill(uow, receptionist, patient, ("other", "Certificate", "1", "100"))
    billing.cancel_bill(uow, admin, third.id, "Not needed")
    a_bill(uow, receptionist, a_patient(uow, receptionist, "Rohan Gupta", "9812345671"))
    return patient, first, second, third


def open_profile(qtbot, backend, actor, patient) -> PatientProfileDialog:
    dialog = PatientProfileDialog(backend, actor, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.profile is not None)
    assert dialog.bills.account is None and not dialog.bills.loading  # the tab loads when it is chosen
    bar = dialog.sections.tabBar()
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(2).center())
    assert dialog.sections.currentWidget() is dialog.bills and dialog.bills.isVisible()
    qtbot.waitUntil(lambda: dialog.bills.account is not None)
    return dialog


def test_the_profile_lists_bills_and_payments_with_totals_and_opens_a_bill(qtbot, backend, uow, admin, receptionist):
    patient, first, second, third = an_account(uow, admin, receptionist)
    profile = open_profile(qtbot, backend, receptionist, patient)
    panel = profile.bills
    assert profile.sections.tabText(2) == "Bills and payments"
    assert panel.totals.text() == "Billed ₹750.00 · Paid ₹400.00 · Balance due <b>₹350.00</b>"
    rows = texts(panel.bills)
    assert [r[0] for r in rows] == [third.bill_number, second.bill_number, first.bill_number]
    assert [r[3:] for r in rows] == [["₹100.00", "₹0.00", "₹0.00", "Cancelled"],
                                     ["₹250.00", "₹200.00", "₹50.00", "Open"],
                                     ["₹500.00", "₹200.00", "₹300.00", "Open"]]
    assert rows[0][2] == "—"  # no doctor on these bills
    assert panel.shown.text() == "3 bills, 2 payments." and not panel.more_button.isVisible()
    assert (panel.tabs.tabText(0), panel.tabs.tabText(1)) == ("Bills (3)", "Payments (2)")

    assert not panel.open_button.isEnabled()
    click_row(qtbot, panel.bills, 1)
    assert panel.open_button.isEnabled()
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: panel.bill_dialog is not None and panel.bill_dialog.bill is not None)
    assert panel.bill_dialog.isVisible() and panel.bill_dialog.bill.id == second.id
    assert panel.bill_dialog.heading.text() == f"Bill {second.bill_number} · Balance due ₹50.00"

    qtbot.mouseClick(panel.tabs.tabBar(), Qt.MouseButton.LeftButton, pos=panel.tabs.tabBar().tabRect(1).center())
    assert texts(panel.payments) == [
        [texts(panel.payments)[0][0], "UPI", "₹250.00", "Completed, refunded ₹50.00", "UTR123", second.bill_number],
        [texts(panel.payments)[1][0], "Cash", "₹200.00", "Completed", "", first.bill_number]]
    assert not panel.open_button.isEnabled()  # nothing chosen on this tab yet
    qtbot.mouseClick(panel.payments.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.payments.visualItemRect(panel.payments.item(1, 0)).center())
    qtbot.mouseDClick(panel.payments.viewport(), Qt.MouseButton.LeftButton,
                      pos=panel.payments.visualItemRect(panel.payments.item(1, 0)).center())
    qtbot.waitUntil(lambda: panel.bill_dialog.bill is not None and panel.bill_dialog.bill.id == first.id)

    billing.record_payment(uow, receptionist, first.id, amount="300", method="card", reference="slip 9")
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        changes.announce(Change.PAYMENTS)  # as the bill screen does after a payment
    assert panel.totals.text() == "Billed ₹750.00 · Paid ₹700.00 · Balance due <b>₹50.00</b>"
    assert texts(panel.payments)[0][1:3] == ["Card", "₹300.00"] and texts(panel.bills)[2][5:] == ["₹0.00", "Paid"]


def test_a_doctor_sees_the_lists_but_cannot_open_a_bill(qtbot, backend, uow, admin, receptionist, doctor):
    patient, *_ = an_account(uow, admin, receptionist)
    profile = open_profile(qtbot, backend, doctor, patient)
    panel = profile.bills
    assert panel.bills.rowCount() == 3 and panel.payments.rowCount() == 2
    assert panel.totals.text().endswith("Balance due <b>₹350.00</b>")
    assert not panel.open_button.isVisible()
    click_row(qtbot, panel.bills, 0)
    qtbot.mouseDClick(panel.bills.viewport(), Qt.MouseButton.LeftButton,
                      pos=panel.bills.visualItemRect(panel.bills.item(0, 0)).center())
    assert panel.open_selected() is None and not profile.findChildren(BillDialog)


def test_the_newest_page_first_then_show_more(qtbot, backend, uow, admin, receptionist):
    patient, first, second, third = an_account(uow, admin, receptionist)
    panel = PatientBillsPanel(backend, receptionist, patient, page=2)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.account is not None)
    assert [r[0] for r in texts(panel.bills)] == [third.bill_number, second.bill_number]
    assert panel.shown.text() == "Newest 2 of 3 bills, 2 of 2 payments."
    assert panel.totals.text().endswith("Balance due <b>₹350.00</b>")  # over all bills, not the page
    assert panel.more_button.isVisible()
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        qtbot.mouseClick(panel.more_button, Qt.MouseButton.LeftButton)
    assert [r[0] for r in texts(panel.bills)] == [third.bill_number, second.bill_number, first.bill_number]
    assert panel.shown.text() == "3 bills, 2 payments." and not panel.more_button.isVisible()
