"""The Billing page and the bill editor, driven through their widgets."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from homa_desk.domain.billing import BillStatus
from homa_desk.services import billing
from homa_desk.services.patients import search_patients
from homa_desk.ui.bill_screen import BillDialog
from homa_desk.ui.bill_visit import open_visit_bill
from homa_desk.ui.views.billing_view import BillingView
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.services.billing_helpers import a_bill, a_patient


def open_view(qtbot, backend, actor) -> BillingView:
    view = BillingView(backend, actor, debounce_ms=10)
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitUntil(lambda: not view.loading)
    return view


def test_todays_bills_are_listed_and_searchable(qtbot, backend, uow, receptionist):
    first = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "500"))
    other = a_patient(uow, receptionist, "Rohan Gupta", "9812345671")
    second = a_bill(uow, receptionist, other, ("procedure", "Dressing", "1", "250"))
    billing.record_payment(uow, receptionist, second.id, amount="100", method="cash")
    view = open_view(qtbot, backend, receptionist)
    assert [r.bill_number for r in view.model.rows] == [second.bill_number, first.bill_number]
    row = [view.model.data(view.model.index(0, c)) for c in range(7)]
    assert row[2:] == ["Rohan Gupta", "Open", "₹250.00", "₹100.00", "₹150.00"]
    qtbot.keyClicks(view.search, "kavya")
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows] == [first.id])
    view.search.clear()
    qtbot.keyClicks(view.search, second.bill_number[-4:])
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows] == [second.id])


def test_new_bill_marks_bad_cells_then_saves_and_opens_the_bill(qtbot, backend, uow, receptionist):
    a_patient(uow, receptionist)
    view = open_view(qtbot, backend, receptionist)
    view.new_button.click()
    [patient] = search_patients(uow, receptionist, "Kavya")
    view.picker.choose(patient)
    editor = view.editor
    assert editor is not None and editor.isVisible()
    editor.set_cell(0, "unit_price", "700")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.table.cellWidget(1, 0).setCurrentIndex(2)  # medicine
    editor.set_cell(1, "description", "Paracetamol 500")
    editor.set_cell(1, "quantity", "two")
    editor.set_cell(1, "unit_price", "2.50")
    assert editor.total.text() == "Total ₹700.00"
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.lines_error.isVisibleTo(editor))
    assert "Line 2, quantity" in editor.lines_error.text() and editor.cell_error(1, "quantity")
    assert not editor.cell_error(0, "unit_price")
    editor.set_cell(1, "quantity", "10")
    editor.set_cell(1, "discount", "5")
    assert editor.total.text() == "Total ₹720.00"
    editor.save_button.click()
    qtbot.waitUntil(lambda: view.bill_dialog is not None and view.bill_dialog.bill is not None)
    bill = view.bill_dialog.bill
    assert bill.totals.total == Decimal("720.00") and [x.kind.value for x in bill.lines] == ["consultation",
                                                                                             "medicine"]
    qtbot.waitUntil(lambda: [r.id for r in view.model.rows] == [bill.id])


def test_remove_line_and_an_empty_bill_is_refused(qtbot, backend, uow, receptionist):
    from homa_desk.ui.bill_editor import BillEditorDialog

    editor = BillEditorDialog(backend, receptionist, a_patient(uow, receptionist), "Kavya Nair")
    qtbot.addWidget(editor)
    editor.show()
    editor.remove_line()
    assert editor.table.rowCount() == 0 and editor.total.text() == "Total ₹0.00"
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.lines_error.isVisibleTo(editor))
    assert editor.lines_error.text() == "Add at least one line to the bill."


def test_bill_this_visit_opens_the_consultation_bill(qtbot, backend, uow, engine, admin, receptionist, doctor):
    from homa_desk.services import appointments

    with_hours(uow, admin, doctor)
    patient = add_patient(engine)
    visit = appointments.book_appointment(uow, receptionist, patient_id=patient, doctor_id=doctor.user_id,
                                          starts_at=at(next_weekday(1), 10))
    view = open_view(qtbot, backend, receptionist)
    open_visit_bill(view, backend, receptionist, visit.id)

    def dialog() -> BillDialog | None:
        found = [d for d in view.findChildren(BillDialog) if d.bill is not None]
        return found[0] if found else None

    qtbot.waitUntil(lambda: dialog() is not None)
    bill = dialog().bill
    assert bill.appointment_id == visit.id and bill.lines[0].kind.value == "consultation"
    assert bill.status in (BillStatus.OPEN, BillStatus.PAID)
