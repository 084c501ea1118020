"""A walk-in's token slip for the desk's receipt printer: clinic, doctor, token, time and the patient's first name.

Only the first name: the slip is handed over and often left on a bench. Whether a desk prints slips is its own
setting (config.Settings.print_token_slips, off by default), switched in the Queue tab; the slip is as wide as the
desk's receipt roll (Settings → Setup → Receipt paper; 80 mm where the desk prints receipts on sheets).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from html import escape

from PySide6.QtPrintSupport import QPrinter

from homa_desk.config import Settings
from homa_desk.domain.consultations import with_doctor_title
from homa_desk.domain.paper import Paper
from homa_desk.domain.queue import QueueEntryView
from homa_desk.domain.timeutil import to_local
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.paper import desk_paper, new_printer, print_html


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


def slip_paper() -> Paper:
    """The desk's receipt roll (80 mm or 58 mm); an 80 mm roll, the common one, at a desk that prints on sheets."""
    paper = desk_paper()
    return paper if paper.is_roll else Paper.ROLL_80


def receipt_printer() -> QPrinter:
    """The computer's default printer (the receipt printer at a desk that prints slips) with a roll-sized page."""
    return new_printer(slip_paper())


def render(slip: TokenSlip, printer: QPrinter) -> None:
    """The slip on the roll, as long as its content."""
    print_html(slip_html(slip), printer, slip_paper())


def print_slip(slip: TokenSlip) -> bool:
    """Print without a dialog (the queue does not wait); False when this computer has no printer to print on."""
    printer = receipt_printer()
    native = printer.outputFormat() is QPrinter.OutputFormat.NativeFormat
    if (native and not printer.printerName()) or (not native and not printer.outputFileName()):
        return False
    render(slip, printer)
    return True
