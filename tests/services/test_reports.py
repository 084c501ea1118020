from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from homa_desk.db import report_repository
from homa_desk.domain.billing import PaymentMethod, PaymentState
from homa_desk.domain.errors import PermissionDenied, ValidationError
from homa_desk.domain.reports import HistoryFilters, HistoryStatus
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import billing, reports
from homa_desk.services import staff as staff_service
from tests.appointment_helpers import StatementCounter
from tests.helpers import new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.report_helpers import ist, paid_bill, pending_payment

NOV_24 = date(2026, 11, 24)
NOV_25 = date(2026, 11, 25)


def history(uow, actor, **filters):
    return reports.payment_history(uow, actor, HistoryFilters(**filters), limit=1000)


def test_a_payment_at_2350_ist_belongs_to_that_day_and_0010_to_the_next(uow, receptionist):
    patient = a_patient(uow, receptionist)
    late = paid_bill(uow, receptionist, patient, "300", at=ist(2026, 11, 24, 23, 50)).payments[0]
    early = paid_bill(uow, receptionist, patient, "400", at=ist(2026, 11, 25, 0, 10)).payments[0]
    assert late.paid_at.date() == early.paid_at.date() == NOV_24  # both on 24 Nov in UTC
    assert [r.id for r in history(uow, receptionist, date_from=NOV_24, date_to=NOV_24)] == [late.id]
    assert [r.id for r in history(uow, receptionist, date_from=NOV_25, date_to=NOV_25)] == [early.id]
    assert [r.id for r in history(uow, receptionist, date_from=NOV_24, date_to=NOV_25)] == [early.id, late.id]
    assert reports.daily_collection(uow, receptionist, NOV_24).collected == Decimal("300.00")
    assert reports.daily_collection(uow, receptionist, NOV_25).collected == Decimal("400.00")


def test_rows_carry_what_the_history_shows(uow, receptionist, doctor):
    patient = a_patient(uow, receptionist, "कविता शर्मा")
    bill = paid_bill(uow, receptionist, patient, "750.50", at=ist(2026, 11, 25, 10, 5), method="upi",
                     doctor_id=doctor.user_id, reference="123456789012")
    [row] = history(uow, receptionist)
    assert (row.bill_id, row.bill_number, row.patient_name, row.doctor_name) == (
        bill.id, bill.bill_number, "कविता शर्मा", "Rahul Menon")
    assert (row.method, row.amount, row.refunded, row.state, row.reference) == (
        PaymentMethod.UPI, Decimal("750.50"), Decimal("0.00"), PaymentState.COMPLETED, "123456789012")
    assert row.paid_at.astimezone(CLINIC_TZ).strftime("%d %H:%M") == "25 10:05"
    assert row.patient_number is not None and row.openable and row.status_label == "Completed"


@pytest.fixture
def clinic(uow, admin, receptionist, doctor):
    """Two patients, two doctors, payments on two days by several methods, a refund and one held for review."""
    other_doctor = staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Sneha Pillai")).as_actor()
    kavya = a_patient(uow, receptionist, "Kavya Nair", "9812345670")
    rohan = a_patient(uow, receptionist, "Rohan Gupta", "9812345671")
    made = {
        "cash": paid_bill(uow, receptionist, kavya, "500", at=ist(2026, 11, 24, 9, 30), doctor_id=doctor.user_id),
        "upi": paid_bill(uow, receptionist, rohan, "800", at=ist(2026, 11, 24, 11, 0), method="upi",
                         doctor_id=other_doctor.user_id),
        "card": paid_bill(uow, admin, kavya, "1200", at=ist(2026, 11, 25, 17, 45), method="card",
                          doctor_id=doctor.user_id, reference="slip 42"),
        "walk_in": paid_bill(uow, receptionist, rohan, "150", at=ist(2026, 11, 25, 19, 0)),
    }
    billing.refund_payment(uow, admin, made["upi"].payments[0].id, amount="300", reason="Test not done")
    open_bill = a_bill(uow, receptionist, kavya, ("lab_test", "CBC", "1", "450"))
    held = pending_payment(uow, kavya, open_bill.id, "1.00", at=ist(2026, 11, 25, 18, 0))
    return {"doctor": doctor, "other_doctor": other_doctor, "kavya": kavya, "rohan": rohan, "held": held,
            **{k: v.payments[0].id for k, v in made.items()}}


