"""The receipt: HTML laid out for the desk's paper (A4, A5 or a receipt roll, receipt_layout.py), printed through
the system dialog or saved as a PDF (QtPrintSupport), with the QR of the bill number."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QImage
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from homa_desk.domain.advances import AdvanceUse
from homa_desk.domain.amount_words import rupees_in_words
from homa_desk.domain.billing import BillLine, BillStatus, BillView, PaymentRecord
from homa_desk.domain.gst import DocumentKind, LineTax, document_kind, line_tax, state_label, summary_by_rate
from homa_desk.domain.money import format_inr
from homa_desk.domain.paper import Paper
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.domain.upi import render_qr_png
from homa_desk.gateways.messaging import Attachment
from homa_desk.services import notifications
from homa_desk.services.clinic import ClinicInfo
from homa_desk.services.notifications import AttachmentRenderer
from homa_desk.ui.billing.receipt_layout import (
    LOGO,
    QR,
    ItemLine,
    PaymentLine,
    ReceiptContent,
    SumLine,
    TaxRow,
    layout_html,
)
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.modal import exec_dialog
from homa_desk.ui.common.paper import Picture, desk_paper, new_printer, print_html

if TYPE_CHECKING:
    from homa_desk.backend import Backend

QR_WIDTH_MM = {Paper.A4: 25.0, Paper.A5: 22.0, Paper.ROLL_80: 28.0, Paper.ROLL_58: 24.0}
LOGO_WIDTH_MM = {Paper.A4: 25.0, Paper.A5: 20.0, Paper.ROLL_80: 30.0, Paper.ROLL_58: 24.0}


def receipt_content(bill: BillView, clinic: ClinicInfo) -> ReceiptContent:
    """What a receipt says, on any paper: letterhead, bill, lines, sums, amount in words, payments."""
    totals = bill.totals
    numbers = ", ".join(n for n in (bill.patient_number and f"No. {bill.patient_number}",
                                    bill.patient_old_file_number and f"old file {bill.patient_old_file_number}") if n)
    patient = bill.patient_name + (f" ({numbers})" if numbers else "")
    kind = document_kind(clinic.gstin, (line.gst_rate for line in bill.lines))
    place = bill.place_of_supply or clinic.state
    inter_state = kind is not DocumentKind.RECEIPT and place != clinic.state
    taxes = [line_tax(line.total, line.gst_rate, inter_state=inter_state) for line in bill.lines]
    taxed = kind in (DocumentKind.TAX_INVOICE, DocumentKind.INVOICE_CUM_BILL)
    items = [_item_line(line, tax if taxed else None) for line, tax in zip(bill.lines, taxes, strict=True)]
    sums = [SumLine("Total", format_inr(totals.total), big=True), SumLine("Paid", format_inr(totals.paid))]
    if totals.from_advance:
        sums.append(SumLine("Paid from advance", format_inr(totals.from_advance)))
    if totals.refunded:
        sums.append(SumLine("Refunded", format_inr(totals.refunded)))
    sums.append(SumLine("Balance due", format_inr(max(totals.balance_due, Decimal("0.00")))))
    status = ("Cancelled" if bill.status is BillStatus.CANCELLED
              else "Paid" if totals.balance_due <= 0 else f"Balance due {format_inr(totals.balance_due)}")
    number_label = {DocumentKind.RECEIPT: "Receipt / Bill No.", DocumentKind.BILL_OF_SUPPLY: "Bill No."}.get(
        kind, "Invoice No.")
    facts = [(number_label, bill.bill_number), ("Date", format_local_time(bill.created_at)),
             ("Patient", patient), ("Doctor", bill.doctor_name or "—")]
    if kind is not DocumentKind.RECEIPT:
        facts.append(("Place of supply", state_label(place)))
    if taxed:
        facts.append(("Tax payable on reverse charge", "No"))
    return ReceiptContent(
        clinic_name=clinic.name, clinic_lines=letterhead_lines(clinic), facts=facts,
        items=items, sums=sums, words=rupees_in_words(totals.total), status=status,
        payments=[*(_payment_line(p) for p in bill.payments), *(_advance_line(u) for u in bill.advance_uses)],
        notes=bill.notes or "",
        footer=f"Printed {format_local_time(utcnow())}. Thank you.", has_logo=_logo(clinic) is not None,
        qr_caption=bill.bill_number, title="" if kind is DocumentKind.RECEIPT else kind.title,
        tax_rows=[_tax_row(row) for row in summary_by_rate(taxes)] if taxed else [],
        tax_note=_tax_note(kind),
        signature="" if kind is DocumentKind.RECEIPT else f"For {clinic.name} — Authorised signatory")


EXEMPT_NOTE = ("Health care services are exempt from GST (notification 12/2017-Central Tax (Rate), entry 74): "
               "no tax is charged on {what}.")


def _tax_note(kind: DocumentKind) -> str:
    if kind is DocumentKind.BILL_OF_SUPPLY:
        return EXEMPT_NOTE.format(what="this bill")
    if kind is DocumentKind.INVOICE_CUM_BILL:
        return EXEMPT_NOTE.format(what="the lines marked exempt")
    return ""


def _item_line(line: BillLine, tax: LineTax | None) -> ItemLine:
    """A bill line as printed; with `tax` (a tax invoice), its taxable value and each tax, or "Exempt"."""
    taxable, taxes = "", ()
    if tax is not None:
        taxable, taxes = (format_inr(tax.taxable), _tax_texts(tax)) if tax.rate else ("", ("Exempt",))
    return ItemLine(kind=line.kind.label, description=line.description, quantity=f"{line.quantity.normalize():f}",
                    rate=format_inr(line.unit_price), discount=format_inr(line.discount) if line.discount else "",
                    amount=format_inr(line.total), sac_hsn=line.sac_hsn, taxable=taxable, taxes=taxes)


def _tax_texts(tax: LineTax) -> tuple[str, ...]:
    if tax.rate == 0:
        return ("Exempt",)
    if tax.igst:
        return (f"IGST {_percent(tax.rate)} {format_inr(tax.igst)}",)
    half = tax.rate / 2
    return (f"CGST {_percent(half)} {format_inr(tax.cgst)}", f"SGST {_percent(half)} {format_inr(tax.sgst)}")


def _percent(rate: Decimal) -> str:
    return f"{rate.normalize():f}%"


def _tax_row(row: LineTax) -> TaxRow:
    if row.rate == 0:
        return TaxRow("Exempt", format_inr(row.taxable), ("—",), format_inr(row.tax))
    return TaxRow(_percent(row.rate), format_inr(row.taxable), _tax_texts(row), format_inr(row.tax))


def receipt_html(bill: BillView, clinic: ClinicInfo, paper: Paper = Paper.A4) -> str:
    """The receipt as HTML (QTextDocument's subset) laid out for the paper."""
    return layout_html(receipt_content(bill, clinic), paper)


def save_receipt_pdf(bill: BillView, clinic: ClinicInfo, path: str | Path, paper: Paper | None = None) -> Path:
    """A PDF of the receipt at `path` on the paper (this desk's when not given); returns the path."""
    paper = paper or desk_paper()
    _print(bill, clinic, new_printer(paper, path), paper)
    return Path(path)


def receipt_renderer(backend: Backend) -> AttachmentRenderer:
    """What the outbox sender (services/jobs/outbox.py) attaches to a receipt e-mail: the bill as it is at send
    time, as a PDF; it runs on the sender's thread."""

    def render(bill_id: int) -> Attachment:
        bill, clinic = notifications.receipt_data(backend.uow(), bill_id)
        with tempfile.TemporaryDirectory() as folder:
            path = save_receipt_pdf(bill, clinic, Path(folder) / "receipt.pdf", Paper.A4)
            return Attachment(f"receipt-{bill.bill_number.replace('/', '-')}.pdf", path.read_bytes())

    return render


def print_receipt(bill: BillView, clinic: ClinicInfo, parent: QWidget | None = None,
                  paper: Paper | None = None) -> bool:
    """The system print dialog, then the receipt on the paper (this desk's when not given); False when the
    receptionist cancelled."""
    paper = paper or desk_paper()
    printer = new_printer(paper)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print receipt {number}").format(number=bill.bill_number))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    _print(bill, clinic, printer, paper)
    return True


def _print(bill: BillView, clinic: ClinicInfo, printer: QPrinter, paper: Paper) -> None:
    print_content(receipt_content(bill, clinic), clinic, printer, paper)


def print_content(content: ReceiptContent, clinic: ClinicInfo, printer: QPrinter, paper: Paper) -> None:
    """Any receipt's content on the printer (or PDF) laid out for the paper, with its QR and the clinic's logo."""
    pictures = {QR: Picture(QImage.fromData(render_qr_png(content.qr_caption, box_size=1)), QR_WIDTH_MM[paper],
                            sharp=True)}
    if (logo := _logo(clinic)) is not None:
        pictures[LOGO] = Picture(logo, LOGO_WIDTH_MM[paper])
    print_html(layout_html(content, paper), printer, paper, pictures)


def letterhead_lines(clinic: ClinicInfo) -> list[str]:
    """The clinic's address lines, then its phone and GSTIN."""
    return [*(clinic.address.splitlines() if clinic.address else []),
            *([f"Phone {clinic.phone}"] if clinic.phone else []),
            *([f"GSTIN {clinic.gstin}"] if clinic.gstin else [])]


def has_logo(clinic: ClinicInfo) -> bool:
    return _logo(clinic) is not None


def _logo(clinic: ClinicInfo) -> QImage | None:
    if not clinic.logo_path or not Path(clinic.logo_path).is_file():
        return None
    image = QImage(clinic.logo_path)
    return None if image.isNull() else image


def _payment_line(payment: PaymentRecord) -> PaymentLine:
    state = "For review" if payment.review_reason else payment.state.label
    if payment.refunded_amount:
        state += f", refunded {format_inr(payment.refunded_amount)}"
    return PaymentLine(when=format_local_time(payment.paid_at) if payment.paid_at else "",
                       method=payment.method.label, reference=payment.reference or "", state=state,
                       amount=format_inr(payment.amount))


def _advance_line(use: AdvanceUse) -> PaymentLine:
    state = "Applied" if use.live else f"Returned ({use.return_reason})"
    return PaymentLine(when=format_local_time(use.applied_at), method="Paid from advance",
                       reference=use.advance_number, state=state, amount=format_inr(use.amount))
