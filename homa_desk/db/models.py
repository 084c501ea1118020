"""SQLAlchemy models of the design's tables, plus the desk's own (audit_log, clinic_settings).

Names, columns and enum values follow the original design so a web backend can share the database.
Deviations (documented in README, "Database"): role `receptionist`, payment method `cash`, e-mail and
password_hash nullable for patients (CHECK: staff have both), timestamptz, and the desk-only columns
`users.is_active`, `users.failed_logins`, `users.locked_until`, which have defaults a web backend can ignore.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    Sequence,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ENUM, JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


def _enum(name: str, *values: str) -> ENUM:
    return ENUM(*values, name=name, create_type=False)


USER_ROLE = _enum("user_role", "patient", "doctor", "admin", "receptionist")
GENDER = _enum("gender", "male", "female", "other")
APPOINTMENT_STATUS = _enum("appointment_status", "scheduled", "completed", "cancelled", "no_show")
CONSULTATION_TYPE = _enum("consultation_type", "online", "offline")
PAYMENT_METHOD = _enum("payment_method", "upi", "card", "netbanking", "wallet", "cash")
PAYMENT_STATUS = _enum("payment_status", "pending", "completed", "failed", "refunded")
PAYMENT_SESSION_STATUS = _enum("payment_session_status", "active", "completed", "expired", "cancelled", "review")
ALL_ENUMS = (USER_ROLE, GENDER, APPOINTMENT_STATUS, CONSULTATION_TYPE, PAYMENT_METHOD, PAYMENT_STATUS,
             PAYMENT_SESSION_STATUS)

TIMESTAMPTZ = DateTime(timezone=True)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role = 'patient' OR (email IS NOT NULL AND password_hash IS NOT NULL)",
                        name="users_staff_have_credentials"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    phone: Mapped[str] = mapped_column(String(15))
    role: Mapped[str] = mapped_column(USER_ROLE, server_default="patient")
    is_verified: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    failed_logins: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)


Index("ix_users_patient_phone_trgm", User.phone, postgresql_using="gin", postgresql_ops={"phone": "gin_trgm_ops"},
      postgresql_where=User.role == "patient")
Index("ix_users_patient_name_order", func.lower(User.full_name), User.id, postgresql_where=User.role == "patient")
Index("ix_users_patient_phone_grams", func.homa_digit_grams(User.phone), postgresql_using="gin",  # 0012
      postgresql_where=User.role == "patient")
Index("ix_users_staff", User.role, User.full_name, User.id, postgresql_where=User.role != "patient")  # 0013

PATIENT_NUMBER_SEQ = Sequence("patient_number_seq", start=1001, metadata=Base.metadata)


class PatientProfile(Base):
    __tablename__ = "patient_profiles"
    __table_args__ = (
        CheckConstraint("old_file_number = btrim(old_file_number) AND char_length(old_file_number) BETWEEN 1 AND 30",
                        name="patient_profiles_old_file_number_trimmed"),
        Index("ux_patient_profiles_old_file_number", text("lower(old_file_number)"), unique=True,
              postgresql_where=text("old_file_number IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(GENDER)
    address: Mapped[str | None] = mapped_column(Text)
    emergency_contact: Mapped[str | None] = mapped_column(String(15))
    medical_history: Mapped[str | None] = mapped_column(Text)
    allergies: Mapped[str | None] = mapped_column(Text)
    patient_number: Mapped[int] = mapped_column(BigInteger, PATIENT_NUMBER_SEQ, unique=True,
                                                server_default=PATIENT_NUMBER_SEQ.next_value())
    dob_is_estimate: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    preferred_language: Mapped[str] = mapped_column(String(2), server_default="en")  # 0008: messages in en/hi
    preferred_channel: Mapped[str | None] = mapped_column(String(10))  # 0023: whatsapp, sms or email
    old_file_number: Mapped[str | None] = mapped_column(String(30))  # 0021: the paper records' file number


class Appointment(Base):
    __tablename__ = "appointments"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    appointment_date: Mapped[datetime] = mapped_column(TIMESTAMPTZ)
    status: Mapped[str] = mapped_column(APPOINTMENT_STATUS, server_default="scheduled")
    consultation_type: Mapped[str] = mapped_column(CONSULTATION_TYPE, server_default="online")
    symptoms: Mapped[str | None] = mapped_column(Text)
    diagnosis: Mapped[str | None] = mapped_column(Text)
    prescription: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    duration_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    ends_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ)  # kept by the trigger appointments_ends_at
    is_walk_in: Mapped[bool] = mapped_column(Boolean, server_default=text("false"))
    meeting_link: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    status_changed_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        CheckConstraint("duration_minutes BETWEEN 5 AND 480"),
        Index("ix_appointments_doctor_day", "doctor_id", "appointment_date"),
        Index("ix_appointments_day", "appointment_date"),
    )


Index("ix_appointments_patient_date", Appointment.patient_id, Appointment.appointment_date)  # 0003: the profile
Index("ix_appointments_completed_day", Appointment.appointment_date,  # 0014: today's visits without a bill
      postgresql_where=Appointment.status == "completed")


class DoctorProfile(Base):
    __tablename__ = "doctor_profiles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    specialty: Mapped[str] = mapped_column(String(120), server_default="General Physician")
    qualification: Mapped[str | None] = mapped_column(String(200))
    registration_number: Mapped[str | None] = mapped_column(String(64))
    consultation_fee: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("0"))
    slot_minutes: Mapped[int] = mapped_column(Integer, server_default=text("15"))
    room: Mapped[str | None] = mapped_column(String(20))  # shown on the waiting room screen (0027)


class DoctorSession(Base):
    """A weekly working session; times are clinic-local (Asia/Kolkata); weekday is ISO (1 = Monday)."""

    __tablename__ = "doctor_sessions"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(SmallInteger)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)


class DoctorLeave(Base):
    __tablename__ = "doctor_leaves"
    __table_args__ = (UniqueConstraint("doctor_id", "day", name="doctor_leaves_once_a_day"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)


QUEUE_STATE = _enum("queue_state", "waiting", "in_consultation", "done", "left")


class QueueEntry(Base):
    """One patient's place in a doctor's queue for a day: booked and walk-in patients together."""

    __tablename__ = "queue_entries"
    __table_args__ = (UniqueConstraint("doctor_id", "day", "token", name="queue_entries_one_token"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), unique=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    token: Mapped[int] = mapped_column(Integer)
    arrived_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    state: Mapped[str] = mapped_column(QUEUE_STATE, server_default="waiting")
    called_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    # 0019: empty only for gateway money on no desk QR, held for review (payments_patient_or_held_gateway_money)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), server_default="INR")
    payment_method: Mapped[str] = mapped_column(PAYMENT_METHOD, server_default="upi")
    status: Mapped[str] = mapped_column(PAYMENT_STATUS, server_default="pending")
    transaction_id: Mapped[str | None] = mapped_column(String(255))
    upi_transaction_id: Mapped[str | None] = mapped_column(String(255))
    gateway_response: Mapped[Any | None] = mapped_column(JSONB)
    payment_date: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="RESTRICT"))
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    payment_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("payment_sessions.id", ondelete="SET NULL", name="payments_session_fk"))
    review_reason: Mapped[str | None] = mapped_column(Text)
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("0"))
    # 0010: the bill's doctor, else the appointment's; always derived by the trigger payments_doctor
    doctor_id: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint("refunded_amount >= 0"),
        CheckConstraint("refunded_amount <= amount", name="payments_refund_within_amount"),
        CheckConstraint("patient_id IS NOT NULL OR (transaction_id IS NOT NULL AND bill_id IS NULL"
                        " AND ((status = 'pending' AND review_reason IS NOT NULL) OR status = 'refunded'))",
                        name="payments_patient_or_held_gateway_money"),
        Index("ux_payments_gateway_payment", "transaction_id", unique=True,
              postgresql_where=text("transaction_id IS NOT NULL")),
        Index("ix_payments_bill", "bill_id"),
        Index("ix_payments_date_id", "payment_date", "id"),  # 0009: history pages, newest first
        Index("ix_payments_method_date", "payment_method", "payment_date", "id"),
        Index("ix_payments_review", "payment_date", "id", postgresql_where=text("status = 'pending'")),
        Index("ix_payments_patient_date", "patient_id", "payment_date", "id",  # 0010; totals from the index alone
              postgresql_include=["payment_method", "status", "amount", "refunded_amount"]),
        Index("ix_payments_doctor_date", "doctor_id", "payment_date", "id"),
        Index("ix_payments_appointment", "appointment_id", postgresql_where=text("appointment_id IS NOT NULL")),
        Index("ix_payments_refunded", "payment_date", "id", postgresql_where=text("refunded_amount > 0")),
        Index("ix_payments_failed", "payment_date", "id", postgresql_where=text("status = 'failed'")),
        Index("ix_payments_session", "payment_session_id",  # 0011: the UPI poll's session with its payment
              postgresql_where=text("payment_session_id IS NOT NULL")),
    )


# 0015: one UTR/RRN settles one payment, whichever method it was typed under (see homa_settlement_reference)
_SETTLEMENT_REFERENCE = func.homa_settlement_reference(Payment.payment_method, Payment.upi_transaction_id)
Index("ux_payments_settlement_reference", _SETTLEMENT_REFERENCE, unique=True,
      postgresql_where=Payment.upi_transaction_id.is_not(None))


class _DayTotalColumns:
    """One row of payment totals: a clinic day (Asia/Kolkata), method, status and refunded-or-not."""

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    payment_method: Mapped[str] = mapped_column(PAYMENT_METHOD, primary_key=True)
    status: Mapped[str] = mapped_column(PAYMENT_STATUS, primary_key=True)
    refunded: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    payments: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class PaymentDayTotal(_DayTotalColumns, Base):
    """Payments per day, method, status and refunded-or-not; kept by triggers on payments (schema 0010), so totals
    over months add up a few rows per day."""

    __tablename__ = "payment_day_totals"


class PaymentDoctorDayTotal(_DayTotalColumns, Base):
    """The same per doctor (payments.doctor_id), for a doctor's totals."""

    __tablename__ = "payment_doctor_day_totals"

    doctor_id: Mapped[int] = mapped_column(Integer, primary_key=True, sort_order=-1)


