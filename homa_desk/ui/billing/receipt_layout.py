"""The receipt's content in lines, and its two layouts: a sheet (A4, A5) with tables, and a receipt roll where
each line is stacked ("description / qty × rate  amount") so nothing needs more than the roll's width.

The layouts take the lines they are given: whoever adds a kind of line (a sum, a payment) adds it to
ReceiptContent and both papers print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from homa_desk.domain.paper import Paper
from homa_desk.ui.common.paper import RULE, TYPE_SIZES

LOGO = "receipt:logo"
QR = "receipt:qr"
_RULE = f"<p><img src='{RULE}'/></p>"
ROLL_CHARACTERS = {Paper.ROLL_80: 37, Paper.ROLL_58: 28}  # what fits a line in the roll's body font


@dataclass(frozen=True)
class ItemLine:
    kind: str
    description: str
    quantity: str
    rate: str
    discount: str  # "" when none
    amount: str
    sac_hsn: str = ""  # shown on a GST document (tax invoice, bill of supply)
    taxable: str = ""  # a taxed line's value without the tax; "" when the document shows no tax
    taxes: tuple[str, ...] = ()  # ("CGST 9% ₹76.27", "SGST 9% ₹76.27"), ("IGST 18% ₹152.54",) or ("Exempt",)


@dataclass(frozen=True)
class TaxRow:
    """One row of a tax invoice's summary by rate; `taxes` as ItemLine's, summed over the rate's lines."""

    rate: str  # "18%", "Exempt"
    taxable: str
    taxes: tuple[str, ...]
    total_tax: str


@dataclass(frozen=True)
class SumLine:
    label: str
    amount: str
    big: bool = False


@dataclass(frozen=True)
class PaymentLine:
    when: str
    method: str
    reference: str
    state: str
    amount: str


@dataclass(frozen=True)
class ReceiptContent:
    clinic_name: str
    clinic_lines: list[str]  # address lines, then the phone
    facts: list[tuple[str, str]]  # ("Receipt / Bill No.", "2026-27/000012"), ("Date", …), ("Patient", …), …
    items: list[ItemLine]
    sums: list[SumLine]
    words: str
    status: str
    payments: list[PaymentLine] = field(default_factory=list)
    notes: str = ""
    footer: str = ""
    has_logo: bool = False
    qr_caption: str = ""  # the text the QR encodes, printed under it; "" = no QR
    title: str = ""  # the document's name on a GST document ("Tax invoice", "Bill of supply"); "" = a receipt
    tax_rows: list[TaxRow] = field(default_factory=list)  # a tax invoice's summary by rate
    tax_note: str = ""  # why no tax is charged (bill of supply), or the reverse-charge statement
    signature: str = ""  # "For <clinic> — Authorised signatory" on a GST document

    @property
    def taxed(self) -> bool:
        return bool(self.tax_rows)


def _style(paper: Paper) -> str:
    size = TYPE_SIZES[paper]
    return f"""
body {{ font-family: sans-serif; font-size: {size.body}pt; }}
h1 {{ font-size: {size.title}pt; margin: 0; }}
table.lines {{ border-collapse: collapse; width: 100%; }}
table.lines th {{ border-bottom: 1px solid #444; text-align: left; padding: 3px; }}
table.lines td {{ padding: 3px; border-bottom: 1px solid #ddd; }}
td.num, th.num {{ text-align: right; white-space: nowrap; }}
td.tax, th.tax {{ text-align: right; }}
.muted {{ color: #555; }}
.small {{ font-size: {size.small}pt; }}
.big {{ font-size: {size.big}pt; font-weight: bold; }}
"""


def layout_html(content: ReceiptContent, paper: Paper) -> str:
    body = roll_body(content, paper) if paper.is_roll else sheet_body(content)
    return f"<html><head><style>{_style(paper)}</style></head><body>{body}</body></html>"


