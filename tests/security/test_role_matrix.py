"""Every public service function, called as every role, against one explicit table of who may do what.

A role marked allowed must get a normal result from realistic arguments; any other role must get PermissionDenied
with not one row written anywhere. "doctor" is the treating doctor (the appointments are theirs); "other_doctor" is
another doctor of the clinic; "patient" is a person without a staff role (what a signed-out or forged actor is).
A public function added to homa_desk/services without a line here fails the test: decide its roles first.
"""

from __future__ import annotations

import importlib
import inspect
import io
import pkgutil
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial

import pytest

import homa_desk.services
from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.config import Settings
from homa_desk.db.lan.host import LanHost
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.appointments import local_day
from homa_desk.domain.audit_view import AuditFilters
from homa_desk.domain.billing import LineInput
from homa_desk.domain.consultation_drafts import UnsavedConsultation
from homa_desk.domain.consultations import ConsultationDraft, TemperatureUnit, Vitals
from homa_desk.domain.doctors import ProfileChanges
from homa_desk.domain.errors import DomainError, PermissionDenied
from homa_desk.domain.notifications import Channel
from homa_desk.domain.patients import validate_patient
from homa_desk.domain.prescriptions import PrescriptionLine
from homa_desk.domain.price_list import PriceItemInput
from homa_desk.domain.reports import HistoryFilters
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import (
    advances,
    appointments,
    backup,
    billing,
    clinic,
    clinic_network,
    close_of_day,
    consultations,
    contact_status,
    doctors,
    held_money,
    message_channels,
    move_database,
    notifications,
    offsite,
    owner_reports,
    patients,
    price_list,
    queue,
    reports,
    settings,
    sms_dlt,
    staff,
    upi_payments,
    verification,
    waiting_room,
    whatsapp_setup,
)
from homa_desk.services.settings import SettingsForm
from tests.appointment_helpers import WEEKDAY_HOURS
from tests.helpers import engine_for
from tests.security.world import ROLES, World, build_world
from tests.services.consultation_helpers import a_patient as raw_patient

ALL_STAFF = {"admin", "receptionist", "doctor", "other_doctor"}
DESK = {"admin", "receptionist"}
CLINICAL = {"admin", "doctor", "other_doctor"}  # for a doctor's own favourites and templates
TREATING = {"admin", "doctor"}  # the appointment's own doctor, or an admin
ADMIN = {"admin"}

