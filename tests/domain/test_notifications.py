"""Templates in English and Hindi, the backoff rule, SMS numbers, GSTIN and verification codes: no I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from homa_desk.domain import verification
from homa_desk.domain.clinic_profile import gstin_check_character, optional_gstin
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.notification_templates import TEMPLATES
from homa_desk.domain.notifications import Language, Template, render, retry_delay, should_give_up, sms_number


def test_every_template_has_english_and_hindi_with_the_same_placeholders():
    import string

    for name, texts in TEMPLATES.items():
        assert set(texts) == {"en", "hi"}, name
        Template(name)
        fields = [{f for _, f, _, _ in string.Formatter().parse(s + b) if f} for s, b in texts.values()]
        assert fields[0] == fields[1], name


def test_render_picks_the_language_and_tolerates_a_missing_value():
    payload = {"patient_name": "Priya", "doctor_name": "Dr Menon", "when": "01 Dec 2026, 10:00 AM",
               "clinic_name": "Sunrise"}
    english = render(Template.BOOKED, Language.ENGLISH, payload)
    hindi = render(Template.BOOKED, "hi", payload)
    assert english.subject == "Appointment booked at Sunrise"
    assert "Dr Menon" in hindi.body and "बुक" in hindi.body
    assert render(Template.BOOKED, "en", {}).body.startswith("Dear , your appointment")


def test_backoff_doubles_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1),
                                                   timedelta(minutes=2)]
    assert retry_delay(20) == timedelta(hours=1)
    assert not should_give_up(4) and should_give_up(5)


@pytest.mark.parametrize(("raw", "number"), [("9876543210", "+919876543210"), ("+91 98765 43210", "+919876543210"),
                                             ("919876543210", "+919876543210"), ("12345", None), ("", None),
                                             ("0201234567", None)])
def test_sms_numbers(raw, number):
    assert sms_number(raw) == number


def test_gstin_checksum():
    assert optional_gstin(" 27aapfu0939f1zv ") == "27AAPFU0939F1ZV"
    assert gstin_check_character("27AAPFU0939F1Z") == "V"
    with pytest.raises(ValidationError, match="last character"):
        optional_gstin("27AAPFU0939F1ZA")
    with pytest.raises(ValidationError, match="15 characters"):
        optional_gstin("27AAPFU0939")
    assert optional_gstin("") == ""


def test_codes_are_six_digits_and_only_their_salted_hash_is_kept():
    code, salt = verification.new_code(), verification.new_salt()
    assert len(code) == 6 and code.isdigit()
    digest = verification.hash_code(code, salt)
    assert verification.code_matches(code, salt, digest)
    assert not verification.code_matches(code, verification.new_salt(), digest)
