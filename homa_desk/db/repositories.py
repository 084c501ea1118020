"""Repositories speak the clinic's words; each wraps the unit of work's session."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from homa_desk.db.models import AuditEntry, ClinicAdminHistory, ClinicSetting, User
from homa_desk.db.together import Later
from homa_desk.domain.account_check import AccountRevoked, AccountState, Revocation
from homa_desk.domain.audit import AuditRecord
from homa_desk.domain.errors import Conflict
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.staff import StaffMember

LAST_ADMIN = "The clinic must keep at least one active admin."
_STAFF = [r.value for r in (Role.ADMIN, Role.RECEPTIONIST, Role.DOCTOR)]


def _staff(user: User) -> StaffMember:
    return StaffMember(
        id=user.id, email=user.email or "", full_name=user.full_name, phone=user.phone,
        role=Role(user.role), is_active=user.is_active, locked_until=user.locked_until,
    )


def failure_key(email: str) -> str:
    """sign_in_failures' key: a SHA-256 of the normalised e-mail, so what strangers type (sometimes a password in the
    wrong field) is not kept, and any length fits. PostgreSQL computes the same for a reset."""
    return hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()


class StaffRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, *, email: str, password_hash: str, full_name: str, phone: str, role: Role) -> StaffMember:
        user = User(email=email, password_hash=password_hash, full_name=full_name, phone=phone,
                    role=role.value, is_verified=False)
        self._session.add(user)
        self._session.flush()
        self._session.refresh(user)
        return _staff(user)

    def get(self, user_id: int) -> StaffMember | None:
        user = self._session.get(User, user_id)
        return _staff(user) if user is not None and user.role in _STAFF else None

    def all_staff(self) -> list[StaffMember]:
        rows = self._session.scalars(select(User).where(User.role.in_(_STAFF)).order_by(User.full_name))
        return [_staff(u) for u in rows]

    def count_active_admins(self) -> int:
        return self._session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.is_active)
        ) or 0

    def clinic_had_admin(self) -> bool:
        """Whether the clinic has ever had an admin (a trigger records the first; migration 0017)."""
        return self._session.scalar(select(func.count()).select_from(ClinicAdminHistory)) > 0

    def email_taken(self, email: str) -> bool:
        return self._session.scalar(select(func.count()).select_from(User).where(User.email == email)) > 0

    def credentials(self, email: str) -> tuple[StaffMember | None, str, datetime | None]:
        """For a sign-in, in one statement: the staff member (None for an e-mail that is no one's), the password
        hash, and until when sign-in with this (normalised) e-mail is locked (known or unknown e-mails alike)."""
        row = self._session.execute(text("""
            SELECT u.id, u.email, u.full_name, u.phone, u.role::text AS role, u.is_active, u.password_hash,
                   greatest(u.locked_until, f.locked_until) AS locked_until
            FROM (SELECT CAST(:email AS varchar) AS email) k
            LEFT JOIN users u ON u.email = k.email AND u.role <> 'patient'
            LEFT JOIN sign_in_failures f ON f.email_key = :key"""),
            {"email": email, "key": failure_key(email)}).one()
        member = None if row.id is None else StaffMember(
            id=row.id, email=row.email or "", full_name=row.full_name, phone=row.phone, role=Role(row.role),
            is_active=row.is_active, locked_until=row.locked_until)
        return member, row.password_hash or "", row.locked_until

    def password_hash(self, user_id: int) -> str:
        return self._session.scalar(select(User.password_hash).where(User.id == user_id)) or ""

    def record_failed_sign_in(self, email: str, *, lock_after: int, now: datetime, lock_until: datetime) -> None:
        """Count one failure for the e-mail, known or not, in one statement: the `lock_after`-th failure in a row locks
        it until `lock_until` (a failure while locked changes nothing). For a staff account the lock is mirrored to
        users.locked_until (the staff list shows it) and the failure goes to the audit log."""
        self._session.execute(text("""
            WITH counted AS (
                INSERT INTO sign_in_failures AS f (email_key, failed_count, locked_until, last_failed_at)
                VALUES (:key, 1, CASE WHEN :lock_after <= 1 THEN CAST(:until AS timestamptz) END, :now)
                ON CONFLICT (email_key) DO UPDATE SET
                    failed_count = CASE WHEN f.locked_until > :now THEN f.failed_count
                                        WHEN f.failed_count + 1 >= :lock_after THEN 0 ELSE f.failed_count + 1 END,
                    locked_until = CASE WHEN f.locked_until > :now THEN f.locked_until
                                        WHEN f.failed_count + 1 >= :lock_after THEN CAST(:until AS timestamptz)
                                        ELSE f.locked_until END,
                    last_failed_at = :now
                RETURNING failed_count, locked_until
            ), account AS (
                UPDATE users u SET failed_logins = counted.failed_count, locked_until = counted.locked_until
                FROM counted WHERE u.email = :email AND u.role <> 'patient'
                RETURNING u.id
            )
            INSERT INTO audit_log (action, entity, entity_id) SELECT 'sign_in_failed', 'user', id::text FROM account
            """), {"key": failure_key(email), "email": email, "lock_after": lock_after, "now": now,
                   "until": lock_until})

    def record_successful_sign_in(self, user_id: int, email: str) -> None:
        self._session.execute(text("""
            WITH forgotten AS (DELETE FROM sign_in_failures WHERE email_key = :key)
            UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = :id"""),
            {"id": user_id, "key": failure_key(email)})

    def set_active(self, user_id: int, active: bool) -> None:
        """Raises Conflict when this would leave the clinic without an active admin: a trigger checks it under a
        lock, so two admins disabling each other at the same moment cannot both succeed."""
        try:
            self._session.execute(update(User).where(User.id == user_id).values(is_active=active))
        except IntegrityError as error:
            if getattr(error.orig.diag, "constraint_name", None) == "users_keep_an_active_admin":
                raise Conflict(LAST_ADMIN) from error
            raise

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """The new password, which also lifts a sign-in lockout of the account's e-mail."""
        self._session.execute(text("""
            WITH account AS (
                UPDATE users SET password_hash = :hash, failed_logins = 0, locked_until = NULL WHERE id = :id
                RETURNING email
            )
            DELETE FROM sign_in_failures
            WHERE email_key = (SELECT encode(sha256(convert_to(email, 'UTF8')), 'hex') FROM account)"""),
            {"id": user_id, "hash": password_hash})

    def lock_first_run(self) -> None:
        """Serialise the first-run wizard across desks for the rest of this transaction."""
        self._session.execute(text("SELECT pg_advisory_xact_lock(7316002)"))


class AuditLog:
    """Append-only record of changes to money, clinical fields and staff accounts."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def record(self, actor: Actor | None, action: str, entity: str, entity_id: object,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None, *,
               patient_id: int | None = None) -> None:
        """Write one entry; for an actor, only while their account is active in the role they act in.

        The database fills `audit_log.patient_id` from the entity (schema 0030: a patient, appointment, bill,
        payment, UPI QR, follow-up or message); `patient_id` names the patient of an entity it cannot trace, and is
        kept only if it is a patient.

        The check rides in the INSERT itself (INSERT … SELECT FROM users WHERE active and same role), so it costs no
        round trip; a refused entry raises AccountRevoked and the caller's unit of work rolls the whole write back.
        """
        entry = {
            "action": action, "entity": entity, "entity_id": None if entity_id is None else str(entity_id),
            "before": before, "after": after, "patient_id": patient_id,
        }
        if actor is None:
            self._session.execute(insert(AuditEntry).values(actor_id=None, actor_role=None, **entry))
            return
        role = actor.role.value
        columns = AuditEntry.__table__.c
        only_while_allowed = select(
            User.id, literal(role, columns.actor_role.type),
            *(literal(value, columns[name].type) for name, value in entry.items()),
        ).where(User.id == actor.user_id, User.is_active, User.role == role)
        written = self._session.execute(
            insert(AuditEntry).from_select(["actor_id", "actor_role", *entry], only_while_allowed)
            .returning(AuditEntry.id)
        ).scalar()
        if written is None:
            raise self._refusal(actor)

    def _refusal(self, actor: Actor) -> AccountRevoked:
        """Why the entry was refused; read only on this rare path, never before a normal write."""
        row = self._session.execute(select(User.is_active, User.role).where(User.id == actor.user_id)).first()
        if row is None or not row.is_active:
            return AccountRevoked(Revocation.DISABLED)
        return AccountRevoked(Revocation.ROLE_CHANGED)

    def for_entity(self, entity: str, entity_id: object) -> list[AuditRecord]:
        rows = self._session.scalars(
            select(AuditEntry).where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id)
        )
        return [AuditRecord(id=r.id, occurred_at=r.occurred_at, actor_id=r.actor_id, actor_role=r.actor_role,
                            action=r.action, entity=r.entity, entity_id=r.entity_id, before=r.before, after=r.after)
                for r in rows]


class ClinicSettings:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, key: str, default: Any = None) -> Any:
        row = self._session.get(ClinicSetting, key)
        return default if row is None else row.value

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """Several settings in one statement: {key: value}, None for a key never set."""
        read = self.get_many_later(keys)
        return read.shape(self._session.execute(read.statement).all())

    def get_many_later(self, keys: Iterable[str]) -> Later[dict[str, Any]]:
        """The same, to send with other reads in one round trip (`uow.together`)."""
        wanted = list(keys)

        def shape(rows: list[Any]) -> dict[str, Any]:
            found = {key: value for key, value in rows}
            return {key: found.get(key) for key in wanted}

        return Later(select(ClinicSetting.key, ClinicSetting.value).where(ClinicSetting.key.in_(wanted)), shape)

    def put(self, key: str, value: Any) -> None:
        row = self._session.get(ClinicSetting, key)
        if row is None:
            self._session.add(ClinicSetting(key=key, value=value))
        else:
            row.value = value
        self._session.flush()


class Health:
    def __init__(self, session: Session) -> None:
        self._session = session

    def ping(self, user_id: int | None = None) -> AccountState | None:
        """Prove the database answers; with a user id the same statement reads that account's state (None: gone).

        The stamp is `domain.account_check.password_stamp` of the password hash, computed in the database so the
        hash never travels.
        """
        if user_id is None:
            self._session.execute(text("SELECT 1"))
            return None
        row = self._session.execute(
            text("SELECT is_active, role::text AS role, "
                 "encode(sha256(convert_to(coalesce(password_hash, ''), 'UTF8')), 'hex') AS stamp "
                 "FROM users WHERE id = :id"),
            {"id": user_id},
        ).first()
        return None if row is None else AccountState(row.is_active, Role(row.role), row.stamp)

    def sleep(self, seconds: float) -> None:
        """The database waits; used to prove the desk keeps responding during slow calls."""
        self._session.execute(text("SELECT pg_sleep(:s)"), {"s": seconds})