def sheet_body(content: ReceiptContent) -> str:
    """A4 or A5: letterhead, the facts in two columns beside the QR, the lines as a table, then the sums."""
    e = escape
    text = "<br/>".join([f"<h1>{e(content.clinic_name)}</h1>", *(e(line) for line in content.clinic_lines)])
    head = (f"<table><tr><td><img src='{LOGO}'/></td><td>{text}</td></tr></table>" if content.has_logo else text)
    half = (len(content.facts) + 1) // 2
    columns = ["<br/>".join(f"<b>{e(label)}</b> {e(value)}" for label, value in part)
               for part in (content.facts[:half], content.facts[half:])]
    qr = f"<td align='right'>{_qr(content)}</td>" if content.qr_caption else ""
    title = f"<p align='center' class='big'>{e(content.title)}</p>" if content.title else ""
    parts = [
        head, _RULE, title, "<table width='100%'><tr>", *(f"<td valign='top'>{column}</td>" for column in columns),
        qr, "</tr></table><br/>", _sheet_lines(content), "<br/><table width='100%'>",
        *(_sum_row(line, indent=True) for line in content.sums), "</table>",
        f"<p><b>Amount in words:</b> {e(content.words)}</p>", f"<p class='big'>{e(content.status)}</p>",
    ]
    if content.payments:
        parts += ["<p><b>Payments</b></p><table class='lines' width='100%'><tr><th>Date</th><th>Method</th>"
                  "<th>Reference</th><th>Status</th><th class='num'>Amount</th></tr>",
                  *(f"<tr><td>{e(p.when)}</td><td>{e(p.method)}</td><td>{e(p.reference)}</td><td>{e(p.state)}</td>"
                    f"<td class='num'>{e(p.amount)}</td></tr>" for p in content.payments), "</table>"]
    return "".join(parts + _closing(content))


def _sheet_lines(content: ReceiptContent) -> str:
    """The lines as a table; on a GST document with the SAC/HSN under each description. A tax invoice gives each
    line its taxable value and tax instead of the item and discount columns (the kind and any discount go under
    the description, so A5 keeps its words whole), then the summary by rate."""
    e = escape
    if not content.taxed:
        rows = "".join(
            f"<tr><td>{n}</td><td>{e(line.kind)}</td><td>{e(line.description)}{_code(content, line)}</td>"
            f"<td class='num'>{e(line.quantity)}</td><td class='num'>{e(line.rate)}</td>"
            f"<td class='num'>{e(line.discount or '₹0.00')}</td><td class='num'>{e(line.amount)}</td></tr>"
            for n, line in enumerate(content.items, start=1))
        note = f"<p class='small'>{e(content.tax_note)}</p>" if content.tax_note else ""
        return ("<table class='lines' width='100%'><tr><th>#</th><th>Item</th><th>Description</th>"
                "<th class='num'>Qty</th><th class='num'>Rate</th><th class='num'>Discount</th>"
                f"<th class='num'>Amount</th></tr>{rows}</table>{note}")
    rows = []
    for n, line in enumerate(content.items, start=1):
        under = " · ".join(x for x in (line.kind, line.discount and f"discount {line.discount}") if x)
        rows.append(f"<tr><td>{n}</td><td>{e(line.description)}<br/><span class='small'>{e(under)}</span>"
                    f"{_code(content, line)}</td><td class='num'>{e(line.quantity)}</td>"
                    f"<td class='num'>{e(line.rate)}</td><td class='num'>{e(line.taxable)}</td>"
                    f"<td class='tax'>{'<br/>'.join(e(t) for t in line.taxes)}</td>"
                    f"<td class='num'>{e(line.amount)}</td></tr>")
    parts = ["<table class='lines' width='100%'><tr><th>#</th><th>Description</th><th class='num'>Qty</th>"
             "<th class='num'>Rate</th><th class='num'>Taxable value</th><th class='tax'>Tax</th>"
             "<th class='num'>Amount</th></tr>", *rows, "</table>",
             "<br/><p><b>Tax summary by rate</b></p><table class='lines' width='100%'><tr><th>GST rate</th>"
             "<th class='num'>Taxable value</th><th class='tax'>Tax</th><th class='num'>Total tax</th></tr>",
             *(f"<tr><td>{e(r.rate)}</td><td class='num'>{e(r.taxable)}</td>"
               f"<td class='tax'>{'<br/>'.join(e(t) for t in r.taxes)}</td><td class='num'>{e(r.total_tax)}</td>"
               f"</tr>" for r in content.tax_rows), "</table>"]
    if content.tax_note:
        parts.append(f"<p class='small'>{e(content.tax_note)}</p>")
    return "".join(parts)


def _code(content: ReceiptContent, line: ItemLine) -> str:
    return f"<br/><span class='small'>SAC/HSN {escape(line.sac_hsn)}</span>" if content.title and line.sac_hsn else ""


