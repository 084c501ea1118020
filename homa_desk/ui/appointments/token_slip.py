"""A walk-in's token slip for the desk's receipt printer: clinic, doctor, token, time and the patient's first name.

Only the first name: the slip is handed over and often left on a bench. Whether a desk prints slips is its own
setting (config.Settings.print_token_slips, off by default), switched in the Queue tab.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrinter

from homa_desk.config import Settings
from homa_desk.domain.consultations import with_doctor_title
from homa_desk.domain.queue import QueueEntryView
from homa_desk.domain.timeutil import to_local
from homa_desk.ui.common.i18n import tr

ROLL_WIDTH_MM = 80  # the common thermal receipt roll
SLIP_HEIGHT_MM = 90


@dataclass(frozen=True)
class TokenSlip:
    clinic: str
    doctor: str
    token: int
    issued_at: datetime
    first_name: str

    @classmethod
    def for_entry(cls, entry: QueueEntryView, clinic: str) -> TokenSlip:
        words = entry.patient_name.split()
        return cls(clinic=clinic, doctor=with_doctor_title(entry.doctor_name) if entry.doctor_name else "",
                   token=entry.token, issued_at=entry.arrived_at, first_name=words[0] if words else "")


def slips_enabled() -> bool:
    return Settings.load().print_token_slips


def set_slips_enabled(enabled: bool) -> None:
    settings = Settings.load()
    settings.print_token_slips = enabled
    settings.save()


def slip_html(slip: TokenSlip) -> str:
    return (
        "<html><body style='font-family: sans-serif; text-align: center;'>"
        f"<p style='font-size: 12pt; font-weight: bold;'>{escape(slip.clinic)}</p>"
        f"<p style='font-size: 10pt;'>{escape(slip.doctor)}</p>"
        f"<p style='font-size: 10pt;'>{escape(tr('Token'))}</p>"
        f"<p style='font-size: 36pt; font-weight: bold;'>{slip.token}</p>"
        f"<p style='font-size: 11pt;'>{escape(slip.first_name)}</p>"
        f"<p style='font-size: 9pt;'>{to_local(slip.issued_at):%d %b %Y, %I:%M %p}</p>"
        "</body></html>")


def receipt_printer() -> QPrinter:
    """The computer's default printer (the receipt printer at a desk that prints slips) with a roll-sized page."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setPageLayout(QPageLayout(QPageSize(QSizeF(ROLL_WIDTH_MM, SLIP_HEIGHT_MM), QPageSize.Unit.Millimeter),
                                      QPageLayout.Orientation.Portrait, QMarginsF(4, 4, 4, 4),
                                      QPageLayout.Unit.Millimeter))
    return printer


def render(slip: TokenSlip, printer: QPrinter) -> None:
    document = QTextDocument()
    document.setHtml(slip_html(slip))
    document.setPageSize(printer.pageLayout().paintRectPixels(printer.resolution()).size().toSizeF())
    document.print_(printer)


def print_slip(slip: TokenSlip) -> bool:
    """Print without a dialog (the queue does not wait); False when this computer has no printer to print on."""
    printer = receipt_printer()
    native = printer.outputFormat() is QPrinter.OutputFormat.NativeFormat
    if (native and not printer.printerName()) or (not native and not printer.outputFileName()):
        return False
    render(slip, printer)
    return True
