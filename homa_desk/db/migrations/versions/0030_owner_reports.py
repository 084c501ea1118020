"""The owner's view: monthly totals kept by the database, and the audit log by patient.

- `payment_month_totals` (clinic month, method, status, refunded or not) and `payment_doctor_month_totals` (doctor,
  month: money received only) are kept by statement-level triggers on payments, as the per-day totals of 0010 are
  (one aggregate per statement, transition tables), so twelve months add up a few dozen rows per doctor, never
  the payments.
- `visit_month_totals` (doctor, month: completed appointments), `patient_visit_months` (patient, month: their
  completed visits) and `patient_month_totals` (month: patients seen, of whom new, i.e. in their first month with a
  visit) are kept by statement-level triggers on appointments. A patient's rows are recounted under a transaction
  advisory lock on the patient (a bulk statement locks the table instead), so two desks completing the same
  patient's visits cannot both count them "new".
- `bill_item_month_totals` (month of the bill, line kind, line name lowercased and trimmed: lines, quantity,
  amount) is kept by triggers on bill_lines and on a bill's cancellation or date: lines of cancelled bills never
  count.
- `homa_owner_totals_rebuild()` recounts them all (this migration's backfill, and loaders that skip triggers).
- `audit_log.patient_id`: the patient an entry is about, derived by a BEFORE INSERT trigger from the entity (a
  patient, an appointment, a bill, a payment, a UPI session, a follow-up or a message) so every writer fills it,
  the desk's services, a web backend and later features alike; a writer may give it for an entity the database
  cannot trace, and it is kept only if it names a patient. The backfill is one UPDATE with the append-only trigger
  disabled inside this migration's transaction (ACCESS EXCLUSIVE: no other session writes or sees it meanwhile) and
  enabled again before the commit. Indexes in the viewer's keyset order (occurred_at, id) per filter.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_MONTH = "date_trunc('month', {col} AT TIME ZONE 'Asia/Kolkata')::date"

# -- payments -------------------------------------------------------------------------------------------------------
_PAY_COLUMNS = ("payment_date", "payment_method", "status", "amount", "refunded_amount", "doctor_id")


def _pay_changed() -> str:
    old = ", ".join(f"o.{c}" for c in _PAY_COLUMNS)
    new = ", ".join(f"n.{c}" for c in _PAY_COLUMNS)
    return f"JOIN old_rows o ON o.id = n.id WHERE ({old}) IS DISTINCT FROM ({new})"


_PAY_DELTAS = {
    "insert": f"SELECT {', '.join(_PAY_COLUMNS)}, 1 AS sign FROM new_rows",
    "delete": f"SELECT {', '.join(_PAY_COLUMNS)}, -1 AS sign FROM old_rows",
    "update": (f"SELECT {', '.join('n.' + c for c in _PAY_COLUMNS)}, 1 AS sign FROM new_rows n {_pay_changed()}"
               f" UNION ALL SELECT {', '.join('o.' + c for c in _PAY_COLUMNS)}, -1 FROM new_rows n {_pay_changed()}"),
}
_PAY_APPLY = """
    WITH keyed AS (
        SELECT """ + _MONTH.format(col="payment_date") + """ AS month, payment_method, status,
               refunded_amount > 0 AS refunded, doctor_id, sign, sign * amount AS amount,
               sign * refunded_amount AS refunded_amount
        FROM ({delta}) delta WHERE payment_date IS NOT NULL
    ), months AS (
        INSERT INTO payment_month_totals AS t (month, payment_method, status, refunded, payments, amount,
                                               refunded_amount)
        SELECT month, payment_method, status, refunded, sum(sign), sum(amount), sum(refunded_amount)
        FROM keyed GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, payment_method, status, refunded) DO UPDATE
            SET payments = t.payments + EXCLUDED.payments, amount = t.amount + EXCLUDED.amount,
                refunded_amount = t.refunded_amount + EXCLUDED.refunded_amount
    )
    INSERT INTO payment_doctor_month_totals AS t (doctor_id, month, payments, amount, refunded_amount)
    SELECT doctor_id, month, sum(sign), sum(amount), sum(refunded_amount)
    FROM keyed WHERE doctor_id IS NOT NULL AND status IN ('completed', 'refunded')
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (doctor_id, month) DO UPDATE
        SET payments = t.payments + EXCLUDED.payments, amount = t.amount + EXCLUDED.amount,
            refunded_amount = t.refunded_amount + EXCLUDED.refunded_amount
