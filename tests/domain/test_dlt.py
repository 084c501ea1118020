"""DLT templates: variables filled in order, and a text that could not match its registered template refused."""

from __future__ import annotations

import re

import pytest

from homa_desk.domain.dlt import (
    VAR,
    DltTemplate,
    TextRefused,
    check_entity_id,
    check_header,
    check_template,
    fill_for,
    suggested_text,
    variables,
)
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.notifications import Language, Template, render
from homa_desk.domain.sms_segments import Encoding

TID = "1107160000000012345"
BOOKED_EN = DltTemplate(Template.BOOKED, Language.ENGLISH, TID,
                        "Dear {#var#}, your visit to {#var#} at {#var#} is on {#var#}. -HOMA")
PAYLOAD = {"patient_name": "Priya Sharma", "doctor_name": "Dr Rao", "clinic_name": "Homa Clinic",
           "when": "03 Dec 2026, 10:00 AM"}


def test_variables_are_filled_in_order():
    assert BOOKED_EN.fill(["A", "B", "C", "D"]) == "Dear A, your visit to B at C is on D. -HOMA"
    assert fill_for(BOOKED_EN, PAYLOAD) == ("Dear Priya Sharma, your visit to Dr Rao at Homa Clinic is on"
                                            " 03 Dec 2026, 10:00 AM. -HOMA")


def test_the_suggested_text_filled_is_the_desks_own_message():
    for language in Language:
        template = DltTemplate(Template.BOOKED, language, TID, suggested_text(Template.BOOKED, language))
        assert fill_for(template, PAYLOAD) == render(Template.BOOKED, language, PAYLOAD).body


def test_hindi_fills_in_its_own_order():
    assert variables(Template.BOOKED, Language.HINDI) == ("patient_name", "clinic_name", "doctor_name", "when")


def test_a_variable_over_the_limit_is_refused_with_its_number():
    with pytest.raises(TextRefused, match="variable 2 is 31 characters; DLT allows at most 30"):
        BOOKED_EN.fill(["A", "x" * 31, "C", "D"])
    assert BOOKED_EN.fill(["A", "x" * 30, "C", "D"])


@pytest.mark.parametrize("value", ["two\nlines", "carriage\rreturn"])
def test_a_line_break_the_template_lacks_is_refused(value):
    with pytest.raises(TextRefused, match="variable 1 has a line break"):
        BOOKED_EN.fill([value, "B", "C", "D"])


def test_a_plain_template_cannot_carry_hindi_in_a_variable():
    with pytest.raises(TextRefused, match="variable 1 has characters a plain-text"):
        BOOKED_EN.fill(["प्रिया", "B", "C", "D"])


def test_a_unicode_template_carries_hindi_and_english():
    hindi = DltTemplate(Template.BOOKED, Language.HINDI, TID, suggested_text(Template.BOOKED, Language.HINDI))
    assert hindi.encoding is Encoding.UCS2
    assert "Priya" in hindi.fill(["Priya", "होमा", "Dr Rao", "03 Dec"])


def test_the_rupee_sign_becomes_rs_in_a_plain_template_only():
    english = DltTemplate(Template.PAYMENT, Language.ENGLISH, TID, suggested_text(Template.PAYMENT, Language.ENGLISH))
    payload = {"patient_name": "Priya", "amount": "₹1,500.00", "method": "UPI", "bill_number": "B-1",
               "clinic_name": "Homa"}
    assert "Rs.1,500.00" in fill_for(english, payload) and english.encoding is Encoding.GSM7
    hindi = DltTemplate(Template.PAYMENT, Language.HINDI, TID, suggested_text(Template.PAYMENT, Language.HINDI))
    assert "₹1,500.00" in fill_for(hindi, payload)


def test_the_wrong_number_of_values_is_refused():
    with pytest.raises(TextRefused, match="4 variables but the message fills 3"):
        BOOKED_EN.fill(["A", "B", "C"])


def test_segments_of_the_fixed_text_and_with_every_variable_at_the_limit():
    assert BOOKED_EN.segments().segments == 1
    assert BOOKED_EN.segments(30).segments == 1  # 39 fixed + 4 × 30 = 159 septets
    assert BOOKED_EN.segments(31).segments == 2
    short = DltTemplate(Template.VERIFICATION, Language.HINDI, TID, "कोड {#var#} {#var#}")
    assert short.segments(30).encoding is Encoding.UCS2


