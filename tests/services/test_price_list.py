"""The price list through the real services and PostgreSQL: items and their audit, CSV import (all or nothing) and
export, what a bill line keeps of an item, the receptionist's rate lock, and the database's own rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.domain.account_check import AccountRevoked
from homa_desk.domain.billing import LineInput
from homa_desk.domain.errors import FormErrors, PermissionDenied, ValidationError
from homa_desk.domain.price_list import PriceItemInput, PriceKind
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import billing, price_list
from tests.services.billing_helpers import a_patient
from tests.services.price_list_helpers import an_item, line_of


def audit(engine, action: str) -> list:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT entity_id, before, after FROM audit_log WHERE action = :a ORDER BY id"),
                            {"a": action}).all()


def count_items(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM price_list_items")).scalar_one()


def test_an_item_is_checked_saved_changed_and_audited(uow, engine, admin):
    with pytest.raises(FormErrors) as refused:
        price_list.save_item(uow, admin, PriceItemInput("C B C", "=HYPERLINK(\"x\")", "pill", "", "-5", "7", "99"))
    assert set(refused.value.by_field()) == {"code", "name", "kind", "rate", "gst_rate", "sac_hsn"}
    assert count_items(engine) == 0
    item = an_item(uow, admin, "CBC", "Complete blood count", "350", kind="lab_test")
    assert (item.kind, item.rate, item.gst_rate, item.sac_hsn) == (PriceKind.LAB_TEST, Decimal("350.00"), 0, "9993")
    with pytest.raises(ValidationError, match="already on the price list"):
        an_item(uow, admin, "cbc", "Another", "10")
    changed = price_list.save_item(uow, admin, PriceItemInput("CBC", "Complete blood count", "lab_test", "Pathology",
                                                              "400", "0", "9993"), item.id)
    assert changed.rate == Decimal("400.00") and changed.category == "Pathology"
    added, = audit(engine, "price_item_added")
    assert added.after["code"] == "CBC" and added.after["rate"] == "350.00"
    change, = audit(engine, "price_item_changed")
    assert (change.before["rate"], change.after["rate"], change.entity_id) == ("350.00", "400.00", str(item.id))


def test_a_medicine_without_hsn_stays_without_and_the_search_finds_code_then_name(uow, admin, receptionist):
    tablets = an_item(uow, admin, "PCM", "Paracetamol 500 mg", "30", "12", kind="medicine")
    assert tablets.sac_hsn == ""
    an_item(uow, admin, "XPCM", "X-ray hand (PCM clinic)", "300")
    retired = an_item(uow, admin, "PCMOLD", "Paracetamol old pack", "25", kind="medicine")
    price_list.save_item(uow, admin, PriceItemInput("PCMOLD", retired.name, "medicine", "", "25", active=False),
                         retired.id)
    assert [i.code for i in price_list.search_items(uow, receptionist, "pcm")] == ["PCM", "XPCM"]
    assert [i.code for i in price_list.search_items(uow, receptionist, "%")] == []  # LIKE's wildcard is a character
    assert price_list.search_items(uow, receptionist, "p") == []


def test_a_bill_line_keeps_name_rate_gst_and_sac_so_a_later_change_never_alters_it(uow, admin, receptionist):
    crown = an_item(uow, admin, "CROWN", "Ceramic crown", "5900", "18", sac_hsn="999722")
    bill = billing.create_bill(uow, receptionist, patient_id=a_patient(uow, receptionist), lines=[line_of(crown)])
    price_list.save_item(uow, admin, PriceItemInput("CROWN", "Zirconia crown", "procedure", "", "7000", "12",
                                                    "999723"), crown.id)
    again = billing.get_bill(uow, receptionist, bill.id)
    line, = again.lines
    assert (line.description, line.unit_price, line.gst_rate, line.sac_hsn, again.totals.total) == (
        "Ceramic crown", Decimal("5900.00"), Decimal("18.00"), "999722", Decimal("5900.00"))
    kept = LineInput("procedure", line.description, "1", "5900.00", price_item_id=crown.id)
    edited = billing.update_lines(uow, receptionist, bill.id, [kept, LineInput("other", "Dressing", "1", "50")])
    assert (edited.lines[0].unit_price, edited.lines[0].gst_rate, edited.lines[0].sac_hsn) == (
        Decimal("5900.00"), Decimal("18.00"), "999722")
    with pytest.raises(FormErrors) as copied:  # the old rate is kept for the line billed at it, not for a copy
        billing.update_lines(uow, receptionist, bill.id, [kept, kept])
    assert list(copied.value.by_field()) == ["lines.1.unit_price"]


def test_a_receptionist_bills_a_price_list_item_at_its_rate_unless_the_clinic_allows(uow, engine, admin,
                                                                                    receptionist):
    crown = an_item(uow, admin, "CROWN", "Ceramic crown", "5900", "18")
    patient = a_patient(uow, receptionist)
    for line in (line_of(crown, rate="4000"), LineInput("procedure", "ceramic CROWN", "1", "4000")):
        with pytest.raises(FormErrors) as refused:
            billing.create_bill(uow, receptionist, patient_id=patient, lines=[line])
        assert refused.value.by_field() == {
            "lines.0.unit_price": "CROWN costs ₹5,900.00 on the price list; only an admin may bill another rate."}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bills")).scalar_one() == 0
    by_admin = billing.create_bill(uow, admin, patient_id=patient, lines=[line_of(crown, rate="4000")])
    assert by_admin.lines[0].unit_price == Decimal("4000.00") and by_admin.lines[0].gst_rate == 18
    with pytest.raises(PermissionDenied):
        price_list.set_receptionists_may_change_rates(uow, receptionist, True)
    assert price_list.set_receptionists_may_change_rates(uow, admin, True) is True
    assert price_list.receptionists_may_change_rates(uow, receptionist) is True
    allowed = billing.create_bill(uow, receptionist, patient_id=patient, lines=[line_of(crown, rate="4500")])
    assert allowed.lines[0].unit_price == Decimal("4500.00")
    policy, = audit(engine, "price_rates_policy_set")
    assert (policy.before, policy.after) == ({"value": False}, {"value": True})


def test_a_receptionist_posing_as_admin_cannot_bill_another_rate(uow, engine, admin, receptionist):
    crown = an_item(uow, admin, "CROWN", "Ceramic crown", "5900", "18")
    forged = Actor(receptionist.user_id, Role.ADMIN, receptionist.full_name, receptionist.email)
    with pytest.raises(AccountRevoked):
        billing.create_bill(uow, forged, patient_id=a_patient(uow, receptionist), lines=[line_of(crown, rate="1")])
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM bills")).scalar_one() == 0


def test_an_item_taken_off_the_list_cannot_be_billed_and_place_of_supply_is_a_state(uow, admin, receptionist):
    crown = an_item(uow, admin, "CROWN", "Ceramic crown", "5900", "18")
    price_list.save_item(uow, admin, PriceItemInput("CROWN", crown.name, "procedure", "", "5900", "18",
                                                    active=False), crown.id)
    patient = a_patient(uow, receptionist)
    with pytest.raises(FormErrors, match="no longer on the price list"):
        billing.create_bill(uow, receptionist, patient_id=patient, lines=[line_of(crown)])
    with pytest.raises(ValidationError, match="state of supply"):
        billing.create_bill(uow, receptionist, patient_id=patient, lines=[LineInput("other", "X", "1", "1")],
                            place_of_supply="99")


CSV = ("\ufeffcode,name,kind,category,rate,gst_rate,sac_hsn,active\r\n"
       "CBC,Complete blood count,lab_test,Pathology,350,0,9993,yes\r\n"
       "WHITE,Teeth whitening,procedure,Dental,1180,18,999722,yes\r\n"
       "PCM,पैरासिटामोल 500 mg,medicine,,30.50,12%,3004,no\r\n")


def test_import_adds_then_changes_and_export_gives_it_back(uow, engine, admin):
    first = price_list.import_items(uow, admin, CSV.encode())
    assert (first.added, first.changed, first.unchanged) == (3, 0, 0)
    again = price_list.import_items(uow, admin, CSV.replace("1180,18", "1298,18").replace("CBC,", "cbc,").encode())
    assert (again.added, again.changed, again.unchanged) == (0, 2, 1)  # cbc is CBC, now written in lower case
    exported = price_list.export_items(uow, admin)
    assert exported.startswith(b"\xef\xbb\xbf") and b"\r\n" in exported
    round_trip = price_list.import_items(uow, admin, exported)
    assert (round_trip.added, round_trip.changed, round_trip.unchanged) == (0, 0, 3)
    tablets = next(i for i in price_list.list_items(uow, admin) if i.code == "PCM")
    assert (tablets.name, tablets.rate, tablets.gst_rate, tablets.active) == (
        "पैरासिटामोल 500 mg", Decimal("30.50"), Decimal("12.00"), False)
    assert len(audit(engine, "price_item_added")) == 3 and len(audit(engine, "price_item_changed")) == 2
    assert [row.after for row in audit(engine, "price_list_imported")][-1] == {"added": 0, "changed": 0,
                                                                              "unchanged": 3}


HOSTILE = ("code,name,kind,rate,gst_rate\n"
           "OK1,Fine line,service,100,0\n"
           "BAD2,=cmd|' /C calc'!A0,service,100,0\n"
           "BAD3,Minus rate,service,-100,0\n"
           "BAD4,Odd GST,service,100,7\n"
           "ok1,Same code other case,service,100,0\n"
           "BAD6,Too many,service,1,0,extra\n"
           "BAD7,Nul\x00byte,service,1,0\n")


def test_a_hostile_csv_is_refused_row_by_row_and_nothing_is_written(uow, engine, admin):
    an_item(uow, admin, "KEEP", "Kept as it was", "10")
    with pytest.raises(FormErrors) as refused:
        price_list.import_items(uow, admin, HOSTILE.replace("\x00", "").encode())
    assert refused.value.by_field() == {
        "row.3.name": "Cannot start with = + - or @ (a spreadsheet would run it as a formula).",
        "row.4.rate": "The amount must be more than zero.",
        "row.5.gst_rate": "Choose a GST rate: 0, 5, 12, 18 or 28 %.",
        "row.6.code": "The code ok1 is also on row 2.",
        "row.7": "Row 7 has more cells than the header.",
    }
    for data, message in ((HOSTILE.encode(), "This is not a CSV file."),
                          ("code,name,rate\nX,Café,1\n".encode("cp1252"), "Save the file as CSV UTF-8"),
                          (b"name,rate\nX,1\n", "The first row must name the columns"),
                          (b"code,name,rate,password\n", "Unknown or repeated column: password."),
                          (b"code,name,rate\n", "no rows below its header"),
                          (b"x" * 2_000_001, "too large")):
        with pytest.raises(FormErrors, match=message.replace(".", r"\.").replace("(", r"\(")):
            price_list.import_items(uow, admin, data)
    assert count_items(engine) == 1 and len(audit(engine, "price_list_imported")) == 0


def test_export_never_starts_a_cell_with_a_formula(uow, engine, admin):
    with engine.begin() as conn:  # a row written by another program, past the service's checks
        conn.execute(text("INSERT INTO price_list_items (code, name, kind, category, rate)"
                          " VALUES ('X1', '@SUM(A1)', 'service', '+cmd', 5)"))
    exported = price_list.export_items(uow, admin).decode("utf-8-sig")
    assert "X1,'@SUM(A1),service,'+cmd,5.00,0,,yes" in exported


@pytest.mark.parametrize(("column", "value"), [
    ("rate", "-1"), ("gst_rate", "7"), ("code", "'has space'"), ("sac_hsn", "'99'"), ("kind", "'pill'"),
    ("name", "' padded '"),
])
def test_the_database_refuses_what_the_rules_refuse(engine, column, value):
    values = {"code": "'OK'", "name": "'Name'", "kind": "'service'", "rate": "1", "gst_rate": "0",
              "sac_hsn": "'9993'"} | {column: value}
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text(f"INSERT INTO price_list_items ({', '.join(values)}) VALUES ({', '.join(values.values())})"))


def test_codes_are_unique_whatever_their_case_and_a_bill_line_holds_an_allowed_gst_rate(engine, uow, receptionist):
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO price_list_items (code, name, kind, rate) VALUES ('CBC', 'A', 'service', 1)"))
    with pytest.raises(IntegrityError), engine.begin() as conn:
        conn.execute(text("INSERT INTO price_list_items (code, name, kind, rate) VALUES ('cbc', 'B', 'service', 1)"))
    billing.create_bill(uow, receptionist, patient_id=a_patient(uow, receptionist),
                        lines=[LineInput("other", "Dressing", "1", "50")])
    for statement in ("UPDATE bill_lines SET gst_rate = 3", "UPDATE bill_lines SET sac_hsn = 'abcd'",
                      "UPDATE bills SET place_of_supply = 'M'"):
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(statement))
