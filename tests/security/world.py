"""A small clinic for the security tests: staff of every role, a doctor with fee and hours, a patient, and makers
of fresh objects (appointments, bills, payments, UPI sessions…) so each call works on its own rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import Engine, text

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import ConsultationType
from homa_desk.domain.billing import LineInput
from homa_desk.domain.notifications import Channel, Language, NewMessage, Template
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing, queue, staff, upi_payments
from homa_desk.services.patients import register_patient
from tests.appointment_helpers import next_weekday, with_hours
from tests.helpers import new_staff
from tests.services.consultation_helpers import with_profile

ROLES = ("admin", "receptionist", "doctor", "other_doctor", "patient")


@dataclass(repr=False)
class World:
    engine: Engine
    uow: UnitOfWork
    actors: dict[str, Actor]
    patient_id: int
    gateway: SimulatorGateway = field(default_factory=SimulatorGateway)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))
    impostors: dict[str, Actor] = field(default_factory=dict)

    def __repr__(self) -> str:
        return "World()"

    @property
    def admin(self) -> Actor:
        return self.actors["admin"]

    @property
    def desk(self) -> Actor:
        return self.actors["receptionist"]

    @property
    def doctor(self) -> Actor:
        return self.actors["doctor"]

    def next(self) -> int:
        return next(self._serial)

    # -- days and slots ----------------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return datetime.now(CLINIC_TZ).date()

    def free_slot(self) -> datetime:
        """A bookable slot of the doctor, each call a different one (weekday mornings two weeks and more ahead)."""
        n = self.next()
        day = next_weekday(2) + timedelta(weeks=2 + n // 16)
        return datetime.combine(day, time(9, 0), CLINIC_TZ) + timedelta(minutes=15 * (n % 16))

    def far_day(self) -> date:
        return self.today + timedelta(days=30 + self.next())

    # -- fresh rows -----------------------------------------------------------------------------------------------

    def booking(self) -> int:
        """A future appointment of the doctor, booked at the desk."""
        from homa_desk.services import appointments

        return appointments.book_appointment(self.uow, self.desk, patient_id=self.patient_id,
                                             doctor_id=self.doctor.user_id, starts_at=self.free_slot()).id

    def visit(self) -> int:
        """A walk-in of today with the doctor (appointment and queue token)."""
        return queue.add_walk_in(self.uow, self.desk, self.patient_id, self.doctor.user_id).appointment_id

    def arrival(self) -> int:
        """Today's appointment of the doctor, not yet in the queue (check-in needs one)."""
        with self.uow:
            appointment_id = self.uow.appointments.add(
                patient_id=self.patient_id, doctor_id=self.doctor.user_id, starts_at=utcnow(), duration_minutes=15,
                consultation_type=ConsultationType.OFFLINE, meeting_link=None, symptoms=None,
                booked_by=self.desk.user_id, is_walk_in=True)
            self.uow.commit()
        return appointment_id

    def bill(self) -> int:
        return billing.create_bill(self.uow, self.desk, patient_id=self.patient_id,
                                   lines=[LineInput("consultation", "Consultation", "1", "500")]).id

    def payment(self) -> int:
        view = billing.record_payment(self.uow, self.desk, self.bill(), amount="500", method="cash")
        return view.payments[-1].id

    def held_payment(self) -> int:
        """₹700 held for review on a fresh ₹500 bill."""
        from tests.services.held_money_helpers import hold

        return hold(self.uow, billing.get_bill(self.uow, self.desk, self.bill()), "700")

    def upi_session(self) -> int:
        return upi_payments.start_upi_payment(self.uow, self.gateway, self.desk, self.bill()).id

    def utr(self) -> str:
        return f"UTR{self.next():09d}"

    def spare_staff(self) -> int:
        return staff.add_staff(self.uow, self.admin, new_staff(Role.RECEPTIONIST, name="Sunil Rao")).id

    def new_staff(self):  # type: ignore[no-untyped-def]
        return new_staff(Role.RECEPTIONIST, name="Divya Pillai")

    def favourite_of(self, actor: Actor) -> int:
        with self.uow:
            from homa_desk.domain.prescriptions import DoseForm

            self.uow.consultations.add_favourite(actor.user_id, f"Medicine {self.next()}", "500 mg", DoseForm.TABLET)
            self.uow.commit()
            return self.uow.consultations.favourites(actor.user_id)[-1].id

    def template_of(self, actor: Actor) -> int:
        from homa_desk.domain.prescriptions import PrescriptionLine

        with self.uow:
            self.uow.consultations.save_template(actor.user_id, f"Fever {self.next()}",
                                                 (PrescriptionLine("Paracetamol", "500 mg"),))
            self.uow.commit()
            return self.uow.consultations.templates(actor.user_id)[-1].id

    def follow_up_request(self) -> int:
        appointment_id = self.visit()
        with self.uow:
            request_id = self.uow.consultations.request_follow_up(
                appointment_id=appointment_id, patient_id=self.patient_id, doctor_id=self.doctor.user_id,
                due_on=self.far_day())
            self.uow.commit()
        return request_id

    def failed_message(self) -> int:
        with self.uow:
            self.uow.outbox.add(NewMessage(Channel.SMS, "+919812345670", Template.REMINDER, Language.ENGLISH,
                                           {"clinic_name": "Sunrise"}, f"test:{self.next()}"))
            self.uow.commit()
        with self.engine.begin() as conn:
            return conn.execute(text("UPDATE outbox_messages SET status = 'failed' WHERE id = (SELECT max(id)"
                                     " FROM outbox_messages) RETURNING id")).scalar_one()

    def sent_code(self) -> str:
        from homa_desk.services import verification

        verification.send_code(self.uow, self.desk, self.patient_id, "sms")
        with self.engine.connect() as conn:
            return conn.execute(text("SELECT payload->>'code' FROM outbox_messages ORDER BY id DESC LIMIT 1")
                                ).scalar_one()

    def leave_day(self) -> date:
        from homa_desk.services import doctors

        day = self.far_day()
        doctors.add_leave(self.uow, self.admin, self.doctor.user_id, day, "Conference")
        return day

    # -- what a refusal must leave untouched ------------------------------------------------------------------

    def row_counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            tables = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                                       " AND tablename <> 'alembic_version' ORDER BY 1")).scalars().all()
            query = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
            return dict(conn.execute(text(query)).all())  # type: ignore[arg-type]


