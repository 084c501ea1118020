"""The check that every monthly totals table of schema 0030 equals an independent recount of its source rows."""

from __future__ import annotations

from sqlalchemy import Engine, text

_MONTH = "date_trunc('month', {} AT TIME ZONE 'Asia/Kolkata')::date"
_PAY = _MONTH.format("payment_date")
_VISIT = _MONTH.format("a.appointment_date")

KEPT = {
    "payment_month_totals": "SELECT month, payment_method::text, status::text, refunded, payments, amount,"
                            " refunded_amount FROM payment_month_totals WHERE payments <> 0",
    "payment_doctor_month_totals": "SELECT doctor_id, month, payments, amount, refunded_amount"
                                   " FROM payment_doctor_month_totals WHERE payments <> 0",
    "visit_month_totals": "SELECT doctor_id, month, visits FROM visit_month_totals WHERE visits <> 0",
    "patient_month_totals": "SELECT month, patients, new_patients FROM patient_month_totals"
                            " WHERE patients <> 0 OR new_patients <> 0",
    "bill_item_month_totals": "SELECT month, kind::text, name_key, lines, quantity, amount"
                              " FROM bill_item_month_totals WHERE lines <> 0",
}
RECOUNTED = {
    "payment_month_totals": f"SELECT {_PAY}, payment_method::text, status::text, refunded_amount > 0, count(*),"
                            " sum(amount), sum(refunded_amount) FROM payments WHERE payment_date IS NOT NULL"
                            " GROUP BY 1, 2, 3, 4",
    "payment_doctor_month_totals": f"SELECT doctor_id, {_PAY}, count(*), sum(amount), sum(refunded_amount)"
                                   " FROM payments WHERE payment_date IS NOT NULL AND doctor_id IS NOT NULL"
                                   " AND status IN ('completed', 'refunded') GROUP BY 1, 2",
    "visit_month_totals": f"SELECT coalesce(a.doctor_id, 0), {_VISIT}, count(*) FROM appointments a"
                          " WHERE a.status = 'completed' GROUP BY 1, 2",
    # patients seen each month; new when no completed visit of theirs falls in an earlier month
    "patient_month_totals": f"""
        SELECT m.month, count(*), count(*) FILTER (WHERE NOT EXISTS (
            SELECT 1 FROM appointments e WHERE e.patient_id = m.patient_id AND e.status = 'completed'
              AND e.appointment_date < (m.month::timestamp AT TIME ZONE 'Asia/Kolkata')))
        FROM (SELECT DISTINCT a.patient_id, {_VISIT} AS month FROM appointments a WHERE a.status = 'completed') m
        GROUP BY 1""",
    "bill_item_month_totals": f"""
        SELECT {_MONTH.format("b.created_at")}, l.kind::text,
               lower(regexp_replace(btrim(l.description), '\\s+', ' ', 'g')), count(*), sum(l.quantity),
               sum(l.total)
        FROM bill_lines l JOIN bills b ON b.id = l.bill_id WHERE b.status <> 'cancelled' GROUP BY 1, 2, 3""",
}


def assert_owner_totals_match(engine: Engine) -> None:
    """Every monthly totals table holds exactly what a recount of its source gives (rows netted to zero aside)."""
    with engine.connect() as conn:
        for table, kept in KEPT.items():
            assert sorted(map(tuple, conn.execute(text(kept)))) == sorted(
                map(tuple, conn.execute(text(RECOUNTED[table])))), table
