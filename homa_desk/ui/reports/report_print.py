"""The daily collection on paper: one HTML QTextDocument with the charts as images, printed through the system
dialog or saved as an A4 PDF (QtPrintSupport)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from homa_desk.domain.money import format_inr
from homa_desk.domain.reconciliation import Finding, GatewayReconciliation
from homa_desk.domain.reports import CollectionLine, DailyCollection
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.modal import exec_dialog

_STYLE = """
body { font-family: sans-serif; font-size: 10pt; }
h1 { font-size: 15pt; margin: 0; }
h2 { font-size: 12pt; margin-top: 10px; }
table.t { border-collapse: collapse; }
table.t th { border-bottom: 1px solid #444; text-align: left; padding: 3px 8px; }
table.t td { padding: 3px 8px; border-bottom: 1px solid #ddd; }
td.num, th.num { text-align: right; }
.muted { color: #555; }
"""


def collection_html(report: DailyCollection, clinic_name: str, charts: Sequence[str] = (),
                    reconciliation: GatewayReconciliation | None = None) -> str:
    """The close-of-day summary as HTML; `charts` names image resources already added to the document;
    `reconciliation` is the gateway check run on the screen (printed when it is of the same day)."""
    day = report.day.strftime("%A, %d %B %Y")
    parts = [
        f"<html><head><style>{_STYLE}</style></head><body>",
        f"<h1>{escape(clinic_name)}</h1><p><b>Daily collection — {escape(day)}</b></p>",
        "<table class='t'>",
        _row("Collected", format_inr(report.collected), f"{report.payments} payments"),
        _row("Refunds made this day", format_inr(report.refunded), f"{report.refund_count} refunds"),
        _row("<b>Net</b>", f"<b>{format_inr(report.net)}</b>", ""),
        _row("Bills created", str(report.bills_created), ""),
        _row("Pending review", format_inr(report.pending_review_amount), f"{report.pending_review} payments"),
        _row("Advances received", format_inr(report.advances_received), "in Collected above"),
        _row("Paid from advances", format_inr(report.advances_applied),
             "counted the day they were received, not again"),
        _row("Advances refunded", format_inr(report.advances_refunded), "in Refunds above"),
        "</table>",
        "<h2>Cash drawer</h2>", _cash(report),
        "<h2>UPI at the payment gateway</h2>",
        _reconciliation(reconciliation if reconciliation is not None and reconciliation.day == report.day else None),
        "<h2>By method</h2>", _lines(report.by_method, "Method"),
        "<h2>By doctor</h2>", _lines(report.by_doctor, "Doctor"),
        "<h2>By receptionist (who received)</h2>", _lines(report.by_receiver, "Received by", refunds=False),
    ]
    for name in charts:
        parts.append(f"<p><img src='{escape(name)}' width='560'/></p>")
    parts.append("<p class='muted'>Collections are payments dated this day (Asia/Kolkata); refunds are those made "
                 f"this day, whichever day the payment was. Printed {escape(format_local_time(utcnow()))}.</p>")
    parts.append("</body></html>")
    return "".join(parts)


def _cash(report: DailyCollection) -> str:
    parts = ["<table class='t'>", _row("Cash recorded, less cash refunds", format_inr(report.cash_expected), "")]
    if not report.cash_counts:
        parts.append(_row("Counted", "not counted", ""))
    for count in reversed(report.cash_counts):
        state = "" if count is report.cash_count else " (superseded)"
        parts.append(_row(f"Counted{state}", format_inr(count.counted),
                          f"{count.difference_text} against {format_inr(count.expected)}; "
                          f"{count.counted_by or '—'}, {format_local_time(count.counted_at)}"
                          + (f"; {count.reason}" if count.reason else "")))
    parts.append("</table>")
    return "".join(parts)


def _reconciliation(result: GatewayReconciliation | None) -> str:
    if result is None:
        return "<p class='muted'>Not checked with the gateway before printing.</p>"
    if not result.supported:
        return ("<p>Static UPI: no payment gateway sees this money; check the UPI payments against the clinic's "
                "bank statement.</p>")
    checked = format_local_time(result.checked_at) if result.checked_at else ""
    parts = [f"<p>{escape(result.gateway_label)}: {result.gateway_count} captured payments, "
             f"{format_inr(result.gateway_total)}; {result.matched_count} match the desk "
             f"({format_inr(result.matched_total)}). Checked {escape(checked)}.</p>"]
    if result.clean:
        parts.append("<p>Nothing to look into.</p>")
        return "".join(parts)
    for finding in Finding:
        for line in result.of(finding):
            amounts = [f"{side} {format_inr(value)}" for side, value in (("gateway", line.gateway_amount),
                                                                         ("desk", line.desk_amount))
                       if value is not None]
            bill = f", bill {escape(line.bill_number)}" if line.bill_number else ""
            parts.append(f"<p><b>{escape(finding.label)}</b>: {escape(line.reference)} — {', '.join(amounts)}"
                         f"{bill}. <span class='muted'>{escape(line.note)}</span></p>")
    return "".join(parts)


def _row(label: str, value: str, note: str) -> str:
    return f"<tr><td>{label}</td><td class='num'>{value}</td><td class='muted'>{escape(note)}</td></tr>"


def _lines(lines: tuple[CollectionLine, ...], heading: str, *, refunds: bool = True) -> str:
    if not lines:
        return "<p class='muted'>Nothing this day.</p>"
    head = f"<tr><th>{escape(heading)}</th><th class='num'>Payments</th><th class='num'>Collected</th>"
    head += "<th class='num'>Refunded</th><th class='num'>Net</th></tr>" if refunds else "</tr>"
    body = ""
    for line in lines:
        body += (f"<tr><td>{escape(line.label)}</td><td class='num'>{line.count}</td>"
                 f"<td class='num'>{format_inr(line.collected)}</td>")
        body += (f"<td class='num'>{format_inr(line.refunded)}</td><td class='num'>{format_inr(line.net)}</td></tr>"
                 if refunds else "</tr>")
    return f"<table class='t'>{head}{body}</table>"


def collection_document(report: DailyCollection, clinic_name: str, charts: Sequence[QImage] = (),
                        reconciliation: GatewayReconciliation | None = None) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    names = []
    for n, image in enumerate(charts):
        name = f"chart{n}.png"
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        names.append(name)
    document.setHtml(collection_html(report, clinic_name, names, reconciliation))
    return document


def save_collection_pdf(report: DailyCollection, clinic_name: str, path: str | Path,
                        charts: Sequence[QImage] = (), *, reconciliation: GatewayReconciliation | None = None) -> Path:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _print(collection_document(report, clinic_name, charts, reconciliation), printer)
    return Path(path)


def print_collection(report: DailyCollection, clinic_name: str, charts: Sequence[QImage] = (),
                     parent: QWidget | None = None, *, reconciliation: GatewayReconciliation | None = None) -> bool:
    """The system print dialog, then the report; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print daily collection {day}").format(day=f"{report.day:%d-%m-%Y}"))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    _print(collection_document(report, clinic_name, charts, reconciliation), printer)
    return True


def _print(document: QTextDocument, printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    document.setPageSize(QSizeF(printer.pageRect(QPrinter.Unit.Point).size()))
    document.print_(printer)
