from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import Conflict, FormErrors, NotFound, PermissionDenied, ValidationError
from homa_desk.domain.roles import Role
from homa_desk.services import clinic
from homa_desk.services import staff as staff_service
from homa_desk.services.auth import sign_in
from tests.helpers import STRONG_PASSWORD, engine_for, new_staff


def test_first_admin_only_on_an_empty_clinic(uow):
    assert staff_service.needs_first_admin(uow)
    admin = staff_service.create_first_admin(uow, new_staff(Role.ADMIN), "Sunrise Clinic")
    assert admin.role is Role.ADMIN
    assert not staff_service.needs_first_admin(uow)
    assert clinic.clinic_name(uow) == "Sunrise Clinic"
    with pytest.raises(PermissionDenied, match="already has an admin"):
        staff_service.create_first_admin(uow, new_staff(Role.ADMIN), "Other Clinic")


def test_two_desks_racing_the_first_run_wizard_create_one_admin(engine):
    outcomes: list[str] = []
    barrier = threading.Barrier(4)

    def attempt(i: int) -> None:
        barrier.wait()
        try:
            staff_service.create_first_admin(UnitOfWork(engine), new_staff(Role.ADMIN, email=f"a{i}@c.example"), "C")
            outcomes.append("created")
        except PermissionDenied:
            outcomes.append("refused")

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "refused", "refused", "refused"]


def test_the_first_account_must_be_an_admin(uow):
    with pytest.raises(ValidationError):
        staff_service.create_first_admin(uow, new_staff(Role.RECEPTIONIST), "C")
    assert staff_service.needs_first_admin(uow)


def test_validation_reports_every_bad_field_at_once():
    with pytest.raises(FormErrors) as error:
        staff_service.validate_new_staff(email="not-an-email", full_name="", phone="12345", role="patient",
                                         password="short", password_again="other")
    assert set(error.value.by_field()) == {"email", "full_name", "phone", "role", "password"}


@pytest.mark.parametrize("password, message", [
    ("password123", "too common"),
    ("Asha Verma 2026", "name or e-mail"),
    ("abc", "at least 10"),
])
def test_weak_passwords_are_refused(password, message):
    with pytest.raises(FormErrors, match=message):
        staff_service.validate_new_staff(email="asha@clinic.example", full_name="Asha Verma", phone="9876543210",
                                         role=Role.RECEPTIONIST, password=password)


def test_mismatched_passwords_are_refused():
    with pytest.raises(FormErrors) as error:
        staff_service.validate_new_staff(email="asha@clinic.example", full_name="Asha Verma", phone="9876543210",
                                         role="receptionist", password=STRONG_PASSWORD, password_again="x")
    assert error.value.by_field() == {"password_again": "The two passwords differ."}


def test_admin_adds_staff_who_can_sign_in_and_it_is_audited(uow, admin):
    new = staff_service.validate_new_staff(email="Ravi@Clinic.Example", full_name="Ravi  Kumar",
                                           phone="+91 98765 43210", role="doctor", password=STRONG_PASSWORD)
    member = staff_service.add_staff(uow, admin, new)
    assert (member.email, member.full_name, member.phone) == ("ravi@clinic.example", "Ravi Kumar", "+919876543210")
    assert sign_in(uow, "ravi@clinic.example", STRONG_PASSWORD).role is Role.DOCTOR
    with uow:
        actions = [(e.action, e.actor_id) for e in uow.audit.for_entity("user", member.id)]
    assert ("staff_added", admin.user_id) in actions


def test_a_taken_email_is_refused_next_to_the_field(uow, admin, receptionist):
    with pytest.raises(FormErrors) as error:
        staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, email=receptionist.email))
    assert "email" in error.value.by_field()


@pytest.mark.parametrize("role_fixture", ["receptionist", "doctor"])
def test_only_admins_manage_staff(request, uow, role_fixture):
    actor = request.getfixturevalue(role_fixture)
    with pytest.raises(PermissionDenied):
        staff_service.add_staff(uow, actor, new_staff(Role.RECEPTIONIST))
    with pytest.raises(PermissionDenied):
        staff_service.list_staff(uow, actor)
    with pytest.raises(PermissionDenied):
        staff_service.set_staff_active(uow, actor, actor.user_id, False)
    with pytest.raises(PermissionDenied):
        staff_service.reset_password(uow, actor, actor.user_id, "Another-Strong-9-Pass")
    with pytest.raises(PermissionDenied):
        clinic.set_clinic_name(uow, actor, "Taken Over")


def test_disable_and_enable_staff(uow, admin, receptionist):
    assert not staff_service.set_staff_active(uow, admin, receptionist.user_id, False).is_active
    assert staff_service.set_staff_active(uow, admin, receptionist.user_id, True).is_active
    with uow:
        actions = [e.action for e in uow.audit.for_entity("user", receptionist.user_id)]
    assert actions[-2:] == ["staff_disabled", "staff_enabled"]