EXPECTED: dict[str, set[str]] = {
    "appointments.day_view": ALL_STAFF,
    "appointments.week_view": ALL_STAFF,
    "appointments.get_appointment": ALL_STAFF,
    "appointments.book_appointment": DESK,
    "appointments.reschedule": DESK,
    "appointments.cancel": DESK,
    "appointments.mark_completed": DESK | {"doctor"},
    "appointments.mark_no_show": DESK | {"doctor"},
    "appointments.dashboard": ALL_STAFF,
    "billing.create_bill": DESK,
    "advances.receive_advance": DESK,
    "advances.get_advance": DESK,
    "advances.patient_advances": ALL_STAFF,
    "advances.apply_advance": DESK,
    "advances.refund_advance": ADMIN,
    "billing.consultation_bill": ALL_STAFF,
    "billing.add_consultation_bill": ALL_STAFF,
    "billing.get_bill": DESK,
    "billing.update_lines": DESK,
    "billing.record_payment": DESK,
    "billing.refund_payment": ADMIN,
    "billing.cancel_bill": ADMIN,
    "billing.list_bills": DESK,
    "billing.unbilled_visits": DESK,
    "billing.patient_account": ALL_STAFF,
    "held_money.list_held": DESK,
    "held_money.move_targets": ADMIN,
    "held_money.accept_held": ADMIN,
    "held_money.refund_held": ADMIN,
    "held_money.move_held": ADMIN,
    "backup.save_plan": ADMIN,
    "backup.back_up_now": ADMIN,
    "backup.restore_backup": ADMIN,
    "move_database.move_to_remote": ADMIN,
    "offsite.save_offsite": ADMIN,
    "offsite.test_connection": ADMIN,
    "offsite.copy_status": ADMIN,
    "offsite.copy_now": ADMIN,
    "clinic_network.make_join_code": ADMIN,
    "clinic_network.joined_desks": ADMIN,
    "clinic_network.remove_desk": ADMIN,
    "clinic_network.become_host": ADMIN,
    "clinic.set_clinic_name": ADMIN,
    "clinic.store_clinic_name": ADMIN,
    "clinic.set_temperature_unit": ADMIN,
    "close_of_day.count_cash": DESK,  # the people who close the desk count its drawer
    "close_of_day.reconcile_gateway": DESK,  # it only holds gateway money for review; resolving it is an admin's
    "consultations.get_consultation": TREATING,
    "consultations.open_visit": TREATING,
    "consultations.past_visits": TREATING,
    "consultations.copy_prescription": TREATING,
    "consultations.prescription_document": TREATING,
    "consultations.follow_up_slots": TREATING,
    "consultations.save_consultation": TREATING,
    "consultations.complete_consultation": TREATING,
    "consultations.unsaved_draft": TREATING,
    "consultations.keep_draft": TREATING,
    "consultations.discard_draft": TREATING,
    "consultations.list_favourites": CLINICAL,
    "consultations.add_favourite": CLINICAL,
    "consultations.remove_favourite": CLINICAL,
    "consultations.list_templates": CLINICAL,
    "consultations.save_template": CLINICAL,
    "consultations.remove_template": CLINICAL,
    "consultations.open_follow_ups": ALL_STAFF,
    "consultations.close_follow_up": DESK,
    "contact_status.is_contact_verified": ALL_STAFF,
    "doctors.list_doctors": ALL_STAFF,
    "doctors.doctor_names": ALL_STAFF,
    "doctors.get_doctor": ALL_STAFF,
    "doctors.update_profile": ADMIN,
    "doctors.set_working_hours": ADMIN,
    "doctors.save_doctor": ADMIN,
    "doctors.add_leave": ADMIN,
    "doctors.remove_leave": ADMIN,
    "notifications.recent_messages": DESK,
    "message_channels.message_preferences": ALL_STAFF,
    "message_channels.set_message_preferences": ALL_STAFF,
    "message_channels.patient_messages": ALL_STAFF,
    "message_channels.messages_tab": ALL_STAFF,
    "clinic.clinic_tab": ADMIN,
    "message_channels.fallback_rule": ALL_STAFF,
    "message_channels.set_fallback_rule": ADMIN,
    "whatsapp_setup.load_whatsapp": ADMIN,
    "whatsapp_setup.save_whatsapp": ADMIN,
    "notifications.send_again": ADMIN,
    "notifications.set_preferred_language": ALL_STAFF,
    "patients.search_patients": ALL_STAFF,
    "patients.find_likely_duplicates": ALL_STAFF,
    "patients.register_patient": ALL_STAFF,
    "patients.update_patient": ALL_STAFF,
    "patients.get_patient_profile": ALL_STAFF,
    "price_list.list_items": ADMIN,
    "price_list.search_items": DESK,
    "price_list.save_item": ADMIN,
    "price_list.import_items": ADMIN,
    "price_list.export_items": ADMIN,
    "price_list.receptionists_may_change_rates": DESK,
    "price_list.set_receptionists_may_change_rates": ADMIN,
    "queue.queue_for": ALL_STAFF,
    "queue.all_doctors_queue": DESK,
    "queue.queue_page": DESK,  # every doctor's queue; one doctor's is open to all staff, as queue_for
    "queue.check_in": DESK,
    "queue.add_walk_in": DESK,
    "queue.call_next": DESK | {"doctor"},  # a doctor calls only their own queue
    "reports.payment_history": DESK,
    "reports.payment_history_totals": DESK,
    "reports.write_history_csv": DESK,
    "reports.daily_collection": DESK,
    "owner_reports.collections_report": ADMIN,
    "owner_reports.visits_report": ADMIN,
    "owner_reports.items_report": ADMIN,
    "owner_reports.audit_log": ADMIN,
    "owner_reports.audit_people": ADMIN,
    "owner_reports.write_audit_csv": ADMIN,
    "settings.load_settings": ADMIN,
    "settings.save_settings": ADMIN,
    "sms_dlt.load_dlt_setup": ADMIN,
    "sms_dlt.save_dlt_setup": ADMIN,
    "sms_dlt.send_held_messages": ADMIN,
    "sms_dlt.leave_held_messages": ADMIN,
    "staff.add_staff": ADMIN,
    "staff.list_staff": ADMIN,
    "staff.set_staff_active": ADMIN,
    "staff.reset_password": ADMIN,
    "upi_payments.start_upi_payment": DESK,
    "upi_payments.get_session": DESK,
    "upi_payments.cancel_upi_payment": DESK,
    "upi_payments.confirm_by_reference": DESK,
    "verification.send_code": ALL_STAFF,
    "verification.check_code": ALL_STAFF,
    "waiting_room.waiting_board": DESK,
    "waiting_room.board_settings": DESK,
    "waiting_room.set_board_settings": ADMIN,
}

# Allowed here means: past the role check to the next refusal (a restore or a move would replace or copy the shared
# test database, so the admin's call is given a remote target, which both refuse with their own DomainError).
PAST_THE_ROLE_CHECK = {"backup.restore_backup", "move_database.move_to_remote", "offsite.test_connection",
                       "offsite.copy_now"}  # the off-site calls: a closed port, a remote target

