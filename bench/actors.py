"""Actors for the benchmarks: real staff rows of the demo clinic, since the services check the actor in the database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from homa_desk.domain.roles import Actor, Role


def active_staff(engine: Engine, role: Role) -> Actor:
    """An active staff member of `role` (the demo clinic has receptionists and doctors)."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, full_name, email FROM users WHERE role = :role AND is_active"
                                " ORDER BY id LIMIT 1"), {"role": role.value}).one()
    return Actor(row.id, role, row.full_name, row.email or "")
