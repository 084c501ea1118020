"""The check that both per-day payment totals tables (schema 0010) equal a recount of payments."""

from __future__ import annotations

from sqlalchemy import Engine, text

_DAY_KEY = "(payment_date AT TIME ZONE 'Asia/Kolkata')::date, payment_method::text, status::text, refunded_amount > 0"
_KEPT = {
    "payment_day_totals": "SELECT day, payment_method::text, status::text, refunded, payments, amount,"
                          " refunded_amount FROM payment_day_totals WHERE payments <> 0",
    "payment_doctor_day_totals": "SELECT doctor_id, day, payment_method::text, status::text, refunded, payments,"
                                 " amount, refunded_amount FROM payment_doctor_day_totals WHERE payments <> 0",
}
_RECOUNTED = {
    "payment_day_totals": f"SELECT {_DAY_KEY}, count(*), sum(amount), sum(refunded_amount) FROM payments"
                          " WHERE payment_date IS NOT NULL GROUP BY 1, 2, 3, 4",
    "payment_doctor_day_totals": f"SELECT doctor_id, {_DAY_KEY}, count(*), sum(amount), sum(refunded_amount)"
                                 " FROM payments WHERE payment_date IS NOT NULL AND doctor_id IS NOT NULL"
                                 " GROUP BY 1, 2, 3, 4, 5",
}


def assert_totals_match_payments(engine: Engine) -> None:
    """Both totals tables hold exactly what a recount of payments gives (rows netted to zero aside)."""
    with engine.connect() as conn:
        for table, kept in _KEPT.items():
            assert sorted(map(tuple, conn.execute(text(kept)))) == sorted(
                map(tuple, conn.execute(text(_RECOUNTED[table])))), table