# Public functions that act on no one's behalf, and why that is safe.
NO_ACTOR: dict[str, str] = {
    "auth.sign_in": "the way to become an actor; lockout and bcrypt (tests/services/test_auth.py)",
    "auth.check_signed_in": "the desk's ping: reads only the signed-in account's own state (test_account_check.py)",
    "billing.settle_bill_status": "inside the caller's unit of work, after the caller's role check",
    "billing.locked_bill": "inside the caller's unit of work, after the caller's role check (locks the bill row)",
    "clinic.clinic_info": "the clinic's public letterhead",
    "clinic.clinic_name": "the clinic's public name, shown on the sign-in",
    "clinic.temperature_unit": "the clinic's thermometer unit (°C or °F): no patient data",
    "clinic.validate_clinic_name": "pure validation",
    "clinic.ping": "database health check",
    "clinic.wait_in_database": "database health check (latency probe)",
    "demo.seed_demo_if_empty": "the demo command on an empty database only",
    "notifications.enqueue_appointment_booked": "inside the booking's unit of work, after its role check",
    "notifications.enqueue_appointment_rescheduled": "inside the reschedule's unit of work, after its role check",
    "notifications.enqueue_appointment_cancelled": "inside the cancel's unit of work, after its role check",
    "notifications.enqueue_payment_received": "inside the payment's unit of work, after its role check",
    "notifications.enqueue_reminders": "the background sender's evening job",
    "notifications.enqueue_daily_collection": "the background sender's close-of-day job",
    "notifications.queue_message": "inside the caller's unit of work (verification codes)",
    "notifications.receipt_data": "the background sender renders the receipt it e-mails",
    "notifications.deliver_due": "the background sender",
    "message_channels.queue_routed": "inside the event's unit of work, after its role check",
    "message_channels.allowed_legacy": "inside the event's unit of work, after its role check",
    "message_channels.consents_of": "inside the caller's unit of work, after its role check",
    "message_channels.clinic_rule": "inside the caller's unit of work, after its role check",
    "message_channels.queue_fallback": "the background sender, after a delivery failed for good",
    "message_channels.withheld": "the background sender, before a claimed message goes",
    "message_channels.outgoing_fields": "pure: a WhatsApp delivery's template fields",
    "message_channels.with_template": "pure: a WhatsApp delivery's template fields",
    "message_channels.poll_delivery": "the background sender asks providers for delivery status",
    "price_list.price_lines": "inside the bill's unit of work, after its role check (the audit entry checks the role)",
    "price_list.default_sac": "pure: the SAC code of a line typed by hand",
    "settings.validate": "pure validation",
    "sms_dlt.under_dlt": "the background sender, for an SMS it claimed",
    "sms_dlt.id_field": "names a form field",
    "sms_dlt.text_field": "names a form field",
    "settings.test_database_connection": "connects with what the admin typed; nothing stored",
    "staff.validate_new_staff": "pure validation",
    "staff.needs_first_admin": "the first-run check before any account exists",
    "staff.create_first_admin": "refused once an active admin exists (test below)",
    "upi_payments.check_upi_payment": "the desk's poller; settles only what the gateway reports",
    "upi_payments.reconcile": "start-up reconciliation of open UPI sessions",
    "backup.default_folder": "where backups go by default",
    "backup.plan_from": "reads this desk's settings",
    "backup.parse_time": "pure validation",
    "backup.list_backups": "lists files in a folder the admin chose",
    "backup.backup_name": "pure",
    "backup.latest_slot": "pure",
    "backup.is_due": "pure",
    "backup.make_backup": "the daily schedule and the command line; the desk's button is back_up_now",
    "backup.prune": "after a backup",
    "backup.last_backup_at": "the time of the last backup, for the status line",
    "backup.run_scheduled_backup": "the daily schedule on the desk",
    "backup.inspect": "reads a dump's schema revision before a restore",
    "backup_manifest.manifest_path": "pure",
    "backup_manifest.dump_with_manifest": "inside make_backup, after its caller's role check",
    "backup_manifest.file_digest": "pure (a file's SHA-256)",
    "backup_manifest.write": "writes a manifest beside a backup just made",
    "backup_manifest.read": "reads a backup's manifest (table names and counts)",
    "offsite.plan_from": "reads this desk's settings",
    "offsite.secret_name": "pure",
    "offsite.run_scheduled_copy": "the nightly schedule on the desk (like backup.run_scheduled_backup)",
    "offsite.restore_to_new_computer": "the set-up wizard on a new computer, before any account exists; refused "
                                       "when this computer already has a clinic",
    "first_run.needs_database_choice": "before any account exists",
    "first_run.check_admin": "pure validation of a wizard page",
    "first_run.check_clinic": "pure validation of a wizard page",
    "first_run.check_upi": "pure validation of a wizard page",
    "first_run.check_gateway": "pure validation of a wizard page",
    "first_run.check_all": "pure validation of the wizard",
    "first_run.check_remote": "connects to what the installer typed; nothing stored",
    "first_run.set_up": "refused once the clinic has an active admin (checked under a lock)",
    "first_run.join_existing": "remembers a URL on this desk; signing in comes after",
    "clinic_network.host_fingerprint": "reads the certificate a computer on the network shows; nothing stored",
    "clinic_network.find_hosts": "lists what announces itself on the network; nothing stored",
    "clinic_network.join_clinic": "the host's admin approves it with a one-time code; signing in comes after",
    "clinic_network.start_host": "opens the ports the admin chose to open (become_host), at the desk's start",
    "first_run.join_lan": "the host's admin approves it with a one-time code; signing in comes after",
    "first_run.open_chosen_database": "opens the database the installer chose",
}

Case = Callable[[World, Actor], Callable[[], object]]


def _draft() -> ConsultationDraft:
    return ConsultationDraft(symptoms="Fever for two days", diagnosis="Viral fever", advice="Rest and fluids",
                             lines=(PrescriptionLine("Paracetamol", "500 mg"),))


def _details(name: str = "Rohan Das", phone: str = "9800011122") -> object:
    return validate_patient(full_name=name, phone=phone, today=date(2026, 11, 25), age_years="40")


def _in_uow(w: World, fn: Callable[[], object]) -> object:
    with w.uow:
        result = fn()
        w.uow.commit()
    return result


