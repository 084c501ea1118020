"""Tab walks every form top to bottom, then to its buttons: pressed for real on each dialog of the desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from homa_desk.domain.appointments import DayView, SlotState
from homa_desk.domain.roles import Role
from homa_desk.services import appointments, billing, staff
from homa_desk.ui.appointments.appointment_dialogs import BookingDialog
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.payment_dialog import PaymentDialog
from homa_desk.ui.patients.patient_form import PatientFormDialog
from homa_desk.ui.settings.staff_dialogs import AddStaffDialog, ResetPasswordDialog
from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from tests.appointment_helpers import next_weekday, with_hours
from tests.helpers import new_staff
from tests.services.billing_helpers import a_bill, a_patient
from tests.ui.shell.wizard_helpers import ADMIN, CLINIC, UPI, next_page


def name_of(widget: QWidget | None) -> str:
    """The objectName; for Qt's own buttons (wizard, button box) the text without its & and arrows."""
    if widget is None:
        return ""
    name = widget.objectName()
    if name and not name.startswith(("__qt__", "qt_")):
        return name
    return widget.text().replace("&", "").strip("<> ") if hasattr(widget, "text") else name


def tab_chain(qtbot, window: QWidget, first: QWidget, steps: int) -> list[str]:
    """Focus `first`, then press Tab `steps` times; the objectName (or button text) of each widget reached."""
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    first.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(first.hasFocus)
    chain = [name_of(first)]
    for _ in range(steps):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        chain.append(name_of(QApplication.focusWidget()))
    return chain


def shown(qtbot, widget: QWidget) -> QWidget:
    qtbot.addWidget(widget)
    return widget


def test_patient_form(qtbot, backend, receptionist):
    form = shown(qtbot, PatientFormDialog(backend, receptionist))
    assert tab_chain(qtbot, form, form.full_name, 17) == [
        "full_name", "phone", "email", "old_file_number", "date_of_birth", "age_years", "gender", "address",
        "emergency_contact", "language", "preferred_channel", "consent_whatsapp", "consent_sms", "consent_email",
        "allergies", "save", "cancel", "full_name"]


def test_booking_dialog(qtbot, backend, uow, admin, receptionist, doctor):
    with_hours(uow, admin, doctor)
    day = billing_day = next_weekday(1)
    view: DayView = appointments.day_view(uow, receptionist, billing_day)
    column = view.doctors[0]
    slot = next(s for s in column.slots if s.state is SlotState.FREE)
    assert day == view.day
    dialog = shown(qtbot, BookingDialog(backend, receptionist, column.doctor, slot))
    dialog.kind.setCurrentIndex(1)  # online: the meeting link is asked for too
    assert tab_chain(qtbot, dialog, dialog.choose_button, 5) == [
        "choose_patient", "consultation_type", "meeting_link", "symptoms", "cancel", "choose_patient"]


def test_bill_editor_tab_leaves_the_lines_for_the_buttons(qtbot, backend, uow, receptionist):
    editor = shown(qtbot, BillEditorDialog(backend, receptionist, a_patient(uow, receptionist), "Kavya Nair"))
    editor.add_line()
    assert tab_chain(qtbot, editor, editor.picker, 8) == [
        "price_pick", "kind_0", "kind_1", "add_line", "remove_line", "notes", "save_bill", "Cancel", "price_pick"]


def test_payment_dialog(qtbot, backend, uow, receptionist):
    bill = a_bill(uow, receptionist, a_patient(uow, receptionist))
    dialog = shown(qtbot, PaymentDialog(backend, receptionist, billing.get_bill(uow, receptionist, bill.id)))
    assert tab_chain(qtbot, dialog, dialog.amount, 6) == [
        "amount", "handed_over", "method", "reference", "record_payment", "Cancel", "amount"]


def test_staff_dialogs(qtbot, backend, uow, admin):
    add = shown(qtbot, AddStaffDialog(backend, admin))
    assert tab_chain(qtbot, add, add.full_name, 8) == [
        "full_name", "email", "phone", "role", "password", "password_again", "save", "cancel", "full_name"]
    add.close()
    member = staff.add_staff(uow, admin, new_staff(Role.RECEPTIONIST))
    reset = shown(qtbot, ResetPasswordDialog(backend, admin, member))
    assert tab_chain(qtbot, reset, reset.password, 4) == ["password", "password_again", "save", "cancel", "password"]


def test_wizard_pages(qtbot, tmp_path):
    wizard = shown(qtbot, FirstRunWizard(None, data_dir=tmp_path / "pgdata"))
    database = wizard.database_page
    database.remote.setChecked(True)
    # the choices are one radio group: arrow keys switch between them, Tab goes on to the URL, then the direct URL
    assert tab_chain(qtbot, wizard, database.remote, 4) == [
        "remote", "database_url", "test_connection", "database_direct_url", "Next"]
    database.embedded.setChecked(True)
    wizard.next()  # embedded: no test needed
    assert tab_chain(qtbot, wizard, wizard.input_for("full_name"), 5) == [
        "full_name", "email", "phone", "password", "password_again", "Back"]
    next_page(qtbot, wizard, **ADMIN)
    assert tab_chain(qtbot, wizard, wizard.input_for("clinic_name"), 6) == [
        "clinic_name", "clinic_address", "clinic_phone", "clinic_logo_path", "browse_logo", "clinic_gstin", "Back"]
    next_page(qtbot, wizard, **CLINIC)
    assert tab_chain(qtbot, wizard, wizard.input_for("upi_vpa"), 2) == ["upi_vpa", "upi_payee_name", "Back"]
    next_page(qtbot, wizard, **UPI)
    assert tab_chain(qtbot, wizard, wizard.input_for("razorpay_key_id"), 2) == [
        "razorpay_key_id", "razorpay_key_secret", "Back"]
