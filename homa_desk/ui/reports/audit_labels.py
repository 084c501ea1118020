"""Words for the audit log viewer: each kind of action, each field of a before/after, and what an entry is about.

Keys the desk has no words for (a later feature's) are shown humanized ("due_on" → "Due on").
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QT_TR_NOOP

from homa_desk.domain.audit_view import FieldChange, changes, humanized
from homa_desk.ui.common.i18n import tr

ACTIONS = {
    "patient_registered": QT_TR_NOOP("Patient registered"),
    "patient_updated": QT_TR_NOOP("Patient details changed"),
    "patient_clinical_updated": QT_TR_NOOP("Medical history or allergies changed"),
    "patient_language_set": QT_TR_NOOP("Patient's language set"),
    "patient_channel_set": QT_TR_NOOP("Patient's message channel set"),
    "message_consent_set": QT_TR_NOOP("Message consent recorded"),
    "appointment_booked": QT_TR_NOOP("Appointment booked"),
    "appointment_rescheduled": QT_TR_NOOP("Appointment moved"),
    "appointment_cancelled": QT_TR_NOOP("Appointment cancelled"),
    "appointment_completed": QT_TR_NOOP("Visit completed"),
    "appointment_no_show": QT_TR_NOOP("Marked no-show"),
    "appointment_checked_in": QT_TR_NOOP("Checked in"),
    "appointment_walk_in": QT_TR_NOOP("Walk-in"),
    "queue_called": QT_TR_NOOP("Called in"),
    "consultation_saved": QT_TR_NOOP("Consultation saved"),
    "allergy_override": QT_TR_NOOP("Allergy warning overridden"),
    "follow_up_requested": QT_TR_NOOP("Follow-up asked for"),
    "follow_up_closed": QT_TR_NOOP("Follow-up closed"),
    "bill_created": QT_TR_NOOP("Bill created"),
    "bill_lines_changed": QT_TR_NOOP("Bill lines changed"),
    "bill_cancelled": QT_TR_NOOP("Bill cancelled"),
    "payment_received": QT_TR_NOOP("Payment received"),
    "payment_refunded": QT_TR_NOOP("Payment refunded"),
    "held_payment_accepted": QT_TR_NOOP("Held money accepted"),
    "held_payment_moved": QT_TR_NOOP("Held money moved"),
    "held_payment_refunded": QT_TR_NOOP("Held money refunded"),
    "gateway_payment_held": QT_TR_NOOP("Gateway money held for review"),
    "gateway_reconciled": QT_TR_NOOP("UPI checked with the gateway"),
    "cash_counted": QT_TR_NOOP("Cash drawer counted"),
    "upi_session_started": QT_TR_NOOP("UPI QR shown"),
    "upi_session_expired": QT_TR_NOOP("UPI QR expired"),
    "upi_session_cancelled": QT_TR_NOOP("UPI QR cancelled"),
    "upi_session_completed": QT_TR_NOOP("UPI QR paid"),
    "upi_payment_flagged": QT_TR_NOOP("UPI payment flagged"),
    "staff_added": QT_TR_NOOP("Staff added"),
    "staff_enabled": QT_TR_NOOP("Staff enabled"),
    "staff_disabled": QT_TR_NOOP("Staff disabled"),
    "password_reset": QT_TR_NOOP("Password reset"),
    "sign_in_failed": QT_TR_NOOP("Sign-in failed"),
    "verification_code_sent": QT_TR_NOOP("Verification code sent"),
    "contact_verified": QT_TR_NOOP("Contact verified"),
    "doctor_profile_updated": QT_TR_NOOP("Doctor's profile changed"),
    "doctor_hours_updated": QT_TR_NOOP("Doctor's hours changed"),
    "doctor_leave_added": QT_TR_NOOP("Doctor's leave added"),
    "doctor_leave_removed": QT_TR_NOOP("Doctor's leave removed"),
    "clinic_renamed": QT_TR_NOOP("Clinic renamed"),
    "clinic_profile_changed": QT_TR_NOOP("Clinic details changed"),
    "temperature_unit_set": QT_TR_NOOP("Temperature unit set"),
    "waiting_board_settings_set": QT_TR_NOOP("Waiting room screen settings"),
    "sms_dlt_changed": QT_TR_NOOP("SMS registration changed"),
    "held_sms_sent": QT_TR_NOOP("Held SMS sent"),
    "held_sms_left": QT_TR_NOOP("Held SMS left unsent"),
    "message_resent": QT_TR_NOOP("Message sent again"),
    "message_fallback_set": QT_TR_NOOP("Message channels order set"),
    "backup_restored": QT_TR_NOOP("Backup restored"),
    "database_moved_here": QT_TR_NOOP("Database moved here"),
    "database_moved_away": QT_TR_NOOP("Database moved away"),
    "price_item_added": QT_TR_NOOP("Price list item added"),
    "price_item_changed": QT_TR_NOOP("Price list item changed"),
    "price_list_imported": QT_TR_NOOP("Price list imported"),
    "price_rates_policy_set": QT_TR_NOOP("Receptionists' rates setting"),
    "advance_received": QT_TR_NOOP("Advance received"),
    "advance_applied": QT_TR_NOOP("Advance used on a bill"),
    "advance_refunded": QT_TR_NOOP("Advance refunded"),
    "offsite_copy_made": QT_TR_NOOP("Off-site copy made"),
    "offsite_copy_restored": QT_TR_NOOP("Restored from the off-site copy"),
    "desk_removed": QT_TR_NOOP("Desk removed from the clinic"),
}

FIELDS = {
    "status": QT_TR_NOOP("Status"), "amount": QT_TR_NOOP("Amount"), "total": QT_TR_NOOP("Total"),
    "method": QT_TR_NOOP("Method"), "reason": QT_TR_NOOP("Reason"), "lines": QT_TR_NOOP("Lines"),
    "bill_id": QT_TR_NOOP("Bill"), "refund_id": QT_TR_NOOP("Refund"), "refunded_amount": QT_TR_NOOP("Refunded"),
    "reference": QT_TR_NOOP("Reference"), "doctor_id": QT_TR_NOOP("Doctor"), "patient_id": QT_TR_NOOP("Patient"),
    "starts_at": QT_TR_NOOP("Starts at"), "appointment_date": QT_TR_NOOP("Date and time"),
    "consultation_type": QT_TR_NOOP("Consultation type"), "is_walk_in": QT_TR_NOOP("Walk-in"),
    "queue_state": QT_TR_NOOP("Queue"), "token": QT_TR_NOOP("Token"), "day": QT_TR_NOOP("Day"),
    "counted": QT_TR_NOOP("Counted"), "expected": QT_TR_NOOP("Expected"), "email": QT_TR_NOOP("E-mail"),
    "role": QT_TR_NOOP("Role"), "is_active": QT_TR_NOOP("Active"), "name": QT_TR_NOOP("Name"),
    "full_name": QT_TR_NOOP("Name"), "phone": QT_TR_NOOP("Mobile"), "fields": QT_TR_NOOP("Fields"),
    "channel": QT_TR_NOOP("Channel"), "consent": QT_TR_NOOP("Consent"), "language": QT_TR_NOOP("Language"),
    "value": QT_TR_NOOP("Value"), "notes": QT_TR_NOOP("Notes"), "due_on": QT_TR_NOOP("Due on"),
    "allergies": QT_TR_NOOP("Allergies"), "medicines": QT_TR_NOOP("Medicines"), "gateway": QT_TR_NOOP("Gateway"),
    "specialty": QT_TR_NOOP("Specialty"), "qualification": QT_TR_NOOP("Qualification"),
    "consultation_fee": QT_TR_NOOP("Fee"), "room": QT_TR_NOOP("Room"), "payments": QT_TR_NOOP("Payments"),
    "sessions": QT_TR_NOOP("Sessions"), "first_name": QT_TR_NOOP("First name"), "rule": QT_TR_NOOP("Rule"),
    "state": QT_TR_NOOP("State"), "accepted": QT_TR_NOOP("Accepted"), "tables": QT_TR_NOOP("Tables"),
    "rows": QT_TR_NOOP("Rows"), "host": QT_TR_NOOP("Server"), "database": QT_TR_NOOP("Database"),
    "kind": QT_TR_NOOP("Kind"), "discount": QT_TR_NOOP("Discount"), "quantity": QT_TR_NOOP("Quantity"),
    "unit_price": QT_TR_NOOP("Rate"), "description": QT_TR_NOOP("Description"),
    "bill_number": QT_TR_NOOP("Bill No."), "meeting_link": QT_TR_NOOP("Meeting link"),
    "cancellation_reason": QT_TR_NOOP("Cancelled because"), "slot_minutes": QT_TR_NOOP("Slot minutes"),
    "registration_number": QT_TR_NOOP("Registration number"), "gender": QT_TR_NOOP("Gender"),
    "date_of_birth": QT_TR_NOOP("Date of birth"), "address": QT_TR_NOOP("Address"),
    "medical_history": QT_TR_NOOP("Medical history"), "follow_up_of": QT_TR_NOOP("Follow-up of"),
    "left": QT_TR_NOOP("Left"), "queued": QT_TR_NOOP("Queued"), "request_id": QT_TR_NOOP("Request"),
    "schema_revision": QT_TR_NOOP("Schema revision"), "queue_entry": QT_TR_NOOP("Queue"),
    "sac_hsn": QT_TR_NOOP("SAC/HSN"), "gst_rate": QT_TR_NOOP("GST rate"),
    "price_item_id": QT_TR_NOOP("Price list item"),
    "place_of_supply": QT_TR_NOOP("Place of supply"), "code": QT_TR_NOOP("Code"), "category": QT_TR_NOOP("Category"),
    "rate": QT_TR_NOOP("Rate"), "active": QT_TR_NOOP("Active"), "added": QT_TR_NOOP("Added"),
    "changed": QT_TR_NOOP("Changed"), "unchanged": QT_TR_NOOP("Unchanged"), "payment_id": QT_TR_NOOP("Payment"),
    "purpose": QT_TR_NOOP("Purpose"), "balance_due": QT_TR_NOOP("Balance due"), "advances": QT_TR_NOOP("Advances"),
    "advances_applied": QT_TR_NOOP("Advances used"), "refunded": QT_TR_NOOP("Refunded"),
    "available": QT_TR_NOOP("Available"), "size": QT_TR_NOOP("Size"),
}

ENTITIES = {
    "patient": QT_TR_NOOP("Patient"), "user": QT_TR_NOOP("Account"), "appointment": QT_TR_NOOP("Appointment"),
    "bill": QT_TR_NOOP("Bill"), "payment": QT_TR_NOOP("Payment"), "payment_session": QT_TR_NOOP("UPI QR"),
    "doctor": QT_TR_NOOP("Doctor"), "clinic_settings": QT_TR_NOOP("Clinic settings"),
    "clinic_setting": QT_TR_NOOP("Clinic settings"), "cash_count": QT_TR_NOOP("Cash count"),
    "clinic_day": QT_TR_NOOP("Clinic day"), "outbox_message": QT_TR_NOOP("Message"),
    "follow_up_request": QT_TR_NOOP("Follow-up"), "database": QT_TR_NOOP("Database"),
    "advance": QT_TR_NOOP("Advance"), "price_list_item": QT_TR_NOOP("Price list item"),
    "lan_desk": QT_TR_NOOP("Desk"),
}

ROLES = {"admin": QT_TR_NOOP("Admin"), "receptionist": QT_TR_NOOP("Receptionist"), "doctor": QT_TR_NOOP("Doctor")}
SET, CLEARED = QT_TR_NOOP("{field}: {new}"), QT_TR_NOOP("{field}: {old} → removed")
WORDS = {"yes": QT_TR_NOOP("yes"), "no": QT_TR_NOOP("no"), "open": QT_TR_NOOP("Open"), "paid": QT_TR_NOOP("Paid"),
         "cancelled": QT_TR_NOOP("Cancelled"), "completed": QT_TR_NOOP("Completed"),
         "scheduled": QT_TR_NOOP("Scheduled"), "no_show": QT_TR_NOOP("No-show"), "refunded": QT_TR_NOOP("Refunded"),
         "pending": QT_TR_NOOP("Pending"), "cash": QT_TR_NOOP("Cash"), "upi": QT_TR_NOOP("UPI"),
         "card": QT_TR_NOOP("Card"), "wallet": QT_TR_NOOP("Wallet"), "netbanking": QT_TR_NOOP("Net banking"),
         "admin": QT_TR_NOOP("Admin"), "doctor": QT_TR_NOOP("Doctor"), "receptionist": QT_TR_NOOP("Receptionist"),
         "patient": QT_TR_NOOP("Patient"), "offline": QT_TR_NOOP("At the clinic"), "online": QT_TR_NOOP("Online"),
         "consultation": QT_TR_NOOP("Consultation"), "procedure": QT_TR_NOOP("Procedure"),
         "medicine": QT_TR_NOOP("Medicine"), "lab_test": QT_TR_NOOP("Lab test"), "other": QT_TR_NOOP("Other"),
         "male": QT_TR_NOOP("Male"), "female": QT_TR_NOOP("Female")}


def action_label(action: str) -> str:
    return tr(ACTIONS[action]) if action in ACTIONS else humanized(action)


def field_label(name: str) -> str:
    return tr(FIELDS[name]) if name in FIELDS else humanized(name)


def entity_label(entity: str, entity_id: str | None) -> str:
    kind = tr(ENTITIES[entity]) if entity in ENTITIES else humanized(entity)
    if not entity_id or any("a" <= c.lower() <= "z" for c in entity_id):
        return kind  # a settings key ("clinic_name") says nothing the kind does not
    return f"{kind} {entity_id}"


def word(text: str) -> str:
    """A stored value in the desk's words where the desk has some ("cancelled" → Cancelled)."""
    return tr(WORDS[text]) if text in WORDS else text


def change_line(change: FieldChange) -> str:
    """"Amount: 500 → 300" in the desk's language; a field set shows its value, one cleared says so."""
    name = field_label(change.field)
    if change.old is None:
        return tr(SET).format(field=name, new=change.new)
    if change.new is None:
        return tr(CLEARED).format(field=name, old=change.old)
    return f"{name}: {change.old} → {change.new}"


def field_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> list[FieldChange]:
    """The entry's changes with the desk's words for fields and values."""
    return changes(before, after, field_label, word)
