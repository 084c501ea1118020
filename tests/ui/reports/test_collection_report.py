"""The daily collection report: figures, charts, PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from PySide6.QtPdf import QPdfDocument

from homa_desk.services import billing
from homa_desk.ui.reports.collection_report import CollectionReportView, chart_bars
from tests.services.billing_helpers import a_patient
from tests.services.report_helpers import ist, paid_bill

DAY = date(2026, 11, 24)


def pdf_text(path) -> str:
    document = QPdfDocument()
    assert document.load(str(path)) == QPdfDocument.Error.None_
    text = "\n".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return text


def cells(table) -> list[list[str]]:
    model = table.model()
    return [[model.index(r, c).data() for c in range(model.columnCount())] for r in range(model.rowCount())]


def open_report(qtbot, backend, actor, day=DAY) -> CollectionReportView:
    view = CollectionReportView(backend, actor, day=day)
    qtbot.addWidget(view)
    view.resize(1100, 800)
    view.show()
    qtbot.waitUntil(lambda: not view.loading and view.report is not None)
    return view


def make_day(uow, admin, receptionist, doctor):
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    paid_bill(uow, receptionist, kavya, "500", at=ist(2026, 11, 24, 9, 30), doctor_id=doctor.user_id)
    paid_bill(uow, receptionist, kavya, "1200", at=ist(2026, 11, 24, 23, 50), method="card",
              doctor_id=doctor.user_id)
    paid_bill(uow, admin, kavya, "300", at=ist(2026, 11, 24, 18, 0), method="upi")
    paid_bill(uow, receptionist, kavya, "700", at=ist(2026, 11, 25, 0, 10))  # the next clinic day


def test_figures_tables_and_chart_bars(qtbot, backend, uow, admin, receptionist, doctor):
    make_day(uow, admin, receptionist, doctor)
    view = open_report(qtbot, backend, receptionist)
    summary = view.summary.text()
    assert "Collected <b>₹2,000.00</b> (3 payments)" in summary and "Net <b>₹2,000.00</b>" in summary
    methods = cells(view.by_method)
    assert methods == [["Cash", "1", "₹500.00", "₹0.00", "₹500.00"], ["UPI", "1", "₹300.00", "₹0.00", "₹300.00"],
                       ["Card", "1", "₹1,200.00", "₹0.00", "₹1,200.00"]]
    doctors = [row[0] for row in cells(view.by_doctor)]
    assert doctors == ["Rahul Menon", "No doctor"]
    receivers = {row[0]: row[2] for row in cells(view.by_receiver)}
    assert receivers == {"Asha Verma": "₹1,700.00", "Meera Iyer": "₹300.00"}
    assert chart_bars(view.method_chart) == {"Collected": {"Cash": D("500"), "UPI": D("300"), "Card": D("1200")},
                                             "Refunded": {"Cash": D("0"), "UPI": D("0"), "Card": D("0")}}
    assert chart_bars(view.doctor_chart) == {"Net": {"Rahul Menon": D("1700"), "No doctor": D("300")}}

    view.day.setDate(view.day.date().addDays(1))
    qtbot.waitUntil(lambda: view.report is not None and view.report.day == date(2026, 11, 25) and not view.loading)
    assert chart_bars(view.method_chart) == {"Collected": {"Cash": D("700")}, "Refunded": {"Cash": D("0")}}


def test_refunds_made_today_are_netted(qtbot, backend, uow, admin, receptionist, doctor):
    from homa_desk.domain.timeutil import CLINIC_TZ, utcnow

    bill = paid_bill(uow, receptionist, a_patient(uow, receptionist), "900", at=ist(2026, 11, 20, 10),
                     method="upi", doctor_id=doctor.user_id)
    billing.refund_payment(uow, admin, bill.payments[0].id, amount="400", reason="Overcharged")
    view = open_report(qtbot, backend, receptionist, day=utcnow().astimezone(CLINIC_TZ).date())
    assert "Refunds <b>₹400.00</b> (1)" in view.summary.text()
    assert chart_bars(view.method_chart)["Refunded"] == {"UPI": D("400")}
    assert chart_bars(view.doctor_chart) == {"Net": {"Rahul Menon": D("-400")}}


def test_pdf_has_the_figures_and_the_chart(qtbot, backend, uow, admin, receptionist, doctor, tmp_path):
    make_day(uow, admin, receptionist, doctor)
    view = open_report(qtbot, backend, receptionist)
    qtbot.waitUntil(lambda: view.clinic_name == "Sunrise Clinic")
    images = view.chart_images()
    assert len(images) == 2 and not images[0].isNull()
    assert len({images[0].pixel(x, y) for x in range(0, 720, 15) for y in range(0, 300, 15)}) > 3  # drawn, not blank
    path = view.save_pdf(tmp_path / "collection.pdf")
    text = pdf_text(path)
    for expected in ("Sunrise Clinic", "Daily collection", "24 November 2026", "₹2,000.00", "Rahul Menon",
                     "Asha Verma", "Card", "₹1,200.00"):
        assert expected in text, expected
    assert path.stat().st_size > 5000  # the chart images are in it


def test_doctors_see_a_refusal(qtbot, backend, doctor):
    view = CollectionReportView(backend, doctor, day=DAY)
    qtbot.addWidget(view)
    qtbot.waitUntil(lambda: not view.loading)
    assert "Only admin, receptionist" in view.message.text() and view.report is None


def test_upi_money_shows_under_the_receptionist_who_took_it(qtbot, backend, uow, receptionist):
    from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
    from homa_desk.gateways.simulator import SimulatorGateway
    from homa_desk.services import upi_payments
    from tests.services.billing_helpers import a_bill

    gateway = SimulatorGateway()
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist), ("consultation", "Consultation", "1", "650"))
    session = upi_payments.start_upi_payment(uow, gateway, receptionist, bill.id)
    gateway.simulate_payment(session.gateway_qr_id)
    upi_payments.check_upi_payment(uow, gateway, session.id)
    view = open_report(qtbot, backend, receptionist, day=utcnow().astimezone(CLINIC_TZ).date())
    receivers = {row[0]: row[2] for row in cells(view.by_receiver)}
    assert receivers == {"Asha Verma": "₹650.00"}


def test_an_advance_counts_the_day_it_came_not_again_when_used_and_its_refund_subtracts(
        qtbot, backend, uow, admin, receptionist, tmp_path):
    from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
    from homa_desk.services import advances
    from tests.services.advance_helpers import an_advance
    from tests.services.billing_helpers import a_bill

    patient = a_patient(uow, receptionist)
    advance = an_advance(uow, receptionist, patient, "2000", method="upi", reference="412345678977")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Root canal", "1", "1500"))
    advances.apply_advance(uow, receptionist, bill.id, amount="1500")
    advances.refund_advance(uow, admin, advance.id, amount="500", reference="IMPS 77", reason="Plan changed")
    view = open_report(qtbot, backend, receptionist, day=utcnow().astimezone(CLINIC_TZ).date())
    summary = view.summary.text()
    assert "Collected <b>₹2,000.00</b> (1 payments)" in summary and "Net <b>₹1,500.00</b>" in summary
    assert ("Advances received ₹2,000.00 (in the totals above) · paid from advances ₹1,500.00" in summary
            and "advances refunded ₹500.00" in summary)
    assert cells(view.by_method) == [["UPI", "1", "₹2,000.00", "₹500.00", "₹1,500.00"]]
    text = " ".join(pdf_text(view.save_pdf(tmp_path / "collection.pdf")).split())
    for expected in ("Advances received ₹2,000.00", "Paid from advances ₹1,500.00", "Advances refunded ₹500.00"):
        assert expected in text, expected
