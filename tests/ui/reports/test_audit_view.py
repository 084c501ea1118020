"""The audit log viewer: real entries written by the services, filters by person, patient, action and dates,
keyset pages as the table scrolls, before/after as readable lines, CSV of the filtered rows."""

from __future__ import annotations

import csv
from datetime import date, timedelta

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.audit_view import AuditFilters
from homa_desk.services import billing
from homa_desk.services.owner_reports import audit_log
from homa_desk.ui.reports.audit_view import AuditLogView
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.reports.test_collection_report import cells

TODAY = date.today()


def open_log(qtbot, backend, actor, **options) -> AuditLogView:
    view = AuditLogView(backend, actor, today=TODAY, debounce_ms=0, **options)
    qtbot.addWidget(view)
    view.resize(1340, 640)
    view.show()
    qtbot.waitUntil(lambda: not view.loading and view.status.text() != "Loading…", timeout=10_000)
    return view


def shown(view) -> list[list[str]]:
    return cells(view.table)


def test_who_did_what_to_which_patient_with_the_changes_in_words(qtbot, backend, uow, admin, receptionist):
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9812345671")
    bill = a_bill(uow, receptionist, kavya, ("procedure", "Dressing", "1", "300"))
    billing.cancel_bill(uow, admin, bill.id, "Entered twice")
    a_bill(uow, receptionist, ravi)
    view = open_log(qtbot, backend, admin)
    rows = shown(view)
    cancelled = next(row for row in rows if row[2] == "Bill cancelled")
    assert cancelled[1] == "Meera Iyer (Admin)" or cancelled[1].endswith("(Admin)")
    assert cancelled[3] == f"Bill {bill.id}" and cancelled[4].startswith("Kavya Nair #")
    assert "Status: Open → Cancelled" in cancelled[5] and "Reason: Entered twice" in cancelled[5]
    assert "{" not in "".join(row[5] for row in rows)  # never raw JSON
    view.table.setFocus()
    view.table.setCurrentIndex(view.model.index(rows.index(cancelled), 0))
    assert view.details.toPlainText().splitlines()[1:] == [line for line in cancelled[5].split("; ")]

    number = view.model.row_at(rows.index(cancelled)).patient_number
    qtbot.keyClicks(view.patient, str(number))
    qtbot.keyClick(view.patient, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not view.loading and all(row[4].startswith("Kavya") for row in shown(view)))
    assert {row[2] for row in shown(view)} == {"Patient registered", "Bill created", "Bill cancelled"}

    view.patient.clear()
    view.kind.setCurrentIndex(view.kind.findData("bill_created"))
    qtbot.waitUntil(lambda: not view.loading and {row[2] for row in shown(view)} == {"Bill created"})
    assert len(shown(view)) == 2
    view.person.setCurrentIndex(view.person.findData(admin.user_id))
    qtbot.waitUntil(lambda: not view.loading and view.status.text() == "No entry matches these filters.")
    view.kind.setCurrentIndex(0)
    qtbot.waitUntil(lambda: not view.loading and "Bill cancelled" in [row[2] for row in shown(view)])
    assert {row[1] for row in shown(view)} == {cancelled[1]}
    assert "Bill created" not in [row[2] for row in shown(view)]


def test_pages_follow_the_scroll_and_the_csv_holds_every_filtered_row(qtbot, backend, engine, uow, admin, tmp_path):
    with engine.begin() as conn:  # 230 entries over three days, and one a month ago outside the dates chosen
        conn.execute(text(
            "INSERT INTO audit_log (occurred_at, actor_id, actor_role, action, entity, entity_id, before, after)"
            " SELECT now() - (n || ' minutes')::interval, :a, 'admin', 'sms_dlt_changed', 'clinic_settings',"
            " 'dlt', jsonb_build_object('value', 'Clinic ' || n), jsonb_build_object('value', 'Clinic '"
            " || (n + 1)) FROM generate_series(1, 230) n"), {"a": admin.user_id})
        conn.execute(text("INSERT INTO audit_log (occurred_at, action, entity) VALUES (now() - interval '40 days',"
                          " 'sms_dlt_changed', 'clinic_settings')"))
    view = open_log(qtbot, backend, admin, page_size=50)
    view.kind.setCurrentIndex(view.kind.findData("sms_dlt_changed"))
    view.date_from.setDate(TODAY - timedelta(days=3))
    qtbot.waitUntil(lambda: not view.loading and view.model.rowCount() == 50)
    assert shown(view)[0][5] == "Value: Clinic 1 → Clinic 2"
    while not view.model.exhausted:
        count = view.model.rowCount()
        view.table.scrollToBottom()
        view.model.fetchMore()
        qtbot.waitUntil(lambda count=count: not view.loading and view.model.rowCount() > count)
    assert view.model.rowCount() == 230
    keys = [(row.occurred_at, row.id) for row in view.model.rows]
    assert keys == sorted(keys, reverse=True) and len(set(keys)) == 230  # no row twice, none skipped
    with qtbot.waitSignal(view.model.page_loaded, timeout=5000):
        view.date_from.setDate(TODAY - timedelta(days=60))
    target = tmp_path / "audit.csv"
    view.export(target)
    qtbot.waitUntil(lambda: view.status.text().startswith("Exported"), timeout=10_000)
    assert view.status.text() == "Exported 231 entries."
    rows = list(csv.reader(target.open(encoding="utf-8-sig")))
    assert rows[0] == ["When", "Who", "Action", "About", "Patient", "Changes"]
    assert len(rows) == 232 and rows[-1][2] == "SMS registration changed" and rows[-1][1] == "The desk (automatic)"


def test_pages_are_keyset_and_only_admins_read_the_log(uow, admin, receptionist, engine):
    import pytest

    from homa_desk.domain.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        audit_log(uow, receptionist, AuditFilters())
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_log (occurred_at, action, entity) SELECT timestamptz '2026-11-01'"
                          " , 'x', 'database' FROM generate_series(1, 5)"))  # five at the same moment
    first = audit_log(uow, admin, AuditFilters(action="x"), limit=2)
    rest = audit_log(uow, admin, AuditFilters(action="x"), after=first[-1].key, limit=10)
    assert [r.id for r in first + rest] == sorted((r.id for r in first + rest), reverse=True)
    assert len(first + rest) == 5