@pytest.mark.parametrize("filters, expected", [
    ({}, ["walk_in", "held", "card", "upi", "cash"]),
    ({"method": PaymentMethod.CASH}, ["walk_in", "cash"]),
    ({"method": "upi"}, ["held", "upi"]),
    ({"status": HistoryStatus.COMPLETED}, ["walk_in", "card", "upi", "cash"]),
    ({"status": "refunded"}, ["upi"]),
    ({"status": HistoryStatus.PENDING_REVIEW}, ["held"]),
    ({"status": HistoryStatus.FAILED}, []),
    ({"patient": "kavya"}, ["held", "card", "cash"]),
    ({"patient": "  GUPTA "}, ["walk_in", "upi"]),
    ({"patient": "nobody"}, []),
    ({"patient": "%"}, []),
    ({"date_from": NOV_25}, ["walk_in", "held", "card"]),
    ({"date_to": NOV_24}, ["upi", "cash"]),
    ({"date_from": NOV_25, "method": PaymentMethod.CARD}, ["card"]),
])
def test_filters(uow, receptionist, clinic, filters, expected):
    assert [r.id for r in history(uow, receptionist, **filters)] == [clinic[name] for name in expected]


def test_filter_by_patient_id_number_and_doctor(uow, receptionist, clinic):
    ids = lambda **f: [r.id for r in history(uow, receptionist, **f)]  # noqa: E731
    assert ids(patient=clinic["rohan"]) == [clinic["walk_in"], clinic["upi"]]
    number = history(uow, receptionist, patient=clinic["rohan"])[0].patient_number
    assert ids(patient=str(number)) == [clinic["walk_in"], clinic["upi"]]
    assert ids(doctor_id=clinic["doctor"].user_id) == [clinic["card"], clinic["cash"]]
    assert ids(doctor_id=clinic["other_doctor"].user_id) == [clinic["upi"]]


def test_totals_match_the_rows_and_net_the_refunds(uow, receptionist, clinic):
    for filters in (HistoryFilters(), HistoryFilters(date_from=NOV_24, date_to=NOV_24),
                    HistoryFilters(method=PaymentMethod.UPI), HistoryFilters(patient="kavya")):
        rows = reports.payment_history(uow, receptionist, filters)
        totals = reports.payment_history_totals(uow, receptionist, filters)
        received = [r for r in rows if r.state in (PaymentState.COMPLETED, PaymentState.REFUNDED)]
        assert totals.count == len(rows)
        assert totals.collected == sum((r.amount for r in received), Decimal("0"))
        assert totals.refunded == sum((r.refunded for r in rows), Decimal("0"))
        assert totals.net == sum((r.net for r in rows), Decimal("0"))
        assert sum(m.count for m in totals.by_method) == len(rows)
    everything = reports.payment_history_totals(uow, receptionist, HistoryFilters())
    assert (everything.collected, everything.refunded, everything.net) == (
        Decimal("2650.00"), Decimal("300.00"), Decimal("2350.00"))  # the held ₹1 is not collected
    assert [(m.method, m.count, m.net) for m in everything.by_method] == [
        (PaymentMethod.CASH, 2, Decimal("650.00")), (PaymentMethod.UPI, 2, Decimal("500.00")),
        (PaymentMethod.CARD, 1, Decimal("1200.00"))]


def test_keyset_pages_have_no_gaps_or_repeats_even_when_payments_share_a_moment(uow, receptionist):
    patient = a_patient(uow, receptionist)
    moments = [ist(2026, 11, 25, 10, 0)] * 6 + [ist(2026, 11, 25, 9, m) for m in range(9)]
    made = {paid_bill(uow, receptionist, patient, "10", at=at).payments[0].id for at in moments}
    seen, after = [], None
    while True:
        page = reports.payment_history(uow, receptionist, HistoryFilters(), after=after, limit=4)
        seen += [r.id for r in page]
        if len(page) < 4:
            break
        after = page[-1].key
    assert len(seen) == len(set(seen)) == 15 and set(seen) == made
    assert seen == [r.id for r in history(uow, receptionist)]


def test_daily_collection_by_method_doctor_and_receptionist(engine, uow, admin, receptionist, clinic):
    with StatementCounter(engine) as counter:
        day = reports.daily_collection(uow, receptionist, NOV_25)
    assert len(counter.statements) == 1  # payments, refunds and bills in one round trip
    assert [(x.label, x.count, x.collected, x.refunded) for x in day.by_method] == [
        ("Cash", 1, Decimal("150.00"), Decimal("0.00")), ("Card", 1, Decimal("1200.00"), Decimal("0.00"))]
    assert [(x.label, x.net) for x in day.by_doctor] == [("Rahul Menon", Decimal("1200.00")),
                                                         ("No doctor", Decimal("150.00"))]
    assert [(x.label, x.count, x.collected) for x in day.by_receiver] == [
        ("Meera Iyer", 1, Decimal("1200.00")), ("Asha Verma", 1, Decimal("150.00"))]
    assert (day.pending_review, day.pending_review_amount) == (1, Decimal("1.00"))
    assert (day.collected, day.net, day.payments) == (Decimal("1350.00"), Decimal("1350.00"), 2)


