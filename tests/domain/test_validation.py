from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from homa_desk.domain import validation
from homa_desk.domain.errors import ValidationError


@pytest.mark.parametrize("raw, expected", [
    ("9876543210", "+919876543210"),
    ("+91 98765 43210", "+919876543210"),
    ("+91-98765-43210", "+919876543210"),
    ("919876543210", "+919876543210"),
    ("09876543210", "+919876543210"),
    ("6000000000", "+916000000000"),
    ("0091 98765 43210", "+919876543210"),
    ("0091-9876543210", "+919876543210"),
    ("091 98765-43210", "+919876543210"),
    ("0 98765 43210", "+919876543210"),
    ("+91 7012 345 678", "+917012345678"),
])
def test_indian_mobiles_are_normalised(raw, expected):
    assert validation.indian_mobile(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "5876543210", "98765432101", "+1 9876543210", "98765abcde",
                                 "९८७६५४३२१०", "0092 98765 43210", "00919876543210 1", "+91 0 98765 4321",
                                 "0091 5876543210", "98765４３２１０", "9876543²10", "+91 ①876543210"])
def test_bad_mobiles_are_refused_with_a_message(raw):
    with pytest.raises(ValidationError) as error:
        validation.indian_mobile(raw)
    assert error.value.field == "phone" and error.value.message


@pytest.mark.parametrize("raw, expected", [
    ("Asha.Verma@Gmail.com", "asha.verma@gmail.com"),
    (" ravi+clinic@example.co.in ", "ravi+clinic@example.co.in"),
])
def test_emails(raw, expected):
    assert validation.email(raw) == expected


@pytest.mark.parametrize("raw", ["", "asha", "asha@", "@gmail.com", "asha@gmail", "a b@gmail.com", "आशा@gmail.com"])
def test_bad_emails(raw):
    with pytest.raises(ValidationError):
        validation.email(raw)


def test_optional_email_allows_blank():
    assert validation.optional_email("  ") is None


@pytest.mark.parametrize("raw", ["clinic@okaxis", "sunrise.clinic-1@ybl", "9876543210@paytm"])
def test_vpas(raw):
    assert validation.vpa(raw) == raw.lower()


@pytest.mark.parametrize("raw", ["", "clinic", "clinic@", "@okaxis", "cli nic@okaxis", "clinic@123"])
def test_bad_vpas(raw):
    with pytest.raises(ValidationError):
        validation.vpa(raw)


@pytest.mark.parametrize("raw, expected", [
    ("500", Decimal("500.00")), ("499.5", Decimal("499.50")), ("₹ 1,250.75", Decimal("1250.75")),
    (Decimal("0.01"), Decimal("0.01")),
])
def test_amounts_are_decimal_rupees(raw, expected):
    assert validation.amount(raw) == expected


@pytest.mark.parametrize("raw, message", [
    ("", "Enter the amount"), ("abc", "in rupees"), ("10.555", "two decimals"), ("0", "more than zero"),
    ("-5", "more than zero"), ("100000000", "too large"), ("NaN", "in rupees"), ("Infinity", "in rupees"),
])
def test_bad_amounts(raw, message):
    with pytest.raises(ValidationError, match=message):
        validation.amount(raw)


def test_floats_are_never_money():
    with pytest.raises(ValidationError, match="never as floating point"):
        validation.amount(10.5)  # type: ignore[arg-type]


def test_dates_cannot_be_in_the_future():
    today = date(2026, 11, 25)
    assert validation.past_or_today(date(1990, 1, 1), today) == date(1990, 1, 1)
    with pytest.raises(ValidationError, match="future"):
        validation.past_or_today(date(2026, 11, 26), today)
    with pytest.raises(ValidationError, match="Enter the date"):
        validation.past_or_today(None, today)


@pytest.mark.parametrize("raw", ["Asha Verma", "Dr. K. Rao", "D'Souza", "Ananya Iyer-Menon", "आशा वर्मा"])
def test_names(raw):
    assert validation.full_name(f"  {raw} ") == raw


ZWJ, ZWNJ = "\u200d", "\u200c"


@pytest.mark.parametrize("raw", [
    f"लक्ष्{ZWNJ}मी शर्मा",  # a Devanagari conjunct kept apart
    f"क्{ZWJ}षमा देवी",  # a Devanagari half KA
    f"ശ്രീധരന്{ZWJ}",  # a Malayalam chillu typed the older way, at the end of the name
    f"ശ്രീധരന്{ZWJ} നായർ",
    f"ಕನ್{ZWNJ}ನಡ ರಾವ್",  # Kannada
    f"র{ZWJ}্যাব দাস",  # Bengali ya-phala after RA
])
def test_names_in_indian_scripts_may_use_zero_width_joiners(raw):
    assert validation.full_name(raw) == raw


@pytest.mark.parametrize("raw", ["", "   ", "R2D2", "<script>", "Robert'); DROP TABLE users;--", "x" * 300,
                                 f"{ZWJ}Asha", f"Asha{ZWJ}", f"Asha {ZWNJ}Verma", f"Asha{ZWJ}Verma",
                                 f"क्{ZWJ}{ZWJ}ष", f"क् {ZWJ}ष", f"क{ZWNJ}ष",
                                 "Asha\u202eamreV", "Asha\u2066Verma", "Asha\u200bVerma", "Asha\ufeffVerma",
                                 "Asha\u200fVerma", "Asha\u00adVerma", "Asha\u2060Verma"])
def test_bad_names(raw):
    with pytest.raises(ValidationError):
        validation.full_name(raw)


@pytest.mark.parametrize("raw, expected", [
    ("0", True), ("0123456789", True), ("", False), ("²", False), ("①", False), ("४२", False), ("٤٢", False),
    ("１２", False), ("12a", False), ("-1", False),
])
def test_only_ascii_digits_are_digits(raw, expected):
    assert validation.ascii_digits(raw) is expected


@pytest.mark.parametrize("raw", ["५००", "٥٠٠", "５００", "²"])
def test_amounts_in_other_digits_are_refused(raw):
    with pytest.raises(ValidationError, match="in rupees"):
        validation.amount(raw)


@pytest.mark.parametrize("raw, expected", [
    ("432198765012", "432198765012"), (" 4321 9876-5012 ", "432198765012"), ("AXIS12345678X", "AXIS12345678X"),
])
def test_utrs(raw, expected):
    assert validation.utr(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "4" * 36, "4321²9876501", "43219876501①", "4321/9876/5012",
                                 "UTR:12345678"])
def test_bad_utrs(raw):
    with pytest.raises(ValidationError, match="UTR"):
        validation.utr(raw)


VALIDATORS = [
    validation.full_name, validation.indian_mobile, validation.email, validation.optional_email,
    validation.vpa, validation.amount, validation.new_password, validation.utr,
]


@pytest.mark.parametrize("validator", VALIDATORS, ids=lambda v: v.__name__)
@given(text=st.text(max_size=400))
def test_validators_never_raise_anything_but_validation_error(validator, text):
    try:
        result = validator(text)
    except ValidationError as error:
        assert error.message
    else:
        assert result is None or isinstance(result, (str, Decimal))
