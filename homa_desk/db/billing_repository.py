"""Bills and their lines."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, text, true, union_all, update
from sqlalchemy.orm import Session, aliased

from homa_desk.db.like import LIKE_ESCAPE, containing
from homa_desk.db.models import (
    AdvanceApplication,
    Appointment,
    Bill,
    BillLineRow,
    DoctorProfile,
    PatientAdvance,
    PatientProfile,
    Payment,
    QueueEntry,
    User,
)
from homa_desk.db.together import Later, together_on
from homa_desk.domain.advances import AdvanceUse
from homa_desk.domain.billing import (
    BillLine,
    BillStatus,
    BillView,
    LineKind,
    PatientAccount,
    PatientBill,
    PatientPayment,
    PaymentMethod,
    PaymentRecord,
    PaymentState,
    UnbilledVisit,
)

ARRIVED = ("waiting", "in_consultation", "done")
_LIVE_USE = AdvanceApplication.returned_at.is_(None)


def _from_advances(bill_id: Any) -> Any:
    """SQL: the advances applied (and not returned) on a bill: money that settles it without being collected."""
    return (select(func.coalesce(func.sum(AdvanceApplication.amount), 0))
            .where(AdvanceApplication.bill_id == bill_id, _LIVE_USE).scalar_subquery())


def _settled(bill_id: Any) -> Any:
    """SQL: what settles a bill: completed payments less their refunds, plus advances applied (0029)."""
    paid = (select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
            .where(Payment.bill_id == bill_id, Payment.status.in_(("completed", "refunded"))).scalar_subquery())
    return paid + _from_advances(bill_id)


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
            notes: str | None, created_by: int | None, place_of_supply: str | None = None) -> int:
        bill = Bill(bill_number=bill_number, financial_year=financial_year, serial=serial, patient_id=patient_id,
                    appointment_id=appointment_id, doctor_id=doctor_id, total=total, notes=notes,
                    created_by=created_by, place_of_supply=place_of_supply)
        self._session.add(bill)
        self._session.flush()
        self._add_lines(bill.id, lines)
        return bill.id

    def _add_lines(self, bill_id: int, lines: list[BillLine]) -> None:
        self._session.add_all(
            BillLineRow(bill_id=bill_id, position=n, kind=line.kind.value, description=line.description,
                        quantity=line.quantity, unit_price=line.unit_price, discount=line.discount, total=line.total,
                        price_item_id=line.price_item_id, gst_rate=line.gst_rate, sac_hsn=line.sac_hsn)
            for n, line in enumerate(lines, start=1)
        )
        self._session.flush()

    def replace_lines(self, bill_id: int, lines: list[BillLine], total: Decimal, notes: str | None,
                      place_of_supply: str | None = None) -> None:
        """The bill's lines, total, notes and place of supply from now on (the total is checked against its payments
        at commit by bills_total_covers_payments, schema 0015)."""
        self._session.execute(delete(BillLineRow).where(BillLineRow.bill_id == bill_id))
        self._session.execute(update(Bill).where(Bill.id == bill_id).values(total=total, notes=notes,
                                                                           place_of_supply=place_of_supply))
        self._add_lines(bill_id, lines)

    def has_payments(self, bill_id: int) -> bool:
        """Any money on the bill: completed, refunded or held for review (a failed attempt is no money), or an
        advance applied to it."""
        payments = select(Payment.id).where(Payment.bill_id == bill_id,
                                            Payment.status != PaymentState.FAILED.value).exists()
        advances = select(AdvanceApplication.id).where(AdvanceApplication.bill_id == bill_id, _LIVE_USE).exists()
        return bool(self._session.scalar(select(payments | advances)))

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

    def links(self, patient_id: int, appointment_id: int | None, doctor_id: int | None) -> tuple[bool, bool, bool]:
        """(the patient is a patient, the visit is none or one of this patient's, the doctor is none or an active
        doctor) in one statement: what the trigger bills_links checks, asked first for a clear message."""
        patient = select(User.id).where(User.id == patient_id, User.role == "patient").exists()
        visit = select(Appointment.id).where(Appointment.id == appointment_id,
                                             Appointment.patient_id == patient_id).exists()
        doctor = select(User.id).where(User.id == doctor_id, User.role == "doctor", User.is_active).exists()
        row = self._session.execute(select(patient, true() if appointment_id is None else visit,
                                           true() if doctor_id is None else doctor)).one()
        return bool(row[0]), bool(row[1]), bool(row[2])

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
        """What settles the bill: its completed payments less refunds, plus advances applied to it."""
        return Decimal(self._session.scalar(select(_settled(bill_id))))

    def paid_in_money(self, bill_id: int) -> Decimal:
        """Completed payments on the bill less their refunds (advances applied left out)."""
        return self._session.scalar(
            select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount), 0))
            .where(Payment.bill_id == bill_id, Payment.status.in_(("completed", "refunded")))
        )

    def view(self, bill_id: int) -> BillView | None:
        """The bill with patient, doctor, lines and payments: three statements sent together (one round trip)."""
        doctor, staff = aliased(User), aliased(User)
        bills, items = Bill.__table__.c, BillLineRow.__table__.c
        head, lines, payments, uses, available = together_on(
            self._session,
            Later(select(bills.id, bills.bill_number, bills.status, bills.patient_id, bills.doctor_id,
                         bills.appointment_id, bills.created_at, bills.notes, bills.cancellation_reason,
                         User.full_name.label("patient_name"), User.phone, PatientProfile.patient_number,
                         doctor.full_name.label("doctor_name"), PatientProfile.old_file_number,
                         bills.place_of_supply)
                  .join(User, User.id == Bill.patient_id)
                  .outerjoin(PatientProfile, PatientProfile.user_id == Bill.patient_id)
                  .outerjoin(doctor, doctor.id == Bill.doctor_id)
                  .where(Bill.id == bill_id), list),
            Later(select(items.kind, items.description, items.quantity, items.unit_price, items.discount,
                         items.gst_rate, items.sac_hsn, items.price_item_id)
                  .where(items.bill_id == bill_id).order_by(items.position), list),
            Later(select(*Payment.__table__.c, staff.full_name.label("received_by_name"))
                  .outerjoin(staff, staff.id == Payment.received_by)
                  .where(Payment.bill_id == bill_id).order_by(Payment.id), list),
            Later(advance_uses_query(AdvanceApplication.bill_id == bill_id), advance_use_list),
            Later(_advances_available_query(select(Bill.patient_id).where(Bill.id == bill_id).scalar_subquery()),
                  _first_amount))
        if not head:
            return None
        bill = head[0]
        return BillView(
            id=bill.id, bill_number=bill.bill_number, status=BillStatus(bill.status), patient_id=bill.patient_id,
            patient_name=bill.patient_name, patient_phone=bill.phone, patient_number=bill.patient_number,
            doctor_id=bill.doctor_id, doctor_name=bill.doctor_name, appointment_id=bill.appointment_id,
            created_at=bill.created_at,
            lines=tuple(BillLine(LineKind(r.kind), r.description, r.quantity, r.unit_price, r.discount,
                                 gst_rate=r.gst_rate, sac_hsn=r.sac_hsn, price_item_id=r.price_item_id)
                        for r in lines),
            payments=tuple(payment_record(p, p.received_by_name) for p in payments),
            notes=bill.notes, cancellation_reason=bill.cancellation_reason,
            patient_old_file_number=bill.old_file_number, place_of_supply=bill.place_of_supply,
            advance_uses=tuple(uses), advance_available=available,
        )

    def recent(self, *, since: datetime, query: str = "", limit: int = 200) -> list[tuple]:
        """Bills for the billing list: (id, number, patient, total, net paid with advances applied, status,
        created_at), newest first."""
        paid = _settled(Bill.id)
        stmt = (select(Bill.id, Bill.bill_number, User.full_name, Bill.total, paid, Bill.status, Bill.created_at)
                .join(User, User.id == Bill.patient_id).where(Bill.created_at >= since)
                .order_by(Bill.created_at.desc(), Bill.id.desc()).limit(limit))
        if query.strip():
            like = containing(query.strip().lower())
            stmt = stmt.where(func.lower(User.full_name).like(like, escape=LIKE_ESCAPE)
                              | func.lower(Bill.bill_number).like(like, escape=LIKE_ESCAPE))
        return [tuple(row) for row in self._session.execute(stmt)]

    def unbilled_visits(self, *, start: datetime, end: datetime, day: date, limit: int) -> list[UnbilledVisit]:
        """Visits between `start` and `end` without a bill, or with the bill the doctor's Complete visit made and
        nothing paid on it yet, in arrival order: one statement.

        A visit counts once the patient arrived (queued on `day`, not left) or the doctor completed it.
        """
        doctor, bill_maker = aliased(User), aliased(User)
        money = (select(Payment.id).where(Payment.bill_id == Bill.id,
                                          Payment.status != PaymentState.FAILED.value).exists()
                 | select(AdvanceApplication.id).where(AdvanceApplication.bill_id == Bill.id, _LIVE_USE).exists())
        doctor_bill_unpaid = and_(Bill.status == BillStatus.OPEN.value, bill_maker.role == "doctor", ~money)
        # the candidates come from the two small sets (today's arrivals, the day's completed visits, through its
        # partial index) instead of every appointment of the day: at 36,000 a day that read took 340-630 ms
        candidates = union_all(
            select(QueueEntry.appointment_id).where(QueueEntry.day == day, QueueEntry.state.in_(ARRIVED)),
            select(Appointment.id).where(Appointment.status == "completed", Appointment.appointment_date >= start,
                                         Appointment.appointment_date < end))
        rows = self._session.execute(
            select(Appointment.id, Appointment.appointment_date, Appointment.patient_id, User.full_name,
                   PatientProfile.patient_number, Appointment.doctor_id, doctor.full_name,
                   func.coalesce(DoctorProfile.consultation_fee, 0), Appointment.is_walk_in, Appointment.status,
                   QueueEntry.token, QueueEntry.state, Bill.id, Bill.total)
            .join(User, User.id == Appointment.patient_id)
            .outerjoin(PatientProfile, PatientProfile.user_id == Appointment.patient_id)
            .outerjoin(doctor, doctor.id == Appointment.doctor_id)
            .outerjoin(DoctorProfile, DoctorProfile.user_id == Appointment.doctor_id)
            .outerjoin(QueueEntry, and_(QueueEntry.appointment_id == Appointment.id, QueueEntry.day == day))
            .outerjoin(Bill, Bill.appointment_id == Appointment.id)
            .outerjoin(bill_maker, bill_maker.id == Bill.created_by)
            .where(Appointment.id.in_(candidates), Appointment.appointment_date >= start,
                   Appointment.appointment_date < end, or_(Bill.id.is_(None), doctor_bill_unpaid),
                   or_(Appointment.status == "completed",
                       and_(Appointment.status == "scheduled", QueueEntry.state.in_(ARRIVED))))
            .order_by(func.coalesce(QueueEntry.arrived_at, Appointment.appointment_date), Appointment.id)
            .limit(limit))
        return [UnbilledVisit(appointment_id=r[0], starts_at=r[1], patient_id=r[2], patient_name=r[3],
                              patient_number=r[4], doctor_id=r[5], doctor_name=r[6], consultation_fee=Decimal(r[7]),
                              is_walk_in=r[8], completed=r[9] == "completed", token=r[10], queue_state=r[11],
                              bill_id=r[12], bill_total=r[13])
                for r in rows]

    def patient_account(self, patient_id: int, *, limit: int) -> PatientAccount:
        """The patient's newest bills and payments with counts and totals over all of them: two statements."""
        doctor = aliased(User)
        paid = _settled(Bill.id)
        bills = (select(Bill.id, Bill.bill_number, Bill.created_at, doctor.full_name.label("doctor"), Bill.total,
                        paid.label("paid"), Bill.status)
                 .outerjoin(doctor, doctor.id == Bill.doctor_id).where(Bill.patient_id == patient_id).subquery())
        live = bills.c.status != "cancelled"
        bill_rows = self._session.execute(
            select(bills, func.count().over(),
                   func.sum(case((live, bills.c.total), else_=0)).over(),
                   func.sum(case((live, bills.c.paid), else_=0)).over(),
                   func.sum(case((live, bills.c.total - bills.c.paid), else_=0)).over())
            .order_by(bills.c.created_at.desc(), bills.c.id.desc()).limit(limit)).all()
        when = func.coalesce(Payment.payment_date, Payment.created_at)
        payment_rows = self._session.execute(
            select(Payment, Bill.bill_number, when, func.count().over())
            .outerjoin(Bill, Bill.id == Payment.bill_id).where(Payment.patient_id == patient_id)
            .order_by(when.desc(), Payment.id.desc()).limit(limit)).all()
        zero = Decimal("0.00")
        first = bill_rows[0] if bill_rows else None
        return PatientAccount(
            bills=tuple(PatientBill(id=r[0], bill_number=r[1], created_at=r[2], doctor_name=r[3], total=r[4],
                                    paid=Decimal(r[5]), status=BillStatus(r[6])) for r in bill_rows),
            payments=tuple(PatientPayment(payment_record(p), number, at) for p, number, at, _ in payment_rows),
            bill_count=first[7] if first else 0,
            payment_count=payment_rows[0][3] if payment_rows else 0,
            billed=Decimal(first[8]) if first else zero,
            paid=Decimal(first[9]) if first else zero,
            due=Decimal(first[10]) if first else zero,
        )


