"""The unit of work: one transaction per use case; leaving without commit() rolls back.

A use case that only reads says so with `with uow.reading():`. Its statements then run without a transaction
(autocommit): no BEGIN and no ROLLBACK crosses the network, which halves the round trips of a one-statement read to
a database 100 ms away. Nothing is lost: under READ COMMITTED, the desk's isolation level, every statement sees its
own snapshot inside a transaction too. A reading unit of work refuses anything but SELECT and cannot commit; the
mark lasts for one `with`, so a use case may read first and then write through the same unit of work.
"""

from __future__ import annotations

import re
from types import TracebackType

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from homa_desk.db.appointment_repository import AppointmentRepository
from homa_desk.db.billing_repository import BillRepository
from homa_desk.db.close_of_day_repository import CloseOfDayRepository
from homa_desk.db.consultation_repository import ConsultationRepository
from homa_desk.db.doctor_repository import DoctorRepository
from homa_desk.db.held_money_repository import HeldMoneyRepository
from homa_desk.db.outbox_repository import OutboxRepository, VerificationCodes
from homa_desk.db.patient_repository import PatientRepository
from homa_desk.db.payment_repository import PaymentRepository, PaymentSessionRepository
from homa_desk.db.queue_repository import QueueRepository
from homa_desk.db.report_repository import ReportRepository
from homa_desk.db.repositories import AuditLog, ClinicSettings, Health, StaffRepository
from homa_desk.domain.errors import Conflict, DatabaseUnavailable

OVERPAID = "This would pay the bill beyond its total (another desk took money for it at the same moment). Refresh it."


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
    verification: VerificationCodes
    reports: ReportRepository
    close_of_day: CloseOfDayRepository

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self._session: Session | None = None
        self._reading = False

    def reading(self) -> UnitOfWork:
        """This unit of work only reads: enter it (`with uow.reading():`) to run each SELECT on its own."""
        self._reading = True
        return self

    def __enter__(self) -> UnitOfWork:
        self._session = Session(_reading_engine(self._engine)) if self._reading else self._factory()
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
        self.verification = VerificationCodes(self._session)
        self.reports = ReportRepository(self._session)
        self.close_of_day = CloseOfDayRepository(self._session)
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
        if (isinstance(exc, OperationalError) and exc.connection_invalidated) or _is_connection_error(exc):
            raise DatabaseUnavailable() from exc
        if isinstance(exc, IntegrityError):
            if getattr(getattr(exc.orig, "diag", None), "constraint_name", None) == "bills_not_overpaid":
                raise Conflict(OVERPAID) from exc
            raise Conflict("Another desk changed this record at the same moment. Refresh and try again.") from exc

    def commit(self) -> None:
        assert self._session is not None
        if self._reading:
            raise RuntimeError("a reading unit of work cannot commit")
        self._session.commit()


class WriteWhileReading(RuntimeError):
    """A use case entered with `uow.reading()` tried to change data: a programming error, never committed."""


_READ_ONLY_STATEMENT = re.compile(r"[\s(]*(SELECT|WITH|SHOW)\b", re.IGNORECASE)


def _reading_engine(engine: Engine) -> Engine:
    """The same pool, lent out in autocommit; made once per engine."""
    reading = engine.__dict__.get("_homa_reading")
    if reading is None:
        reading = engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(reading, "before_cursor_execute", _refuse_writes)
        engine.__dict__["_homa_reading"] = reading
    return reading


def _refuse_writes(_conn, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
    if not _READ_ONLY_STATEMENT.match(statement):
        raise WriteWhileReading(f"a reading unit of work ran {statement.split(None, 1)[0]}")


def _is_connection_error(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    import psycopg

    return isinstance(exc.orig, psycopg.OperationalError) and not isinstance(exc.orig, psycopg.errors.QueryCanceled)
