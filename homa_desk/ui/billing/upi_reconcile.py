"""Settle, once after sign-in, the UPI payments a desk left open when it last stopped (crash, power cut)."""

from __future__ import annotations

import logging
from collections import Counter

from homa_desk.backend import Backend
from homa_desk.services import upi_payments

log = logging.getLogger(__name__)


def reconcile_open_sessions(backend: Backend) -> dict[str, int]:
    """Re-check every open session of this desk's gateway; returns how many ended in each status (counts only:
    no patient, bill or amount goes to the log)."""
    settled = upi_payments.reconcile(backend.uow(), backend.gateway)
    counts = dict(Counter(session.status.value for session in settled))
    if settled:
        summary = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
        log.info("start-up reconciliation of UPI payments: %s", summary)
    return counts
