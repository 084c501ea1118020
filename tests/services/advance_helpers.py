"""Advances for tests, through the real services."""

from __future__ import annotations

from homa_desk.services import advances


def an_advance(uow, actor, patient_id: int, amount: str = "2000", method: str = "cash", reference: str = "",
               purpose: str = "Root canal deposit"):
    return advances.receive_advance(uow, actor, patient_id, amount=amount, method=method, reference=reference,
                                    purpose=purpose)
