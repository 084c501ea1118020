from __future__ import annotations

import io
import string
from decimal import Decimal

import pytest
import zxingcpp
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.upi import (
    MAX_NOTE,
    UpiRequest,
    build_upi_link,
    parse_upi_link,
    render_qr_image,
    render_qr_png,
    transaction_reference,
)


def link(**changes):
    fields = dict(vpa="clinic@okaxis", payee_name="Sunrise Clinic", amount=Decimal("500"), note="Consultation",
                  reference="HD202526000123")
    fields.update(changes)
    return build_upi_link(**fields)


def test_the_npci_format_in_order():
    assert link() == ("upi://pay?pa=clinic@okaxis&pn=Sunrise%20Clinic&am=500.00&cu=INR&tn=Consultation"
                      "&tr=HD202526000123")


def test_every_parameter_is_percent_encoded():
    text = link(payee_name="Dr. Rao & Sons=Clinic", note="Bill 1/2 +GST ? #5 ₹")
    query = text.split("?", 1)[1]
    assert query.count("&") == 5 and query.count("=") == 6
    assert "pn=Dr.%20Rao%20%26%20Sons%3DClinic" in text
    assert "tn=Bill%201%2F2%20%2BGST%20%3F%20%235%20%E2%82%B9" in text
    assert " " not in text


def test_amount_has_exactly_two_decimals():
    assert "am=499.50&" in link(amount=Decimal("499.5"))
    assert "am=1.00&" in link(amount=Decimal("1"))


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), Decimal("1.005"), Decimal("100000000")])
def test_bad_amounts_are_refused(amount):
    with pytest.raises(ValidationError):
        link(amount=amount)


@pytest.mark.parametrize("amount", [499.5, 500, "500"])
def test_amounts_are_decimal_only(amount):
    with pytest.raises(TypeError):
        link(amount=amount)


@pytest.mark.parametrize("vpa", ["", "clinic", "@okaxis", "clinic@", "clinic@@okaxis", "clínic@okaxis"])
def test_bad_vpa_is_refused(vpa):
    with pytest.raises(ValidationError):
        link(vpa=vpa)


@pytest.mark.parametrize("reference", ["", "HD/2025", "A" * 36, "ref with space", "टी123"])
def test_bad_reference_is_refused(reference):
    with pytest.raises(ValidationError):
        link(reference=reference)


def test_reference_from_a_bill_number():
    assert transaction_reference("HD/2025-26/000123") == "HD202526000123"
    with pytest.raises(ValidationError):
        transaction_reference("-" * 5)
    with pytest.raises(ValidationError):
        transaction_reference("X" * 36)


def test_long_note_is_shortened_and_payee_name_required():
    parsed = parse_upi_link(link(note="x" * 80))
    assert parsed.note == "x" * MAX_NOTE
    with pytest.raises(ValidationError):
        link(payee_name="  ")


def test_parse_round_trip():
    parsed = parse_upi_link(link(payee_name="Dr. Rao & Sons", note="a+b=c"))
    assert parsed == UpiRequest(vpa="clinic@okaxis", payee_name="Dr. Rao & Sons", amount=Decimal("500.00"),
                                note="a+b=c", reference="HD202526000123")
    assert parsed.link == link(payee_name="Dr. Rao & Sons", note="a+b=c")


@pytest.mark.parametrize("text", ["https://pay?pa=a@b", "upi://pay?pn=x&am=1", "upi://pay?pa=ab@cd&am=1&cu=USD",
                                  "upi://pay?pa=ab@cd&am=abc", ""])
def test_parse_refuses_unpayable_links(text):
    with pytest.raises(ValidationError):
        parse_upi_link(text)


_names = st.text(alphabet=string.ascii_letters + string.digits + " .&'-/+=?#%@₹अ", min_size=1, max_size=60)
_amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
_refs = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=35)


@given(name=_names, note=_names, amount=_amounts, reference=_refs)
def test_any_link_parses_back(name, note, amount, reference):
    if not name.strip():
        return
    parsed = parse_upi_link(link(payee_name=name, note=note, amount=amount, reference=reference))
    assert parsed.payee_name == " ".join(name.split())[:99].rstrip()
    assert parsed.note == " ".join(note.split())[:MAX_NOTE].rstrip()
    assert parsed.amount == amount and parsed.reference == reference and parsed.currency == "INR"


def test_qr_png_decodes_to_the_link_and_amount():
    text = link(amount=Decimal("1234.56"), payee_name="Sunrise Clinic & Co")
    png = render_qr_png(text, box_size=6)
    assert png.startswith(b"\x89PNG")
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert result.format == zxingcpp.BarcodeFormat.QRCode
    assert result.text == text
    assert parse_upi_link(result.text).amount == Decimal("1234.56")


def test_qr_image_uses_error_correction_m():
    image = render_qr_image(link())
    [result] = zxingcpp.read_barcodes(image)
    assert result.ec_level == "M"
