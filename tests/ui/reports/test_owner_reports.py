"""The Reports page (admins): the owner's twelve months opened on data across months and doctors, each figure
checked against an independent count in SQL, charts, print to PDF and CSV."""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal as D

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.roles import Role
from homa_desk.services import billing
from homa_desk.services import staff as staff_service
from homa_desk.ui.reports.owner_view import OwnerReportsView
from tests.helpers import new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.report_helpers import ist, paid_bill
from tests.ui.reports.test_collection_report import cells, pdf_text

TODAY = date(2026, 11, 26)


def open_reports(qtbot, backend, actor) -> OwnerReportsView:
    view = OwnerReportsView(backend, actor, today=TODAY)
    qtbot.addWidget(view)
    view.resize(1340, 680)
    view.show()
    qtbot.waitUntil(lambda: not view.sheet("collections").loading, timeout=10_000)
    return view


def a_year(engine, uow, admin, receptionist, doctor, owner_engine):
    """Money, visits and billed items over several months and two doctors (and money of no doctor)."""
    other = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Sneha Pillai")).as_actor()
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    ravi = a_patient(uow, receptionist, "Ravi Kumar", "9812345671")
    paid_bill(uow, receptionist, kavya, "500", at=ist(2026, 1, 10), doctor_id=doctor.user_id)
    paid_bill(uow, receptionist, kavya, "1200", at=ist(2026, 6, 30, 23, 50), method="card", doctor_id=other.user_id)
    upi = paid_bill(uow, receptionist, ravi, "800", at=ist(2026, 11, 3), method="upi", doctor_id=doctor.user_id)
    paid_bill(uow, receptionist, ravi, "300", at=ist(2026, 11, 4))
    paid_bill(uow, receptionist, ravi, "999", at=ist(2025, 11, 30))  # the month before the twelve
    billing.refund_payment(uow, admin, upi.payments[0].id, amount="200", reason="Test not done")
    a_bill(uow, receptionist, kavya, ("procedure", "Dressing", "1", "300"), ("medicine", "Paracetamol", "10", "2"))
    a_bill(uow, receptionist, ravi, ("procedure", "dressing ", "1", "300"), ("procedure", "ECG", "1", "450"))
    with owner_engine.begin() as conn:  # bills made today, dated in the report's last month
        conn.execute(text("UPDATE bills SET created_at = '2026-11-20 12:00+05:30' WHERE created_at > now() - interval"
                          " '1 minute' AND id NOT IN (SELECT bill_id FROM payments WHERE bill_id IS NOT NULL)"))
    with engine.begin() as conn:
        for patient, who, when in ((kavya, doctor.user_id, "2026-01-10 10:00+05:30"),
                                   (kavya, other.user_id, "2026-06-30 18:00+05:30"),
                                   (ravi, doctor.user_id, "2026-11-03 10:00+05:30"),
                                   (ravi, doctor.user_id, "2026-11-04 10:00+05:30"),
                                   (kavya, doctor.user_id, "2026-11-05 10:00+05:30")):
            conn.execute(text("INSERT INTO appointments (patient_id, doctor_id, appointment_date, status)"
                              " VALUES (:p, :d, CAST(:w AS timestamptz), 'completed')"),
                         {"p": patient, "d": who, "w": when})
    return other


def _sql(engine, sql: str) -> list[tuple]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


def test_collections_per_month_method_and_doctor_match_a_count_of_payments(qtbot, backend, engine, owner_engine,
                                                                          uow, admin, receptionist, doctor):
    a_year(engine, uow, admin, receptionist, doctor, owner_engine)
    view = open_reports(qtbot, backend, admin)
    sheet = view.sheet("collections")
    months, methods, doctors = (cells(box.table) for box in sheet.boxes[:3])
    assert [row[0] for row in months[:12]] == ["12/2025", *(f"{m:02d}/2026" for m in range(1, 12))]
    counted = dict(_sql(engine, """
        SELECT to_char(payment_date AT TIME ZONE 'Asia/Kolkata', 'MM/YYYY'), sum(amount - refunded_amount)
        FROM payments WHERE status IN ('completed', 'refunded')
          AND payment_date >= '2025-12-01 00:00+05:30' GROUP BY 1"""))
    shown = {row[0]: row[4] for row in months[:12] if row[4] != "₹0.00"}
    assert shown == {month: f"₹{net:,.2f}" for month, net in counted.items()}
    assert months[12] == ["Total", "4", "₹2,800.00", "₹200.00", "₹2,600.00"]
    assert months[5][0] == "05/2026" and months[6][4] == "₹1,200.00"  # 23:50 IST on 30 June is June
    assert methods[-1] == ["Total", "₹800.00", "₹600.00", "₹1,200.00", "₹0.00", "₹0.00"]
    assert {row[0]: row[4] for row in doctors} == {"Rahul Menon": "₹1,100.00", "Sneha Pillai": "₹1,200.00",
                                                   "No doctor": "₹300.00"}
    assert doctors[0][0] == "Sneha Pillai"  # biggest net first
    line = sheet.boxes[0].chart.bars()
    assert line["Net"]["11/26"] == D("900") and line["Refunded"]["11/26"] == D("200")
    assert sheet.boxes[0].chart is sheet.boxes[0].line_chart and sheet.boxes[2].chart is sheet.boxes[2].bar_chart