def _joined_desk(w: World) -> int:
    """A computer that joined the world's host with a code (a role of its own, dropped when it is removed)."""
    assert w.lan_host._redeem(w.lan_host.new_code(), "Reception 2", "192.168.1.20") is not None
    return max(d.id for d in w.lan_host.desks())


def _past_visit(w: World) -> tuple[int, int]:
    """This visit and an earlier visit of the same patient (for copying a prescription)."""
    return w.visit(), w.visit()


def _advance(w: World) -> int:
    """A ₹1,000 advance of the world's patient, received by the desk."""
    return advances.receive_advance(w.uow, w.desk, w.patient_id, amount="1000", method="cash").id


def _bill_with_advance(w: World) -> int:
    _advance(w)
    return w.bill()


def _filters() -> HistoryFilters:
    return HistoryFilters(date_from=date.today() - timedelta(days=7))


CASES: dict[str, Case] = {
    "advances.receive_advance": lambda w, a: partial(advances.receive_advance, w.uow, a, w.patient_id,
                                                     amount="1000", method="cash", purpose="Package"),
    "advances.get_advance": lambda w, a: partial(advances.get_advance, w.uow, a, _advance(w)),
    "advances.patient_advances": lambda w, a: partial(advances.patient_advances, w.uow, a, w.patient_id),
    "advances.apply_advance": lambda w, a: partial(advances.apply_advance, w.uow, a, _bill_with_advance(w),
                                                   amount="100"),
    "advances.refund_advance": lambda w, a: partial(advances.refund_advance, w.uow, a, _advance(w), amount="100",
                                                    reference=f"REF-{w.next()}", reason="Patient asked"),
    "appointments.day_view": lambda w, a: partial(appointments.day_view, w.uow, a, w.today),
    "appointments.week_view": lambda w, a: partial(appointments.week_view, w.uow, a, w.doctor.user_id, w.today),
    "appointments.get_appointment": lambda w, a: partial(appointments.get_appointment, w.uow, a, w.booking()),
    "appointments.book_appointment": lambda w, a: partial(
        appointments.book_appointment, w.uow, a, patient_id=w.patient_id, doctor_id=w.doctor.user_id,
        starts_at=w.free_slot()),
    "appointments.reschedule": lambda w, a: partial(appointments.reschedule, w.uow, a, w.booking(), w.free_slot()),
    "appointments.cancel": lambda w, a: partial(appointments.cancel, w.uow, a, w.booking(), "Patient asked"),
    "appointments.mark_completed": lambda w, a: partial(appointments.mark_completed, w.uow, a, w.booking()),
    "appointments.mark_no_show": lambda w, a: partial(appointments.mark_no_show, w.uow, a, w.booking()),
    "appointments.dashboard": lambda w, a: partial(appointments.dashboard, w.uow, a, w.today),
    "billing.create_bill": lambda w, a: partial(billing.create_bill, w.uow, a, patient_id=w.patient_id,
                                                lines=[LineInput("medicine", "Paracetamol", "2", "25")]),
    "billing.consultation_bill": lambda w, a: partial(billing.consultation_bill, w.uow, a, w.visit()),
    "billing.add_consultation_bill": lambda w, a: partial(
        _in_uow, w, partial(billing.add_consultation_bill, w.uow, a, w.visit(), utcnow())),
    "billing.get_bill": lambda w, a: partial(billing.get_bill, w.uow, a, w.bill()),
    "billing.update_lines": lambda w, a: partial(billing.update_lines, w.uow, a, w.bill(),
                                                 [LineInput("procedure", "Dressing", "1", "150")]),
    "billing.record_payment": lambda w, a: partial(billing.record_payment, w.uow, a, w.bill(), amount="500",
                                                   method="card", reference="slip 42"),
    "billing.refund_payment": lambda w, a: partial(billing.refund_payment, w.uow, a, w.payment(), amount="100",
                                                   reason="Charged twice"),
    "billing.cancel_bill": lambda w, a: partial(billing.cancel_bill, w.uow, a, w.bill(), "Entered twice"),
    "billing.list_bills": lambda w, a: partial(billing.list_bills, w.uow, a, since=utcnow() - timedelta(days=1)),
    "move_database.move_to_remote": lambda w, a: partial(move_database.move_to_remote, w.remote_target, a,
                                                         "postgresql://homa@db.example.com/homa?sslmode=require"),
    "billing.unbilled_visits": lambda w, a: partial(billing.unbilled_visits, w.uow, a),
    "billing.patient_account": lambda w, a: partial(billing.patient_account, w.uow, a, w.patient_id),
    "held_money.list_held": lambda w, a: partial(held_money.list_held, w.uow, a),
    "held_money.move_targets": lambda w, a: partial(held_money.move_targets, w.uow, a, w.held_payment()),
    "held_money.accept_held": lambda w, a: partial(held_money.accept_held, w.uow, a, w.held_payment(),
                                                   refund_reference=f"rfnd_M{w.next()}", refund_reason="Overpaid"),
    "held_money.refund_held": lambda w, a: partial(held_money.refund_held, w.uow, a, w.held_payment(),
                                                   amount="700", reference=f"rfnd_M{w.next()}", reason="Not ours"),
    "held_money.move_held": lambda w, a: partial(held_money.move_held, w.uow, a, w.held_payment(), w.bill(),
                                                 refund_reference=f"rfnd_M{w.next()}", refund_reason="Overpaid"),
    "backup.save_plan": lambda w, a: partial(backup.save_plan, a, str(w.backups), "21:00", "7",
                                             path=w.settings_path),
    "backup.back_up_now": lambda w, a: partial(backup.back_up_now, w.uow, w.target, a,
                                               Settings(backup_folder=str(w.backups))),
    "offsite.save_offsite": lambda w, a: partial(offsite.save_offsite, w.uow, a, "", "", "23:30", False,
                                                 path=w.settings_path),
    "offsite.test_connection": lambda w, a: partial(offsite.test_connection, w.uow, a,
                                                    "postgresql://homa@127.0.0.1:1/homa", "x"),
    "offsite.copy_status": lambda w, a: partial(offsite.copy_status, w.uow, a),
    "offsite.copy_now": lambda w, a: partial(offsite.copy_now, w.uow, w.remote_target, a,
                                             Settings(backup_folder=str(w.backups))),
    "backup.restore_backup": lambda w, a: partial(backup.restore_backup, w.uow, w.remote_target, a,
                                                  w.backups / "none.dump", Settings(backup_folder=str(w.backups))),
    "clinic_network.make_join_code": lambda w, a: partial(clinic_network.make_join_code, w.uow, a, w.lan_host),
    "clinic_network.joined_desks": lambda w, a: partial(clinic_network.joined_desks, w.uow, a, w.lan_host),
    "clinic_network.remove_desk": lambda w, a: partial(clinic_network.remove_desk, w.uow, a, w.lan_host,
                                                       _joined_desk(w)),
    "clinic_network.become_host": lambda w, a: partial(clinic_network.become_host, w.uow, a, w.lan_backend,
                                                       settings_path=w.settings_path),
    "clinic.set_clinic_name": lambda w, a: partial(clinic.set_clinic_name, w.uow, a, "Sunrise Clinic Annex"),
    "clinic.store_clinic_name": lambda w, a: partial(
        _in_uow, w, partial(clinic.store_clinic_name, w.uow, a, "Sunrise Clinic Annex")),
    "clinic.set_temperature_unit": lambda w, a: partial(clinic.set_temperature_unit, w.uow, a,
                                                        TemperatureUnit.FAHRENHEIT),
    "close_of_day.count_cash": lambda w, a: partial(close_of_day.count_cash, w.uow, a, w.today, "0",
                                                    "Counted at closing"),
    "close_of_day.reconcile_gateway": lambda w, a: partial(close_of_day.reconcile_gateway, w.uow, w.gateway, a,
                                                           w.today),
    "consultations.get_consultation": lambda w, a: partial(consultations.get_consultation, w.uow, a, w.visit()),
    "consultations.open_visit": lambda w, a: partial(consultations.open_visit, w.uow, a, w.visit()),
    "consultations.past_visits": lambda w, a: partial(consultations.past_visits, w.uow, a, w.visit()),
    "consultations.copy_prescription": lambda w, a: partial(consultations.copy_prescription, w.uow, a,
                                                            *_past_visit(w)),
    "consultations.prescription_document": lambda w, a: partial(consultations.prescription_document, w.uow, a,
                                                                w.visit()),
    "consultations.follow_up_slots": lambda w, a: partial(consultations.follow_up_slots, w.uow, a, w.visit(),
                                                          local_day(w.free_slot())),
    "consultations.save_consultation": lambda w, a: partial(consultations.save_consultation, w.uow, a, w.visit(),
                                                            _draft()),
    "consultations.complete_consultation": lambda w, a: partial(consultations.complete_consultation, w.uow, a,
                                                                w.visit(), _draft()),
    "consultations.unsaved_draft": lambda w, a: partial(consultations.unsaved_draft, w.uow, a, w.visit()),
    "consultations.keep_draft": lambda w, a: partial(consultations.keep_draft, w.uow, a, w.visit(),
                                                     UnsavedConsultation(diagnosis="Viral fever")),
    "consultations.discard_draft": lambda w, a: partial(consultations.discard_draft, w.uow, a, w.visit()),
    "consultations.list_favourites": lambda w, a: partial(consultations.list_favourites, w.uow, a),
    "consultations.add_favourite": lambda w, a: partial(consultations.add_favourite, w.uow, a, "Cetirizine",
                                                        "10 mg"),
    "consultations.remove_favourite": lambda w, a: partial(consultations.remove_favourite, w.uow, a,
                                                           w.favourite_of(a)),
    "consultations.list_templates": lambda w, a: partial(consultations.list_templates, w.uow, a),
    "consultations.save_template": lambda w, a: partial(consultations.save_template, w.uow, a, "Cold",
                                                        [PrescriptionLine("Cetirizine", "10 mg")]),
    "consultations.remove_template": lambda w, a: partial(consultations.remove_template, w.uow, a,
                                                          w.template_of(a)),
    "consultations.open_follow_ups": lambda w, a: partial(consultations.open_follow_ups, w.uow, a),
    "consultations.close_follow_up": lambda w, a: partial(consultations.close_follow_up, w.uow, a,
                                                          w.follow_up_request()),
    "contact_status.is_contact_verified": lambda w, a: partial(contact_status.is_contact_verified, w.uow, a,
                                                               w.patient_id),
    "doctors.list_doctors": lambda w, a: partial(doctors.list_doctors, w.uow, a),
    "doctors.doctor_names": lambda w, a: partial(doctors.doctor_names, w.uow, a),
    "doctors.get_doctor": lambda w, a: partial(doctors.get_doctor, w.uow, a, w.doctor.user_id),
    "doctors.update_profile": lambda w, a: partial(doctors.update_profile, w.uow, a, w.doctor.user_id, ProfileChanges(
        "Paediatrics", "MBBS, DCH", "KMC-54321", Decimal("600"), 15)),
    "doctors.set_working_hours": lambda w, a: partial(doctors.set_working_hours, w.uow, a, w.doctor.user_id,
                                                      WEEKDAY_HOURS),
    "doctors.save_doctor": lambda w, a: partial(doctors.save_doctor, w.uow, a, w.doctor.user_id, ProfileChanges(
        "Paediatrics", "MBBS, DCH", "KMC-54321", Decimal("600"), 15), WEEKDAY_HOURS),
    "doctors.add_leave": lambda w, a: partial(doctors.add_leave, w.uow, a, w.doctor.user_id, w.far_day(), "Leave"),
    "doctors.remove_leave": lambda w, a: partial(doctors.remove_leave, w.uow, a, w.doctor.user_id, w.leave_day()),
    "notifications.recent_messages": lambda w, a: partial(notifications.recent_messages, w.uow, a),
    "message_channels.message_preferences": lambda w, a: partial(message_channels.message_preferences, w.uow, a,
                                                                 w.patient_id),
    "message_channels.set_message_preferences": lambda w, a: partial(
        message_channels.set_message_preferences, w.uow, a, w.patient_id, Channel.SMS, {Channel.WHATSAPP: True}),
    "clinic.clinic_tab": lambda w, a: partial(clinic.clinic_tab, w.uow, a),
    "message_channels.messages_tab": lambda w, a: partial(message_channels.messages_tab, w.uow, a, w.patient_id),
    "message_channels.patient_messages": lambda w, a: partial(message_channels.patient_messages, w.uow, a,
                                                              w.patient_id),
    "message_channels.fallback_rule": lambda w, a: partial(message_channels.fallback_rule, w.uow, a),
    "message_channels.set_fallback_rule": lambda w, a: partial(message_channels.set_fallback_rule, w.uow, a,
                                                               [Channel.WHATSAPP, Channel.SMS]),
    "whatsapp_setup.load_whatsapp": lambda w, a: partial(whatsapp_setup.load_whatsapp, w.uow, a, Settings()),
    "whatsapp_setup.save_whatsapp": lambda w, a: partial(whatsapp_setup.save_whatsapp, w.uow, a, "", "",
                                                         "sms,email", path=w.settings_path),
    "notifications.send_again": lambda w, a: partial(notifications.send_again, w.uow, a, w.failed_message()),
    "notifications.set_preferred_language": lambda w, a: partial(notifications.set_preferred_language, w.uow, a,
                                                                 w.patient_id, "hi"),
    "patients.search_patients": lambda w, a: partial(patients.search_patients, w.uow, a, "Kavya"),
    "patients.find_likely_duplicates": lambda w, a: partial(patients.find_likely_duplicates, w.uow, a,
                                                            "Kavya Nair", "9812345670"),
    "patients.register_patient": lambda w, a: partial(patients.register_patient, w.uow, a, _details()),
    "patients.update_patient": lambda w, a: partial(patients.update_patient, w.uow, a, raw_patient(w.engine),
                                                    _details("Priya Sharma Iyer")),
    "patients.get_patient_profile": lambda w, a: partial(patients.get_patient_profile, w.uow, a, w.patient_id),
    "price_list.list_items": lambda w, a: partial(price_list.list_items, w.uow, a),
    "price_list.search_items": lambda w, a: partial(price_list.search_items, w.uow, a, "co"),
    "price_list.save_item": lambda w, a: partial(price_list.save_item, w.uow, a, PriceItemInput(
        f"RM{w.next()}", "Dressing, small", "procedure", "", "150")),
    "price_list.import_items": lambda w, a: partial(price_list.import_items, w.uow, a,
                                                    f"code,name,rate\nIMP{w.next()},Suture removal,200\n".encode()),
    "price_list.export_items": lambda w, a: partial(price_list.export_items, w.uow, a),
    "price_list.receptionists_may_change_rates": lambda w, a: partial(
        price_list.receptionists_may_change_rates, w.uow, a),
    "price_list.set_receptionists_may_change_rates": lambda w, a: partial(
        price_list.set_receptionists_may_change_rates, w.uow, a, False),
    "queue.queue_for": lambda w, a: partial(queue.queue_for, w.uow, a, w.doctor.user_id, w.today),
    "queue.all_doctors_queue": lambda w, a: partial(queue.all_doctors_queue, w.uow, a, w.today),
    "queue.queue_page": lambda w, a: partial(queue.queue_page, w.uow, a, w.today, None),
    "queue.check_in": lambda w, a: partial(queue.check_in, w.uow, a, w.arrival()),
    "queue.add_walk_in": lambda w, a: partial(queue.add_walk_in, w.uow, a, w.patient_id, w.doctor.user_id),
    "queue.call_next": lambda w, a: partial(queue.call_next, w.uow, a, w.doctor.user_id),
    "reports.payment_history": lambda w, a: partial(reports.payment_history, w.uow, a, _filters()),
    "reports.payment_history_totals": lambda w, a: partial(reports.payment_history_totals, w.uow, a, _filters()),
    "reports.write_history_csv": lambda w, a: partial(reports.write_history_csv, w.uow, a, _filters(),
                                                      io.StringIO()),
    "reports.daily_collection": lambda w, a: partial(reports.daily_collection, w.uow, a, w.today),
    "owner_reports.collections_report": lambda w, a: partial(owner_reports.collections_report, w.uow, a, w.today),
    "owner_reports.visits_report": lambda w, a: partial(owner_reports.visits_report, w.uow, a, w.today),
    "owner_reports.items_report": lambda w, a: partial(owner_reports.items_report, w.uow, a, w.today),
    "owner_reports.audit_log": lambda w, a: partial(owner_reports.audit_log, w.uow, a, AuditFilters()),
    "owner_reports.audit_people": lambda w, a: partial(owner_reports.audit_people, w.uow, a),
    "owner_reports.write_audit_csv": lambda w, a: partial(owner_reports.write_audit_csv, w.uow, a, AuditFilters(),
                                                          io.StringIO(), ["When"], lambda row: [str(row.id)]),
    "settings.load_settings": lambda w, a: partial(settings.load_settings, w.uow, a, Settings()),
    "sms_dlt.load_dlt_setup": lambda w, a: partial(sms_dlt.load_dlt_setup, w.uow, a),
    "sms_dlt.send_held_messages": lambda w, a: partial(sms_dlt.send_held_messages, w.uow, a),
    "sms_dlt.leave_held_messages": lambda w, a: partial(sms_dlt.leave_held_messages, w.uow, a),
    "sms_dlt.save_dlt_setup": lambda w, a: partial(sms_dlt.save_dlt_setup, w.uow, a, sms_dlt.DltForm(
        "1201159100000000001", "HOMACL")),
    "settings.save_settings": lambda w, a: partial(settings.save_settings, w.uow, a, SettingsForm(
        clinic_name="Sunrise Clinic", clinic_address="12 MG Road, Pune"), path=w.settings_path),
    "staff.add_staff": lambda w, a: partial(staff.add_staff, w.uow, a, w.new_staff()),
    "staff.list_staff": lambda w, a: partial(staff.list_staff, w.uow, a),
    "staff.set_staff_active": lambda w, a: partial(staff.set_staff_active, w.uow, a, w.spare_staff(), False),
    "staff.reset_password": lambda w, a: partial(staff.reset_password, w.uow, a, w.spare_staff(),
                                                 "Monsoon-Tiger-Lake-81"),
    "upi_payments.start_upi_payment": lambda w, a: partial(upi_payments.start_upi_payment, w.uow, w.gateway, a,
                                                           w.bill()),
    "upi_payments.get_session": lambda w, a: partial(upi_payments.get_session, w.uow, a, w.upi_session()),
    "upi_payments.cancel_upi_payment": lambda w, a: partial(upi_payments.cancel_upi_payment, w.uow, w.gateway, a,
                                                            w.upi_session()),
    "upi_payments.confirm_by_reference": lambda w, a: partial(upi_payments.confirm_by_reference, w.uow, a,
                                                              w.upi_session(), w.utr()),
    "verification.send_code": lambda w, a: partial(verification.send_code, w.uow, a, w.patient_id, "sms"),
    "verification.check_code": lambda w, a: partial(verification.check_code, w.uow, a, w.patient_id,
                                                    w.sent_code()),
    "waiting_room.waiting_board": lambda w, a: partial(waiting_room.waiting_board, w.uow, a, w.today),
    "waiting_room.board_settings": lambda w, a: partial(waiting_room.board_settings, w.uow, a),
    "waiting_room.set_board_settings": lambda w, a: partial(waiting_room.set_board_settings, w.uow, a, "both",
                                                            False),
}


