"""GST on a clinic's bill: which document the receipt is, and the tax inside each line's amount.

Rates are inclusive, like an MRP: the patient pays the line's amount, and the tax is the part of it that
value × rate / (100 + rate) gives (CGST Rules 2017, rule 35). Within the clinic's state the tax is split half
central (CGST), half state (SGST); to another state it is integrated (IGST). Health care by a clinical establishment
or an authorised medical practitioner is exempt (notification 12/2017-Central Tax (Rate), entry 74, SAC 9993).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from homa_desk.domain.errors import ValidationError
from homa_desk.domain.money import PAISE

GST_RATES = (Decimal("0"), Decimal("5"), Decimal("12"), Decimal("18"), Decimal("28"))
HEALTHCARE_SAC = "9993"
ZERO = Decimal("0.00")

# The state codes of the GST registration (the first two digits of a GSTIN), as the GST portal lists them.
STATES: dict[str, str] = {
    "01": "Jammu and Kashmir", "02": "Himachal Pradesh", "03": "Punjab", "04": "Chandigarh", "05": "Uttarakhand",
    "06": "Haryana", "07": "Delhi", "08": "Rajasthan", "09": "Uttar Pradesh", "10": "Bihar", "11": "Sikkim",
    "12": "Arunachal Pradesh", "13": "Nagaland", "14": "Manipur", "15": "Mizoram", "16": "Tripura",
    "17": "Meghalaya", "18": "Assam", "19": "West Bengal", "20": "Jharkhand", "21": "Odisha", "22": "Chhattisgarh",
    "23": "Madhya Pradesh", "24": "Gujarat", "26": "Dadra and Nagar Haveli and Daman and Diu", "27": "Maharashtra",
    "29": "Karnataka", "30": "Goa", "31": "Lakshadweep", "32": "Kerala", "33": "Tamil Nadu", "34": "Puducherry",
    "35": "Andaman and Nicobar Islands", "36": "Telangana", "37": "Andhra Pradesh", "38": "Ladakh",
    "97": "Other Territory",
}


def gst_rate(value: str | Decimal | int, field: str = "gst_rate") -> Decimal:
    """One of 0, 5, 12, 18 or 28 (per cent), as typed ("18", "18%", "18.00")."""
    if isinstance(value, float):
        raise ValidationError(field, "Choose a GST rate: 0, 5, 12, 18 or 28 %.")
    text = str(value).strip().removesuffix("%").strip()
    for rate in GST_RATES:
        if text.isascii() and text.replace(".", "", 1).isdigit() and Decimal(text) == rate:
            return rate
    raise ValidationError(field, "Choose a GST rate: 0, 5, 12, 18 or 28 %.")


def state_code(value: str | None, field: str = "place_of_supply") -> str:
    text = (value or "").strip()
    if text not in STATES:
        raise ValidationError(field, "Choose the state of supply.")
    return text


def state_label(code: str) -> str:
    """'Maharashtra (27)', as an invoice names a state with its code."""
    return f"{STATES.get(code, code)} ({code})"


class DocumentKind(enum.StrEnum):
    """What the printed bill is: a plain receipt (no GSTIN), or one of the documents the CGST Rules name."""

    RECEIPT = "receipt"
    TAX_INVOICE = "tax_invoice"  # rule 46: every line taxable
    BILL_OF_SUPPLY = "bill_of_supply"  # rule 49: every line exempt
    INVOICE_CUM_BILL = "invoice_cum_bill"  # rule 46A: taxable and exempt lines to an unregistered patient

    @property
    def title(self) -> str:
        return {"receipt": "Receipt", "tax_invoice": "Tax invoice", "bill_of_supply": "Bill of supply",
                "invoice_cum_bill": "Invoice-cum-bill of supply"}[self.value]


def document_kind(gstin: str, rates: Iterable[Decimal]) -> DocumentKind:
    rates = list(rates)
    if not gstin:
        return DocumentKind.RECEIPT
    taxable = [r for r in rates if r > 0]
    if not taxable:
        return DocumentKind.BILL_OF_SUPPLY
    return DocumentKind.TAX_INVOICE if len(taxable) == len(rates) else DocumentKind.INVOICE_CUM_BILL


@dataclass(frozen=True)
class LineTax:
    """The tax inside one line's amount (`amount` = taxable + cgst + sgst + igst, to the paisa)."""

    rate: Decimal
    amount: Decimal
    taxable: Decimal
    cgst: Decimal = ZERO
    sgst: Decimal = ZERO
    igst: Decimal = ZERO

    @property
    def tax(self) -> Decimal:
        return self.cgst + self.sgst + self.igst


def line_tax(amount: Decimal, rate: Decimal, *, inter_state: bool) -> LineTax:
    """The tax inside `amount` (tax-inclusive) at `rate` per cent; CGST gets the odd paisa of an uneven split."""
    if rate == 0:
        return LineTax(rate, amount, amount)
    tax = (amount * rate / (100 + rate)).quantize(PAISE, rounding=ROUND_HALF_UP)
    taxable = amount - tax
    if inter_state:
        return LineTax(rate, amount, taxable, igst=tax)
    sgst = (tax / 2).quantize(PAISE, rounding=ROUND_HALF_UP)
    sgst = min(sgst, tax - sgst)
    return LineTax(rate, amount, taxable, cgst=tax - sgst, sgst=sgst)


def summary_by_rate(taxes: Iterable[LineTax]) -> list[LineTax]:
    """One row per rate, lowest first: the lines' amounts, taxable values and taxes added up."""
    rows: dict[Decimal, LineTax] = {}
    for t in taxes:
        s = rows.get(t.rate, LineTax(t.rate, ZERO, ZERO))
        rows[t.rate] = LineTax(t.rate, s.amount + t.amount, s.taxable + t.taxable, s.cgst + t.cgst, s.sgst + t.sgst,
                               s.igst + t.igst)
    return [rows[rate] for rate in sorted(rows)]
