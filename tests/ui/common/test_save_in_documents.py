"""Every Save PDF (and the payments CSV) opens in the user's Documents folder, not the folder the program was
started in (issue 17)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog

from homa_desk.services import billing
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from tests.services import consultation_helpers
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.billing.test_billing_bill import open_bill
from tests.ui.reports.test_collection_report import open_report
from tests.ui.reports.test_payments_view import open_panel


@pytest.fixture
def documents(tmp_path):
    """The user's Documents folder (XDG user-dirs, as a Linux desktop names it), and the folder each save dialog
    opened in."""
    folder = tmp_path / "My Papers"
    folder.mkdir()
    (tmp_path / "config").mkdir(exist_ok=True)
    (tmp_path / "config" / "user-dirs.dirs").write_text(f'XDG_DOCUMENTS_DIR="{folder}"\n', encoding="utf-8")
    assert QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) == str(folder)
    return folder


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    proposed: list[str] = []

    def cancel(parent, title, path, file_filter, *rest):  # type: ignore[no-untyped-def]
        proposed.append(path)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", cancel)
    return proposed


def test_the_receipt_is_saved_in_documents(qtbot, backend, uow, receptionist, documents, asked):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    dialog = open_bill(qtbot, backend, receptionist, bill.id)
    assert dialog.save_pdf() is None  # cancelled
    assert asked == [str(documents / f"receipt-{bill.bill_number.replace('/', '-')}.pdf")]


def test_the_prescription_is_saved_in_documents(qtbot, backend, uow, engine, admin, receptionist, doctor,
                                                documents, asked):
    consultation_helpers.with_profile(uow, admin, doctor)
    visit = consultation_helpers.a_visit(uow, receptionist, consultation_helpers.a_patient(engine), doctor)
    widget = ConsultationWidget(backend, doctor, visit)
    qtbot.addWidget(widget)
    qtbot.waitUntil(lambda: widget.consultation is not None)
    widget.ask_pdf_path()
    [path] = asked
    assert path.startswith(str(documents / "prescription-")) and path.endswith(".pdf")


def test_the_daily_collection_and_the_payments_csv_are_saved_in_documents(qtbot, backend, admin, receptionist,
                                                                         documents, asked):
    report = open_report(qtbot, backend, admin)
    assert report.save_pdf() is None
    panel = open_panel(qtbot, backend, receptionist)
    panel.export_button.click()
    assert asked[0] == str(documents / f"collection-{report.report.day:%Y-%m-%d}.pdf")
    assert asked[1].startswith(str(documents / "payments-")) and asked[1].endswith(".csv")