def public_service_functions() -> dict[str, Callable[..., object]]:
    found = {}
    for module_info in pkgutil.iter_modules(homa_desk.services.__path__):
        module = importlib.import_module(f"homa_desk.services.{module_info.name}")
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_"):
                found[f"{module_info.name}.{name}"] = value
    return found


def test_every_public_service_function_is_in_the_table():
    functions = public_service_functions()
    listed = set(EXPECTED) | set(NO_ACTOR)
    assert not set(EXPECTED) & set(NO_ACTOR)
    assert sorted(set(functions) - listed) == [], "new service functions: add them to EXPECTED or NO_ACTOR"
    assert sorted(listed - set(functions)) == [], "functions gone from the services: remove them from the table"
    assert set(CASES) == set(EXPECTED)
    takes_actor = {name for name, fn in functions.items() if "actor" in inspect.signature(fn).parameters}
    assert takes_actor == set(EXPECTED), "functions acting for someone take an actor; the rest are in NO_ACTOR"


@pytest.fixture(scope="module")
def world(cluster, tmp_path_factory) -> World:
    """One clinic for the whole table: every call makes its own rows, so the cases do not disturb each other."""
    url = cluster.fresh_database()
    engine = engine_for(url)
    built = build_world(engine, UnitOfWork(engine))
    built.settings_path = tmp_path_factory.mktemp("settings") / "settings.json"  # type: ignore[attr-defined]
    built.backups = tmp_path_factory.mktemp("backups")  # type: ignore[attr-defined]
    built.target = DatabaseTarget("embedded", url)  # type: ignore[attr-defined]
    built.remote_target = DatabaseTarget("remote", url)  # type: ignore[attr-defined]
    # the clinic's host, administered (no ports opened), on the world's database
    built.lan_host = LanHost(cluster.server, addresses=[], announce=False, database=url.database)  # type: ignore[attr-defined]
    built.lan_backend = Backend(engine, built.target, embedded=cluster.server)  # type: ignore[attr-defined]
    yield built
    built.lan_host.stop()
    engine.dispose()
    cluster.drop(url)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_role_matrix(world, name):
    mismatches = []
    for role in ROLES:
        actor = world.actors[role]
        call = CASES[name](world, actor)
        before = world.row_counts()
        try:
            call()
        except PermissionDenied as refused:
            outcome = "refused"
            assert world.row_counts() == before, f"{name} as {role}: refused but wrote rows"
            assert refused.message
        except DomainError as error:
            outcome = "allowed" if name in PAST_THE_ROLE_CHECK else f"error {type(error).__name__}: {error}"
        except Exception as error:  # the table says what should have happened
            outcome = f"error {type(error).__name__}: {error}"
        else:
            outcome = "allowed"
        expected = "allowed" if role in EXPECTED[name] else "refused"
        if outcome != expected:
            mismatches.append(f"{role}: expected {expected}, got {outcome}")
    assert not mismatches, f"{name}: " + "; ".join(mismatches)


