"""The unit of work: one transaction per use case; leaving without commit() rolls back.

A use case that only reads says so with `with uow.reading(actor, *roles):`. Its statements then run without a
transaction (autocommit): no BEGIN and no ROLLBACK crosses the network, which halves the round trips of a
one-statement read to a database 100 ms away. Nothing is lost: under READ COMMITTED, the desk's isolation level,
every statement sees its own snapshot inside a transaction too. A reading unit of work refuses anything but SELECT
and cannot commit; the mark lasts for one `with`, so a use case may read first and then write through the same unit
of work.

`uow.reading(actor, *roles)` also checks the actor against the database, never trusting the Actor object: its first
SELECT is wrapped as `SELECT … FROM (the query) WHERE homa_actor_may(id, role, roles)`, a one-time filter that
PostgreSQL evaluates before the query runs and that raises unless the account is active in that role and the role
is allowed (migration 0017). So a forged or disabled actor reads nothing, at no extra round trip (writes get the
same check from their audit-log insert). `uow.reading(None)` is for what anyone may read (the clinic's name).
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session

from homa_desk.db.advance_repository import AdvanceRepository
from homa_desk.db.appointment_repository import AppointmentRepository
from homa_desk.db.billing_repository import BillRepository
from homa_desk.db.close_of_day_repository import CloseOfDayRepository
from homa_desk.db.consultation_repository import ConsultationRepository
from homa_desk.db.dlt_repository import SmsDltRepository
from homa_desk.db.doctor_repository import DoctorRepository
from homa_desk.db.held_money_repository import HeldMoneyRepository
from homa_desk.db.message_repository import MessageChannelRepository
from homa_desk.db.outbox_repository import OutboxRepository, VerificationCodes
from homa_desk.db.owner_report_repository import OwnerReportRepository
from homa_desk.db.patient_repository import PatientRepository
from homa_desk.db.payment_repository import PaymentRepository, PaymentSessionRepository
from homa_desk.db.price_list_repository import PriceListRepository
from homa_desk.db.queue_repository import QueueRepository
from homa_desk.db.report_repository import ReportRepository
from homa_desk.db.repositories import AuditLog, ClinicSettings, Health, StaffRepository
from homa_desk.db.together import Later, together_on
from homa_desk.db.waiting_board_repository import WaitingBoardRepository
from homa_desk.domain.account_check import AccountRevoked, Revocation
from homa_desk.domain.errors import Conflict, DatabaseUnavailable
from homa_desk.domain.roles import Actor, Role

OVERPAID = "This would pay the bill beyond its total (another desk took money for it at the same moment). Refresh it."
ADVANCE_USED = ("This advance was used or refunded at another desk at the same moment: less is left than that. "
                "Refresh it.")
ADVANCE_OTHER_PATIENT = "An advance can only be used on a bill of the same patient."


class UnitOfWork:
    staff: StaffRepository
    audit: AuditLog
    settings: ClinicSettings
    health: Health
    patients: PatientRepository
    doctors: DoctorRepository
    appointments: AppointmentRepository
    queue: QueueRepository
    bills: BillRepository
    payments: PaymentRepository
    upi_sessions: PaymentSessionRepository
    held_money: HeldMoneyRepository
    consultations: ConsultationRepository
    outbox: OutboxRepository
    channels: MessageChannelRepository
    verification: VerificationCodes
    reports: ReportRepository
    owner_reports: OwnerReportRepository
    close_of_day: CloseOfDayRepository
    waiting_board: WaitingBoardRepository
    price_list: PriceListRepository
    advances: AdvanceRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._session: Session | None = None
        self._reading = False
        self._guard: _ActorGuard | None = None

    def reading(self, actor: Actor | None, *roles: Role) -> UnitOfWork:
        """This unit of work only reads, for `actor` in one of `roles`: `with uow.reading(actor, Role.ADMIN):`.

        Refuses at once (PermissionDenied) when the actor claims another role; the database then refuses the first
        SELECT (AccountRevoked) unless the account really is active in the role it claims. Each SELECT runs on its
        own. `None` and no roles: a read anyone may make.
        """
        self._guard = _guard_for(actor, roles)
        self._reading = True
        return self

    def acting(self, actor: Actor, *roles: Role) -> UnitOfWork:
        """A transaction (`with uow.acting(actor, Role.ADMIN):`) that checks the actor like `reading`, for use cases
        that do not write an audit entry: folded into the first SELECT, or sent just before the first write when a
        write comes first (SET and the like, which read nothing, pass unchecked)."""
        self._guard = _guard_for(actor, roles, in_transaction=True)
        return self

    def confirm(self, actor: Actor, *roles: Role) -> None:
        """Only the check, for a use case that reaches the database another way (a backup, a restore)."""
        with self.reading(actor, *roles):
            self.health.ping()

    def side_transaction(self) -> AbstractContextManager[Connection]:
        """A transaction on a connection of its own, beside this unit of work, for db/ code that needs the driver
        itself (a bulk COPY) or holds a lock while the unit of work commits its own transactions. Commits when the
        block ends normally, rolls back when it raises."""
        return self._engine.begin()

    def drop_connections(self) -> None:
        """Close every pooled connection (the database behind them is about to be replaced or was)."""
        self._engine.dispose()

    def __enter__(self) -> UnitOfWork:
        engine = _reading_engine(self._engine) if self._reading else _guarding_engine(self._engine)
        if self._guard is not None:
            engine = engine.execution_options(homa_guard=self._guard)
        self._session = Session(engine, expire_on_commit=False)
        self.staff = StaffRepository(self._session)
        self.audit = AuditLog(self._session)
        self.settings = ClinicSettings(self._session)
        self.health = Health(self._session)
        self.patients = PatientRepository(self._session)
        self.doctors = DoctorRepository(self._session)
        self.appointments = AppointmentRepository(self._session)
        self.queue = QueueRepository(self._session)
        self.bills = BillRepository(self._session)
        self.payments = PaymentRepository(self._session)
        self.upi_sessions = PaymentSessionRepository(self._session)
        self.held_money = HeldMoneyRepository(self._session)
        self.consultations = ConsultationRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.channels = MessageChannelRepository(self._session)
        self.verification = VerificationCodes(self._session)
        self.sms_dlt = SmsDltRepository(self._session)
        self.reports = ReportRepository(self._session)
        self.owner_reports = OwnerReportRepository(self._session)
        self.close_of_day = CloseOfDayRepository(self._session)
        self.waiting_board = WaitingBoardRepository(self._session)
        self.price_list = PriceListRepository(self._session)
        self.advances = AdvanceRepository(self._session)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._session is not None
        try:
            self._session.rollback()
        except DBAPIError:
            pass  # the connection is already gone; nothing was committed
        finally:
            self._session.close()
            self._session = None
            self._reading = False
            self._guard = None
        if (revoked := _revocation(exc)) is not None:
            raise AccountRevoked(revoked) from exc
        if (isinstance(exc, OperationalError) and exc.connection_invalidated) or _is_connection_error(exc):
            raise DatabaseUnavailable() from exc
        if isinstance(exc, IntegrityError):
            constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
            if constraint == "bills_not_overpaid":
                raise Conflict(OVERPAID) from exc
            if constraint == "advances_within_amount":
                raise Conflict(ADVANCE_USED) from exc
            if constraint == "advance_applications_same_patient":
                raise Conflict(ADVANCE_OTHER_PATIENT) from exc
            raise Conflict("Another desk changed this record at the same moment. Refresh and try again.") from exc

    def together(self, *reads: Later[Any]) -> list[Any]:
        """Independent reads handed out by repositories (`Later`), sent in one round trip; their answers in order
        (db/together.py). Counts as this unit of work's first SELECT for the actor check when none ran yet."""
        assert self._session is not None
        return together_on(self._session, *reads)

    def commit(self) -> None:
        assert self._session is not None
        if self._reading:
            raise RuntimeError("a reading unit of work cannot commit")
        self._session.commit()


