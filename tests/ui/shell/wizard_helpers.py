"""Drive the first-run wizard the way a person does: type into its fields, click Next and Finish."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from tests.helpers import STRONG_PASSWORD

ADMIN = {"full_name": "Meera Iyer", "email": "meera@lotus.example", "phone": "98765 43210",
         "password": STRONG_PASSWORD, "password_again": STRONG_PASSWORD}
CLINIC = {"clinic_name": "Lotus Family Clinic", "clinic_address": "12 MG Road, Pune", "clinic_phone": "020 2553 1234",
          "clinic_gstin": "27AAPFU0939F1ZV"}
UPI = {"upi_vpa": "lotus@okaxis", "upi_payee_name": "Lotus Family Clinic"}


def type_into(qtbot, wizard: FirstRunWizard, **values: str) -> None:
    for name, value in values.items():
        edit = wizard.input_for(name)
        edit.clear()
        qtbot.keyClicks(edit, value)


def click(qtbot, wizard: FirstRunWizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def next_page(qtbot, wizard: FirstRunWizard, **values: str) -> None:
    type_into(qtbot, wizard, **values)
    click(qtbot, wizard, QWizard.WizardButton.NextButton)


def fill_clinic(qtbot, wizard: FirstRunWizard, *, admin=None, clinic=None, upi=None, gateway=None) -> None:  # type: ignore[no-untyped-def]
    """From the admin page to the last page, with good answers unless told otherwise."""
    for page, values in ((wizard.admin_page, admin or ADMIN), (wizard.clinic_page, clinic or CLINIC),
                         (wizard.payments_page, UPI if upi is None else upi),
                         (wizard.gateway_page, gateway or {})):
        assert wizard.currentPage() is page
        next_page(qtbot, wizard, **values)
    assert wizard.currentPage() is wizard.demo_page


def message(page, field: str) -> str:  # type: ignore[no-untyped-def]
    label = page.errors.label(field)
    return label.text() if label.isVisible() else ""
