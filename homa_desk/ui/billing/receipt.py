"""The receipt: one HTML QTextDocument, printed through the system dialog or saved as a PDF (QtPrintSupport)."""

from __future__ import annotations

import tempfile
from decimal import Decimal
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from homa_desk.domain.amount_words import rupees_in_words
from homa_desk.domain.billing import BillStatus, BillView, PaymentRecord
from homa_desk.domain.money import format_inr
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.gateways.messaging import Attachment
from homa_desk.services import notifications
from homa_desk.services.clinic import ClinicInfo
from homa_desk.services.notifications import AttachmentRenderer
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.modal import exec_dialog

if TYPE_CHECKING:
    from homa_desk.backend import Backend

_STYLE = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 16pt; margin: 0; }
table.lines { border-collapse: collapse; width: 100%; }
table.lines th { border-bottom: 1px solid #444; text-align: left; padding: 3px; }
table.lines td { padding: 3px; border-bottom: 1px solid #ddd; }
td.num, th.num { text-align: right; }
.muted { color: #555; }
.big { font-size: 13pt; font-weight: bold; }
"""


def receipt_html(bill: BillView, clinic: ClinicInfo) -> str:
    """The receipt as HTML (QTextDocument's subset): letterhead, bill, lines, payments, totals, amount in words."""
    totals = bill.totals
    head = _letterhead(clinic)
    numbers = ", ".join(n for n in (bill.patient_number and f"No. {bill.patient_number}",
                                    bill.patient_old_file_number and f"old file {bill.patient_old_file_number}") if n)
    patient = escape(bill.patient_name) + (f" ({escape(numbers)})" if numbers else "")
    rows = "".join(
        f"<tr><td>{n}</td><td>{escape(line.kind.label)}</td><td>{escape(line.description)}</td>"
        f"<td class='num'>{line.quantity.normalize():f}</td><td class='num'>{format_inr(line.unit_price)}</td>"
        f"<td class='num'>{format_inr(line.discount)}</td><td class='num'>{format_inr(line.total)}</td></tr>"
        for n, line in enumerate(bill.lines, start=1))
    payments = "".join(_payment_row(p) for p in bill.payments)
    status = ("Cancelled" if bill.status is BillStatus.CANCELLED
              else "Paid" if totals.balance_due <= 0 else f"Balance due {format_inr(totals.balance_due)}")
    parts = [
        f"<html><head><style>{_STYLE}</style></head><body>", head,
        "<hr/><table width='100%'><tr>",
        f"<td><b>Receipt / Bill No.</b> {escape(bill.bill_number)}<br/>"
        f"<b>Date</b> {escape(format_local_time(bill.created_at))}</td>",
        f"<td><b>Patient</b> {patient}<br/><b>Doctor</b> {escape(bill.doctor_name or '—')}</td>",
        "</tr></table><br/>",
        "<table class='lines' width='100%'><tr><th>#</th><th>Item</th><th>Description</th><th class='num'>Qty</th>"
        "<th class='num'>Rate</th><th class='num'>Discount</th><th class='num'>Amount</th></tr>",
        rows, "</table><br/>",
        "<table width='100%'>",
        _total_row("Total", format_inr(totals.total), big=True),
        _total_row("Paid", format_inr(totals.paid)),
    ]
    if totals.refunded:
        parts.append(_total_row("Refunded", format_inr(totals.refunded)))
    parts += [
        _total_row("Balance due", format_inr(max(totals.balance_due, Decimal("0.00")))),
        "</table>",
        f"<p><b>Amount in words:</b> {escape(rupees_in_words(totals.total))}</p>",
        f"<p class='big'>{escape(status)}</p>",
    ]
    if payments:
        parts += ["<p><b>Payments</b></p><table class='lines' width='100%'><tr><th>Date</th><th>Method</th>"
                  "<th>Reference</th><th>Status</th><th class='num'>Amount</th></tr>", payments, "</table>"]
    if bill.notes:
        parts.append(f"<p class='muted'>{escape(bill.notes)}</p>")
    parts.append(f"<p class='muted'>Printed {escape(format_local_time(utcnow()))}. Thank you.</p></body></html>")
    return "".join(parts)


def receipt_document(bill: BillView, clinic: ClinicInfo) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    document.setHtml(receipt_html(bill, clinic))
    return document


def save_receipt_pdf(bill: BillView, clinic: ClinicInfo, path: str | Path) -> Path:
    """An A4 PDF of the receipt at `path`; returns the path."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _a4(printer)
    _print(bill, clinic, printer)
    return Path(path)


def receipt_renderer(backend: Backend) -> AttachmentRenderer:
    """What the outbox sender (services/jobs/outbox.py) attaches to a receipt e-mail: the bill as it is at send
    time, as a PDF; it runs on the sender's thread."""

    def render(bill_id: int) -> Attachment:
        bill, clinic = notifications.receipt_data(backend.uow(), bill_id)
        with tempfile.TemporaryDirectory() as folder:
            path = save_receipt_pdf(bill, clinic, Path(folder) / "receipt.pdf")
            return Attachment(f"receipt-{bill.bill_number.replace('/', '-')}.pdf", path.read_bytes())

    return render


def print_receipt(bill: BillView, clinic: ClinicInfo, parent: QWidget | None = None) -> bool:
    """The system print dialog, then the receipt; False when the receptionist cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a4(printer)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print receipt {number}").format(number=bill.bill_number))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    _print(bill, clinic, printer)
    return True


def _a4(printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))


def _print(bill: BillView, clinic: ClinicInfo, printer: QPrinter) -> None:
    document = receipt_document(bill, clinic)
    document.setPageSize(QSizeF(printer.pageRect(QPrinter.Unit.Point).size()))
    document.print_(printer)


def _letterhead(clinic: ClinicInfo) -> str:
    logo = ""
    if clinic.logo_path and Path(clinic.logo_path).is_file():
        logo = f"<img src='{escape(Path(clinic.logo_path).as_uri())}' height='60'/>"
    lines = [f"<h1>{escape(clinic.name)}</h1>"]
    if clinic.address:
        lines.append(escape(clinic.address).replace("\n", "<br/>"))
    if clinic.phone:
        lines.append(f"Phone {escape(clinic.phone)}")
    text = "<br/>".join(lines)
    return f"<table><tr><td>{logo}</td><td>{text}</td></tr></table>" if logo else text


def _payment_row(payment: PaymentRecord) -> str:
    when = format_local_time(payment.paid_at) if payment.paid_at else ""
    state = "For review" if payment.review_reason else payment.state.label
    if payment.refunded_amount:
        state += f", refunded {format_inr(payment.refunded_amount)}"
    return (f"<tr><td>{escape(when)}</td><td>{escape(payment.method.label)}</td>"
            f"<td>{escape(payment.reference or '')}</td><td>{escape(state)}</td>"
            f"<td class='num'>{format_inr(payment.amount)}</td></tr>")


def _total_row(label: str, value: str, *, big: bool = False) -> str:
    style = " class='big'" if big else ""
    return f"<tr><td width='70%'></td><td{style}>{label}</td><td class='num'{style}>{value}</td></tr>"