class WriteWhileReading(RuntimeError):
    """A use case entered with `uow.reading(…)` tried to change data: a programming error, never committed."""


_READ_ONLY_STATEMENT = re.compile(r"[\s(]*(SELECT|WITH|SHOW)\b", re.IGNORECASE)


def _reading_engine(engine: Engine) -> Engine:
    """The same pool, lent out in autocommit; made once per engine."""
    reading = engine.__dict__.get("_homa_reading")
    if reading is None:
        reading = _guarding_engine(engine).execution_options(isolation_level="AUTOCOMMIT")
        event.listen(reading, "before_cursor_execute", _refuse_writes)
        engine.__dict__["_homa_reading"] = reading
    return reading


@dataclass
class _ActorGuard:
    """The check folded into a unit of work's first SELECT; `pending` until one such SELECT has succeeded."""

    condition: str
    in_transaction: bool = False
    pending: bool = True


_GUARDED = "SELECT homa_guarded.* FROM (\n"
_GUARDABLE = re.compile(r"[\s(]*SELECT\b", re.IGNORECASE)
_GUARDABLE_READING = re.compile(r"[\s(]*(SELECT|WITH)\b", re.IGNORECASE)  # a reading unit of work changes nothing
_CHANGES = re.compile(r"[\s(]*(WITH|INSERT|UPDATE|DELETE|MERGE|COPY|CALL|DO)\b", re.IGNORECASE)
_REFUSALS = {"homa: account disabled": Revocation.DISABLED, "homa: role changed": Revocation.ROLE_CHANGED}


