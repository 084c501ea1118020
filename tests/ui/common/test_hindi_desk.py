"""The desk in Hindi, driven through its main flows: no English is left on the screens a receptionist or a doctor
sees (labels, buttons, group boxes, placeholders, table headers), messages from the services included."""

from __future__ import annotations

import re
from datetime import time

import pytest
from PySide6.QtCore import Qt

from homa_desk.domain.consultations import ConsultationDraft, validate_vitals
from homa_desk.gateways.static_upi import StaticUpiGateway
from homa_desk.services import appointments, billing, consultations, queue
from homa_desk.ui.appointments.appointment_dialogs import RescheduleDialog
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.consultation.consultation_widget import ConsultationWidget
from homa_desk.ui.consultation.workstation_view import WorkstationView
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from homa_desk.ui.patients.patients_view import PatientsView
from homa_desk.ui.settings.settings_connections import SettingsConnectionsTab
from homa_desk.ui.settings.staff_dialogs import AddStaffDialog
from homa_desk.ui.settings.staff_view import StaffView
from homa_desk.ui.shell.login_dialog import LoginDialog
from tests.appointment_helpers import add_patient, at, with_hours
from tests.helpers import STRONG_PASSWORD
from tests.services.billing_helpers import a_bill
from tests.services.consultation_helpers import a_patient, a_visit, with_profile
from tests.ui.appointments.test_appointments_view import (  # noqa: F401  # fixtures: two_doctors, view
    DAY,
    book_through_dialog,
    column_of,
    two_doctors,
    view,
)
from tests.ui.billing.test_upi_panel import open_panel
from tests.ui.billing.upi_helpers import backend_with
from tests.ui.hindi_sweep import english_left
from tests.ui.settings.test_staff_view import fill_add_dialog, open_dialog
from tests.ui.shell.test_lock_in_hindi import fits

# Proper names and what the test data typed (an allergy, a bill line's description, the doctor's specialty).
NAMES = ("Meera Iyer", "Asha Verma", "Rahul Menon", "Priya Sharma", "Anita Desai", "Sunrise Clinic", "Penicillin",
         "Consultation", "General Physician")


@pytest.fixture
def hindi(qapp):
    previous = qapp.styleSheet()
    assert install_language(qapp, "hi") and apply_style(qapp)
    yield
    install_language(qapp, "en")
    qapp.setStyleSheet(previous)


def shown(qtbot, widget):  # type: ignore[no-untyped-def]
    qtbot.addWidget(widget)
    widget.show()
    return widget


def test_sign_in_with_a_wrong_password(qtbot, backend, admin, hindi):
    dialog = shown(qtbot, LoginDialog(backend))
    qtbot.keyClicks(dialog.email, admin.email)
    qtbot.keyClicks(dialog.password, "Not-The-Password-1")
    qtbot.mouseClick(dialog.sign_in_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.error.isVisible, timeout=10_000)
    qtbot.wait(50)
    assert dialog.error.text().startswith("ई-मेल या पासवर्ड गलत है।")
    assert fits(dialog.error), (dialog.error.geometry(), dialog.error.heightForWidth(dialog.error.width()))
    assert not (left := english_left([dialog], (*NAMES, admin.email))), left


def test_patient_profile_with_allergies(qtbot, backend, engine, uow, admin, doctor, hindi):
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    profile = shown(qtbot, PatientProfileDialog(backend, doctor, priya))
    qtbot.waitUntil(lambda: profile.profile is not None, timeout=10_000)
    assert not (left := english_left([profile], NAMES)), left


