"""A staff account disabled, or its role or password changed, while signed in: the ping says so, writes are refused.

Both checks ride in statements the desk sends anyway (the ping, the audit-log insert), so neither costs a round trip.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from bench.latency_proxy import LatencyProxy
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.account_check import AccountRevoked, Revocation, SignedInAccount, password_stamp
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Role
from homa_desk.services import clinic, patients
from homa_desk.services import staff as staff_service
from homa_desk.services.auth import check_signed_in, sign_in
from tests.appointment_helpers import StatementCounter
from tests.helpers import STRONG_PASSWORD

NEW_PASSWORD = "Monsoon-Tiger-Lake-81"


def _signed_in(uow, actor) -> SignedInAccount:
    member = sign_in(uow, actor.email, STRONG_PASSWORD)
    return SignedInAccount(member.id, member.role, member.password_stamp)


def _set_role(engine, user_id: int, role: Role) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET role = CAST(:role AS user_role) WHERE id = :id"),
                     {"role": role.value, "id": user_id})


def _count(engine, table: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def _register(uow, actor, name: str = "Kavya Nair"):
    details = validate_patient(full_name=name, phone="9812345670", today=date(2026, 11, 25), age_years="34")
    return patients.register_patient(uow, actor, details)


def test_sign_in_stamps_the_password_without_handing_out_its_hash(uow, engine, receptionist):
    member = sign_in(uow, receptionist.email, STRONG_PASSWORD)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users WHERE id = :id"), {"id": member.id}).scalar_one()
    assert member.password_stamp == password_stamp(stored)
    assert stored not in repr(member)


def test_a_signed_in_account_left_alone_may_go_on(uow, receptionist):
    assert check_signed_in(uow, _signed_in(uow, receptionist)) is None
    assert check_signed_in(uow, None) is None  # before sign-in the ping only proves the database answers


def test_disabled_by_an_admin(uow, admin, receptionist):
    account = _signed_in(uow, receptionist)
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    assert check_signed_in(uow, account) is Revocation.DISABLED


def test_role_changed(uow, engine, receptionist):
    account = _signed_in(uow, receptionist)
    _set_role(engine, receptionist.user_id, Role.DOCTOR)
    assert check_signed_in(uow, account) is Revocation.ROLE_CHANGED


def test_password_reset_by_an_admin(uow, admin, receptionist):
    account = _signed_in(uow, receptionist)
    staff_service.reset_password(uow, admin, receptionist.user_id, NEW_PASSWORD)
    assert check_signed_in(uow, account) is Revocation.PASSWORD_CHANGED
    fresh = sign_in(uow, receptionist.email, NEW_PASSWORD)
    assert check_signed_in(uow, SignedInAccount(fresh.id, fresh.role, fresh.password_stamp)) is None


def test_a_failed_sign_in_elsewhere_does_not_sign_the_desk_out(uow, receptionist):
    account = _signed_in(uow, receptionist)
    with pytest.raises(Exception, match="Wrong e-mail or password"):
        sign_in(uow, receptionist.email, "Wrong-password-123")
    assert check_signed_in(uow, account) is None


def test_the_account_check_costs_no_round_trip_over_the_bare_ping(db_url, receptionist, uow):
    account = _signed_in(uow, receptionist)
    url = db_url.render_as_string(hide_password=False)
    with LatencyProxy.for_url(url, latency_ms=1) as proxy:
        engine = make_engine(proxy.url_for(url), pool_size=1)
        try:
            proxied = UnitOfWork(engine)
            clinic.ping(proxied)  # the pool's connection is made before counting
            proxy.reset()
            assert check_signed_in(proxied, None) is None
            bare = proxy.round_trips
            proxy.reset()
            assert check_signed_in(proxied, account) is None
            checked = proxy.round_trips
        finally:
            engine.dispose()
    assert bare >= 1 and checked == bare


def test_a_disabled_accounts_write_is_refused_and_nothing_is_written(uow, engine, admin, receptionist):
    _register(uow, receptionist, "Kavya Nair")  # the desk worked before
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    patients_before, audit_before = _count(engine, "patient_profiles"), _count(engine, "audit_log")
    with pytest.raises(AccountRevoked) as refused:
        _register(uow, receptionist, "Sunil Rao")
    assert refused.value.reason is Revocation.DISABLED
    assert refused.value.message == "Your account was disabled by an admin."
    assert (_count(engine, "patient_profiles"), _count(engine, "audit_log")) == (patients_before, audit_before)

    staff_service.set_staff_active(uow, admin, receptionist.user_id, True)
    assert _register(uow, receptionist, "Sunil Rao").user_id


def test_a_write_in_a_role_the_account_no_longer_has_is_refused(uow, engine, admin):
    former_admin = staff_service.add_staff(uow, admin, _new_admin()).as_actor()
    _set_role(engine, former_admin.user_id, Role.RECEPTIONIST)
    names_before = _count(engine, "clinic_settings")
    with pytest.raises(AccountRevoked) as refused:
        clinic.set_clinic_name(uow, former_admin, "Taken Over Clinic")
    assert refused.value.reason is Revocation.ROLE_CHANGED
    assert clinic.clinic_name(uow) == "Sunrise Clinic" and _count(engine, "clinic_settings") == names_before


def test_the_audit_check_is_inside_the_insert(uow, engine, receptionist):
    with StatementCounter(engine) as counter, uow:
        uow.audit.record(receptionist, "patient_updated", "patient", 1, after={"fields": ["phone"]})
        uow.audit.record(None, "sign_in_failed", "user", receptionist.user_id)
        uow.commit()
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "SELECT", "UPDATE"))]
    assert len(writes) == 2 and all(s.lstrip().upper().startswith("INSERT INTO AUDIT_LOG") for s in writes)
    with uow:
        entries = uow.audit.for_entity("patient", 1)
    assert [(e.actor_id, e.actor_role, e.action, e.before, e.after) for e in entries] == [
        (receptionist.user_id, "receptionist", "patient_updated", None, {"fields": ["phone"]})]


def _new_admin():
    from tests.helpers import new_staff

    return new_staff(Role.ADMIN, name="Vikram Rao")