def _guard_for(actor: Actor | None, roles: tuple[Role, ...], *, in_transaction: bool = False) -> _ActorGuard | None:
    if actor is None:
        if roles:
            raise ValueError("roles without an actor")
        return None
    if not roles:
        raise ValueError("say which roles may do this")
    actor.require(*roles)
    role = Role(actor.role).value  # a value of the enum: safe to write into the statement
    allowed = ", ".join(f"'{Role(r).value}'" for r in roles)
    return _ActorGuard(f"homa_actor_may({int(actor.user_id)}, '{role}', ARRAY[{allowed}])", in_transaction)


def _guarding_engine(engine: Engine) -> Engine:
    """Listens once per engine for units of work that carry an actor guard (see the module's docstring)."""
    if not engine.__dict__.get("_homa_guarding"):
        event.listen(engine, "before_cursor_execute", _fold_guard_in, retval=True)
        event.listen(engine, "after_cursor_execute", _guard_passed)
        engine.__dict__["_homa_guarding"] = True
    return engine


def _fold_guard_in(conn, cursor, statement: str, parameters, _context, executemany):  # type: ignore[no-untyped-def]
    guard = conn.get_execution_options().get("homa_guard")
    if guard is None or not guard.pending:
        return statement, parameters
    if executemany or not (_GUARDABLE if guard.in_transaction else _GUARDABLE_READING).match(statement):
        if guard.in_transaction and (executemany or _CHANGES.match(statement)):
            cursor.execute(f"SELECT {guard.condition}")
            guard.pending = False
        return statement, parameters
    query = statement.rstrip().rstrip(";")
    return f"{_GUARDED}{query}\n) AS homa_guarded WHERE {guard.condition}", parameters


def _guard_passed(conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
    if statement.startswith(_GUARDED):
        conn.get_execution_options()["homa_guard"].pending = False


def _revocation(exc: BaseException | None) -> Revocation | None:
    """The actor check's refusal (SQLSTATE 42501 from homa_actor_may), or None for any other error."""
    error = exc.orig if isinstance(exc, DBAPIError) else exc
    if getattr(error, "sqlstate", None) != "42501":
        return None
    return _REFUSALS.get(getattr(getattr(error, "diag", None), "message_primary", None) or "")


def _refuse_writes(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
    if not _READ_ONLY_STATEMENT.match(statement):
        raise WriteWhileReading(f"a reading unit of work ran {statement.split(None, 1)[0]}")


def _is_connection_error(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    return isinstance(exc.orig, psycopg.OperationalError) and not isinstance(exc.orig, psycopg.errors.QueryCanceled)
