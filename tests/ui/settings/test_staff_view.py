from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from homa_desk.domain.errors import AuthenticationFailed
from homa_desk.domain.roles import Role
from homa_desk.services import auth
from homa_desk.ui.settings.staff_dialogs import AddStaffDialog, ResetPasswordDialog
from homa_desk.ui.settings.staff_view import StaffView
from tests.helpers import STRONG_PASSWORD

NEW_PASSWORD = "Quiet-Mango-42-River"


@pytest.fixture
def view(qtbot, backend, admin):
    view = StaffView(backend, admin)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() >= 1)
    return view


def emails(view: StaffView) -> list[str]:
    return [view.model.member(row).email for row in range(view.model.rowCount())]


def click_row_of(qtbot, view: StaffView, email: str) -> None:
    row = emails(view).index(email)
    rect = view.table.visualRect(view.model.index(row, 0))
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert view.selected_member().email == email


def status_of(view: StaffView, email: str) -> str:
    return view.model.index(emails(view).index(email), 3).data()


def open_dialog(qtbot, view: StaffView, button, kind):
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    dialog = view.findChild(kind)
    assert dialog is not None and dialog.isVisible()
    return dialog


def fill_add_dialog(qtbot, dialog: AddStaffDialog, **values: str) -> None:
    for field, value in values.items():
        qtbot.keyClicks(getattr(dialog, field), value)


def test_table_lists_staff_with_role_and_status(qtbot, view, receptionist):
    view.load()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2)
    assert receptionist.email in emails(view)
    assert status_of(view, receptionist.email) == "Active"
    assert view.model.headerData(0, Qt.Orientation.Horizontal) == "Name"


def test_admin_adds_a_receptionist_through_the_dialog(qtbot, view):
    dialog = open_dialog(qtbot, view, view.add_button, AddStaffDialog)
    fill_add_dialog(qtbot, dialog, full_name="Asha Verma", email="asha@sunrise.example", phone="9876501234",
                    password=STRONG_PASSWORD, password_again=STRONG_PASSWORD)
    dialog.role.setCurrentIndex(dialog.role.findData(Role.RECEPTIONIST.value))
    with qtbot.waitSignal(dialog.staff_added, timeout=5000) as signal:
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].role is Role.RECEPTIONIST
    assert dialog.result() == QDialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: "asha@sunrise.example" in emails(view))
    row = emails(view).index("asha@sunrise.example")
    assert view.model.index(row, 2).data() == "Receptionist"


def test_bad_email_is_shown_next_to_the_field(qtbot, view):
    dialog = open_dialog(qtbot, view, view.add_button, AddStaffDialog)
    fill_add_dialog(qtbot, dialog, full_name="Asha Verma", email="asha.sunrise", phone="9876501234",
                    password=STRONG_PASSWORD, password_again=STRONG_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    label = dialog.errors.label("email")
    assert label.isVisible() and label.text() == "Enter an e-mail address like name@example.com."
    assert dialog.isVisible()
    assert emails(view) == [view.model.member(0).email]


def test_taken_email_comes_back_from_the_service_next_to_the_field(qtbot, view, receptionist):
    dialog = open_dialog(qtbot, view, view.add_button, AddStaffDialog)
    fill_add_dialog(qtbot, dialog, full_name="Other Person", email=receptionist.email, phone="9876501234",
                    password=STRONG_PASSWORD, password_again=STRONG_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    label = dialog.errors.label("email")
    qtbot.waitUntil(label.isVisible)
    assert label.text() == "Another account already uses this e-mail."


def test_disable_and_enable_again(qtbot, view, backend, receptionist):
    view.load()
    qtbot.waitUntil(lambda: receptionist.email in emails(view))
    click_row_of(qtbot, view, receptionist.email)
    assert view.toggle_button.text() == "Disable"
    qtbot.mouseClick(view.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(view, receptionist.email) == "Disabled")
    qtbot.waitUntil(lambda: view.toggle_button.text() == "Enable" and view.toggle_button.isEnabled())
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(backend.uow(), receptionist.email, STRONG_PASSWORD)
    qtbot.mouseClick(view.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: status_of(view, receptionist.email) == "Active")
    assert auth.sign_in(backend.uow(), receptionist.email, STRONG_PASSWORD).id == receptionist.user_id


def test_admin_cannot_disable_themself(qtbot, view, admin):
    click_row_of(qtbot, view, admin.email)
    qtbot.mouseClick(view.toggle_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(view.message.isVisible)
    assert view.message.text() == "You cannot disable your own account."
    assert status_of(view, admin.email) == "Active"


def test_reset_password(qtbot, view, backend, doctor):
    view.load()
    qtbot.waitUntil(lambda: doctor.email in emails(view))
    click_row_of(qtbot, view, doctor.email)
    dialog = open_dialog(qtbot, view, view.reset_button, ResetPasswordDialog)
    assert dialog.member.id == doctor.user_id

    qtbot.keyClicks(dialog.password, "short")
    qtbot.keyClicks(dialog.password_again, "short")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    label = dialog.errors.label("password")
    qtbot.waitUntil(label.isVisible)
    assert label.text().startswith("The password needs at least")

    dialog.password.clear()
    dialog.password_again.clear()
    qtbot.keyClicks(dialog.password, NEW_PASSWORD)
    qtbot.keyClicks(dialog.password_again, NEW_PASSWORD + "x")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.label("password_again").text() == "The two passwords differ."

    qtbot.keyClick(dialog.password_again, Qt.Key.Key_Backspace)
    with qtbot.waitSignal(dialog.password_reset, timeout=5000):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert auth.sign_in(backend.uow(), doctor.email, NEW_PASSWORD).id == doctor.user_id
    # issue 18, defect 17: the admin is told what was done, and for whom
    qtbot.waitUntil(lambda: view.confirmation is not None and view.confirmation.isVisible())
    told = view.confirmation.text()
    assert "Rahul Menon's password is reset" in told and doctor.email in told and NEW_PASSWORD not in told
    assert not dialog.isVisible()