def test_admin_input_is_checked_field_by_field():
    assert check_entity_id(" 1201159100000000001 ") == "1201159100000000001"
    assert check_entity_id("") == ""
    with pytest.raises(ValidationError) as bad:
        check_entity_id("12-34")
    assert bad.value.field == "dlt_entity_id"
    assert check_header("homacl") == "HOMACL"
    with pytest.raises(ValidationError):
        check_header("HOMA1")
    assert check_template(Template.BOOKED, Language.ENGLISH, "", "  ", id_field="i", text_field="t") is None
    with pytest.raises(ValidationError) as no_id:
        check_template(Template.BOOKED, Language.ENGLISH, "abc", BOOKED_EN.text, id_field="i", text_field="t")
    assert no_id.value.field == "i"
    expected = "has 1 {#var#}; this message fills 4, in this order: patient's name, doctor, clinic, date and time"
    with pytest.raises(ValidationError, match=re.escape(expected)) as count:
        check_template(Template.BOOKED, Language.ENGLISH, TID, f"Hello {VAR}", id_field="i", text_field="t")
    assert count.value.field == "t"
    kept = check_template(Template.BOOKED, Language.ENGLISH, TID, BOOKED_EN.text, id_field="i", text_field="t")
    assert kept == BOOKED_EN


def test_ids_pasted_with_spaces_and_a_text_with_a_trailing_newline_are_taken_as_registered():
    """A portal shows ids in groups and a copied text brings its line end (Windows: \\r\\n) and invisible marks."""
    text = "\ufeffDear {#var#}, your appointment with {#var#} at {#var#} is booked for {#var#}.\r\n"
    template = check_template(Template.BOOKED, Language.ENGLISH, " 1107 1600 0000 0012 345\t", text,
                              id_field="id", text_field="text")
    assert template is not None and template.template_id == TID
    assert template.text == "Dear {#var#}, your appointment with {#var#} at {#var#} is booked for {#var#}."
    assert check_entity_id("1201 1591 0000 0000 001") == "1201159100000000001"
    two_lines = check_template(Template.BOOKED, Language.ENGLISH, TID, "Dear {#var#},\r\nyour visit with {#var#}"
                               " at {#var#} is on {#var#}.", id_field="id", text_field="text")
    assert two_lines is not None and "\r" not in two_lines.text and "\n" in two_lines.text


@pytest.mark.parametrize(("sign", "named"), [("\u2019", "\u2019"), ("\u201c", "\u201c"), ("\u2013", "\u2013"),
                                             ("\u00a0", "non-breaking space")])
def test_smart_quotes_in_a_plain_text_are_refused_with_the_fix(sign, named):
    """A word processor's ’ “ – or a web page's non-breaking space would turn every SMS into Unicode (70 characters
    each, billed 2–3×) and not match the portal's plain text."""
    text = f"Dear {{#var#}}, your appointment{sign}s with {{#var#}} at {{#var#}} is booked for {{#var#}}."
    with pytest.raises(ValidationError) as refused:
        check_template(Template.BOOKED, Language.ENGLISH, TID, text, id_field="id", text_field="text")
    assert refused.value.field == "text" and named in refused.value.message and "Unicode" in refused.value.message


def test_curly_quotes_in_a_hindi_text_are_its_own_business():
    text = "प्रिय {#var#}, {#var#} में {#var#} के साथ आपका ‘अपॉइंटमेंट’ {#var#} के लिए बुक हो गया है।"
    template = check_template(Template.BOOKED, Language.HINDI, TID, text, id_field="id", text_field="text")
    assert template is not None and template.encoding is Encoding.UCS2


def test_the_header_as_a_phone_shows_it_is_taken_as_the_six_letters():
    """An SMS arrives from "VM-HOMACL-S" (operator and circle, header, category): the header is HOMACL."""
    assert [check_header(v) for v in ("VM-HOMACL-S", "ad-homacl", " HOMACL ")] == ["HOMACL"] * 3
    with pytest.raises(ValidationError):
        check_header("VM-HOMA-S")


@pytest.mark.parametrize("pasted", ["1.10716E+18", "1,20116E+18", "1E+18"])
def test_an_id_a_spreadsheet_shortened_is_refused_saying_so(pasted):
    """DLT portals export templates to Excel, which shows a 19-digit id as 1.10716E+18 and drops its digits."""
    with pytest.raises(ValidationError) as template_id:
        check_template(Template.BOOKED, Language.ENGLISH, pasted, BOOKED_EN.text, id_field="id", text_field="text")
    assert template_id.value.field == "id" and "spreadsheet shortened" in template_id.value.message
    with pytest.raises(ValidationError) as entity:
        check_entity_id(pasted)
    assert pasted in entity.value.message
