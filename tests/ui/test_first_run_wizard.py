from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from homa_desk.domain.roles import Role
from homa_desk.services import clinic, staff
from homa_desk.ui.first_run_wizard import FirstRunWizard
from tests.helpers import STRONG_PASSWORD

GOOD = {"clinic_name": "Lotus Family Clinic", "full_name": "Meera Iyer", "email": "meera@lotus.example",
        "phone": "98765 43210", "password": STRONG_PASSWORD, "password_again": STRONG_PASSWORD}


@pytest.fixture
def wizard(qtbot, backend):
    wizard = FirstRunWizard(backend)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def fill(qtbot, wizard: FirstRunWizard, **changes: str) -> None:
    for field, value in {**GOOD, **changes}.items():
        edit = getattr(wizard, field)
        edit.clear()
        qtbot.keyClicks(edit, value)
    qtbot.mouseClick(wizard.create_button, Qt.MouseButton.LeftButton)


def message(wizard: FirstRunWizard, field: str) -> str:
    label = wizard.errors.label(field)
    return label.text() if label.isVisible() else ""


@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"full_name": ""}, "full_name", "Enter the full name."),
    ({"clinic_name": ""}, "clinic_name", "Enter the clinic's name."),
    ({"phone": "12345"}, "phone", "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."),
    ({"email": "meera.at.lotus"}, "email", "Enter an e-mail address like name@example.com."),
    ({"password_again": "Another-Horse-8-Battery"}, "password_again", "The two passwords differ."),
    ({"password": "Short-1", "password_again": "Short-1"}, "password", "The password needs at least"),
    ({"password": "password123", "password_again": "password123"}, "password", "This password is too common"),
])
def test_bad_input_is_shown_next_to_its_field_and_nothing_is_written(qtbot, wizard, uow, changes, field,
                                                                     expected):
    fill(qtbot, wizard, **changes)
    assert message(wizard, field).startswith(expected)
    others = [name for name in GOOD if name != field and message(wizard, name)]
    assert others == []
    assert wizard.create_button.isEnabled()
    assert wizard.result() != QDialog.DialogCode.Accepted
    assert staff.needs_first_admin(uow)


def test_several_mistakes_are_all_marked_at_once(qtbot, wizard, uow):
    fill(qtbot, wizard, full_name="", phone="12345", clinic_name="")
    assert message(wizard, "full_name") and message(wizard, "phone") and message(wizard, "clinic_name")
    assert staff.needs_first_admin(uow)


def test_good_input_creates_the_admin_and_names_the_clinic(qtbot, wizard, uow):
    with qtbot.waitSignal(wizard.admin_created, timeout=5000) as signal:
        fill(qtbot, wizard)
    member = signal.args[0]
    assert member.role is Role.ADMIN and member.email == "meera@lotus.example"
    assert member.phone.endswith("9876543210")
    assert wizard.result() == QDialog.DialogCode.Accepted
    assert not staff.needs_first_admin(uow)
    assert clinic.clinic_name(uow) == "Lotus Family Clinic"


def test_a_second_first_admin_is_refused_with_a_message(qtbot, wizard, uow, admin):
    fill(qtbot, wizard)
    qtbot.waitUntil(lambda: wizard.general_error.isVisible())
    assert wizard.general_error.text() == "The clinic already has an admin; sign in instead."
    assert wizard.result() != QDialog.DialogCode.Accepted
