"""SMS under TRAI's DLT rules: the clinic's Principal Entity ID, its sender header, and a registered content template
per message kind and language, whose `{#var#}` the desk fills in order.

Operators compare every SMS to an Indian number with the template registered for its id and block what does not
match. So the desk never sends its own wording to India: it fills the registered text and refuses, before sending, a
text that could not match — a variable over the provider's length limit, a line break the template lacks, a
character a plain-text template cannot carry.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.notification_templates import TEMPLATES
from homa_desk.domain.notifications import Language, Template
from homa_desk.domain.sms_segments import Encoding, SegmentCount, count_segments, encoding_of, is_gsm7

VAR = "{#var#}"
VARIABLE_LIMIT = 30  # characters per {#var#}: the limit the desk keeps to (MSG91 documents 40; 30 is safe everywhere)
TEXT_LIMIT = 2000  # Exotel's limit for Body
KINDS = (Template.BOOKED, Template.RESCHEDULED, Template.CANCELLED, Template.REMINDER, Template.PAYMENT,
         Template.VERIFICATION)
KIND_LABELS = {Template.BOOKED: "Booking", Template.RESCHEDULED: "Reschedule", Template.CANCELLED: "Cancellation",
               Template.REMINDER: "Reminder", Template.PAYMENT: "Payment received",
               Template.VERIFICATION: "Verification code"}
VARIABLE_LABELS = {"patient_name": "patient's name", "doctor_name": "doctor", "clinic_name": "clinic",
                   "when": "date and time", "amount": "amount", "method": "payment method",
                   "bill_number": "bill number", "code": "code"}
PLAIN_SUBSTITUTES = {"₹": "Rs."}  # in a plain-text template the rupee sign would turn the whole SMS into Unicode
_ENTITY_ID = re.compile(r"^[0-9]{12,19}$")
_TEMPLATE_ID = re.compile(r"^[0-9]{12,19}$")
_HEADER = re.compile(r"^[A-Z]{6}$")
_HEADER_AS_SHOWN = re.compile(r"^[A-Z]{2}-([A-Z]{6})(?:-[A-Z])?$")  # what a phone shows: VM-HOMACL-S, AD-HOMACL
_SPREADSHEET_NUMBER = re.compile(r"^[0-9](?:[.,][0-9]+)?[eE]\+?[0-9]+$")  # 1.10716E+18: Excel cut the digits
SHORTENED_ID = ("This is the number as a spreadsheet shortened it ({value}); its last digits are lost. Copy the ID"
                " from the DLT portal, or format the spreadsheet column as Text first.")
TYPOGRAPHIC = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
               "\u2026": "...", "\u00a0": " "}  # what word processors and chat apps put in place of plain signs
TYPOGRAPHIC_NAMES = {"\u00a0": "non-breaking space"}
INVISIBLE = ("\ufeff", "\u200b")  # a byte-order mark or zero-width space copied from a web page: never registered
NOT_SET_UP = "not set up: no DLT template for {kind} ({language}); an admin adds it in Settings → Messages"


class TextRefused(DomainError):
    """The filled text could not match its registered template, so it is not sent (the reason says why)."""


class NotSetUp(DomainError):
    """No registered template (or no entity ID / header) for this message: it is not sent, and not retried."""


@dataclass(frozen=True)
class DltRoute:
    """What a provider that takes the DLT fields explicitly needs besides the text."""

    entity_id: str
    template_id: str
    header: str
    unicode: bool


def variables(kind: Template, language: Language) -> tuple[str, ...]:
    """The payload fields a kind's text fills, in order: the order the clinic's {#var#} are filled in."""
    body = TEMPLATES[kind.value][language.value][1]
    return tuple(name for _, name, _, _ in string.Formatter().parse(body) if name)


def suggested_text(kind: Template, language: Language) -> str:
    """The desk's own wording with each variable as {#var#}: a text a clinic may register as it is."""
    body = TEMPLATES[kind.value][language.value][1]
    return "".join(literal + (VAR if name else "") for literal, name, _, _ in string.Formatter().parse(body))


@dataclass(frozen=True)
class DltTemplate:
    kind: Template
    language: Language
    template_id: str
    text: str

    @property
    def variable_count(self) -> int:
        return self.text.count(VAR)

    @property
    def encoding(self) -> Encoding:
        """A template registered in plain text stays plain: only its fixed text decides."""
        return encoding_of(self.text.replace(VAR, ""))

    def segments(self, variable_length: int = 0) -> SegmentCount:
        """The segments of a message whose every variable is `variable_length` characters (0: the fixed text)."""
        filler = "x" if self.encoding is Encoding.GSM7 else "क"
        return count_segments(self.text.replace(VAR, filler * variable_length))

    def fill(self, values: Sequence[str], limit: int = VARIABLE_LIMIT) -> str:
        """The registered text with its variables filled in order, or TextRefused saying why it could not match."""
        if len(values) != self.variable_count:
            raise TextRefused("the template has {count} variables but the message fills {filled}",
                              count=self.variable_count, filled=len(values))
        parts = self.text.split(VAR)
        filled = [parts[0]]
        for number, (value, literal) in enumerate(zip(values, parts[1:], strict=True), start=1):
            filled.append(self._checked(number, value, limit))
            filled.append(literal)
        return "".join(filled)

    def _checked(self, number: int, value: str, limit: int) -> str:
        if self.encoding is Encoding.GSM7:
            for sign, plain in PLAIN_SUBSTITUTES.items():
                value = value.replace(sign, plain)
        if "\n" in value or "\r" in value:
            raise TextRefused("variable {number} has a line break the registered template does not have", number=number)
        if len(value) > limit:
            raise TextRefused("variable {number} is {length} characters; DLT allows at most {limit}", number=number,
                              length=len(value), limit=limit)
        if self.encoding is Encoding.GSM7 and not is_gsm7(value):
            raise TextRefused("variable {number} has characters a plain-text (English) template cannot carry;"
                              " register the template in Unicode or correct the value", number=number)
        return value


def fill_for(template: DltTemplate, payload: Mapping[str, object]) -> str:
    """The registered text filled from an outbox payload, in the kind's variable order."""
    names = variables(template.kind, template.language)
    return template.fill([_text(payload.get(name)) for name in names])


def _text(value: object) -> str:
    return "" if value is None else str(value)


# -- checking what an admin types ---------------------------------------------------------------------------------


def _compact(value: str) -> str:
    """An id as pasted, without the spaces a portal's display or a careless copy puts in it."""
    return "".join((value or "").split())


def pasted_text(value: str) -> str:
    """A registered text as pasted: Windows line ends made plain, invisible characters and the ends' blank space
    and trailing newline dropped (none of them can be part of what the portal registered)."""
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    for invisible in INVISIBLE:
        text = text.replace(invisible, "")
    return text.strip()


def _typographic_only(text: str) -> list[str]:
    """The typographic signs that alone make an otherwise plain (GSM-7) text Unicode; [] when there are none or the
    text is Unicode anyway (Hindi)."""
    fixed = text.replace(VAR, "")
    found = sorted({c for c in fixed if c in TYPOGRAPHIC})
    for sign, plain in TYPOGRAPHIC.items():
        fixed = fixed.replace(sign, plain)
    return found if found and is_gsm7(fixed) else []


def _not_shortened(text: str, field: str) -> None:
    if _SPREADSHEET_NUMBER.match(text):
        raise ValidationError(field, SHORTENED_ID, value=text)


def check_entity_id(value: str, field: str = "dlt_entity_id") -> str:
    text = _compact(value)
    _not_shortened(text, field)
    if text and not _ENTITY_ID.match(text):
        raise ValidationError(field, "Enter the Principal Entity ID from the DLT portal (12 to 19 digits).")
    return text


def check_header(value: str, field: str = "dlt_header") -> str:
    text = (value or "").strip().upper()
    shown = _HEADER_AS_SHOWN.match(text)
    if shown:
        text = shown.group(1)
    if text and not _HEADER.match(text):
        raise ValidationError(field, "Enter the 6-letter sender header registered on DLT (letters A–Z only).")
    return text


def check_template(kind: Template, language: Language, template_id: str, text: str, *, id_field: str,
                   text_field: str) -> DltTemplate | None:
    """The template as registered, None when both fields are blank, or ValidationError for the field at fault."""
    template_id = _compact(template_id)
    text = pasted_text(text)
    if not template_id and not text:
        return None
    _not_shortened(template_id, id_field)
    if not _TEMPLATE_ID.match(template_id):
        raise ValidationError(id_field, "Enter the content template ID from the DLT portal (12 to 19 digits).")
    if not text:
        raise ValidationError(text_field, "Paste the template's text exactly as registered, with its {#var#}.")
    if len(text) > TEXT_LIMIT:
        raise ValidationError(text_field, "The text is too long (at most {limit} characters).", limit=TEXT_LIMIT)
    typographic = _typographic_only(text)
    if typographic:
        signs = " ".join(TYPOGRAPHIC_NAMES.get(c, c) for c in typographic)
        raise ValidationError(text_field, "This text has {signs}, which a plain-text SMS cannot carry: every SMS would"
                                          " go as Unicode (70 characters each) and not match the portal's text. Type"
                                          " them as plain ' \" - ... or a space, as the portal shows them.",
                              signs=signs)
    expected = variables(kind, language)
    if text.count(VAR) != len(expected):
        names = ", ".join(VARIABLE_LABELS.get(n, n) for n in expected)
        raise ValidationError(text_field, "This text has {count} {var}; this message fills {expected}, in this"
                                          " order: {names}.", count=text.count(VAR), var=VAR,
                              expected=len(expected), names=names)
    return DltTemplate(kind, language, template_id, text)


# -- messages held as "not set up", once their template is in --------------------------------------------------

APPOINTMENT_KINDS = (Template.BOOKED, Template.RESCHEDULED, Template.CANCELLED, Template.REMINDER)
HELD_PAST = "not sent: held for want of a DLT template until the appointment had passed"
HELD_CANCELLED = "not sent: held for want of a DLT template, and the appointment has since been cancelled"
HELD_CODE_EXPIRED = "not sent: a verification code held for want of a DLT template has expired; send a new code"
HELD_WENT_OTHERWISE = "not sent: the message went by another channel while the SMS was held"
HELD_OPTED_OUT = "not sent: held for want of a DLT template, and the patient has since opted out of SMS"
HELD_LEFT = "not sent: held for want of a DLT template; an admin chose to leave it"


@dataclass(frozen=True)
class HeldSms:
    """An SMS held back as "not set up" whose kind and language now have a registered template."""

    id: int
    kind: Template
    appointment_starts: datetime | None = None  # the appointment's time now, for an appointment message
    appointment_cancelled: bool = False
    went_otherwise: bool = False  # another delivery of the same message is live (a fallback took it)
    opted_out: bool = False  # the patient has since said no to SMS


def why_not_send_held(held: HeldSms, now: datetime) -> str | None:
    """Why a held SMS is no longer worth sending now that its template is in, or None when it still is: a code has
    expired (10 minutes), an appointment message is late once the appointment has begun, a booking or reminder
    is wrong once the appointment was cancelled, a message that went by another channel must not go twice, and
    a patient who has since opted out of SMS gets none."""
    if held.went_otherwise:
        return HELD_WENT_OTHERWISE
    if held.opted_out:
        return HELD_OPTED_OUT
    if held.kind is Template.VERIFICATION:
        return HELD_CODE_EXPIRED
    if held.kind in APPOINTMENT_KINDS:
        if held.appointment_starts is None or held.appointment_starts <= now:
            return HELD_PAST
        if held.appointment_cancelled and held.kind is not Template.CANCELLED:
            return HELD_CANCELLED
    return None