def roll_body(content: ReceiptContent, paper: Paper) -> str:
    """A receipt roll: everything centred or in two columns (text, amount), each bill line over two rows."""
    e = escape
    head = "<br/>".join([f"<span class='big'>{e(content.clinic_name)}</span>", *(e(x) for x in content.clinic_lines)])
    logo = f"<img src='{LOGO}'/><br/>" if content.has_logo else ""
    facts = "<br/>".join(f"<b>{e(label)}</b> {e(value)}" for label, value in content.facts)
    width = ROLL_CHARACTERS[paper]
    items = "".join(_roll_line(content, line, width) for line in content.items)
    title = f"<p align='center' class='big'>{e(content.title)}</p>" if content.title else ""
    parts = [
        f"<p align='center'>{logo}{head}</p>{_RULE}{title}<p>{facts}</p>{_RULE}",
        f"<table width='100%' cellspacing='0'>{items}</table>{_RULE}",
    ]
    if content.taxed:
        rows = "".join(f"<tr><td colspan='2'><b>{e('GST ' + r.rate if r.rate.endswith('%') else r.rate)}</b></td></tr>"
                       + _two_columns("Taxable value", r.taxable, width)
                       + "".join(_two_columns(*_split_tax(t), width) for t in r.taxes if t != "—")
                       for r in content.tax_rows)
        parts.append(f"<p><b>Tax summary</b></p><table width='100%' cellspacing='0'>{rows}</table>{_RULE}")
    if content.tax_note:
        parts.append(f"<p class='small'>{e(content.tax_note)}</p>")
    parts += [
        "<table width='100%' cellspacing='0'>", *(_sum_row(line) for line in content.sums), "</table>",
        f"<p class='small'>{e(content.words)}</p>", f"<p align='center' class='big'>{e(content.status)}</p>",
    ]
    if content.payments:
        rows = "".join(
            f"<tr><td colspan='2' class='small'>{e(p.when)}</td></tr>"
            f"<tr><td>{e(' · '.join(x for x in (p.method, p.reference, p.state) if x))}</td>"
            f"<td class='num'>{e(p.amount)}</td></tr>" for p in content.payments)
        parts += [f"{_RULE}<p><b>Payments</b></p><table width='100%' cellspacing='0'>{rows}</table>"]
    if content.qr_caption:
        parts.append(f"<p align='center'>{_qr(content)}</p>")
    return "".join(parts + _closing(content))


def _roll_line(content: ReceiptContent, line: ItemLine, width: int) -> str:
    """A bill line on a roll: its name, the SAC/HSN on a GST document, quantity × rate and amount, then on a tax
    invoice the taxable value and each tax on rows of their own."""
    rows = f"<tr><td colspan='2'><b>{escape(line.description or line.kind)}</b></td></tr>"
    if content.title and line.sac_hsn:
        rows += f"<tr><td colspan='2' class='small'>SAC/HSN {escape(line.sac_hsn)}</td></tr>"
    rows += _two_columns(_quantity_rate(line), line.amount, width)
    if content.taxed and line.taxable:
        rows += _two_columns("Taxable value", line.taxable, width)
        rows += "".join(_two_columns(*_split_tax(t), width) for t in line.taxes)
    elif content.taxed:
        rows += "".join(f"<tr><td colspan='2' class='small'>{escape(t)}</td></tr>" for t in line.taxes)
    return rows


def _split_tax(text: str) -> tuple[str, str]:
    """'CGST 9% ₹76.27' → ('CGST 9%', '₹76.27'), for a roll's two columns."""
    label, _, amount = text.rpartition(" ")
    return (label, amount) if amount.startswith("₹") else (text, "")


def _two_columns(text: str, amount: str, characters: int) -> str:
    """Text and amount on one row when both fit a roll's line, else the amount on a row of its own: a number is
    never broken across lines."""
    if len(text) + len(amount) + 4 <= characters:
        return f"<tr><td>{escape(text)}</td><td class='num'>{escape(amount)}</td></tr>"
    return f"<tr><td colspan='2'>{escape(text)}</td></tr><tr><td></td><td class='num'>{escape(amount)}</td></tr>"


def _quantity_rate(line: ItemLine) -> str:
    text = f"{line.quantity} × {line.rate}"
    return f"{text} − {line.discount}" if line.discount else text


def _qr(content: ReceiptContent) -> str:
    return f"<img src='{QR}'/><br/><span class='small'>{escape(content.qr_caption)}</span>"


def _sum_row(line: SumLine, *, indent: bool = False) -> str:
    big = " big" if line.big else ""
    gap = "<td width='70%'></td>" if indent else ""
    return (f"<tr>{gap}<td class='label{big}'>{escape(line.label)}</td>"
            f"<td class='num{big}'>{escape(line.amount)}</td></tr>")


def _closing(content: ReceiptContent) -> list[str]:
    parts = [f"<p class='muted'>{escape(content.notes)}</p>"] if content.notes else []
    if content.signature:
        parts.append(f"<p align='right'><br/>{escape(content.signature)}</p>")
    return [*parts, f"<p class='muted'>{escape(content.footer)}</p>"]