"""

# -- appointments (visits) ----------------------------------------------------------------------------------------
_VISIT_COLUMNS = ("patient_id", "doctor_id", "appointment_date", "status")


def _visit_changed() -> str:
    old = ", ".join(f"o.{c}" for c in _VISIT_COLUMNS)
    new = ", ".join(f"n.{c}" for c in _VISIT_COLUMNS)
    return f"JOIN old_rows o ON o.id = n.id WHERE ({old}) IS DISTINCT FROM ({new})"


_VISIT_DELTAS = {
    "insert": f"SELECT {', '.join(_VISIT_COLUMNS)}, 1 AS sign FROM new_rows",
    "delete": f"SELECT {', '.join(_VISIT_COLUMNS)}, -1 AS sign FROM old_rows",
    "update": (f"SELECT {', '.join('n.' + c for c in _VISIT_COLUMNS)}, 1 AS sign FROM new_rows n {_visit_changed()}"
               f" UNION ALL SELECT {', '.join('o.' + c for c in _VISIT_COLUMNS)}, -1"
               f" FROM new_rows n {_visit_changed()}"),
}
_VISITS = ("SELECT patient_id, coalesce(doctor_id, 0) AS doctor_id, "
           + _MONTH.format(col="appointment_date") + " AS month, sign"
           " FROM ({delta}) delta WHERE status = 'completed'")
# One writer at a time per patient: a desk's statement locks its few patients (in id order, so two desks take the
# locks in the same order); a bulk statement (a load, an import) locks the table instead, as an advisory lock per
# patient would overflow the server's lock table. Every statement first takes ROW EXCLUSIVE, which waits for a bulk
# statement's EXCLUSIVE, so no desk reads a patient's months while a bulk load is changing them.
_VISIT_LOCK = """
    IF (SELECT count(DISTINCT patient_id) FROM ({visits}) v) > 100 THEN
        LOCK TABLE patient_visit_months IN EXCLUSIVE MODE;
    ELSE
        LOCK TABLE patient_visit_months IN ROW EXCLUSIVE MODE;
        PERFORM pg_advisory_xact_lock(7316030, patient_id)
        FROM (SELECT DISTINCT patient_id FROM ({visits}) v ORDER BY 1) p;
    END IF;
"""
# a patient's months before and after this statement; each month counts the patient once, as new in the first
_VISIT_APPLY = """
    WITH visits AS ({visits}),
    change AS (SELECT patient_id, month, sum(sign) AS visits FROM visits GROUP BY 1, 2),
    before AS (
        SELECT v.patient_id, v.month, v.visits FROM patient_visit_months v
        WHERE v.patient_id IN (SELECT patient_id FROM change) AND v.visits > 0
    ), after AS (
        SELECT patient_id, month FROM (SELECT * FROM before UNION ALL SELECT * FROM change) x
        GROUP BY 1, 2 HAVING sum(visits) > 0
    ), counted AS (
        SELECT month, -1 AS patients, CASE WHEN month = min(month) OVER (PARTITION BY patient_id) THEN -1 ELSE 0
               END AS new_patients FROM before
        UNION ALL
        SELECT month, 1, CASE WHEN month = min(month) OVER (PARTITION BY patient_id) THEN 1 ELSE 0 END FROM after
    ), patient_months AS (
        INSERT INTO patient_month_totals AS t (month, patients, new_patients)
        SELECT month, sum(patients), sum(new_patients) FROM counted GROUP BY 1
        HAVING sum(patients) <> 0 OR sum(new_patients) <> 0 ORDER BY 1
        ON CONFLICT (month) DO UPDATE
            SET patients = t.patients + EXCLUDED.patients, new_patients = t.new_patients + EXCLUDED.new_patients
    ), per_patient AS (
        INSERT INTO patient_visit_months AS t (patient_id, month, visits)
        SELECT patient_id, month, visits FROM change WHERE visits <> 0 ORDER BY 1, 2
        ON CONFLICT (patient_id, month) DO UPDATE SET visits = t.visits + EXCLUDED.visits
    )
    INSERT INTO visit_month_totals AS t (doctor_id, month, visits)
    SELECT doctor_id, month, sum(sign) FROM visits GROUP BY 1, 2 HAVING sum(sign) <> 0 ORDER BY 1, 2
    ON CONFLICT (doctor_id, month) DO UPDATE SET visits = t.visits + EXCLUDED.visits;
    DELETE FROM patient_visit_months
    WHERE visits = 0 AND patient_id IN (SELECT patient_id FROM ({visits}) v);
