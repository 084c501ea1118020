"""The Billing page and the bill editor, driven through their widgets."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from homa_desk.domain.billing import BillStatus
from homa_desk.services import billing
from homa_desk.services.patients import search_patients
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.billing.bill_visit import open_visit_bill
from homa_desk.ui.billing.billing_view import BillingView
from tests.appointment_helpers import add_patient, at, next_weekday, with_hours
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.visit_helpers import a_morning
from tests.ui.desk_helpers import double_click


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


def test_amounts_beyond_what_a_bill_holds_are_marked_on_the_cell_not_a_database_error(qtbot, backend, uow,
                                                                                        receptionist):
    a_patient(uow, receptionist)
    view = open_view(qtbot, backend, receptionist)
    view.new_button.click()
    [patient] = search_patients(uow, receptionist, "Kavya")
    view.picker.choose(patient)
    editor = view.editor
    editor.set_cell(0, "quantity", "9999")
    editor.set_cell(0, "unit_price", "99999999.99")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.set_cell(1, "description", "Typed by a cat")
    editor.set_cell(1, "quantity", "9e999999")  # too large to reckon: the preview shows a dash, nothing crashes
    editor.set_cell(1, "unit_price", "99")
    assert editor.table.item(1, 5).text() == "—"
    editor.save_button.click()
    qtbot.waitUntil(lambda: editor.lines_error.isVisibleTo(editor))
    assert "a line can be at most ₹9,99,99,999.99" in editor.cell_error(0, "total")
    assert "Line 1, Amount" in editor.lines_error.text() and "SQL" not in editor.lines_error.text()
    assert editor.cell_error(1, "quantity") and not editor.general_error.text()
    editor.set_cell(0, "quantity", "1")
    editor.set_cell(0, "unit_price", "60000000")
    editor.set_cell(1, "quantity", "1")
    editor.set_cell(1, "unit_price", "60000000")
    editor.save_button.click()
    qtbot.waitUntil(lambda: "a bill can be at most" in editor.lines_error.text())
    assert not editor.cell_error(0, "total") and not editor.general_error.text()
    editor.set_cell(1, "unit_price", "39999999.99")
    editor.save_button.click()
    qtbot.waitUntil(lambda: view.bill_dialog is not None and view.bill_dialog.bill is not None)
    assert view.bill_dialog.bill.totals.total == Decimal("99999999.99")


def test_remove_line_and_an_empty_bill_is_refused(qtbot, backend, uow, receptionist):
    from homa_desk.ui.billing.bill_editor import BillEditorDialog

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


def test_todays_visits_without_a_bill_and_bill_this_visit(qtbot, backend, uow, engine, admin, receptionist, doctor):
    morning = a_morning(uow, engine, admin, receptionist, doctor)
    view = open_view(qtbot, backend, receptionist)
    panel = view.visits
    qtbot.waitUntil(lambda: not panel.loading and bool(panel.model.rows))
    model = panel.model
    shown = [[model.data(model.index(r, c)) for c in range(model.columnCount())] for r in range(model.rowCount())]
    assert [r[0:1] + r[2:3] + r[4:] for r in shown] == [
        ["—", "Sunil Rao", "Rahul Menon", "Booked", "Seen", "₹600.00"],
        ["1", "Priya Sharma", "Rahul Menon", "Walk-in", "With the doctor", "₹600.00"],
        ["2", "Rahul Kumar", "Rahul Menon", "Booked", "Waiting", "₹600.00"]]
    assert panel.status.text() == "3 visits to bill." and not panel.bill_button.isEnabled()

    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.table.visualRect(model.index(1, 2)).center())
    assert panel.bill_button.isEnabled()
    qtbot.mouseClick(panel.bill_button, Qt.MouseButton.LeftButton)
    editor = panel.editor
    assert editor is not None and editor.isVisible() and editor.appointment_id == morning.walk_in
    assert editor.windowTitle() == "New bill — Priya Sharma"
    assert [editor.table.item(0, c).text() for c in (1, 2, 3)] == ["Consultation — Rahul Menon", "1", "600.00"]
    assert editor.total.text() == "Total ₹600.00"
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.table.cellWidget(1, 0).setCurrentIndex(2)  # medicine
    editor.set_cell(1, "description", "Cough syrup")
    editor.set_cell(1, "unit_price", "85")
    assert editor.total.text() == "Total ₹685.00"
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)

    qtbot.waitUntil(lambda: view.bill_dialog is not None and view.bill_dialog.bill is not None)
    bill = view.bill_dialog.bill
    assert view.bill_dialog.isVisible() and bill.appointment_id == morning.walk_in
    assert (bill.patient_name, bill.doctor_name, bill.totals.total) == ("Priya Sharma", "Rahul Menon",
                                                                        Decimal("685.00"))
    assert [x.description for x in bill.lines] == ["Consultation — Rahul Menon", "Cough syrup"]
    qtbot.waitUntil(lambda: [v.patient_name for v in panel.model.rows] == ["Sunil Rao", "Rahul Kumar"])
    qtbot.waitUntil(lambda: [r.patient_name for r in view.model.rows] == ["Priya Sharma", "Anita Desai"])

    # a walk-in added at another desk appears when the queue announces the change
    from homa_desk.services import queue
    from homa_desk.ui.common import changes
    from homa_desk.ui.common.changes import Change

    walk_in = queue.add_walk_in(uow, receptionist, add_patient(engine, "Farah Khan", "+919800000009"), doctor.user_id)
    with qtbot.waitSignal(panel.loaded, timeout=10000):
        changes.announce(Change.QUEUE)
    assert [v.appointment_id for v in panel.model.rows][-1] == walk_in.appointment_id
    assert panel.status.text() == "3 visits to bill."


def test_billing_a_visit_billed_meanwhile_says_so_next_to_the_form(qtbot, backend, uow, engine, admin, receptionist,
                                                                    doctor):
    morning = a_morning(uow, engine, admin, receptionist, doctor)
    view = open_view(qtbot, backend, receptionist)
    panel = view.visits
    qtbot.waitUntil(lambda: not panel.loading and bool(panel.model.rows))
    assert panel.select(morning.checked_in)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    editor = panel.editor
    assert editor is not None and editor.appointment_id == morning.checked_in
    billing.consultation_bill(uow, doctor, morning.checked_in)  # the doctor completed the consultation meanwhile
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.general_error.text() != "")
    assert editor.general_error.text() == "This visit already has a bill; open it instead."


def test_the_bill_the_doctor_made_is_listed_opened_and_its_lines_edited_until_paid(qtbot, backend, uow, engine, admin,
                                                                                    receptionist, doctor):
    """Complete visit made the bill: the receptionist finds it under today's visits, opens it, adds the dressing and
    the medicine, then takes the money; from then on the lines stay as they were paid."""
    from homa_desk.domain.consultations import ConsultationDraft
    from homa_desk.services import consultations
    from tests.services.consultation_helpers import a_patient as a_visit_patient
    from tests.services.consultation_helpers import a_visit, with_profile

    with_profile(uow, admin, doctor, fee="600")
    visit = a_visit(uow, receptionist, a_visit_patient(engine), doctor)
    done = consultations.complete_consultation(uow, doctor, visit, ConsultationDraft(diagnosis="Viral fever"))
    view = open_view(qtbot, backend, receptionist)
    view.resize(1366, 768)
    panel = view.visits
    qtbot.waitUntil(lambda: not panel.loading and bool(panel.model.rows))
    model = panel.model
    assert [model.data(model.index(0, c)) for c in (2, 6, 7)] == ["Priya Sharma", "Bill ready, unpaid", "₹600.00"]
    assert panel.select(visit) and panel.bill_button.text() == "Open bill…"
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: view.bill_dialog is not None and view.bill_dialog.bill is not None)
    dialog = view.bill_dialog
    assert dialog.bill.id == done.bill_id and panel.editor is None

    assert dialog.edit_button.isEnabled()
    qtbot.mouseClick(dialog.edit_button, Qt.MouseButton.LeftButton)
    editor = dialog.editor
    assert editor is not None and editor.isVisible() and editor.save_button.text() == "Save changes"
    assert [editor.table.item(0, c).text() for c in (1, 2, 3)] == ["Consultation — Rahul Menon", "1", "600.00"]
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.table.cellWidget(1, 0).setCurrentIndex(1)  # procedure
    editor.set_cell(1, "description", "Dressing")
    editor.set_cell(1, "unit_price", "150")
    qtbot.mouseClick(editor.add_button, Qt.MouseButton.LeftButton)
    editor.table.cellWidget(2, 0).setCurrentIndex(2)  # medicine
    editor.set_cell(2, "description", "Cough syrup")
    editor.set_cell(2, "unit_price", "")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.cell_error(2, "unit_price") != "")  # refused next to the cell, nothing saved
    editor.set_cell(2, "unit_price", "85")
    qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.bill.totals.total == Decimal("835.00"))
    assert [dialog.lines.item(r, 1).text() for r in range(dialog.lines.rowCount())] == [
        "Consultation — Rahul Menon", "Dressing", "Cough syrup"]
    assert "Balance due ₹835.00" in dialog.heading.text()
    qtbot.waitUntil(lambda: model.rowCount() == 1 and model.data(model.index(0, 7)) == "₹835.00")

    pay = dialog.take_payment()
    assert pay.amount.text() == "835.00"
    pay.save_button.click()
    qtbot.waitUntil(lambda: dialog.bill.status is BillStatus.PAID)
    assert not dialog.edit_button.isEnabled() and dialog.edit_lines() is None
    qtbot.waitUntil(lambda: model.rowCount() == 0)
    assert panel.status.text() == "Every visit of today has its bill."


def test_a_double_click_opens_one_bill_and_opening_it_again_raises_that_one(qtbot, backend, uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "500"))
    view = open_view(qtbot, backend, receptionist)
    assert [r.id for r in view.model.rows] == [bill.id]

    def bills() -> list[BillDialog]:
        return [d for d in view.findChildren(BillDialog) if d.isVisible()]

    double_click(qtbot, view.table, view.model.index(0, 2))
    assert len(bills()) == 1
    [dialog] = bills()
    double_click(qtbot, view.table, view.model.index(0, 2))
    qtbot.keyClick(view.table, Qt.Key.Key_Return)
    assert bills() == [dialog] and view.open_bill(bill.id) is dialog


def test_a_double_click_on_a_visit_opens_one_bill_editor(qtbot, backend, uow, engine, admin, receptionist, doctor):
    a_morning(uow, engine, admin, receptionist, doctor)
    view = open_view(qtbot, backend, receptionist)
    panel = view.visits
    qtbot.waitUntil(lambda: not panel.loading and bool(panel.model.rows))

    def editors() -> list[BillEditorDialog]:
        return [d for d in panel.findChildren(BillEditorDialog) if d.isVisible()]

    double_click(qtbot, panel.table, panel.model.index(1, 2))
    assert len(editors()) == 1
    [editor] = editors()
    assert panel.bill_visit() is editor and editors() == [editor]