def test_the_last_admin_cannot_be_disabled(uow, admin):
    with pytest.raises(PermissionDenied, match="your own account"):
        staff_service.set_staff_active(uow, admin, admin.user_id, False)
    second = staff_service.add_staff(uow, admin, new_staff(Role.ADMIN)).as_actor()
    staff_service.set_staff_active(uow, second, admin.user_id, False)
    with pytest.raises(PermissionDenied):
        staff_service.set_staff_active(uow, second, second.user_id, False)


def test_the_only_active_admin_is_kept(uow, admin):
    other = staff_service.add_staff(uow, admin, new_staff(Role.ADMIN)).as_actor()
    staff_service.set_staff_active(uow, admin, other.user_id, False)
    # `other` still has a desk open from before; `admin` is now the only active admin
    with pytest.raises(Conflict, match="at least one active admin"):
        staff_service.set_staff_active(uow, other, admin.user_id, False)
    assert staff_service.needs_first_admin(uow) is False


def test_reset_password_lifts_a_lockout_and_checks_strength(uow, admin, receptionist):
    from homa_desk.domain.errors import AuthenticationFailed

    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            sign_in(uow, receptionist.email, "Wrong-password-123")
    with pytest.raises(AuthenticationFailed):  # locked: the right password is refused too
        sign_in(uow, receptionist.email, STRONG_PASSWORD)
    with pytest.raises(ValidationError) as weak:
        staff_service.reset_password(uow, admin, receptionist.user_id, "password123")
    assert weak.value.field == "new_password"
    staff_service.reset_password(uow, admin, receptionist.user_id, "Brand-New-Secret-42")
    assert sign_in(uow, receptionist.email, "Brand-New-Secret-42").id == receptionist.user_id


def test_unknown_staff_member(uow, admin):
    with pytest.raises(NotFound):
        staff_service.set_staff_active(uow, admin, 999_999, False)


def test_refused_forms_write_nothing(uow, admin):
    with uow:
        before = len(uow.staff.all_staff())
    with pytest.raises(FormErrors):
        staff_service.add_staff(uow, admin, new_staff(Role.DOCTOR, email=admin.email))
    with uow:
        assert len(uow.staff.all_staff()) == before


def test_clinic_name_is_validated(uow, admin):
    with pytest.raises(ValidationError, match="Enter the clinic"):
        clinic.set_clinic_name(uow, admin, "   ")
    assert clinic.set_clinic_name(uow, admin, "  Sunrise   Family Clinic ") == "Sunrise Family Clinic"
    assert clinic.clinic_name(uow) == "Sunrise Family Clinic"


def test_two_admins_disabling_each_other_at_once_leave_one_active(engine, uow, admin):
    """Each desk's own check sees two active admins; the database serialises the rule (a trigger under a lock)."""
    second = staff_service.add_staff(uow, admin, new_staff(Role.ADMIN, name="Farah Khan")).as_actor()

    def disable(actor, other, barrier, outcomes) -> None:  # type: ignore[no-untyped-def]
        barrier.wait()
        try:
            staff_service.set_staff_active(UnitOfWork(engine), actor, other.user_id, False)
            outcomes.append("disabled")
        except PermissionDenied:  # the other desk won: this one's account is now disabled
            outcomes.append("revoked")
        except Conflict:
            outcomes.append("kept")

    for _ in range(12):
        outcomes: list[str] = []
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=disable, args=(*pair, barrier, outcomes))
                   for pair in ((admin, second), (second, admin))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with engine.connect() as conn:
            active = conn.execute(text("SELECT count(*) FROM users WHERE role = 'admin' AND is_active")).scalar_one()
        assert active == 1 and sorted(outcomes) in (["disabled", "kept"], ["disabled", "revoked"]), outcomes
        with engine.begin() as conn:  # both active again for the next round
            conn.execute(text("UPDATE users SET is_active = true WHERE role = 'admin'"))


def test_the_database_refuses_to_disable_or_demote_the_last_active_admin(engine, admin):
    for change in ("is_active = false", "role = 'receptionist'"):
        with pytest.raises(IntegrityError, match="keep at least one active admin"), engine.begin() as conn:
            conn.execute(text(f"UPDATE users SET {change} WHERE id = :id"), {"id": admin.user_id})


def test_the_first_admin_path_stays_closed_once_the_clinic_had_an_admin(cluster, db_url, uow, admin):
    hand_edit = engine_for(cluster.superuser_url(db_url))  # skipping the triggers takes the superuser
    try:
        with hand_edit.begin() as conn:  # however it came about (an old backup, a hand edit): no active admin left
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("UPDATE users SET is_active = false WHERE id = :id"), {"id": admin.user_id})
    finally:
        hand_edit.dispose()
    assert staff_service.needs_first_admin(uow) is False
    with pytest.raises(PermissionDenied, match="already has an admin"):
        staff_service.create_first_admin(uow, new_staff(Role.ADMIN, name="Intruder Singh"), "Taken Over")