def test_the_first_run_cannot_add_a_second_admin(world):
    from homa_desk.domain.roles import Role
    from tests.helpers import new_staff

    before = world.row_counts()
    with pytest.raises(PermissionDenied, match="already has an admin"):
        staff.create_first_admin(world.uow, new_staff(Role.ADMIN, name="Intruder Admin"), "Taken Over Clinic")
    assert world.row_counts() == before


# Needs no database: it writes this desk's own settings file (where backups go), which the signed-in user can edit.
LOCAL_ONLY = {"backup.save_plan"}


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - LOCAL_ONLY))
def test_an_impostor_is_refused_by_the_database(world, name):
    """The Actor object is not believed: a receptionist's id claiming admin, and a disabled admin, are refused by
    every service, reads included, before anything is written or any gateway is asked."""
    for who, actor in world.impostors.items():
        call = CASES[name](world, actor)
        before = world.row_counts()
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert world.row_counts() == before, f"{name} as {who}: refused but wrote rows"
        assert refused.value.message, who


# --- reads: clinical text goes only to the roles that may read it ------------------------------------------------

CLINICAL_WORD = "Quokkitis"  # in every clinical field of one visit and in the patient's medical history
CLINICAL_VITAL = "77.77"  # the visit's weight in kg
CLINICAL_READERS: dict[str, set[str]] = {
    "consultations.get_consultation": TREATING,
    "consultations.open_visit": TREATING,
    "consultations.past_visits": TREATING,
    "consultations.prescription_document": TREATING,
    "consultations.save_consultation": TREATING,  # the saved consultation, with the patient's card
    "consultations.complete_consultation": TREATING,
    "patients.get_patient_profile": CLINICAL,  # the medical history: doctors and admins
}


