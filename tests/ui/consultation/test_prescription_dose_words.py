"""The printed prescription says each dose in the patient's language under the pattern, and carries the old file
number beside the patient number; the PDF is read back to prove the Hindi was set in a font that has Devanagari."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase, QTextDocument
from sqlalchemy import text

from homa_desk.domain.consultations import ConsultationDraft
from homa_desk.domain.prescriptions import AS_NEEDED, DoseForm, FoodTiming, PrescriptionLine
from homa_desk.services import consultations
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from homa_desk.ui.consultation.prescription_print import prescription_html
from tests.services.consultation_helpers import a_patient, a_visit, with_profile
from tests.ui.consultation.test_prescription_pdf import pdf_text

LINES = (PrescriptionLine("Paracetamol", "500 mg", DoseForm.TABLET, "1-0-1", "5 days", FoodTiming.AFTER),
         PrescriptionLine("Cetirizine", "10 mg", DoseForm.TABLET, "½-0-½", "3 days", FoodTiming.ANY),
         PrescriptionLine("Ibuprofen", "400 mg", DoseForm.TABLET, AS_NEEDED, "3 days", FoodTiming.AFTER))


def printed_visit(qtbot, backend, uow, engine, admin, receptionist, doctor, *, language: str, old_file: str | None):
    with_profile(uow, admin, doctor)
    patient = a_patient(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE patient_profiles SET preferred_language = :l, old_file_number = :f"
                          " WHERE user_id = :p"), {"l": language, "f": old_file, "p": patient})
    visit = a_visit(uow, receptionist, patient, doctor)
    consultations.save_consultation(uow, doctor, visit, ConsultationDraft(lines=LINES))
    widget = ConsultationWidget(backend, doctor, visit)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.consultation is not None)
    widget.document = lambda: consultations.prescription_document(uow, doctor, visit)
    return widget


def test_a_hindi_speaking_patient_reads_each_dose_in_hindi_on_the_pdf(qtbot, backend, uow, engine, admin,
                                                                     receptionist, doctor, tmp_path):
    widget = printed_visit(qtbot, backend, uow, engine, admin, receptionist, doctor, language="hi", old_file="P-4471")
    path = tmp_path / "rx.pdf"
    with qtbot.waitSignal(widget.pdf_saved, timeout=10_000):
        widget.save_pdf_to(str(path))
    printed = " ".join(pdf_text(path).split())
    assert "Old file no.: P-4471" in printed
    # Read back from the PDF a space after a vowel sign can go missing, so words are compared without spaces.
    joined = "".join(printed.split())
    for expected in ("1-0-1", "सुबह और रात, खाने के बाद", "½-0-½", "सुबह ½ और रात ½", "SOS", "होने पर ही, खाने के बाद"):
        assert "".join(expected.split()) in joined, expected
    assert joined.index("1-0-1") < joined.index("सुबहऔररात") < joined.index("½-0-½")  # under its own pattern


def test_the_hindi_is_set_in_a_font_with_devanagari_and_english_patients_read_english(
        qtbot, backend, uow, engine, admin, receptionist, doctor):
    widget = printed_visit(qtbot, backend, uow, engine, admin, receptionist, doctor, language="hi", old_file=None)
    document = QTextDocument()
    document.setHtml(prescription_html(widget.document()))
    block = document.begin()
    while block.isValid() and "सुबह और रात" not in block.text():
        block = block.next()
    assert block.isValid()
    iterator = block.begin()
    while not iterator.atEnd() and "सुबह" not in iterator.fragment().text():
        iterator += 1
    families = iterator.fragment().charFormat().font().families()
    assert any(QFontDatabase.WritingSystem.Devanagari in QFontDatabase.writingSystems(f) for f in families), families
    assert "Old file no." not in document.toPlainText()
    english = printed_visit(qtbot, backend, uow, engine, admin, receptionist, doctor, language="en", old_file=None)
    plain = " ".join(QTextDocument(prescription_html(english.document())).toPlainText().split())
    assert "morning and night, after food" in plain and "½ in the morning and ½ at night" in plain
    assert "सुबह" not in plain