def test_consultation_vitals_with_a_wrong_value(qtbot, backend, engine, uow, admin, receptionist, doctor, hindi):
    with_profile(uow, admin, doctor)
    queue.add_walk_in(uow, receptionist, a_patient(engine), doctor.user_id)
    station = shown(qtbot, WorkstationView(backend, doctor))
    station.resize(1366, 700)
    qtbot.waitUntil(lambda: station.table.rowCount() == 1)
    qtbot.mouseClick(station.call_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
    consultation = station.consultation
    consultation.vitals["pulse"].setText("fast")
    consultation.vitals["temperature_c"].setText("120")
    qtbot.mouseClick(consultation.save_button, Qt.MouseButton.LeftButton)
    assert consultation.vital_errors.label("pulse").text() == "पल्स (प्रति मिनट): संख्या दर्ज करें।"
    assert consultation.allergies.text() == "⚠ एलर्जी: Penicillin"
    assert re.search(r"· \d+ वर्ष / म ·", consultation.heading.text())
    assert not (left := english_left([station], NAMES)), left


def test_billing_an_amount_over_the_balance(qtbot, backend, uow, receptionist, hindi):
    from tests.services.billing_helpers import a_patient as a_billing_patient

    bill = a_bill(uow, receptionist, a_billing_patient(uow, receptionist, "Anita Desai"))
    dialog = shown(qtbot, BillDialog(backend, receptionist, bill.id))
    qtbot.waitUntil(lambda: dialog.bill is not None)
    pay = dialog.take_payment()
    pay.amount.setText("900")
    pay.save_button.click()
    qtbot.waitUntil(lambda: pay.errors.label("amount").isVisibleTo(pay), timeout=10_000)
    assert pay.errors.label("amount").text() == "इस बिल पर सिर्फ़ ₹500.00 बाकी है।"
    assert not (left := english_left([dialog, pay], NAMES)), left


def test_a_validation_error_from_a_service(qtbot, backend, receptionist, hindi):
    patients_view = shown(qtbot, PatientsView(backend, receptionist, debounce_ms=10))
    form = patients_view.register_new()
    qtbot.keyClicks(form.full_name, "Anita Desai")
    qtbot.keyClicks(form.phone, "12345")
    qtbot.keyClicks(form.age_years, "30")
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors.label("phone").isVisible()
    assert not (left := english_left([patients_view, form], NAMES)), left


def test_settings_test_connection_answers_in_hindi(qtbot, backend, admin, db_url, hindi):
    tab = shown(qtbot, SettingsConnectionsTab(backend, admin))
    qtbot.waitUntil(tab.save_button.isEnabled, timeout=10_000)
    tab.inputs["database_url"].setText(db_url.render_as_string(hide_password=False))
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "PostgreSQL" in tab.test_result.text(), timeout=10_000)
    assert tab.test_result.text().endswith("से जुड़ गए।")
    assert not (left := english_left([tab], (*NAMES, "localhost"))), left
    tab.inputs["database_url"].setText("postgresql://nobody@127.0.0.1:9/none")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    # the driver's own reason follows, as the server said it
    qtbot.waitUntil(lambda: tab.errors.label("database_url").text().startswith("कनेक्ट नहीं हो सका: "), timeout=10_000)


def test_refund_cancel_and_the_bill_editor(qtbot, backend, uow, admin, receptionist, hindi):
    from tests.services.billing_helpers import a_patient as a_billing_patient

    bill = a_bill(uow, receptionist, a_billing_patient(uow, receptionist, "Anita Desai"))
    billing.record_payment(uow, receptionist, bill.id, amount="300", method="cash")
    dialog = shown(qtbot, BillDialog(backend, admin, bill.id))
    qtbot.waitUntil(lambda: dialog.bill is not None)
    dialog.refund_button.click()
    refund = dialog.admin_dialog
    refund.amount.setText("900")
    refund.save_button.click()
    qtbot.waitUntil(lambda: refund.errors.label("reason").isVisibleTo(refund), timeout=10_000)
    assert not (left := english_left([dialog, refund], NAMES)), left
    refund.reject()
    other = a_bill(uow, receptionist, a_billing_patient(uow, receptionist, "Anita Desai", "9812345671"))
    unpaid = shown(qtbot, BillDialog(backend, admin, other.id))
    qtbot.waitUntil(lambda: unpaid.bill is not None)
    unpaid.cancel_button.click()
    unpaid.admin_dialog.save_button.click()
    qtbot.waitUntil(lambda: unpaid.admin_dialog.errors.label("reason").isVisibleTo(unpaid.admin_dialog), timeout=10_000)
    assert not (left := english_left([unpaid.admin_dialog], NAMES)), left
    unpaid.admin_dialog.reject()
    editor = unpaid.edit_lines()
    assert editor is not None
    assert not (left := english_left([editor], NAMES)), left