def test_refunds_count_on_the_day_they_are_made(uow, admin, receptionist, clinic):
    paid_day = reports.daily_collection(uow, receptionist, NOV_24)  # the refunded UPI payment was made here
    assert (paid_day.collected, paid_day.refunded) == (Decimal("1300.00"), Decimal("0.00"))
    today = utcnow().astimezone(CLINIC_TZ).date()
    refund_day = reports.daily_collection(uow, receptionist, today)
    assert (refund_day.refunded, refund_day.refund_count) == (Decimal("300.00"), 1)
    assert [(x.label, x.refunded) for x in refund_day.by_method if x.refunded] == [("UPI", Decimal("300.00"))]
    assert [(x.label, x.net) for x in refund_day.by_doctor if x.refunded] == [("Sneha Pillai", Decimal("-300.00"))]
    assert refund_day.bills_created == 5  # bills are created now, whatever moment their payments name
    assert reports.daily_collection(uow, receptionist, today - timedelta(days=400)).by_method == ()


def test_doctors_are_refused(uow, doctor, receptionist):
    with pytest.raises(PermissionDenied):
        reports.payment_history(uow, doctor, HistoryFilters())
    with pytest.raises(PermissionDenied):
        reports.payment_history_totals(uow, doctor, HistoryFilters())
    with pytest.raises(PermissionDenied):
        reports.daily_collection(uow, doctor, NOV_25)
    with pytest.raises(PermissionDenied):
        reports.write_history_csv(uow, doctor, HistoryFilters(), io.StringIO())


def test_bad_filters_are_refused_next_to_the_field(uow, receptionist):
    with pytest.raises(ValidationError) as error:
        history(uow, receptionist, date_from=NOV_25, date_to=NOV_24)
    assert error.value.field == "date_to"
    with pytest.raises(ValidationError) as error:
        history(uow, receptionist, method="cheque")
    assert error.value.field == "method"


def test_csv_has_every_matching_row_with_plain_amounts(uow, receptionist, clinic, tmp_path):
    path = tmp_path / "payments.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        count = reports.write_history_csv(uow, receptionist, HistoryFilters(), out, page_size=2)
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and count == 5
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Time", "Bill number"] and len(rows) == 6
    upi = next(r for r in rows if r[-1] == str(clinic["upi"]))
    assert upi[0:2] == ["2026-11-24", "11:00"]
    assert upi[3] == "Rohan Gupta" and upi[5] == "Sneha Pillai" and upi[6] == "UPI"
    assert upi[7:11] == ["800.00", "300.00", "500.00", "Part refunded"]


@pytest.mark.parametrize("listed", [0, 1, 10_000])
def test_name_fragments_list_the_same_payments_however_many_patients_match(uow, receptionist, clinic, monkeypatch,
                                                                          listed):
    """Few matching patients: read patient by patient; more than NAME_PATIENTS_LISTED: walk the dates."""
    monkeypatch.setattr(report_repository, "NAME_PATIENTS_LISTED", listed)
    for fragment, expected in (("kavya", ["held", "card", "cash"]), ("a", ["walk_in", "held", "card", "upi", "cash"]),
                               ("nobody", [])):
        pages, after = [], None
        while page := reports.payment_history(uow, receptionist, HistoryFilters(patient=fragment), after=after,
                                              limit=2):
            pages += [r.id for r in page]
            after = page[-1].key
        assert pages == [clinic[name] for name in expected], fragment


def test_totals_of_a_fragment_matching_too_many_patients_are_refused_next_to_the_patient_field(
        uow, receptionist, clinic, monkeypatch):
    monkeypatch.setattr(report_repository, "NAME_PATIENTS_LISTED", 1)
    assert reports.payment_history_totals(uow, receptionist, HistoryFilters(patient="kavya")).count == 3
    with pytest.raises(ValidationError) as error:
        reports.payment_history_totals(uow, receptionist, HistoryFilters(patient="a"))  # Kavya and Rohan
    assert error.value.field == "patient" and "type more of the name" in error.value.message
    assert len(history(uow, receptionist, patient="a")) == 5  # the rows are still listed


def test_totals_from_the_day_tables_match_a_sum_of_the_rows_for_every_filter(uow, receptionist, clinic):
    doctor = clinic["doctor"].user_id
    for filters in (HistoryFilters(status=HistoryStatus.REFUNDED), HistoryFilters(status=HistoryStatus.PENDING_REVIEW),
                    HistoryFilters(status=HistoryStatus.COMPLETED), HistoryFilters(status=HistoryStatus.FAILED),
                    HistoryFilters(doctor_id=doctor), HistoryFilters(doctor_id=doctor, date_from=NOV_25),
                    HistoryFilters(date_from=NOV_25, method=PaymentMethod.CARD), HistoryFilters(date_to=NOV_24)):
        rows = reports.payment_history(uow, receptionist, filters)
        totals = reports.payment_history_totals(uow, receptionist, filters)
        assert totals.count == len(rows), filters
        assert totals.net == sum((r.net for r in rows), Decimal("0")), filters
        assert {m.method: m.count for m in totals.by_method} == {
            method: sum(1 for r in rows if r.method is method) for method in {r.method for r in rows}}, filters
