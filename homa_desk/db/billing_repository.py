"""Bills and their lines."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, text, update
from sqlalchemy.orm import Session, aliased

from homa_desk.db.models import Appointment, Bill, BillLineRow, DoctorProfile, PatientProfile, Payment, User
from homa_desk.domain.billing import (
    BillLine,
    BillStatus,
    BillView,
    LineKind,
    PaymentMethod,
    PaymentRecord,
    PaymentState,
)


class BillRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def take_serial(self, financial_year: str) -> int:
        """The next number of the year; the counter row stays locked until commit, so numbers have no gaps."""
        return self._session.execute(text(
            "INSERT INTO bill_counters (financial_year, last_serial) VALUES (:fy, 1)"
            " ON CONFLICT (financial_year) DO UPDATE SET last_serial = bill_counters.last_serial + 1"
            " RETURNING last_serial"), {"fy": financial_year}).scalar_one()

    def add(self, *, bill_number: str, financial_year: str, serial: int, patient_id: int,
            appointment_id: int | None, doctor_id: int | None, lines: list[BillLine], total: Decimal,
            notes: str | None, created_by: int | None) -> int:
        bill = Bill(bill_number=bill_number, financial_year=financial_year, serial=serial, patient_id=patient_id,
                    appointment_id=appointment_id, doctor_id=doctor_id, total=total, notes=notes,
                    created_by=created_by)
        self._session.add(bill)
        self._session.flush()
        self._session.add_all(
            BillLineRow(bill_id=bill.id, position=n, kind=line.kind.value, description=line.description,
                        quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, total=line.total)
            for n, line in enumerate(lines, start=1)
        )
        self._session.flush()
        return bill.id

    def for_appointment(self, appointment_id: int) -> int | None:
        return self._session.scalar(select(Bill.id).where(Bill.appointment_id == appointment_id))

    def visit(self, appointment_id: int) -> tuple[int, int | None, Decimal, str | None] | None:
        """(patient_id, doctor_id, the doctor's consultation fee, doctor name) of an appointment."""
        doctor = aliased(User)
        row = self._session.execute(
            select(Appointment.patient_id, Appointment.doctor_id,
                   func.coalesce(DoctorProfile.consultation_fee, 0), doctor.full_name)
            .outerjoin(DoctorProfile, DoctorProfile.user_id == Appointment.doctor_id)
            .outerjoin(doctor, doctor.id == Appointment.doctor_id)
            .where(Appointment.id == appointment_id)
        ).first()
        return None if row is None else (row[0], row[1], Decimal(row[2]), row[3])

    def patient_exists(self, patient_id: int) -> bool:
        return self._session.scalar(
            select(func.count()).select_from(User).where(User.id == patient_id, User.role == "patient")) > 0

    def lock(self, bill_id: int) -> tuple[BillStatus, Decimal, int] | None:
        """(status, total, patient_id), row-locked for the rest of the transaction."""
        row = self._session.execute(
            select(Bill.status, Bill.total, Bill.patient_id).where(Bill.id == bill_id).with_for_update()
        ).first()
        return None if row is None else (BillStatus(row[0]), row[1], row[2])

    def set_status(self, bill_id: int, status: BillStatus, *, reason: str | None = None) -> None:
        values: dict[str, object] = {"status": status.value}
        if reason is not None:
            values["cancellation_reason"] = reason
        self._session.execute(update(Bill).where(Bill.id == bill_id).values(**values))

    def net_paid(self, bill_id: int) -> Decimal:
        return self._session.scalar(
            select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
            .where(Payment.bill_id == bill_id, Payment.status.in_(("completed", "refunded")))
        )

    def view(self, bill_id: int) -> BillView | None:
        """The bill with patient, doctor, lines and payments: three statements."""
        doctor, staff = aliased(User), aliased(User)
        head = self._session.execute(
            select(Bill, User.full_name, User.phone, PatientProfile.patient_number, doctor.full_name)
            .join(User, User.id == Bill.patient_id)
            .outerjoin(PatientProfile, PatientProfile.user_id == Bill.patient_id)
            .outerjoin(doctor, doctor.id == Bill.doctor_id)
            .where(Bill.id == bill_id)
        ).first()
        if head is None:
            return None
        bill, patient_name, phone, number, doctor_name = head
        lines = self._session.scalars(
            select(BillLineRow).where(BillLineRow.bill_id == bill_id).order_by(BillLineRow.position))
        payments = self._session.execute(
            select(Payment, staff.full_name).outerjoin(staff, staff.id == Payment.received_by)
            .where(Payment.bill_id == bill_id).order_by(Payment.id))
        return BillView(
            id=bill.id, bill_number=bill.bill_number, status=BillStatus(bill.status), patient_id=bill.patient_id,
            patient_name=patient_name, patient_phone=phone, patient_number=number, doctor_id=bill.doctor_id,
            doctor_name=doctor_name, appointment_id=bill.appointment_id, created_at=bill.created_at,
            lines=tuple(BillLine(LineKind(r.kind), r.description, r.quantity, r.unit_price, r.discount)
                        for r in lines),
            payments=tuple(payment_record(p, received_by) for p, received_by in payments),
            notes=bill.notes, cancellation_reason=bill.cancellation_reason,
        )

    def recent(self, *, since: datetime, query: str = "", limit: int = 200) -> list[tuple]:
        """Bills for the billing list: (id, number, patient, total, net paid, status, created_at), newest first."""
        paid = (select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
                .where(Payment.bill_id == Bill.id, Payment.status.in_(("completed", "refunded")))
                .scalar_subquery())
        stmt = (select(Bill.id, Bill.bill_number, User.full_name, Bill.total, paid, Bill.status, Bill.created_at)
                .join(User, User.id == Bill.patient_id).where(Bill.created_at >= since)
                .order_by(Bill.created_at.desc(), Bill.id.desc()).limit(limit))
        if query.strip():
            like = f"%{query.strip().lower()}%"
            stmt = stmt.where(func.lower(User.full_name).like(like) | func.lower(Bill.bill_number).like(like))
        return [tuple(row) for row in self._session.execute(stmt)]


def payment_record(p: Payment, received_by: str | None = None) -> PaymentRecord:
    return PaymentRecord(
        id=p.id, bill_id=p.bill_id, amount=p.amount, method=PaymentMethod(p.payment_method),
        state=PaymentState(p.status), paid_at=p.payment_date, reference=p.upi_transaction_id or p.transaction_id,
        refunded_amount=p.refunded_amount, review_reason=p.review_reason, received_by=received_by,
    )
