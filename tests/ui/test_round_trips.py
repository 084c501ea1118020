"""Opening any view of the desk costs at most two network round trips (issue 14, section 4).

Each view of bench/view_opens.py is opened through its real widget, worker and service, by the role that opens it,
on a database behind the latency proxy, which counts round trips on the wire: every statement, BEGIN, COMMIT and
ROLLBACK, `SET LOCAL`, a pool ping. A clinic over a LAN or Neon pays 1–150 ms for each.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from bench.view_opens import ROUND_TRIP_LIMIT, Cast, Counter, catalogue
from homa_desk.domain.appointments import local_day
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import advances, billing, queue
from tests.services.consultation_helpers import a_patient, a_visit, with_profile

VIEWS = catalogue()


@pytest.fixture
def cast(uow, engine, admin, receptionist, doctor) -> Cast:
    """A day under way: a Sharma with a walk-in the doctor has called in, a paid bill, an advance used on it in part
    (the advances tab reads each advance's uses and refunds), another patient waiting."""
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    rohan = a_patient(engine, "Rohan Sharma", allergies=None, phone="+919812345678")
    visit = a_visit(uow, receptionist, priya, doctor)
    a_visit(uow, receptionist, rohan, doctor)
    queue.call_next(uow, doctor, doctor.user_id)
    bill = billing.create_bill(uow, receptionist, patient_id=priya, lines=[
        billing.LineInput("consultation", "Consultation", "1", "500")])
    billing.record_payment(uow, receptionist, bill.id, amount=Decimal("200"), method="cash")
    advances.receive_advance(uow, receptionist, priya, amount="1000", method="cash", purpose="Surgery")
    advances.apply_advance(uow, receptionist, bill.id, amount="100")
    return Cast(receptionist, doctor, admin, priya, local_day(utcnow()), bill.id, visit)


@pytest.fixture
def counter(backend, db_url):
    with Counter(db_url.render_as_string(hide_password=False), latency_ms=6) as counting:
        yield counting


@pytest.mark.timeout(240)
def test_every_view_opens_in_at_most_two_round_trips(qtbot, counter, cast) -> None:
    table = []
    for spec in VIEWS:
        count, _ms = counter.open(spec, getattr(cast, spec.who), cast)
        table.append((spec.name, count.round_trips, " ".join(count.statement_kinds)))
    shown = "\n".join(f"{name:45} {trips:2}  {kinds}" for name, trips, kinds in table)
    print(f"\nview → round trips (statements)\n{shown}")
    assert len(table) >= 25
    assert sum(trips for _name, trips, _kinds in table) >= len(table), shown  # the proxy saw the reads
    assert [row[:2] for row in table if row[1] > ROUND_TRIP_LIMIT] == [], shown