"""

# -- bill lines ---------------------------------------------------------------------------------------------------
_ITEM_DELTAS = {
    "insert": "SELECT bill_id, kind, description, quantity, total, 1 AS sign FROM new_rows",
    "delete": "SELECT bill_id, kind, description, quantity, total, -1 AS sign FROM old_rows",
    "update": ("SELECT bill_id, kind, description, quantity, total, 1 AS sign FROM new_rows"
               " UNION ALL SELECT bill_id, kind, description, quantity, total, -1 FROM old_rows"),
}
# the lines of bills not cancelled, as rows of the month table (`lines` names the source of lines)
_ITEMS = """
    SELECT """ + _MONTH.format(col="b.created_at") + """ AS month, l.kind,
           lower(regexp_replace(btrim(l.description), '\\s+', ' ', 'g')) AS name_key,
           btrim(l.description) AS label, l.sign, l.quantity, l.total
    FROM ({lines}) l JOIN bills b ON b.id = l.bill_id
    WHERE {where}
"""
_ITEM_APPLY = """
    INSERT INTO bill_item_month_totals AS t (month, kind, name_key, label, lines, quantity, amount)
    SELECT month, kind, name_key, max(label), sum(sign), sum(sign * quantity), sum(sign * total)
    FROM ({items}) i GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (month, kind, name_key) DO UPDATE
        SET lines = t.lines + EXCLUDED.lines, quantity = t.quantity + EXCLUDED.quantity,
            amount = t.amount + EXCLUDED.amount,
            label = CASE WHEN EXCLUDED.lines > 0 THEN EXCLUDED.label ELSE t.label END
"""


def _function(name: str, body: str) -> str:
    return (f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"BEGIN\n{body}\n    RETURN NULL;\nEND $$;\n")


def _functions() -> str:
    parts = []
    for op_name, delta in _PAY_DELTAS.items():
        parts.append(_function(f"homa_payment_month_totals_{op_name}", _PAY_APPLY.format(delta=delta) + ";"))
    for op_name, delta in _VISIT_DELTAS.items():
        visits = _VISITS.format(delta=delta)
        parts.append(_function(f"homa_visit_month_totals_{op_name}",
                               _VISIT_LOCK.format(visits=visits) + _VISIT_APPLY.format(visits=visits)))
    for op_name, delta in _ITEM_DELTAS.items():
        items = _ITEMS.format(lines=delta, where="b.status <> 'cancelled'")
        parts.append(_function(f"homa_bill_item_totals_{op_name}", _ITEM_APPLY.format(items=items) + ";"))
    # a bill cancelled (or, by a repair, not cancelled any more), or its date corrected: its lines leave the month
    # they counted in and join the one they count in now
    moved = """
    SELECT m.month, l.kind, lower(regexp_replace(btrim(l.description), '\\s+', ' ', 'g')) AS name_key,
           btrim(l.description) AS label, m.sign, l.quantity, l.total
    FROM bill_lines l,
         (SELECT """ + _MONTH.format(col="OLD.created_at") + """, -1 WHERE OLD.status <> 'cancelled'
          UNION ALL
          SELECT """ + _MONTH.format(col="NEW.created_at") + """, 1 WHERE NEW.status <> 'cancelled') m (month, sign)
    WHERE l.bill_id = NEW.id
"""
    parts.append(_function("homa_bill_item_totals_bill", _ITEM_APPLY.format(items=moved) + ";"))
    return "".join(parts)


def _triggers(table: str, prefix: str) -> str:
    return f"""
CREATE TRIGGER {table}_{prefix}_insert AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION homa_{prefix}_insert();
CREATE TRIGGER {table}_{prefix}_update AFTER UPDATE ON {table} REFERENCING OLD TABLE AS old_rows
    NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION homa_{prefix}_update();
