"""A use case that only reads runs without a transaction: one round trip per statement, and it cannot write."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bench.latency_proxy import LatencyProxy
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork, WriteWhileReading
from homa_desk.services import clinic


def test_a_read_costs_one_round_trip_and_a_write_transaction_three(db_url, admin) -> None:
    url = db_url.render_as_string(hide_password=False)
    with LatencyProxy.for_url(url, latency_ms=0) as proxy:
        engine = make_engine(proxy.url_for(url))
        try:
            clinic.clinic_name(UnitOfWork(engine))  # connects; the pooled connection is then reused
            proxy.reset()
            name = clinic.clinic_name(UnitOfWork(engine))
            reads = proxy.round_trips
            proxy.reset()
            uow = UnitOfWork(engine)
            with uow:
                uow.settings.get("clinic_name")
            in_transaction = proxy.round_trips
        finally:
            engine.dispose()
    assert name == "Sunrise Clinic"
    assert reads == 1  # no pre-ping, no BEGIN, no ROLLBACK
    assert in_transaction == 3  # BEGIN, the statement, ROLLBACK


def test_a_reading_unit_of_work_refuses_to_write(uow, admin) -> None:
    with pytest.raises(WriteWhileReading), uow.reading(None):
        uow.settings.put("clinic_name", "Changed While Reading")
    with pytest.raises(RuntimeError), uow.reading(None):
        uow.commit()
    assert clinic.clinic_name(uow) == "Sunrise Clinic"


def test_the_reading_mark_lasts_one_with(uow, admin) -> None:
    with uow.reading(None):
        assert uow.settings.get("clinic_name") == "Sunrise Clinic"
    with uow:
        uow.settings.put("clinic_name", "Renamed Clinic")
        uow.commit()
    assert clinic.clinic_name(uow) == "Renamed Clinic"


def test_a_connection_the_server_dropped_is_replaced_unseen(db_url, engine, admin) -> None:
    """A restore or an admin terminating sessions: the next call gets a fresh connection, not an error."""
    pooled = _backend_pid(engine)
    other_desk = make_engine(db_url, pool_size=1)
    try:
        with other_desk.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled}).scalar_one()
    finally:
        other_desk.dispose()
    assert clinic.clinic_name(UnitOfWork(engine)) == "Sunrise Clinic"
    assert _backend_pid(engine) != pooled


def _backend_pid(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