class PaymentSession(Base):
    __tablename__ = "payment_sessions"

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    session_id: Mapped[str] = mapped_column(String(255), unique=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    upi_link: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(PAYMENT_SESSION_STATUS, server_default="active")
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="RESTRICT"))
    gateway: Mapped[str] = mapped_column(String(20), server_default="simulator")
    gateway_qr_id: Mapped[str | None] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), server_default="INR")
    closed_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    review_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    __table_args__ = (
        Index("ux_payment_sessions_gateway_qr", "gateway", "gateway_qr_id", unique=True,
              postgresql_where=text("gateway_qr_id IS NOT NULL")),
        Index("ix_payment_sessions_open", "status", postgresql_where=text("status = 'active'")),
    )


class AuditEntry(Base):
    """Append-only: triggers refuse UPDATE, DELETE and TRUNCATE."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    before: Mapped[Any | None] = mapped_column(JSONB)
    after: Mapped[Any | None] = mapped_column(JSONB)
    # 0030: the patient the entry is about, derived from the entity by the trigger audit_log_patient
    patient_id: Mapped[int | None] = mapped_column(Integer)


class ClinicSetting(Base):
    """Non-secret settings every desk of the clinic shares (clinic name, address)."""

    __tablename__ = "clinic_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[Any] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


BILL_STATUS = _enum("bill_status", "open", "paid", "cancelled")
BILL_LINE_KIND = _enum("bill_line_kind", "consultation", "procedure", "medicine", "lab_test", "other")


class BillCounter(Base):
    """Gapless running bill numbers per financial year; the UPDATE that takes a number locks the row."""

    __tablename__ = "bill_counters"

    financial_year: Mapped[str] = mapped_column(String(7), primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer, server_default=text("0"))


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("financial_year", "serial", name="bills_serial_once"),
        UniqueConstraint("appointment_id", name="bills_one_per_appointment"),
        CheckConstraint("total >= 0"),
        Index("ix_bills_patient", "patient_id", text("created_at DESC")),
        Index("ix_bills_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    bill_number: Mapped[str] = mapped_column(String(20), unique=True)
    financial_year: Mapped[str] = mapped_column(String(7))
    serial: Mapped[int] = mapped_column(Integer)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(BILL_STATUS, server_default="open")
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    notes: Mapped[str | None] = mapped_column(Text)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    place_of_supply: Mapped[str | None] = mapped_column(String(2))  # 0028: GST state code


class BillLineRow(Base):
    __tablename__ = "bill_lines"
    __table_args__ = (
        UniqueConstraint("bill_id", "position", name="bill_lines_position_once"),
        CheckConstraint("quantity > 0"), CheckConstraint("unit_price >= 0"), CheckConstraint("discount >= 0"),
        CheckConstraint("total >= 0"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="RESTRICT"))
    position: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[str] = mapped_column(BILL_LINE_KIND)
    description: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[Decimal] = mapped_column(Numeric(10, 3))
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    discount: Mapped[Decimal] = mapped_column(Numeric(10, 2), server_default=text("0"))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    price_item_id: Mapped[int | None] = mapped_column(ForeignKey("price_list_items.id", ondelete="SET NULL"))
    gst_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), server_default=text("0"))
    sac_hsn: Mapped[str] = mapped_column(String(8), server_default=text("''"))


class PriceListItem(Base):
    """The clinic's price list (0028); a rate includes GST. Codes are unique whatever their case."""

    __tablename__ = "price_list_items"
    __table_args__ = (
        Index("ux_price_list_items_code", text("lower(code)"), unique=True),
        Index("ix_price_list_items_name", text("lower(name)")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(60), server_default=text("''"))
    rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    gst_rate: Mapped[Decimal] = mapped_column(Numeric(4, 2), server_default=text("0"))
    sac_hsn: Mapped[str] = mapped_column(String(8), server_default=text("''"))
    is_active: Mapped[bool] = mapped_column(Boolean, server_default=text("true"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class Refund(Base):
    __tablename__ = "refunds"
    __table_args__ = (
        CheckConstraint("amount > 0"),
        Index("ix_refunds_created", "created_at"),  # 0009: the day's refunds
        Index("ix_refunds_payment", "payment_id"),
        Index("ux_refunds_reference", "reference", unique=True,  # 0016: a refund made outside the desk, once
              postgresql_where=text("reference IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    reason: Mapped[str] = mapped_column(Text)
    refunded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    reference: Mapped[str | None] = mapped_column(String(64))  # 0016: gateway refund id or bank reference


# --- the doctor's workstation (0006) ------------------------------------------------------------------------------

class ConsultationRow(Base):
    """Vitals, the doctor's symptoms, advice and follow-up of one appointment; diagnosis and the readable
    prescription stay in the design's appointments columns (appointments.symptoms is the reason for the visit typed
    at booking, which the desk may read)."""

    __tablename__ = "consultations"

    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True)
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    bp_systolic: Mapped[int | None] = mapped_column(SmallInteger)
    bp_diastolic: Mapped[int | None] = mapped_column(SmallInteger)
    pulse: Mapped[int | None] = mapped_column(SmallInteger)
    temperature_c: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    spo2: Mapped[int | None] = mapped_column(SmallInteger)
    advice: Mapped[str | None] = mapped_column(Text)
    symptoms: Mapped[str | None] = mapped_column(Text)  # 0017: the doctor's; appointments.symptoms is the booking's
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointments.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class PrescriptionLineRow(Base):
    __tablename__ = "prescription_lines"
    __table_args__ = (UniqueConstraint("appointment_id", "position", name="prescription_lines_position_once"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    medicine: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str] = mapped_column(String(60), server_default="")
    form: Mapped[str] = mapped_column(String(20))
    dose_pattern: Mapped[str] = mapped_column(String(20))
    duration: Mapped[str] = mapped_column(String(40))
    food: Mapped[str] = mapped_column(String(12))
    notes: Mapped[str] = mapped_column(String(300), server_default="")


class FavouriteMedicine(Base):
    __tablename__ = "favourite_medicines"
    __table_args__ = (UniqueConstraint("doctor_id", "medicine", "strength", name="favourite_medicines_once"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    medicine: Mapped[str] = mapped_column(String(200))
    strength: Mapped[str] = mapped_column(String(60), server_default="")
    form: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class PrescriptionTemplate(Base):
    __tablename__ = "prescription_templates"
    __table_args__ = (UniqueConstraint("doctor_id", "name", name="prescription_templates_name_once"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    doctor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    lines: Mapped[Any] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class ConsultationDraftRow(Base):
    """0024: what a doctor typed in a consultation and has not saved yet, per appointment and author."""

    __tablename__ = "consultation_drafts"
    __table_args__ = (
        CheckConstraint("jsonb_typeof(content) = 'object'", name="consultation_drafts_content_object"),
        CheckConstraint("octet_length(content::text) <= 200000", name="consultation_drafts_content_size"),
    )

    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"), primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    content: Mapped[Any] = mapped_column(JSONB)
    kept_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class FollowUpRequestRow(Base):
    __tablename__ = "follow_up_requests"
    __table_args__ = (
        UniqueConstraint("appointment_id", name="follow_up_requests_once"),
        Index("ix_follow_up_requests_open", "due_on", postgresql_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointments.id", ondelete="CASCADE"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    doctor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PatientSearchKey(Base):
    """Patients' lowercased names for fragment search, kept by the trigger users_patient_search."""

    __tablename__ = "patient_search"
    __table_args__ = (Index("ix_patient_search_name_trgm", "name_key", postgresql_using="gin",
                            postgresql_ops={"name_key": "gin_trgm_ops"}),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    name_key: Mapped[str] = mapped_column(Text)


# --- notifications and contact verification (0008) ---------------------------------------------------------------

class OutboxMessage(Base):
    """A message to send, written in the transaction of the event that causes it; the sender delivers it later."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_due", "next_attempt_at", postgresql_where=text("status = 'pending'")),
        Index("ix_outbox_messages_sending", "lease_until", postgresql_where=text("status = 'sending'")),
        Index("ux_outbox_messages_one_delivery", "message_key", unique=True,
              postgresql_where=text("message_key IS NOT NULL AND status NOT IN ('failed', 'not_set_up')")),
        Index("ix_outbox_messages_patient", "patient_id", "id"),
        Index("ix_outbox_messages_status_check", "next_status_check_at",
              postgresql_where=text("next_status_check_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(Text)
    template: Mapped[str] = mapped_column(String(40))
    language: Mapped[str] = mapped_column(String(2), server_default="en")
    payload: Mapped[Any] = mapped_column(JSONB, server_default=text("'{}'"))
    attachment_bill_id: Mapped[int | None] = mapped_column(ForeignKey("bills.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), server_default="pending")
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_attempt_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    lease_until: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    # 0023: the patient, the message this delivery belongs to (one live delivery each), the channels left to fall
    # back to, and the provider's delivery status as the desk last asked it
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    message_key: Mapped[str | None] = mapped_column(String(200))
    fallback_channels: Mapped[str | None] = mapped_column(String(40))
    delivery_status: Mapped[str | None] = mapped_column(String(20))
    delivery_error: Mapped[str | None] = mapped_column(Text)
    status_checks: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    next_status_check_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)


class MessageConsent(Base):
    """A patient's consent to messages on one channel (0023): granted or opted out, when, and who recorded it."""

    __tablename__ = "message_consents"

    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    granted: Mapped[bool] = mapped_column(Boolean)
    recorded_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class SmsDltTemplate(Base):
    """A content template the clinic registered on DLT, per message kind and language (0022)."""

    __tablename__ = "sms_dlt_templates"

    template: Mapped[str] = mapped_column(String(40), primary_key=True)
    language: Mapped[str] = mapped_column(String(2), primary_key=True)
    dlt_template_id: Mapped[str] = mapped_column(String(19))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class VerificationCode(Base):
    """A six-digit code sent to a phone or e-mail address, kept only as a salted SHA-256."""

    __tablename__ = "verification_codes"
    __table_args__ = (Index("ix_verification_codes_user", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(Text)
    code_hash: Mapped[str] = mapped_column(String(64))
    salt: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ)
    attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    used_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class CashCount(Base):
    """One count of the cash drawer for a clinic day (schema 0019). Append-only (triggers refuse UPDATE, DELETE and
    TRUNCATE): a recount adds a row and the day's latest row is its count."""

    __tablename__ = "cash_counts"
    __table_args__ = (
        CheckConstraint("counted >= 0", name="cash_counts_counted_not_negative"),
        CheckConstraint("counted = expected OR length(btrim(coalesce(reason, ''))) > 0",
                        name="cash_counts_reason_when_different"),
        Index("ix_cash_counts_day", "day", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    counted: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    expected: Mapped[Decimal] = mapped_column(Numeric(14, 2))
    difference: Mapped[Decimal] = mapped_column(Numeric(14, 2), Computed("counted - expected", persisted=True))
    reason: Mapped[str | None] = mapped_column(Text)
    counted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    counted_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


# --- access rules (0017) -------------------------------------------------------------------------------------------

class ClinicAdminHistory(Base):
    """One row once the clinic has had an admin (a trigger on users writes it): the first-admin path is closed."""

    __tablename__ = "clinic_admin_history"
    __table_args__ = (CheckConstraint("only_row", name="clinic_admin_history_only_row_check"),)

    only_row: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    first_admin_id: Mapped[int] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class SignInFailure(Base):
    """Failed sign-ins per e-mail, known or not (keyed by a SHA-256 of the normalised e-mail), so guessing e-mails
    locks out like guessing a password."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (CheckConstraint("failed_count >= 0", name="sign_in_failures_failed_count_check"),)

    email_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    failed_count: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    locked_until: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    last_failed_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


# --- advances (0029) -----------------------------------------------------------------------------------------------

class PatientAdvance(Base):
    """Money a patient paid ahead: its `payments` row (no bill, ever) received it; applied to later bills of the
    same patient (advance_applications) or refunded (refunds), never beyond its amount (advances_within_amount)."""

    __tablename__ = "patient_advances"
    __table_args__ = (
        UniqueConstraint("payment_id", name="patient_advances_one_per_payment"),
        CheckConstraint("purpose <> '' AND purpose = btrim(purpose) AND purpose !~ '[[:cntrl:]]'",
                        name="patient_advances_purpose_shape"),
        Index("ix_patient_advances_patient", "patient_id", text("created_at DESC")),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="RESTRICT"))
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    purpose: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())


class AdvanceApplication(Base):
    """Part of an advance used on a bill of the same patient; never deleted, returned once (the bill cancelled)."""

    __tablename__ = "advance_applications"
    __table_args__ = (
        CheckConstraint("amount > 0", name="advance_applications_amount_positive"),
        CheckConstraint("(returned_at IS NULL) = (return_reason IS NULL)",
                        name="advance_applications_return_has_reason"),
        Index("ix_advance_applications_advance", "advance_id"),
        Index("ix_advance_applications_bill", "bill_id"),
        Index("ix_advance_applications_applied", "applied_at"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    advance_id: Mapped[int] = mapped_column(ForeignKey("patient_advances.id", ondelete="RESTRICT"))
    bill_id: Mapped[int] = mapped_column(ForeignKey("bills.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    returned_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    returned_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    return_reason: Mapped[str | None] = mapped_column(Text)
# --- the owner's view (0030): monthly totals kept by triggers ------------------------------------------------------

class PaymentMonthTotal(Base):
    """Payments per clinic month, method, status and refunded-or-not (triggers on payments)."""

    __tablename__ = "payment_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    payment_method: Mapped[str] = mapped_column(PAYMENT_METHOD, primary_key=True)
    status: Mapped[str] = mapped_column(PAYMENT_STATUS, primary_key=True)
    refunded: Mapped[bool] = mapped_column(Boolean, primary_key=True)
    payments: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class PaymentDoctorMonthTotal(Base):
    """Money received (completed or refunded payments) per doctor and month."""

    __tablename__ = "payment_doctor_month_totals"

    doctor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    payments: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))
    refunded_amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


class VisitMonthTotal(Base):
    """Completed appointments per doctor (0: none) and month."""

    __tablename__ = "visit_month_totals"

    doctor_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    visits: Mapped[int] = mapped_column(BigInteger)


class PatientVisitMonth(Base):
    """A patient's completed visits in a month (what new and returning patients are counted from)."""

    __tablename__ = "patient_visit_months"

    patient_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    visits: Mapped[int] = mapped_column(Integer)


class PatientMonthTotal(Base):
    """Patients with a completed visit in the month, and of them those in their first such month."""

    __tablename__ = "patient_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    patients: Mapped[int] = mapped_column(BigInteger)
    new_patients: Mapped[int] = mapped_column(BigInteger)


class BillItemMonthTotal(Base):
    """Bill lines of bills not cancelled per month of the bill, kind and name (lowercased, spaces collapsed)."""

    __tablename__ = "bill_item_month_totals"

    month: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(BILL_LINE_KIND, primary_key=True)
    name_key: Mapped[str] = mapped_column(Text, primary_key=True)
    label: Mapped[str] = mapped_column(Text)
    lines: Mapped[int] = mapped_column(BigInteger)
    quantity: Mapped[Decimal] = mapped_column(Numeric(16, 3))
    amount: Mapped[Decimal] = mapped_column(Numeric(16, 2))


Index("ix_audit_log_time", AuditEntry.occurred_at, AuditEntry.id)  # 0030: the audit viewer's keyset order
Index("ix_audit_log_actor", AuditEntry.actor_id, AuditEntry.occurred_at, AuditEntry.id)
Index("ix_audit_log_patient", AuditEntry.patient_id, AuditEntry.occurred_at, AuditEntry.id,
      postgresql_where=AuditEntry.patient_id.is_not(None))
Index("ix_audit_log_action", AuditEntry.action, AuditEntry.occurred_at, AuditEntry.id)
# --- one desk hosts the clinic (0032) ------------------------------------------------------------------------------

class LanDesk(Base):
    """A computer that joined the hosting desk, by its own PostgreSQL role (db/lan/)."""

    __tablename__ = "lan_desks"
    __table_args__ = (
        CheckConstraint("role_name ~ '^homa_desk_[0-9a-f]{12}$'", name="lan_desks_role_name_check"),
        CheckConstraint("desk_name <> '' AND desk_name !~ '[[:cntrl:]]'", name="lan_desks_desk_name_check"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    role_name: Mapped[str] = mapped_column(String(63), unique=True)
    desk_name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str | None] = mapped_column(String(64))
    joined_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    last_seen_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    removed_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)


class LanJoinCode(Base):
    """A one-time join code, kept as its bcrypt hash only: 10 minutes, one use, 5 wrong tries."""

    __tablename__ = "lan_join_codes"
    __table_args__ = (
        CheckConstraint("code_hash ~ '^\\$2[aby]\\$[0-9]{2}\\$'", name="lan_join_codes_code_hash_check"),
        CheckConstraint("expires_at > created_at AND expires_at <= created_at + interval '10 minutes'",
                        name="lan_join_codes_ten_minutes"),
        CheckConstraint("failed_attempts BETWEEN 0 AND 5", name="lan_join_codes_attempts"),
    )

    id: Mapped[int] = mapped_column(Integer, Identity(), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(60), unique=True)
    created_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ, server_default=func.now())
    expires_at: Mapped[datetime] = mapped_column(TIMESTAMPTZ)
    used_at: Mapped[datetime | None] = mapped_column(TIMESTAMPTZ)
    failed_attempts: Mapped[int] = mapped_column(Integer, server_default=text("0"))