def test_visits_new_and_returning_patients_and_the_top_items(qtbot, backend, engine, owner_engine, uow, admin,
                                                             receptionist, doctor):
    a_year(engine, uow, admin, receptionist, doctor, owner_engine)
    view = open_reports(qtbot, backend, admin)
    view.tabs.setCurrentIndex(1)
    visits = view.sheet("visits")
    qtbot.waitUntil(lambda: visits.report is not None)
    by_month, patients, doctors = (cells(box.table) for box in visits.boxes[:3])
    november = next(row for row in by_month if row[0] == "11/2026")
    assert next(row for row in patients if row[0] == "11/2026") == ["11/2026", "1", "1"]
    # Ravi's first visit (new), Kavya back after January and June (returning)
    assert november == ["11/2026", "3", "2", "1", "1"]
    assert next(row for row in by_month if row[0] == "01/2026") == ["01/2026", "1", "1", "1", "0"]
    counted = dict(_sql(engine, "SELECT u.full_name, count(*) FROM appointments a JOIN users u ON u.id = a.doctor_id"
                                " WHERE a.status = 'completed' GROUP BY 1"))
    assert {row[0]: int(row[1]) for row in doctors} == counted
    assert visits.boxes[1].chart.bars()["New"]["11/26"] == D(1)
    view.tabs.setCurrentIndex(2)
    items = view.sheet("items")
    qtbot.waitUntil(lambda: items.report is not None)
    procedures, medicines = (cells(box.table) for box in items.boxes[:2])
    assert procedures == [["1", "dressing", "2", "2", "₹600.00"], ["2", "ECG", "1", "1", "₹450.00"]]
    assert medicines == [["1", "Paracetamol", "1", "10", "₹20.00"]]


def test_another_month_print_pdf_and_csv(qtbot, backend, engine, owner_engine, uow, admin, receptionist, doctor,
                                        tmp_path):
    a_year(engine, uow, admin, receptionist, doctor, owner_engine)
    view = open_reports(qtbot, backend, admin)
    sheet = view.sheet("collections")
    view.month.setFocus()
    qtbot.keyClick(view.month, Qt.Key.Key_Down)  # October 2026: the twelve months end a month earlier
    qtbot.waitUntil(lambda: not sheet.loading and cells(sheet.boxes[0].table)[0][0] == "11/2025")
    assert cells(sheet.boxes[0].table)[0] == ["11/2025", "1", "₹999.00", "₹0.00", "₹999.00"]
    pdf = sheet.save_pdf(tmp_path / "collections.pdf")
    assert pdf is not None and "Collected per month" in pdf_text(pdf) and "Sneha Pillai" in pdf_text(pdf)
    saved = sheet.save_csv(tmp_path / "collections.csv")
    rows = list(csv.reader(saved.open(encoding="utf-8-sig")))
    assert rows[0] == ["Collected per month"] and rows[1] == ["Month", "Payments", "Collected", "Refunded", "Net"]
    assert rows[2] == ["11/2025", "1", "999.00", "0.00", "999.00"]
    assert not (tmp_path / "collections.csv.part").exists()


def test_a_receptionist_has_no_reports_page(qtbot, backend, receptionist):
    from homa_desk.ui.shell.main_window import pages_for
    assert "reports" not in [page.key for page in pages_for(receptionist.role)]
    assert "reports" in [page.key for page in pages_for(Role.ADMIN)]