@pytest.fixture(scope="module")
def clinical_world(world) -> World:
    """The world's patient with a consultation of today full of clinical text, and a medical history."""
    visit = world.visit()
    consultations.save_consultation(world.uow, world.doctor, visit, ConsultationDraft(
        vitals=Vitals(weight_kg=Decimal(CLINICAL_VITAL)), symptoms=f"{CLINICAL_WORD} symptoms",
        diagnosis=f"{CLINICAL_WORD} diagnosis", advice=f"{CLINICAL_WORD} advice",
        lines=(PrescriptionLine(f"{CLINICAL_WORD}mycin", "500 mg"),)))
    details = validate_patient(full_name="Kavya Nair", phone="9812345670", email="kavya@patients.example",
                               today=date(2026, 11, 25), age_years="34",
                               medical_history=f"{CLINICAL_WORD} since childhood")
    patients.update_patient(world.uow, world.admin, world.patient_id, details)
    return world


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - PAST_THE_ROLE_CHECK))
def test_clinical_text_reaches_only_the_roles_that_may_read_it(clinical_world, name):
    """Every service a role may call, called as that role: what it returns carries no clinical text unless the role
    may read it there (the treating doctor and admins for the visit; doctors and admins for the medical history)."""
    leaks = []
    for role in sorted(EXPECTED[name]):
        result = CASES[name](clinical_world, clinical_world.actors[role])()
        shown = repr(result)
        if (CLINICAL_WORD in shown or CLINICAL_VITAL in shown) and role not in CLINICAL_READERS.get(name, set()):
            leaks.append(role)
    assert not leaks, f"{name} shows clinical text to {', '.join(leaks)}"


def test_the_clinical_text_is_there_to_be_found(clinical_world):
    """The check above would see a leak: the treating doctor does get the text through the same calls."""
    doctor = clinical_world.doctor
    shown = repr(CASES["consultations.past_visits"](clinical_world, doctor)())
    assert CLINICAL_WORD in shown and CLINICAL_VITAL in shown
    assert CLINICAL_WORD in repr(CASES["patients.get_patient_profile"](clinical_world, doctor)())
