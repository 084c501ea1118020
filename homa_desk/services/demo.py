"""The demo clinic `homa-desk --demo` shows on first start: doctors, receptionists, patients, today's queue."""

from __future__ import annotations

import logging
from datetime import date

from homa_desk.db import demo_data
from homa_desk.db.demo_data import DemoSummary
from homa_desk.db.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)

DEMO_PATIENTS = 300
DEMO_DOCTORS = 6
DEMO_RECEPTIONISTS = 2


def seed_demo_if_empty(uow: UnitOfWork, *, seed: int = 7, today: date | None = None, patients: int = DEMO_PATIENTS,
                       doctors: int = DEMO_DOCTORS, receptionists: int = DEMO_RECEPTIONISTS) -> DemoSummary | None:
    """Fill a database that has no patients yet with a small demo clinic; return None when it has some.

    One transaction beside the unit of work's own (the bulk COPY needs the driver's connection): desks starting
    together take turns on an advisory lock, so the check and the insert cannot interleave and only one of them
    fills the clinic.
    Staff get passwords nobody knows (no admin is created: the first-run wizard does that).
    """
    with demo_data.transaction(uow) as demo:
        demo.lock()
        if demo.has_patients():
            log.info("demo data not generated: the database already has patients")
            return None
        summary = demo.generate(seed=seed, today=today, patients=patients, doctors=doctors,
                                receptionists=receptionists)
        demo.record_generated(summary)
    log.info("demo clinic generated: %s", summary.as_dict())
    return summary
