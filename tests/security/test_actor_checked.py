"""The services do not believe the Actor object: every read checks the account in the database, at no extra round
trip, and nothing reaches a gateway before that check (the table of every service is in test_role_matrix.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import text

from bench.latency_proxy import LatencyProxy
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.account_check import AccountRevoked, Revocation
from homa_desk.domain.errors import PermissionDenied
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import appointments, billing, patients, staff
from homa_desk.services import upi_payments as upi
from tests.services.billing_helpers import a_bill, a_patient


def test_a_receptionist_claiming_admin_lists_no_staff_and_reads_no_medical_history(uow, admin, receptionist):
    details = validate_patient(full_name="Kavya Nair", phone="9812345670", today=date(2026, 11, 25),
                               age_years="34", medical_history="Type 2 diabetes")
    patient_id = patients.register_patient(uow, admin, details).user_id
    forged = replace(receptionist, role=Role.ADMIN)
    with pytest.raises(AccountRevoked) as listing:
        staff.list_staff(uow, forged)
    with pytest.raises(AccountRevoked):
        patients.get_patient_profile(uow, forged, patient_id)
    assert listing.value.reason is Revocation.ROLE_CHANGED
    assert patients.get_patient_profile(uow, admin, patient_id).medical_history == "Type 2 diabetes"
    assert patients.get_patient_profile(uow, receptionist, patient_id).medical_history is None


def test_a_disabled_account_reads_nothing_not_even_an_empty_list(uow, admin, receptionist):
    assert billing.list_bills(uow, receptionist, since=utcnow(), query="nobody") == []
    staff.set_staff_active(uow, admin, receptionist.user_id, False)
    with pytest.raises(AccountRevoked) as refused:
        billing.list_bills(uow, receptionist, since=utcnow(), query="nobody")
    with pytest.raises(AccountRevoked):
        appointments.day_view(uow, receptionist, date.today())
    assert refused.value.reason is Revocation.DISABLED


def test_a_claimed_role_that_is_not_allowed_is_refused_before_the_database(uow, receptionist):
    with pytest.raises(PermissionDenied), uow.reading(receptionist, Role.ADMIN):
        pytest.fail("entered")
    with pytest.raises(ValueError), uow.reading(receptionist):
        pytest.fail("entered")


def test_the_check_rides_in_the_read_itself(db_url, admin) -> None:
    """As many round trips with the check as the same statement without it: one."""
    url = db_url.render_as_string(hide_password=False)
    with LatencyProxy.for_url(url, latency_ms=0) as proxy:
        engine = make_engine(proxy.url_for(url))
        try:
            staff.list_staff(UnitOfWork(engine), admin)  # connects; the pooled connection is then reused
            proxy.reset()
            listed = staff.list_staff(UnitOfWork(engine), admin)
            checked = proxy.round_trips
            proxy.reset()
            uow = UnitOfWork(engine)
            with uow.reading(None):
                uow.staff.all_staff()
            unchecked = proxy.round_trips
        finally:
            engine.dispose()
    assert [m.id for m in listed] == [admin.user_id]
    assert checked == unchecked == 1


def test_only_the_first_read_of_a_unit_of_work_carries_the_check(engine, admin) -> None:
    seen: list[str] = []
    from sqlalchemy import event

    def remember(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(engine, "after_cursor_execute", remember)
    try:
        uow = UnitOfWork(engine)
        with uow.reading(admin, Role.ADMIN):
            uow.staff.all_staff()
            uow.settings.get("clinic_name")
    finally:
        event.remove(engine, "after_cursor_execute", remember)
    assert ["homa_actor_may(" in s for s in seen] == [True, False]


def test_a_disabled_receptionists_cancel_never_reaches_the_gateway(uow, admin, receptionist):
    gateway = SimulatorGateway()
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    session = upi.start_upi_payment(uow, gateway, receptionist, bill.id)
    closed: list[str] = []
    gateway.close_qr = closed.append  # type: ignore[method-assign]
    staff.set_staff_active(uow, admin, receptionist.user_id, False)
    with pytest.raises(AccountRevoked):
        upi.cancel_upi_payment(uow, gateway, receptionist, session.id)
    with pytest.raises(AccountRevoked):
        upi.start_upi_payment(uow, gateway, receptionist, bill.id)
    assert closed == []
    assert upi.get_session(uow, admin, session.id).status.value == "active"


def test_a_write_without_an_audit_entry_is_checked_before_it_is_sent(engine, uow, admin, doctor):
    from homa_desk.services import consultations

    staff.set_staff_active(uow, admin, doctor.user_id, False)
    with pytest.raises(AccountRevoked):
        consultations.add_favourite(uow, doctor, "Cetirizine", "10 mg")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM favourite_medicines")).scalar_one() == 0
