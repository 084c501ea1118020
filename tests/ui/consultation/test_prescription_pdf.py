"""The printed prescription, saved as PDF through QtPrintSupport and read back with QtPdf."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtGui import QFontMetricsF, QTextBlockFormat, QTextDocument
from PySide6.QtPdf import QPdfDocument
from sqlalchemy import text

from homa_desk.domain.consultations import ConsultationDraft, PrescriptionDocument, Vitals
from homa_desk.domain.prescriptions import DoseForm, FoodTiming, PrescriptionLine
from homa_desk.services import consultations
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from homa_desk.ui.consultation.prescription_print import RX, prescription_html
from tests.services.consultation_helpers import a_patient, a_visit, with_profile

LINES = (PrescriptionLine("Paracetamol", "500 mg", DoseForm.TABLET, "1-0-1", "5 days", FoodTiming.AFTER),
         PrescriptionLine("Cetirizine", "10 mg", DoseForm.TABLET, "0-0-1", "3 days", FoodTiming.ANY, "if itching"))


def pdf_text(path) -> str:  # type: ignore[no-untyped-def]
    document = QPdfDocument(None)
    assert document.load(str(path)) == QPdfDocument.Error.None_
    pages = "\n".join(document.getAllText(page).text() for page in range(document.pageCount()))
    document.close()
    return pages


def test_the_saved_pdf_has_letterhead_doctor_patient_and_lines(qtbot, backend, uow, engine, admin, receptionist,
                                                               doctor, tmp_path):
    with uow:
        uow.settings.put("clinic_address", "12 MG Road, Pune 411001")
        uow.settings.put("clinic_phone", "+91 20 2567 8901")
        uow.commit()
    with_profile(uow, admin, doctor)
    visit = a_visit(uow, receptionist, a_patient(engine), doctor)
    consultations.save_consultation(uow, doctor, visit, ConsultationDraft(
        Vitals(120, 80, 76, Decimal("37.8"), Decimal("58.5"), 98), "Fever", "Viral fever", "Drink plenty of water",
        LINES))
    widget = ConsultationWidget(backend, doctor, visit)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.consultation is not None)
    path = tmp_path / "rx.pdf"
    with qtbot.waitSignal(widget.pdf_saved, timeout=10_000):
        widget.save_pdf_to(str(path))
    printed = " ".join(pdf_text(path).split())
    for expected in ("Sunrise Clinic", "12 MG Road, Pune 411001", "+91 20 2567 8901", "Dr. Rahul Menon",
                     "MBBS, MD (Medicine)", "Reg. No. KMC-12345", "Priya Sharma", "Patient no.: 1001",
                     "BP 120/80 mmHg", "Viral fever", "Paracetamol 500 mg", "1-0-1", "5 days", "After food",
                     "Cetirizine 10 mg", "0-0-1", "if itching", "Drink plenty of water", "Allergies: Penicillin",
                     "Signature"):
        assert expected in printed, expected


def test_an_address_of_several_lines_prints_as_several_lines(qtbot, backend, uow, engine, admin, receptionist,
                                                            doctor, tmp_path):
    """Issue 18, defect 17: the wizard and Settings keep the clinic's address in lines; the letterhead keeps them."""
    with uow:
        uow.settings.put("clinic_address", "12 MG Road\nShivajinagar\nPune 411005")
        uow.commit()
    with_profile(uow, admin, doctor)
    visit = a_visit(uow, receptionist, a_patient(engine), doctor)
    widget = ConsultationWidget(backend, doctor, visit)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.consultation is not None)
    path = tmp_path / "rx.pdf"
    with qtbot.waitSignal(widget.pdf_saved, timeout=10_000):
        widget.save_pdf_to(str(path))
    lines = [line.strip() for line in pdf_text(path).splitlines()]
    first = lines.index("12 MG Road")
    assert lines[first + 1] == "Shivajinagar" and lines[first + 2].startswith("Pune 411005")


def rx_block_format(doc: PrescriptionDocument):  # type: ignore[no-untyped-def]
    """The ℞ paragraph of the laid-out prescription: its block format and the font of the symbol."""
    text = QTextDocument()
    text.setHtml(prescription_html(doc))
    block = text.begin()
    while block.isValid() and block.text().strip() != RX:
        block = block.next()
    assert block.isValid()
    return block.blockFormat(), block.begin().fragment().charFormat().font()


def test_names_and_numbers_print_as_people_write_them_and_the_rx_has_room(qtbot, backend, uow, engine, admin,
                                                                         receptionist, doctor, tmp_path):
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET full_name = 'Dr. Shilpa Hegde' WHERE id = :id"), {"id": doctor.user_id})
    with_profile(uow, admin, doctor)
    visit = a_visit(uow, receptionist, a_patient(engine), doctor)
    consultations.save_consultation(uow, doctor, visit, ConsultationDraft(
        Vitals(temperature_c=Decimal("38.50"), weight_kg=Decimal("72.00")), lines=LINES))
    widget = ConsultationWidget(backend, doctor, visit)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.consultation is not None)
    assert widget.vitals["weight_kg"].text() == "72"
    path = tmp_path / "rx.pdf"
    with qtbot.waitSignal(widget.pdf_saved, timeout=10_000):
        widget.save_pdf_to(str(path))
    printed = " ".join(pdf_text(path).split())
    assert "Dr. Dr." not in printed and printed.count("Dr. Shilpa Hegde") == 2
    assert "Weight 72 kg" in printed and "Temp 38.5 °C" in printed and ".00" not in printed
    assert RX in printed

    block, font = rx_block_format(consultations.prescription_document(uow, doctor, visit))
    assert block.lineHeightType() == QTextBlockFormat.LineHeightTypes.ProportionalHeight.value
    assert block.lineHeight() >= 150
    assert QFontMetricsF(font).inFontUcs4(ord(RX))
