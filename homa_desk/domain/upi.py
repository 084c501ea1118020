"""UPI deep links (NPCI `upi://pay?...`) and their QR codes, for the customer display and static-VPA payments.

Every UPI app on a patient's phone reads the same link, so the format is kept strict: amount with exactly two
decimals from a Decimal, every parameter percent-encoded, and a transaction reference UPI apps accept.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, unquote, urlsplit

import qrcode
import qrcode.constants
from PIL import Image
from qrcode.image.pil import PilImage

from homa_desk.domain import validation
from homa_desk.domain.errors import ValidationError

CURRENCY = "INR"
MAX_REFERENCE = 35  # NPCI: tr is at most 35 characters; several apps refuse anything but letters and digits
MAX_NOTE = 50  # longer notes are cut or refused by some apps
MAX_PAYEE_NAME = 99
_REFERENCE = re.compile(rf"[A-Za-z0-9]{{1,{MAX_REFERENCE}}}")


@dataclass(frozen=True)
class UpiRequest:
    """One request for money to a VPA, as carried by a UPI link."""

    vpa: str
    payee_name: str
    amount: Decimal
    note: str
    reference: str
    currency: str = CURRENCY

    @property
    def link(self) -> str:
        return build_upi_link(vpa=self.vpa, payee_name=self.payee_name, amount=self.amount, note=self.note,
                              reference=self.reference)


def transaction_reference(text: str) -> str:
    """A `tr` made from any reference (a bill number like HD/2025-26/000123): letters and digits only, ≤ 35.

    Characters are dropped, never the tail, so two bill numbers cannot collapse into one reference silently:
    a reference still too long after dropping is refused.
    """
    cleaned = re.sub(r"[^A-Za-z0-9]", "", text or "")
    return _valid_reference(cleaned)


def _valid_reference(reference: str) -> str:
    if not reference.isascii() or not _REFERENCE.fullmatch(reference):
        raise ValidationError("reference", "A UPI reference has 1 to {limit} letters and digits only.",
                              limit=MAX_REFERENCE)
    return reference


def _clean_text(value: str, field: str, limit: int, *, required: bool) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationError(field, "This UPI field cannot be empty.")
    # A note is informational: shortening it is kinder than refusing a payment over it.
    return text[:limit].rstrip()


def _amount_text(amount: Decimal) -> str:
    if not isinstance(amount, Decimal):
        raise TypeError("UPI amounts are Decimal rupees, never float or int")
    return f"{validation.amount(amount):.2f}"


def build_upi_link(*, vpa: str, payee_name: str, amount: Decimal, note: str, reference: str) -> str:
    """`upi://pay?pa=…&pn=…&am=…&cu=INR&tn=…&tr=…`, every value percent-encoded ('@' kept in pa, as apps expect).

    Raises ValidationError for a bad VPA, amount or reference; the payee name and note are tidied and shortened.
    """
    pa = validation.vpa(vpa)
    pn = _clean_text(payee_name, "payee_name", MAX_PAYEE_NAME, required=True)
    am = _amount_text(amount)
    tn = _clean_text(note, "note", MAX_NOTE, required=False)
    tr = _valid_reference(reference)
    params = [("pa", quote(pa, safe="@")), ("pn", quote(pn, safe="")), ("am", am), ("cu", CURRENCY),
              ("tn", quote(tn, safe="")), ("tr", quote(tr, safe=""))]
    return "upi://pay?" + "&".join(f"{key}={value}" for key, value in params)


def parse_upi_link(link: str) -> UpiRequest:
    """Read a link back (tests, and links a gateway hands us); raises ValidationError if it is not a payable one."""
    parts = urlsplit(link or "")
    if parts.scheme.lower() != "upi" or parts.netloc.lower() != "pay":
        raise ValidationError("upi_link", "Not a UPI payment link.")
    params: dict[str, str] = {}
    for pair in parts.query.split("&"):
        if not pair:
            continue
        key, _, value = pair.partition("=")
        # unquote, not unquote_plus: UPI links encode spaces as %20 and a '+' is a plus.
        params[unquote(key)] = unquote(value)
    if "pa" not in params or "am" not in params:
        raise ValidationError("upi_link", "The UPI link has no payee or no amount.")
    currency = params.get("cu", CURRENCY)
    if currency != CURRENCY:
        raise ValidationError("upi_link", "Only payments in rupees (INR) are accepted.")
    return UpiRequest(vpa=validation.vpa(params["pa"]), payee_name=params.get("pn", ""),
                      amount=validation.amount(params["am"]), note=params.get("tn", ""),
                      reference=params.get("tr", ""), currency=currency)


def render_qr_image(link: str, *, box_size: int = 10, border: int = 4) -> Image.Image:
    """The QR as a PIL image; error correction M survives a glare or a smudge on the customer display."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=border)
    qr.add_data(link)
    qr.make(fit=True)
    image = qr.make_image(image_factory=PilImage, fill_color="black", back_color="white")
    return image.get_image().convert("RGB")


def render_qr_png(link: str, *, box_size: int = 10, border: int = 4) -> bytes:
    """PNG bytes of the QR, ready for a QPixmap or a saved receipt."""
    buffer = io.BytesIO()
    render_qr_image(link, box_size=box_size, border=border).save(buffer, format="PNG")
    return buffer.getvalue()