def payment_record(p: Any, received_by: str | None = None) -> PaymentRecord:
    return PaymentRecord(
        id=p.id, bill_id=p.bill_id, amount=p.amount, method=PaymentMethod(p.payment_method),
        state=PaymentState(p.status), paid_at=p.payment_date, reference=p.upi_transaction_id or p.transaction_id,
        refunded_amount=p.refunded_amount, review_reason=p.review_reason, received_by=received_by,
    )


def advance_uses(session: Session, condition: Any) -> list[AdvanceUse]:
    """Uses of advances on bills matching `condition` (on advance_applications), in the order they were made."""
    return advance_use_list(session.execute(advance_uses_query(condition)).all())


def advances_available(session: Session, patient_id: Any) -> Decimal:
    """What is left of a patient's advances (amount less applied and refunded), in one statement."""
    return _first_amount(session.execute(_advances_available_query(patient_id)).all())


def advance_uses_query(condition: Any) -> Any:
    by, uses = aliased(User), AdvanceApplication.__table__.c
    return (select(uses.id, uses.advance_id, uses.bill_id, Bill.bill_number, uses.amount, uses.applied_at,
                   by.full_name.label("applied_by_name"), uses.returned_at, uses.return_reason)
            .select_from(AdvanceApplication.__table__)
            .join(Bill, Bill.id == uses.bill_id)
            .outerjoin(by, by.id == uses.applied_by)
            .where(condition).order_by(uses.id))


def advance_use_list(rows: list[Any]) -> list[AdvanceUse]:
    return [AdvanceUse(id=r.id, advance_id=r.advance_id, bill_id=r.bill_id, bill_number=r.bill_number,
                       amount=r.amount, applied_at=r.applied_at, applied_by=r.applied_by_name,
                       returned_at=r.returned_at, return_reason=r.return_reason) for r in rows]


def _advances_available_query(patient_id: Any) -> Any:
    """`patient_id` is a value or a scalar subquery (the bill's patient, so the bill view needs no extra trip)."""
    applied = (select(func.coalesce(func.sum(AdvanceApplication.amount), 0))
               .where(AdvanceApplication.advance_id == PatientAdvance.id, _LIVE_USE).scalar_subquery())
    return (select(func.coalesce(func.sum(Payment.amount - Payment.refunded_amount - applied), 0).label("left"))
            .select_from(PatientAdvance).join(Payment, Payment.id == PatientAdvance.payment_id)
            .where(PatientAdvance.patient_id == patient_id, Payment.status.in_(("completed", "refunded"))))


def _first_amount(rows: list[Any]) -> Decimal:
    return Decimal(rows[0][0] if rows else 0).quantize(Decimal("0.01"))
