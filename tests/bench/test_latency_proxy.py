"""The latency proxy of `python -m bench`: a query through it costs the added latency, and it counts exchanges."""

from __future__ import annotations

import time

from sqlalchemy import text

from bench.latency_proxy import LatencyProxy
from homa_desk.db.engine import make_engine


def test_each_round_trip_costs_the_added_latency_and_is_counted(db_url) -> None:
    url = db_url.render_as_string(hide_password=False)
    with LatencyProxy.for_url(url, latency_ms=100) as proxy:
        engine = make_engine(proxy.url_for(url))
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1")).scalar_one()
                conn.rollback()
                proxy.reset()
                started = time.perf_counter()
                values = [conn.exec_driver_sql(f"SELECT {n}").scalar_one() for n in range(3)]
                elapsed = time.perf_counter() - started
                conn.rollback()
        finally:
            engine.dispose()
    assert values == [0, 1, 2]
    # BEGIN, then three statements: four exchanges of 100 ms each (plus the server's own time)
    assert proxy.round_trips >= 4
    assert 0.4 <= elapsed < 1.5