CREATE TRIGGER {table}_{prefix}_delete AFTER DELETE ON {table} REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION homa_{prefix}_delete();
CREATE TRIGGER {table}_{prefix}_truncate AFTER TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION homa_owner_totals_truncate();
"""


TABLES = """
CREATE TABLE payment_month_totals (
    month date NOT NULL,
    payment_method payment_method NOT NULL,
    status payment_status NOT NULL,
    refunded boolean NOT NULL,
    payments bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    refunded_amount numeric(16, 2) NOT NULL,
    PRIMARY KEY (month, payment_method, status, refunded)
);
CREATE TABLE payment_doctor_month_totals (
    doctor_id integer NOT NULL,
    month date NOT NULL,
    payments bigint NOT NULL,
    amount numeric(16, 2) NOT NULL,
    refunded_amount numeric(16, 2) NOT NULL,
    PRIMARY KEY (doctor_id, month)
);
CREATE INDEX ix_payment_doctor_month_totals_month ON payment_doctor_month_totals (month);
-- doctor_id 0: appointments without a doctor
CREATE TABLE visit_month_totals (
    doctor_id integer NOT NULL,
    month date NOT NULL,
    visits bigint NOT NULL,
    PRIMARY KEY (doctor_id, month)
);
CREATE INDEX ix_visit_month_totals_month ON visit_month_totals (month);
CREATE TABLE patient_visit_months (
    patient_id integer NOT NULL,
    month date NOT NULL,
    visits integer NOT NULL,
    PRIMARY KEY (patient_id, month)
);
CREATE TABLE patient_month_totals (
    month date PRIMARY KEY,
    patients bigint NOT NULL,
    new_patients bigint NOT NULL
);
CREATE TABLE bill_item_month_totals (
    month date NOT NULL,
    kind bill_line_kind NOT NULL,
    name_key text NOT NULL,
    label text NOT NULL,
    lines bigint NOT NULL,
    quantity numeric(16, 3) NOT NULL,
    amount numeric(16, 2) NOT NULL,
    PRIMARY KEY (month, kind, name_key)
);

CREATE FUNCTION homa_owner_totals_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM payment_month_totals;
    DELETE FROM payment_doctor_month_totals;
    DELETE FROM visit_month_totals;
    DELETE FROM patient_visit_months;
    DELETE FROM patient_month_totals;
    DELETE FROM bill_item_month_totals;
    INSERT INTO payment_month_totals
    SELECT """ + _MONTH.format(col="payment_date") + """, payment_method, status, refunded_amount > 0,
           count(*), sum(amount), sum(refunded_amount)
    FROM payments WHERE payment_date IS NOT NULL GROUP BY 1, 2, 3, 4;
    INSERT INTO payment_doctor_month_totals
    SELECT doctor_id, """ + _MONTH.format(col="payment_date") + """, count(*), sum(amount), sum(refunded_amount)
    FROM payments WHERE payment_date IS NOT NULL AND doctor_id IS NOT NULL AND status IN ('completed', 'refunded')
    GROUP BY 1, 2;
    INSERT INTO visit_month_totals
    SELECT coalesce(doctor_id, 0), """ + _MONTH.format(col="appointment_date") + """, count(*)
    FROM appointments WHERE status = 'completed' GROUP BY 1, 2;
    INSERT INTO patient_visit_months
    SELECT patient_id, """ + _MONTH.format(col="appointment_date") + """, count(*)
    FROM appointments WHERE status = 'completed' GROUP BY 1, 2;
    INSERT INTO patient_month_totals
    SELECT month, count(*), count(*) FILTER (WHERE first)
    FROM (SELECT month, month = min(month) OVER (PARTITION BY patient_id) AS first FROM patient_visit_months) m
    GROUP BY 1;
    INSERT INTO bill_item_month_totals
    SELECT month, kind, name_key, max(label), count(*), sum(quantity), sum(total)
    FROM (""" + _ITEMS.format(lines="SELECT *, 1 AS sign FROM bill_lines", where="b.status <> 'cancelled'") + """) i
    GROUP BY 1, 2, 3;
END $$;
SELECT homa_owner_totals_rebuild();

CREATE FUNCTION homa_owner_totals_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'payments' THEN
        TRUNCATE payment_month_totals, payment_doctor_month_totals;
    ELSIF TG_TABLE_NAME = 'appointments' THEN
        TRUNCATE visit_month_totals, patient_visit_months, patient_month_totals;
    ELSE
        TRUNCATE bill_item_month_totals;
    END IF;
    RETURN NULL;
END $$;
"""

TRIGGERS = (_triggers("payments", "payment_month_totals") + _triggers("appointments", "visit_month_totals")
            + _triggers("bill_lines", "bill_item_totals") + """
