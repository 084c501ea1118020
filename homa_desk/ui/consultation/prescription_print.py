"""The printed prescription: HTML laid out by QTextDocument, printed or saved as PDF through QtPrintSupport."""

from __future__ import annotations

from html import escape
from pathlib import Path

from PySide6.QtCore import QMarginsF, QSizeF
from PySide6.QtGui import QPageLayout, QPageSize, QTextDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QDialog, QWidget

from homa_desk.domain.consultations import PrescriptionDocument
from homa_desk.domain.dose_words import dose_in_words
from homa_desk.domain.prescriptions import PrescriptionLine
from homa_desk.domain.timeutil import to_local
from homa_desk.ui.common.modal import exec_dialog

RX = "℞"
# Fonts that carry the ℞ glyph; without one the fallback's taller glyph is cut by the line of the body font.
RX_STYLE = ("font-family: 'Segoe UI Symbol', 'DejaVu Sans', 'Noto Sans Symbols', 'Noto Sans', sans-serif; "
            "font-size: 20pt; font-weight: bold; line-height: 160%; margin-top: 6pt")
# Fonts with Devanagari (Windows 8+, older Windows, Linux) for the dose said in Hindi under its pattern.
DOSE_WORDS_STYLE = ("font-family: 'Nirmala UI', 'Mangal', 'Noto Sans Devanagari', 'Lohit Devanagari', 'FreeSans', "
                    "sans-serif; font-size: 9pt")


def _e(value: object) -> str:
    return escape(str(value)) if value not in (None, "") else ""


def _para(text: str | None) -> str:
    return "<br>".join(_e(line) for line in (text or "").splitlines())


def _dose(line: PrescriptionLine, doc: PrescriptionDocument) -> str:
    """The pattern as the doctor wrote it, and under it what it means in the patient's language."""
    words = dose_in_words(line.dose_pattern, line.food, doc.consultation.patient.language)
    return f"{_e(line.dose_pattern)}<br><span style=\"{DOSE_WORDS_STYLE}\">{_e(words)}</span>" if words \
        else _e(line.dose_pattern)


def prescription_html(doc: PrescriptionDocument) -> str:
    c = doc.consultation
    patient = c.patient
    draft = c.draft
    doctor_line = ", ".join(p for p in (doc.qualification, doc.specialty) if p)
    contact = " · ".join(p for p in (_para(doc.clinic_address), doc.clinic_phone and _e(f"Phone {doc.clinic_phone}"))
                         if p)
    visit_day = to_local(c.starts_at).date()
    rows = "".join(
        f"<tr><td>{n}</td><td><b>{_e(x.medicine)}</b> {_e(x.strength)}</td><td>{_e(x.form.label)}</td>"
        f"<td>{_dose(x, doc)}</td><td>{_e(x.duration)}</td><td>{_e(x.food.label)}</td><td>{_e(x.notes)}</td></tr>"
        for n, x in enumerate(draft.lines, start=1))
    table = (f"<table width='100%' border='1' cellspacing='0' cellpadding='4'>"
             f"<tr><th>#</th><th>Medicine</th><th>Form</th><th>Dose</th><th>Duration</th><th>Food</th>"
             f"<th>Notes</th></tr>{rows}</table>") if rows else "<p>No medicines prescribed.</p>"
    sections = []
    if vitals := draft.vitals.as_text(c.temperature_unit):
        sections.append(f"<p><b>Vitals:</b> {_e(vitals)}</p>")
    if draft.symptoms:
        sections.append(f"<p><b>Complaints:</b> {_para(draft.symptoms)}</p>")
    if draft.diagnosis:
        sections.append(f"<p><b>Diagnosis:</b> {_para(draft.diagnosis)}</p>")
    if patient.allergies:
        sections.append(f"<p><b>Allergies:</b> {_e(patient.allergies)}</p>")
    advice = f"<p><b>Advice:</b> {_para(draft.advice)}</p>" if draft.advice else ""
    follow_up = (f"<p><b>Follow-up:</b> {draft.follow_up_on:%d %b %Y}</p>" if draft.follow_up_on else "")
    old_file = f" &nbsp; <b>Old file no.:</b> {_e(patient.old_file_number)}" if patient.old_file_number else ""
    registration = f"Reg. No. {_e(doc.registration_number)}" if doc.registration_number else ""
    return f"""
<html><body style="font-family: sans-serif; font-size: 10pt;">
<table width="100%"><tr>
  <td><span style="font-size: 18pt; font-weight: bold;">{_e(doc.clinic_name)}</span><br>{contact}</td>
  <td align="right"><b>{_e(doc.titled_doctor)}</b><br>{_e(doctor_line)}<br>{registration}</td>
</tr></table>
<hr>
<table width="100%"><tr>
  <td><b>Patient:</b> {_e(patient.full_name)} ({_e(patient.age_sex(doc.printed_on))})
      &nbsp; <b>Patient no.:</b> {_e(patient.patient_number or "—")}{old_file}</td>
  <td align="right"><b>Date:</b> {visit_day:%d %b %Y}</td>
</tr></table>
{"".join(sections)}
<p style="{RX_STYLE}">{RX}</p>
{table}
{advice}
{follow_up}
<br><br><br>
<table width="100%"><tr><td></td><td align="right">______________________________<br>
Signature — {_e(doc.titled_doctor)}</td></tr></table>
</body></html>"""


def _document(doc: PrescriptionDocument, printer: QPrinter) -> QTextDocument:
    text = QTextDocument()
    text.setHtml(prescription_html(doc))
    text.setPageSize(QSizeF(printer.pageRect(QPrinter.Unit.Point).size()))
    return text


def _a4(printer: QPrinter) -> None:
    printer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                                      QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter))


def save_pdf(doc: PrescriptionDocument, path: str | Path) -> Path:
    """Write the prescription as an A4 PDF; returns the path."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(path))
    printer.setDocName(f"Prescription {doc.consultation.patient.patient_number or ''}".strip())
    _a4(printer)
    _document(doc, printer).print_(printer)
    return Path(path)


def print_prescription(doc: PrescriptionDocument, parent: QWidget | None = None) -> bool:
    """Ask for a printer and print; False when the doctor cancelled."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    _a4(printer)
    dialog = QPrintDialog(printer, parent)
    if exec_dialog(dialog) != QDialog.DialogCode.Accepted:
        return False
    _document(doc, printer).print_(printer)
    return True
