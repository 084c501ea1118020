"""The bill editor and the price list, by keys only: type two letters, arrow to an item, Enter; the rate fills in,
locked for a receptionist unless the clinic allows it (and refused by the service if forced), an old bill keeps its
price after the list changes, and under a GSTIN the place of supply is asked."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt

from homa_desk.domain.price_list import PriceItemInput
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import billing, price_list
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from tests.services.billing_helpers import a_patient
from tests.services.price_list_helpers import an_item, line_of, the_clinic_has_gstin


@pytest.fixture
def items(uow, admin):  # type: ignore[no-untyped-def]
    return (an_item(uow, admin, "CBC", "Complete blood count", "350", kind="lab_test"),
            an_item(uow, admin, "ESR", "Blood ESR", "120", kind="lab_test"),
            an_item(uow, admin, "WHITE", "Teeth whitening", "1180", "18", sac_hsn="999722"))


def open_editor(qtbot, backend, uow, actor, bill=None) -> BillEditorDialog:  # type: ignore[no-untyped-def]
    patient = bill.patient_id if bill else a_patient(uow, actor)
    editor = BillEditorDialog(backend, actor, patient, "Kavya Nair", bill=bill)
    qtbot.addWidget(editor)
    editor.show()
    editor.activateWindow()
    qtbot.waitUntil(editor.isActiveWindow)
    qtbot.waitUntil(editor.picker.hasFocus)
    if bill is None:
        editor.set_cell(0, "unit_price", "500")  # the consultation line a new bill starts with
    return editor


def pick(qtbot, editor: BillEditorDialog, typed: str, downs: int) -> None:  # type: ignore[no-untyped-def]
    """Type into the price-list field, arrow down the drop-down, Enter: keys only."""
    rows = editor.table.rowCount()
    qtbot.keyClicks(editor.picker, typed)
    popup = editor.picker.completer.popup()
    qtbot.waitUntil(popup.isVisible)
    for _ in range(downs):
        qtbot.keyClick(popup, Qt.Key.Key_Down)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.rowCount() == rows + 1)


def save(qtbot, editor: BillEditorDialog):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(editor.bill_saved, timeout=10000) as saved:
        qtbot.keyClick(editor.save_button, Qt.Key.Key_Space)
        qtbot.waitUntil(lambda: bool(editor.general_error.text() or editor.lines_error.text())
                        or not editor.isVisible(), timeout=10000)
        assert not editor.isVisible(), editor.general_error.text() + editor.lines_error.text()
    return saved.args[0]


def test_a_receptionist_completes_lines_by_keys_and_the_rate_is_locked(qtbot, backend, uow, receptionist, items):
    editor = open_editor(qtbot, backend, uow, receptionist)
    qtbot.keyClicks(editor.picker, "b")
    qtbot.wait(400)
    assert not editor.picker.completer.popup().isVisible()  # one letter finds nothing
    editor.picker.clear()
    pick(qtbot, editor, "blo", downs=2)  # Blood ESR, then Complete blood count
    qtbot.waitUntil(lambda: editor.picker.text() == "")
    assert [editor.table.item(1, c).text() for c in (1, 2, 3)] == ["Complete blood count", "1", "350.00"]
    assert editor.table.cellWidget(1, 0).currentData() == "lab_test"
    assert editor.rate_locked(1) and not editor.rate_locked(0)  # the consultation's fee stays as it is
    editor.picker.setFocus()
    qtbot.keyClicks(editor.picker, "wh")
    qtbot.waitUntil(editor.picker.completer.popup().isVisible)
    editor.picker.clear()
    qtbot.keyClicks(editor.picker, "WHITE")
    qtbot.waitUntil(lambda: [i.code for i in editor.picker.found] == ["WHITE"])
    qtbot.keyClick(editor.picker, Qt.Key.Key_Return)  # an exact code adds it without the list; the bill stays open
    qtbot.waitUntil(lambda: editor.table.rowCount() == 3)
    assert editor.isVisible() and editor.table.item(2, 1).text() == "Teeth whitening"
    bill = save(qtbot, editor)
    assert [(x.description, x.unit_price, x.gst_rate, x.sac_hsn, x.price_item_id) for x in bill.lines[1:]] == [
        ("Complete blood count", Decimal("350.00"), Decimal("0.00"), "9993", items[0].id),
        ("Teeth whitening", Decimal("1180.00"), Decimal("18.00"), "999722", items[2].id)]


def test_a_forced_rate_is_refused_by_the_service_and_marked_on_its_cell(qtbot, backend, uow, receptionist, items):
    editor = open_editor(qtbot, backend, uow, receptionist)
    pick(qtbot, editor, "es", downs=1)
    editor.set_cell(1, "unit_price", "1")  # a changed client could write the cell anyway
    qtbot.keyClick(editor.save_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: editor.cell_error(1, "unit_price") != "")
    assert editor.cell_error(1, "unit_price") == (
        "ESR costs ₹120.00 on the price list; only an admin may bill another rate.")
    assert billing.list_bills(uow, receptionist, since=utcnow() - timedelta(days=1)) == []


def test_an_admin_or_an_allowed_receptionist_may_change_the_rate(qtbot, backend, uow, admin, receptionist, items):
    editor = open_editor(qtbot, backend, uow, admin)
    pick(qtbot, editor, "cb", downs=1)
    assert not editor.rate_locked(1)
    editor.set_cell(1, "unit_price", "300")
    assert save(qtbot, editor).lines[1].unit_price == Decimal("300.00")

    price_list.set_receptionists_may_change_rates(uow, admin, True)
    editor = open_editor(qtbot, backend, uow, receptionist)
    pick(qtbot, editor, "cb", downs=1)
    qtbot.waitUntil(lambda: not editor.rate_locked(1))
    editor.table.setCurrentCell(1, 3)
    editor.table.setFocus()
    qtbot.keyClick(editor.table, Qt.Key.Key_F2)
    qtbot.keyClick(editor.table.focusWidget() or editor.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(editor.table.focusWidget(), "320")
    qtbot.keyClick(editor.table.focusWidget(), Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.table.item(1, 3).text() == "320")
    assert save(qtbot, editor).lines[1].unit_price == Decimal("320.00")


def test_an_old_bill_keeps_its_price_after_the_list_changes(qtbot, backend, uow, admin, receptionist, items):
    whitening = items[2]
    bill = billing.create_bill(uow, receptionist, patient_id=a_patient(uow, receptionist), lines=[line_of(whitening)])
    price_list.save_item(uow, admin, PriceItemInput("WHITE", "Whitening (laser)", "procedure", "", "1500", "12",
                                                    "999722"), whitening.id)
    editor = open_editor(qtbot, backend, uow, receptionist, billing.get_bill(uow, receptionist, bill.id))
    assert [editor.table.item(0, c).text() for c in (1, 3)] == ["Teeth whitening", "1180.00"]
    assert editor.rate_locked(0)
    qtbot.keyClicks(editor.notes, "Second sitting")
    kept = save(qtbot, editor)
    line, = kept.lines
    assert (line.description, line.unit_price, line.gst_rate, kept.notes) == (
        "Teeth whitening", Decimal("1180.00"), Decimal("18.00"), "Second sitting")


def test_under_a_gstin_the_place_of_supply_is_asked(qtbot, backend, uow, admin, receptionist, items):
    the_clinic_has_gstin(uow, admin)
    editor = open_editor(qtbot, backend, uow, receptionist)
    qtbot.waitUntil(lambda: editor.place.isVisible())
    assert editor.place.currentText() == "Maharashtra (27)"
    editor.place.setFocus()
    qtbot.keyClicks(editor.place, "Karn")
    assert editor.place.currentData() == "29"
    pick(qtbot, editor, "wh", downs=1)
    assert save(qtbot, editor).place_of_supply == "29"


def test_without_a_gstin_no_place_of_supply_is_asked(qtbot, backend, uow, receptionist, items):
    editor = open_editor(qtbot, backend, uow, receptionist)
    qtbot.wait(500)
    assert not editor.place.isVisible() and editor.place_of_supply() is None