CREATE TRIGGER bills_item_totals AFTER UPDATE OF status, created_at ON bills FOR EACH ROW
    WHEN ((OLD.status = 'cancelled') IS DISTINCT FROM (NEW.status = 'cancelled')
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION homa_bill_item_totals_bill();
""")

AUDIT = r"""
ALTER TABLE audit_log ADD COLUMN patient_id integer;

-- the patient an audit entry is about, traced from its entity (NULL when it is about no patient)
CREATE FUNCTION homa_audit_patient(entity text, entity_id text) RETURNS integer LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN entity_id IS NULL OR entity_id !~ '^[0-9]{1,9}$' THEN NULL
        WHEN entity IN ('patient', 'user') THEN
            (SELECT id FROM users WHERE id = entity_id::integer AND role = 'patient')
        WHEN entity = 'appointment' THEN (SELECT patient_id FROM appointments WHERE id = entity_id::integer)
        WHEN entity = 'bill' THEN (SELECT patient_id FROM bills WHERE id = entity_id::integer)
        WHEN entity = 'payment' THEN (SELECT patient_id FROM payments WHERE id = entity_id::integer)
        WHEN entity = 'payment_session' THEN (SELECT patient_id FROM payment_sessions WHERE id = entity_id::integer)
        WHEN entity = 'follow_up_request' THEN
            (SELECT patient_id FROM follow_up_requests WHERE id = entity_id::integer)
        WHEN entity = 'outbox_message' THEN (SELECT patient_id FROM outbox_messages WHERE id = entity_id::bigint)
    END
$$;

CREATE FUNCTION homa_audit_log_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.patient_id := coalesce(homa_audit_patient(NEW.entity, NEW.entity_id),
                               (SELECT id FROM users WHERE id = NEW.patient_id AND role = 'patient'));
    RETURN NEW;
END $$;
CREATE TRIGGER audit_log_patient BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION homa_audit_log_patient();

-- the backfill: the append-only trigger is off only inside this transaction, which holds ACCESS EXCLUSIVE
ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update;
UPDATE audit_log SET patient_id = homa_audit_patient(entity, entity_id)
WHERE homa_audit_patient(entity, entity_id) IS NOT NULL;
ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update;

CREATE INDEX ix_audit_log_time ON audit_log (occurred_at, id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor_id, occurred_at, id);
CREATE INDEX ix_audit_log_patient ON audit_log (patient_id, occurred_at, id) WHERE patient_id IS NOT NULL;
CREATE INDEX ix_audit_log_action ON audit_log (action, occurred_at, id);
"""

DOWNGRADE = """
DROP INDEX ix_audit_log_action;
DROP INDEX ix_audit_log_patient;
DROP INDEX ix_audit_log_actor;
DROP INDEX ix_audit_log_time;
DROP TRIGGER audit_log_patient ON audit_log;
DROP FUNCTION homa_audit_log_patient();
DROP FUNCTION homa_audit_patient(text, text);
ALTER TABLE audit_log DROP COLUMN patient_id;
DROP TRIGGER bills_item_totals ON bills;
""" + "".join(f"""
DROP TRIGGER {table}_{prefix}_{op_name} ON {table};""" for table, prefix in (
    ("payments", "payment_month_totals"), ("appointments", "visit_month_totals"), ("bill_lines", "bill_item_totals"))
    for op_name in ("insert", "update", "delete", "truncate")) + "".join(f"""
DROP FUNCTION homa_{prefix}_{op_name}();""" for prefix in (
    "payment_month_totals", "visit_month_totals", "bill_item_totals")
    for op_name in ("insert", "update", "delete")) + """
DROP FUNCTION homa_bill_item_totals_bill();
DROP FUNCTION homa_owner_totals_truncate();
DROP FUNCTION homa_owner_totals_rebuild();
DROP TABLE bill_item_month_totals, patient_month_totals, patient_visit_months, visit_month_totals,
    payment_doctor_month_totals, payment_month_totals;
"""


def upgrade() -> None:
    # the backfill reads every payment, appointment and bill line once: minutes at millions of rows, past the
    # desk's statement timeout
    op.execute("SET LOCAL statement_timeout = 0")
    op.execute(TABLES + _functions() + TRIGGERS + AUDIT)


def downgrade() -> None:
    op.execute(DOWNGRADE)
