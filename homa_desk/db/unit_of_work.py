"""The unit of work: one transaction per use case; leaving without commit() rolls back."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from homa_desk.db.appointment_repository import AppointmentRepository
from homa_desk.db.billing_repository import BillRepository
from homa_desk.db.consultation_repository import ConsultationRepository
from homa_desk.db.doctor_repository import DoctorRepository
from homa_desk.db.outbox_repository import OutboxRepository, VerificationCodes
from homa_desk.db.patient_repository import PatientRepository
from homa_desk.db.payment_repository import PaymentRepository, PaymentSessionRepository
from homa_desk.db.queue_repository import QueueRepository
from homa_desk.db.report_repository import ReportRepository
from homa_desk.db.repositories import AuditLog, ClinicSettings, Health, StaffRepository
from homa_desk.domain.errors import Conflict, DatabaseUnavailable


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
    consultations: ConsultationRepository
    outbox: OutboxRepository
    verification: VerificationCodes
    reports: ReportRepository

    def __init__(self, engine: Engine) -> None:
        self._factory = sessionmaker(engine, expire_on_commit=False)
        self._session: Session | None = None

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
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
        self.consultations = ConsultationRepository(self._session)
        self.outbox = OutboxRepository(self._session)
        self.verification = VerificationCodes(self._session)
        self.reports = ReportRepository(self._session)
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
        if (isinstance(exc, OperationalError) and exc.connection_invalidated) or _is_connection_error(exc):
            raise DatabaseUnavailable() from exc
        if isinstance(exc, IntegrityError):
            raise Conflict("Another desk changed this record at the same moment. Refresh and try again.") from exc

    def commit(self) -> None:
        assert self._session is not None
        self._session.commit()


def _is_connection_error(exc: BaseException | None) -> bool:
    if not isinstance(exc, OperationalError):
        return False
    import psycopg

    return isinstance(exc.orig, psycopg.OperationalError) and not isinstance(exc.orig, psycopg.errors.QueryCanceled)
