"""An owner's report on paper and in CSV: its sections (a chart and the table under it) as one HTML document,
printed through the system dialog or saved as an A4 PDF; the same tables as CSV for Excel."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF, QUrl
from PySide6.QtGui import QImage, QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QWidget

from homa_desk.domain.errors import DomainError
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.modal import exec_dialog

_STYLE = """
body { font-family: sans-serif; font-size: 9pt; }
h1 { font-size: 14pt; margin: 0; }
h2 { font-size: 11pt; margin-top: 10px; }
table.t { border-collapse: collapse; }
table.t th { border-bottom: 1px solid #444; text-align: left; padding: 2px 6px; }
table.t td { padding: 2px 6px; border-bottom: 1px solid #ddd; }
td.num, th.num { text-align: right; }
.muted { color: #555; }
"""


@dataclass
class Section:
    """One chart and its table: `numeric` are the right-aligned columns."""

    title: str
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()
    chart: QImage | None = field(default=None, repr=False)


def report_html(title: str, subtitle: str, sections: Sequence[Section], clinic_name: str,
                charts: Sequence[str | None]) -> str:
    parts = [f"<html><head><style>{_STYLE}</style></head><body>", f"<h1>{escape(clinic_name)}</h1>",
             f"<p><b>{escape(title)}</b> — {escape(subtitle)}</p>"]
    for section, chart in zip(sections, charts, strict=True):
        parts.append(f"<h2>{escape(section.title)}</h2>")
        if chart:
            parts.append(f"<p><img src='{escape(chart)}' width='600'/></p>")
        head = "".join(f"<th class='{'num' if n in section.numeric else ''}'>{escape(h)}</th>"
                       for n, h in enumerate(section.headers))
        body = "".join("<tr>" + "".join(f"<td class='{'num' if n in section.numeric else ''}'>{escape(cell)}</td>"
                                        for n, cell in enumerate(row)) + "</tr>" for row in section.rows)
        parts.append(f"<table class='t'><tr>{head}</tr>{body}</table>")
    parts.append(f"<p class='muted'>{escape(tr('Printed {when}.').format(when=format_local_time(utcnow())))}</p>")
    parts.append("</body></html>")
    return "".join(parts)


def report_document(title: str, subtitle: str, sections: Sequence[Section], clinic_name: str) -> QTextDocument:
    document = QTextDocument()
    document.setDocumentMargin(0)
    names: list[str | None] = []
    for n, section in enumerate(sections):
        if section.chart is None:
            names.append(None)
            continue
        name = f"chart{n}.png"
        document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), section.chart)
        names.append(name)
    document.setHtml(report_html(title, subtitle, sections, clinic_name, names))
    return document


def save_report_pdf(title: str, subtitle: str, sections: Sequence[Section], clinic_name: str,
                    path: str | Path) -> Path:
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    _print(report_document(title, subtitle, sections, clinic_name), printer)
    return Path(path)


def print_report(title: str, subtitle: str, sections: Sequence[Section], clinic_name: str,
                 parent: QWidget | None = None) -> bool:
    """The system print dialog, then the report; False when cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print {report}").format(report=title))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    _print(report_document(title, subtitle, sections, clinic_name), printer)
    return True


def _print(document: QTextDocument, printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))
    document.setPageSize(QSizeF(printer.pageRect(QPrinter.Unit.Point).size()))
    document.print_(printer)


def save_report_csv(sections: Sequence[Section], path: str | Path) -> Path:
    """Each section's title, header and rows, a blank line between sections (UTF-8 with BOM, for Excel);
    written to a neighbouring .part file first, so a failed write never leaves half a file."""
    target = Path(path)
    partial = target.with_name(target.name + ".part")
    try:
        with partial.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            for n, section in enumerate(sections):
                if n:
                    writer.writerow([])
                writer.writerow([section.title])
                writer.writerow(section.headers)
                writer.writerows([_plain(cell, column in section.numeric) for column, cell in enumerate(row)]
                                 for row in section.rows)
        partial.replace(target)
    except OSError as error:
        partial.unlink(missing_ok=True)
        raise DomainError(f"Could not write {target.name}: {error.strerror or error}.") from error
    return target


def _plain(cell: str, numeric: bool) -> str:
    """Amounts as plain decimals (₹1,23,456.00 → 123456.00) so Excel reads numbers."""
    return cell.replace("₹", "").replace(",", "") if numeric else cell