def test_booking_online_without_a_link(qtbot, hindi, view, engine, two_doctors):  # noqa: F811
    add_patient(engine)
    dialog = book_through_dialog(qtbot, view, column_of(view, two_doctors[0]), time(10))
    dialog.kind.setCurrentIndex(dialog.kind.findData("online"))
    qtbot.mouseClick(dialog.book_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.errors.label("meeting_link").isVisible)
    assert not (left := english_left([view, dialog], (*NAMES, "Kavya Rao", "Fever since Monday"))), left


def test_upi_panel_and_the_customer_display_with_a_wrong_utr(qtbot, backend, uow, receptionist, hindi):
    from tests.services.billing_helpers import a_patient as a_billing_patient

    bill = a_bill(uow, receptionist, a_billing_patient(uow, receptionist, "Anita Desai"))
    desk = backend_with(backend, StaticUpiGateway("sunrise.clinic@okaxis", "Sunrise Clinic"), poll_interval=5)
    panel, display = open_panel(qtbot, desk, receptionist, bill)
    qtbot.keyClicks(panel.utr, "12ab")
    panel.confirm_button.click()
    qtbot.waitUntil(lambda: panel.utr_error.isVisibleTo(panel), timeout=5000)
    assert not (left := english_left([panel, display], NAMES)), left


def test_adding_staff_with_a_taken_e_mail_and_a_weak_password(qtbot, backend, admin, receptionist, hindi):
    staff_view = shown(qtbot, StaffView(backend, admin))
    qtbot.waitUntil(lambda: staff_view.model.rowCount() == 2, timeout=10_000)
    dialog = open_dialog(qtbot, staff_view, staff_view.add_button, AddStaffDialog)
    fill_add_dialog(qtbot, dialog, full_name="Other Person", email=receptionist.email, phone="9876501234",
                    password="short", password_again="short")
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.errors.label("password").text() == "पासवर्ड में कम से कम 10 अक्षर चाहिए।"
    dialog.password.clear()
    dialog.password_again.clear()
    fill_add_dialog(qtbot, dialog, password=STRONG_PASSWORD, password_again=STRONG_PASSWORD)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.errors.label("email").isVisible, timeout=10_000)
    assert not (left := english_left([staff_view, dialog], (*NAMES, "Other Person", receptionist.email,
                                                           admin.email))), left


def test_a_past_visits_vitals_read_in_hindi(qtbot, backend, engine, uow, admin, receptionist, doctor, hindi):
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    earlier = a_visit(uow, receptionist, priya, doctor)
    consultations.complete_consultation(uow, doctor, earlier, ConsultationDraft(
        vitals=validate_vitals(bp_systolic="120", bp_diastolic="80", pulse="72", weight_kg="61.5"),
        diagnosis="Viral fever"))
    widget = shown(qtbot, ConsultationWidget(backend, doctor, a_visit(uow, receptionist, priya, doctor)))
    qtbot.waitUntil(lambda: widget.past_list.count() == 1, timeout=10_000)
    widget.past_list.setCurrentRow(0)
    assert "BP 120/80 mmHg · पल्स 72/मिनट · वज़न 61.5 kg" in widget.past_detail.text()
    assert "निदान: Viral fever" in widget.past_detail.text()


def test_moving_to_a_slot_another_desk_just_took_says_so_in_hindi(qtbot, backend, engine, uow, receptionist,
                                                                  doctor, admin, hindi):
    with_hours(uow, admin, doctor)
    booked = appointments.book_appointment(uow, receptionist, patient_id=add_patient(engine),
                                           doctor_id=doctor.user_id, starts_at=at(DAY, 9))
    dialog = shown(qtbot, RescheduleDialog(backend, receptionist, booked))
    qtbot.waitUntil(dialog.move_button.isEnabled, timeout=10_000)
    dialog.choose(at(DAY, 11))
    appointments.book_appointment(uow, receptionist, patient_id=add_patient(engine, "Rahul Kumar", "+919123456789"),
                                  doctor_id=doctor.user_id, starts_at=at(DAY, 11))  # another desk, meanwhile
    with qtbot.waitSignal(dialog.slot_taken, timeout=10_000) as taken:
        qtbot.mouseClick(dialog.move_button, Qt.MouseButton.LeftButton)
    assert taken.args == ["यह स्लॉट अभी-अभी बुक हो गया। ग्रिड ताज़ा कर दी गई है।"]
