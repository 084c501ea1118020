"""Independent reads sent together (psycopg pipeline, `uow.together`): one round trip, the same answers, the same
actor check, still read-only."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from bench.latency_proxy import LatencyProxy
from homa_desk.db.engine import make_engine
from homa_desk.db.together import Later
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.account_check import AccountRevoked
from homa_desk.domain.appointments import local_day
from homa_desk.domain.roles import STAFF_ROLES, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import staff as staff_service


def _reads(uow: UnitOfWork) -> tuple[Later, ...]:  # type: ignore[type-arg]
    day = local_day(utcnow())
    return (uow.settings.get_many_later(("clinic_name", "never_set")), uow.doctors.schedules_later(day, day),
            uow.queue.for_day_later(day))


def test_three_reads_cost_one_round_trip_and_answer_as_one_by_one(db_url, admin, doctor, receptionist) -> None:
    url = db_url.render_as_string(hide_password=False)
    with LatencyProxy.for_url(url, latency_ms=5) as proxy:
        engine = make_engine(proxy.url_for(url))
        try:
            uow = UnitOfWork(engine)
            with uow.reading(receptionist, *STAFF_ROLES):
                uow.together(*_reads(uow))  # connects
            proxy.reset()
            with uow.reading(receptionist, *STAFF_ROLES):
                together = uow.together(*_reads(uow))
            trips = proxy.round_trips
            with uow.reading(receptionist, *STAFF_ROLES):
                one_by_one = [read.shape(list(uow._session.execute(read.statement, read.params)))  # type: ignore[union-attr]
                              for read in _reads(uow)]
        finally:
            engine.dispose()
    assert trips == 1
    assert together == one_by_one
    assert together[0] == {"clinic_name": "Sunrise Clinic", "never_set": None}
    assert [s.doctor.user_id for s in together[1]] == [doctor.user_id]


def test_the_actor_check_is_folded_in(uow, admin, receptionist) -> None:
    staff_service.set_staff_active(uow, admin, receptionist.user_id, False)
    with pytest.raises(AccountRevoked), uow.reading(receptionist, *STAFF_ROLES):
        uow.together(*_reads(uow))
    forged = replace(receptionist, role=Role.ADMIN)  # claims a role the account does not have
    with pytest.raises(AccountRevoked), uow.reading(forged, Role.ADMIN):
        uow.together(*_reads(uow))


def test_only_reads_go_together(uow, engine, admin) -> None:
    write = Later(text("UPDATE clinic_settings SET value = '\"Hijacked\"' WHERE key = 'clinic_name'"), list)
    with pytest.raises(ValueError), uow.reading(admin, Role.ADMIN):
        uow.together(write)
    sneaky = Later(text("SELECT 1; UPDATE clinic_settings SET value = '\"Hijacked\"' WHERE key = 'clinic_name'"),
                   list)
    with pytest.raises(Exception), uow.reading(admin, Role.ADMIN):  # noqa: B017 (refused as a syntax error)
        uow.together(sneaky)
    with uow.reading(admin, Role.ADMIN):  # the connection is fit for the next unit of work
        assert uow.together(uow.settings.get_many_later(("clinic_name",))) == [{"clinic_name": "Sunrise Clinic"}]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT value FROM clinic_settings WHERE key = 'clinic_name'")).scalar_one() \
            == "Sunrise Clinic"

