"""The advance receipt: what the patient paid ahead, by which method, where it was used and what was refunded, on
the desk's paper (A4, A5, the 80 mm or 58 mm roll) through the same content and layouts as the bill's receipt, with
the QR of the advance's number."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtPrintSupport import QPrintDialog
from PySide6.QtWidgets import QWidget

from homa_desk.domain.advances import Advance
from homa_desk.domain.amount_words import rupees_in_words
from homa_desk.domain.money import format_inr
from homa_desk.domain.paper import Paper
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.services.clinic import ClinicInfo
from homa_desk.ui.billing.receipt import has_logo, letterhead_lines, print_content
from homa_desk.ui.billing.receipt_layout import ItemLine, PaymentLine, ReceiptContent, SumLine, layout_html
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.modal import exec_dialog
from homa_desk.ui.common.paper import desk_paper, new_printer


def advance_receipt_content(advance: Advance, clinic: ClinicInfo) -> ReceiptContent:
    """Letterhead, the advance's facts, one line for the money received, its sums and every use and refund."""
    payment = advance.payment
    patient = advance.patient_name + (f" (No. {advance.patient_number})" if advance.patient_number else "")
    paid = format_inr(advance.amount)
    sums = [SumLine("Advance received", paid, big=True)]
    if advance.applied:
        sums.append(SumLine("Used on bills", format_inr(advance.applied)))
    if advance.refunded:
        sums.append(SumLine("Refunded", format_inr(advance.refunded)))
    sums.append(SumLine("Left on account", format_inr(advance.available)))
    lines = [PaymentLine(when=format_local_time(payment.paid_at) if payment.paid_at else "",
                         method=payment.method.label, reference=payment.reference or "", state="Received",
                         amount=paid)]
    lines += [PaymentLine(when=format_local_time(u.applied_at), method=f"Used on bill {u.bill_number}",
                          reference="", state="Applied" if u.live else f"Returned ({u.return_reason})",
                          amount=format_inr(u.amount)) for u in advance.uses]
    lines += [PaymentLine(when=format_local_time(r.refunded_at), method="Refund", reference=r.reference or "",
                          state=r.reason, amount=format_inr(r.amount)) for r in advance.refunds]
    return ReceiptContent(
        clinic_name=clinic.name, clinic_lines=letterhead_lines(clinic),
        facts=[("Advance receipt No.", advance.number),
               ("Date", format_local_time(payment.paid_at) if payment.paid_at else ""), ("Patient", patient),
               ("Received by", payment.received_by or "—")],
        items=[ItemLine(kind="Advance", description=advance.purpose, quantity="1", rate=paid, discount="",
                        amount=paid)],
        sums=sums, words=rupees_in_words(advance.amount), status=f"Advance {paid} received",
        payments=lines, notes="Kept on the patient's account and used on later bills.",
        footer=f"Printed {format_local_time(utcnow())}. Thank you.", has_logo=has_logo(clinic),
        qr_caption=advance.number)


def advance_receipt_html(advance: Advance, clinic: ClinicInfo, paper: Paper = Paper.A4) -> str:
    return layout_html(advance_receipt_content(advance, clinic), paper)


def save_advance_receipt_pdf(advance: Advance, clinic: ClinicInfo, path: str | Path,
                             paper: Paper | None = None) -> Path:
    """A PDF of the advance receipt at `path` on the paper (this desk's when not given)."""
    paper = paper or desk_paper()
    print_content(advance_receipt_content(advance, clinic), clinic, new_printer(paper, path), paper)
    return Path(path)


def print_advance_receipt(advance: Advance, clinic: ClinicInfo, parent: QWidget | None = None,
                          paper: Paper | None = None) -> bool:
    """The system print dialog, then the advance receipt; False when the receptionist cancelled."""
    paper = paper or desk_paper()
    printer = new_printer(paper)
    dialog = QPrintDialog(printer, parent)
    dialog.setWindowTitle(tr("Print advance receipt {number}").format(number=advance.number))
    if exec_dialog(dialog) != QPrintDialog.DialogCode.Accepted:
        return False
    print_content(advance_receipt_content(advance, clinic), clinic, printer, paper)
    return True
