"""The Payments page's history: filters drive the rows and the totals, CSV export, opening the bill."""

from __future__ import annotations

import csv
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.reports import HistoryFilters, HistoryStatus
from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.reports.payments_view import PaymentHistoryPanel, PaymentsView
from homa_desk.ui.reports.report_history_model import PaymentHistoryModel
from tests.services.billing_helpers import a_patient
from tests.services.report_helpers import ist, paid_bill

TODAY = date(2026, 11, 25)


def open_panel(qtbot, backend, actor) -> PaymentHistoryPanel:
    panel = PaymentHistoryPanel(backend, actor, debounce_ms=10, today=TODAY)
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    qtbot.waitUntil(lambda: not panel.loading)
    return panel


def choose(combo, value) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_filters_update_rows_and_totals(qtbot, backend, uow, admin, receptionist, doctor):
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    rohan = a_patient(uow, receptionist, "Rohan Gupta", "9812345671")
    cash = paid_bill(uow, receptionist, kavya, "500", at=ist(2026, 11, 3, 10), doctor_id=doctor.user_id)
    upi = paid_bill(uow, receptionist, rohan, "800", at=ist(2026, 11, 24, 11), method="upi")
    paid_bill(uow, receptionist, rohan, "999", at=ist(2026, 10, 31, 23, 50))  # last month: outside the default
    billing.refund_payment(uow, admin, upi.payments[0].id, amount="800", reason="Duplicate")
    panel = open_panel(qtbot, backend, receptionist)
    assert [r.id for r in panel.model.rows] == [upi.payments[0].id, cash.payments[0].id]
    assert [panel.model.data(panel.model.index(0, c)) for c in range(9)] == [
        "24-11-2026 11:00", upi.bill_number, "Rohan Gupta", "—", "UPI", "₹800.00", "₹800.00", "Refunded",
        upi.payments[0].reference]
    text = panel.totals.text()
    assert "2 payments" in text and "₹1,300.00" in text and "Net <b>₹500.00</b>" in text

    choose(panel.method, PaymentMethod.CASH)
    qtbot.waitUntil(lambda: [r.id for r in panel.model.rows] == [cash.payments[0].id] and not panel.loading)
    assert "1 payments" in panel.totals.text() and "Net <b>₹500.00</b>" in panel.totals.text()
    choose(panel.method, None)
    choose(panel.status_filter, HistoryStatus.REFUNDED)
    qtbot.waitUntil(lambda: [r.id for r in panel.model.rows] == [upi.payments[0].id] and not panel.loading)
    choose(panel.status_filter, None)
    assert panel.doctor.count() == 1 and panel.doctor.state == "not asked"  # read when first reached for
    panel.doctor.showPopup()  # a click before the names are in: the list opens once they are
    qtbot.waitUntil(lambda: any(panel.doctor.itemData(i) == doctor.user_id for i in range(panel.doctor.count())))
    qtbot.waitUntil(lambda: panel.doctor.view().isVisible())
    panel.doctor.hidePopup()
    choose(panel.doctor, doctor.user_id)
    qtbot.waitUntil(lambda: [r.id for r in panel.model.rows] == [cash.payments[0].id] and not panel.loading)
    choose(panel.doctor, None)
    qtbot.keyClicks(panel.patient, "gupta")
    qtbot.waitUntil(lambda: [r.id for r in panel.model.rows] == [upi.payments[0].id] and not panel.loading)
    panel.date_from.setDate(panel.date_from.date().addMonths(-1))
    qtbot.waitUntil(lambda: len(panel.model.rows) == 2 and not panel.loading)
    assert "2 payments" in panel.totals.text()


def test_pages_load_one_at_a_time_until_the_filter_is_exhausted(qtbot, backend, uow, receptionist):
    patient = a_patient(uow, receptionist)
    for minute in range(12):
        paid_bill(uow, receptionist, patient, "10", at=ist(2026, 11, 20, 10, minute))
    model = PaymentHistoryModel(backend, receptionist, page_size=5)
    model.set_filters(HistoryFilters(date_from=date(2026, 11, 1), date_to=TODAY))
    qtbot.waitUntil(lambda: not model.loading and model.totals is not None)
    assert len(model.rows) == 5 and model.canFetchMore() and model.totals.count == 12
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)
    assert len({r.id for r in model.rows}) == 12 and model.exhausted
    panel = open_panel(qtbot, backend, receptionist)  # a table with room for more asks for the next pages itself
    panel.model.page_size = 5
    panel.apply_filters()
    qtbot.waitUntil(lambda: len(panel.model.rows) == 12 and not panel.loading)
    assert "12 payments" in panel.totals.text()


def test_export_csv_writes_every_matching_row(qtbot, backend, uow, receptionist, tmp_path, monkeypatch):
    patient = a_patient(uow, receptionist, "अनीता वर्मा")
    for hour in (9, 10, 11):
        paid_bill(uow, receptionist, patient, "250.50", at=ist(2026, 11, 10, hour))
    panel = open_panel(qtbot, backend, receptionist)
    target = tmp_path / "november.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(target), "CSV files (*.csv)"))
    panel.export_button.click()
    qtbot.waitUntil(lambda: panel.status.text().startswith("Exported"))
    assert panel.status.text() == f"Exported 3 payments to {target}."
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert len(rows) == 4 and {r[3] for r in rows[1:]} == {"अनीता वर्मा"}
    assert [r[1] for r in rows[1:]] == ["11:00", "10:00", "09:00"] and {r[7] for r in rows[1:]} == {"250.50"}
    assert not list(tmp_path.glob("*.part"))


