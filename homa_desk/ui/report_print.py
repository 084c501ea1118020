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
from homa_desk.domain.reports import CollectionLine, DailyCollection
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.ui.i18n import tr
from homa_desk.ui.modal import exec_dialog

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


def collection_html(report: DailyCollection, clinic_name: str, charts: Sequence[str] = ()) -> str:
    """The close-of-day summary as HTML; `charts` names image resources already added to the document."""
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
        "</table>",
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


def collection_document(report: DailyCollection, clinic_name: str, charts: Sequence[QImage] = ()) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    names = []
    for n, image in enumerate(charts):
        name = f"chart{n}.png"
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), image)
        names.append(name)
    document.setHtml(collection_html(report, clinic_name, names))
    return document


def save_collection_pdf(report: DailyCollection, clinic_name: str, path: str | Path,
                        charts: Sequence[QImage] = ()) -> Path:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _print(collection_document(report, clinic_name, charts), printer)
    return Path(path)


def print_collection(report: DailyCollection, clinic_name: str, charts: Sequence[QImage] = (),
                     parent: QWidget | None = None) -> bool:
    """The system print dialog, then the report; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print daily collection {day}").format(day=f"{report.day:%d-%m-%Y}"))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    _print(collection_document(report, clinic_name, charts), printer)
    return True


def _print(document: QTextDocument, printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    document.setPageSize(QSizeF(printer.pageRect(QPrinter.Unit.Point).size()))
    document.print_(printer)
