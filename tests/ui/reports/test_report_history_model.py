"""The payment history model when the totals are refused: the strip says why, the pages go on."""

from __future__ import annotations

from datetime import date

from homa_desk.db import report_repository
from homa_desk.domain.reports import HistoryFilters
from homa_desk.ui.reports.payments_view import PaymentHistoryPanel
from homa_desk.ui.reports.report_history_model import PaymentHistoryModel
from tests.services.billing_helpers import a_patient
from tests.services.report_helpers import ist, paid_bill

TODAY = date(2026, 11, 25)


def test_a_fragment_matching_too_many_patients_lists_pages_and_explains_the_missing_totals(
        qtbot, backend, uow, receptionist, monkeypatch):
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    rohan = a_patient(uow, receptionist, "Rohan Gupta", "9812345671")
    for minute in range(6):
        paid_bill(uow, receptionist, kavya if minute % 2 else rohan, "10", at=ist(2026, 11, 20, 10, minute))
    monkeypatch.setattr(report_repository, "NAME_PATIENTS_LISTED", 1)

    model = PaymentHistoryModel(backend, receptionist, page_size=4)
    model.set_filters(HistoryFilters(date_from=date(2026, 11, 1), date_to=TODAY, patient="a"))  # both patients
    qtbot.waitUntil(lambda: not model.loading and not model.totals_pending)
    assert model.totals is None and len(model.rows) == 4 and model.canFetchMore()
    model.fetchMore()
    qtbot.waitUntil(lambda: not model.loading)
    assert len(model.rows) == 6

    panel = PaymentHistoryPanel(backend, receptionist, debounce_ms=10, today=TODAY)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: not panel.loading)
    qtbot.keyClicks(panel.patient, "a")
    qtbot.waitUntil(lambda: "type more of the name" in panel.totals.text() and not panel.loading)
    assert len(panel.model.rows) == 6
    panel.patient.clear()
    qtbot.keyClicks(panel.patient, "kavya")
    qtbot.waitUntil(lambda: "3 payments" in panel.totals.text() and not panel.loading)