def build_world(engine: Engine, uow: UnitOfWork) -> World:
    admin = staff.create_first_admin(uow, new_staff(Role.ADMIN, name="Meera Iyer"), "Sunrise Clinic").as_actor()
    desk = staff.add_staff(uow, admin, new_staff(Role.RECEPTIONIST, name="Asha Verma")).as_actor()
    doctor = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Rahul Menon")).as_actor()
    other = staff.add_staff(uow, admin, new_staff(Role.DOCTOR, name="Farah Khan")).as_actor()
    for each in (doctor, other):
        with_profile(uow, admin, each)
        with_hours(uow, admin, each)
    details = validate_patient(full_name="Kavya Nair", phone="9812345670", email="kavya@patients.example",
                               today=date(2026, 11, 25), age_years="34")
    patient_id = register_patient(uow, desk, details).user_id
    patient = Actor(patient_id, Role.PATIENT, "Kavya Nair", "kavya@patients.example")
    actors = {"admin": admin, "receptionist": desk, "doctor": doctor, "other_doctor": other, "patient": patient}
    world = World(engine, uow, actors, patient_id)
    world.impostors = impostors(uow, admin, desk)
    return world


def impostors(uow: UnitOfWork, admin: Actor, desk: Actor) -> dict[str, Actor]:
    """Actors the services must not believe: a receptionist's id claiming admin, and a disabled admin."""
    retired = staff.add_staff(uow, admin, new_staff(Role.ADMIN, name="Vikram Joshi")).as_actor()
    staff.set_staff_active(uow, admin, retired.user_id, False)
    return {"forged_admin": replace(desk, role=Role.ADMIN), "disabled_admin": retired}
