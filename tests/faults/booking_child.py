"""One desk process of the concurrency test: book random slots as fast as it can, and say what happened to each try.

    python -m tests.faults.booking_child URL ACTOR_JSON SLOTS_JSON PATIENTS_JSON SEED ATTEMPTS START_AT

Prints one JSON line: {"booked": [[doctor_id, iso start], ...], "refused": {message: n}, "unexpected": [...],
"started": t, "ended": t}.
"""

from __future__ import annotations

import json
import random
import sys
import time
from collections import Counter
from datetime import datetime

from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import appointments


def main(argv: list[str]) -> int:
    url, actor_json, slots_json, patients_json, seed, attempts, start_at = argv
    actor = Actor(**{**json.loads(actor_json), "role": Role.RECEPTIONIST})
    slots = [(doctor_id, datetime.fromisoformat(start)) for doctor_id, start in json.loads(slots_json)]
    patients = json.loads(patients_json)
    rng = random.Random(int(seed))
    engine = make_engine(url, pool_size=1)
    uow = UnitOfWork(engine)
    with engine.connect():
        pass  # connect before the start line, so every process races from the first try
    time.sleep(max(0.0, float(start_at) - time.time()))
    started = time.time()
    booked: list[tuple[int, str]] = []
    refused: Counter[str] = Counter()
    unexpected: list[str] = []
    for _ in range(int(attempts)):
        doctor_id, starts_at = rng.choice(slots)
        try:
            appointments.book_appointment(uow, actor, patient_id=rng.choice(patients), doctor_id=doctor_id,
                                          starts_at=starts_at)
        except DomainError as error:
            refused[f"{type(error).__name__}: {error.message}"] += 1
        except Exception as error:  # counted, so the test can show it
            unexpected.append(f"{type(error).__name__}: {error}")
        else:
            booked.append((doctor_id, starts_at.isoformat()))
    ended = time.time()
    engine.dispose()
    print(json.dumps({"booked": booked, "refused": refused, "unexpected": unexpected, "started": started,
                      "ended": ended}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