def test_double_click_opens_the_bill(qtbot, backend, uow, receptionist):
    bill = paid_bill(uow, receptionist, a_patient(uow, receptionist), "500", at=ist(2026, 11, 25, 9))
    panel = open_panel(qtbot, backend, receptionist)
    rect = panel.table.visualRect(panel.model.index(0, 2))
    qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: isinstance(panel.bill_dialog, BillDialog) and panel.bill_dialog.bill is not None)
    assert panel.bill_dialog.bill.id == bill.id
    assert [d for d in panel.findChildren(BillDialog) if d.isVisible()] == [panel.bill_dialog]  # one, not two


def test_a_payment_without_a_bill_says_so(qtbot, backend, uow, receptionist):
    from decimal import Decimal

    patient = a_patient(uow, receptionist)
    with uow:  # as the demo clinic's payments: tied to an appointment, not a bill
        uow.payments.add(patient_id=patient, bill_id=None, appointment_id=None, amount=Decimal("300"),
                         method=PaymentMethod.CASH, state=billing.PaymentState.COMPLETED,
                         paid_at=ist(2026, 11, 25, 9), received_by=None)
        uow.commit()
    panel = open_panel(qtbot, backend, receptionist)
    panel._open_index(panel.model.index(0, 0))
    assert panel.bill_dialog is None and "no bill" in panel.status.text()


def test_the_page_has_history_daily_collection_and_held_money_tabs(qtbot, backend, receptionist):
    view = PaymentsView(backend, receptionist, debounce_ms=10)
    qtbot.addWidget(view)
    assert [view.tabs.tabText(i) for i in range(view.tabs.count())] == ["History", "Daily collection",
                                                                        "Held for review"]
    qtbot.waitUntil(lambda: not view.history.loading and not view.collection.loading)


def test_today_shows_todays_payments_at_once(qtbot, backend, uow, receptionist):
    patient = a_patient(uow, receptionist)
    today = paid_bill(uow, receptionist, patient, "300", at=ist(2026, 11, 25, 9, 30))
    paid_bill(uow, receptionist, patient, "700", at=ist(2026, 11, 24, 18))
    panel = open_panel(qtbot, backend, receptionist)
    assert len(panel.model.rows) == 2
    qtbot.mouseClick(panel.today_button, Qt.MouseButton.LeftButton)
    assert panel.model.filters.date_from == panel.model.filters.date_to == TODAY  # asked at once, not after a pause
    qtbot.waitUntil(lambda: not panel.loading)
    assert [r.id for r in panel.model.rows] == [today.payments[0].id]
    assert panel.date_from.date().toPython() == panel.date_to.date().toPython() == TODAY


def test_typing_a_date_asks_once_when_the_typing_pauses(qtbot, backend, uow, receptionist):
    panel = PaymentHistoryPanel(backend, receptionist, today=TODAY)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: not panel.loading)
    asked: list[HistoryFilters] = []
    ask = panel.model.set_filters
    panel.model.set_filters = lambda filters: (asked.append(filters), ask(filters))
    changed: list[date] = []
    panel.date_from.dateChanged.connect(lambda day: changed.append(day.toPython()))
    panel.date_from.setFocus()
    panel.date_from.setSelectedSection(panel.date_from.Section.DaySection)
    for key in "0810":  # 08-10-2026, a digit at a time as a receptionist types
        qtbot.keyClick(panel.date_from, key)
        qtbot.wait(60)
    qtbot.waitUntil(lambda: bool(asked))
    qtbot.wait(500)
    assert changed == [date(2026, 11, 8), date(2026, 10, 8)]  # the date changed twice while typing...
    assert [f.date_from for f in asked] == [date(2026, 10, 8)]  # ...and the history was asked once
    qtbot.keyClick(panel.date_from, Qt.Key.Key_Return)  # the typing is finished: nothing new to ask
    assert len(asked) == 1


def test_a_date_chosen_in_the_calendar_filters_at_once(qtbot, backend, uow, receptionist):
    panel = open_panel(qtbot, backend, receptionist)
    calendar = panel.date_to.calendarWidget()
    calendar.setSelectedDate(calendar.selectedDate().addDays(-3))
    qtbot.keyClick(calendar.focusProxy() or calendar, Qt.Key.Key_Return)
    assert panel.model.filters.date_to == date(2026, 11, 22)


def test_enter_after_typing_a_date_filters_without_waiting(qtbot, backend, uow, receptionist):
    panel = open_panel(qtbot, backend, receptionist)
    panel.date_to.setFocus()
    panel.date_to.setSelectedSection(panel.date_to.Section.DaySection)
    for key in "02":  # the 2nd
        qtbot.keyClick(panel.date_to, key)
    qtbot.keyClick(panel.date_to, Qt.Key.Key_Return)
    assert panel.date_to.date().toPython() == date(2026, 11, 2)
    assert panel.model.filters.date_to == date(2026, 11, 2)  # asked at Enter, not after the pause
