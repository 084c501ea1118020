"""Issue 18, defect 1: every page and every window of the desk fits a 1366×768 laptop (less a 40-pixel taskbar),
and the main window never grows by itself. The screen is the laptop's for the desk's code (QScreen patched).

The windows are every QDialog and QWizard class in homa_desk/ui (the last test keeps the list honest), the sign-in,
the lock, F1's help and the backup's questions; the customer display has its own test (billing/test_upi_panel.py).
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QDialog, QScrollArea, QWidget, QWizard

import homa_desk.ui
from homa_desk.domain.appointments import SlotState
from homa_desk.services import appointments, queue
from homa_desk.services.patients import get_patient_profile
from homa_desk.ui.appointments.appointments_view import AppointmentsView
from homa_desk.ui.appointments.check_in import CheckInChooser
from homa_desk.ui.appointments.walk_in_dialog import WalkInDialog
from homa_desk.ui.billing.bill_editor import BillEditorDialog
from homa_desk.ui.billing.bill_screen import BillDialog
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.patients.patient_advances import PatientAdvancesPanel
from homa_desk.ui.patients.patient_picker import PatientPickerDialog
from homa_desk.ui.patients.patients_view import PatientsView
from homa_desk.ui.settings.backup_tab import BackupTab
from homa_desk.ui.settings.staff_view import StaffView
from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from homa_desk.ui.shell.lock_dialog import LockDialog
from homa_desk.ui.shell.login_dialog import LoginDialog
from homa_desk.ui.shell.main_window import MainWindow
from tests.appointment_helpers import at, next_weekday, with_hours
from tests.services.advance_helpers import an_advance
from tests.services.billing_helpers import a_bill, a_patient
from tests.services.held_money_helpers import hold
from tests.ui.screen_helpers import WORK_AREA

TITLE_BAR = 32  # the window manager's frame, which the offscreen test screen does not draw


@pytest.fixture(params=["en", "hi"])
def language(request, qapp):
    """English, and Hindi, whose words are often longer."""
    assert install_language(qapp, request.param) == (request.param == "hi")
    yield request.param
    install_language(qapp, "en")


def outer_size(window: QWidget) -> QSize:
    """The window with its frame, allowing a title bar's height where the platform draws a thinner frame."""
    frame, inner = window.frameGeometry(), window.geometry()
    return inner.size() + QSize(frame.width() - inner.width(), max(frame.height() - inner.height(), TITLE_BAR))


def misfit(name: str, window: QWidget) -> str | None:
    QApplication.processEvents()
    size = outer_size(window)
    least = window.minimumSizeHint().expandedTo(window.minimumSize()) + QSize(0, TITLE_BAR)
    if size.width() > WORK_AREA.width() or size.height() > WORK_AREA.height():
        return f"{name} is {size.width()}×{size.height()}"
    if least.width() > WORK_AREA.width() or least.height() > WORK_AREA.height():
        return f"{name} needs at least {least.width()}×{least.height()}"
    return None


def sideways(name: str, page: QWidget) -> str | None:
    """Scrolling down a long page is fine; scrolling across to find a button is not."""
    for area in page.findChildren(QScrollArea):
        if area.isVisible() and area.horizontalScrollBar().isVisible():
            return (f"{name} scrolls sideways: {area.widget().minimumSizeHint().width()} px wide in "
                    f"{area.viewport().width()}")
    return None


def test_every_page_fits_and_the_main_window_never_grows(qtbot, laptop, language, backend, uow, admin, receptionist,
                                                        doctor):
    queue.add_walk_in(uow, receptionist, a_patient(uow, receptionist), doctor.user_id)
    window = MainWindow(backend, admin)
    qtbot.addWidget(window)
    window.show()
    set_size = window.size()
    problems = [misfit("main window", window)]
    for page in window.pages:
        window.show_page(page.key)
        view = window.views[page.key]
        tabs = getattr(view, "tabs", None)
        for index in range(tabs.count() if tabs is not None else 1):
            if tabs is not None:
                tabs.setCurrentIndex(index)
            qtbot.wait(200)
            name = page.key + (f" / {tabs.tabText(index)}" if tabs is not None else "")
            problems.append(misfit(name, window))
            problems.append(sideways(name, tabs.currentWidget() if tabs is not None else view))
            if window.size() != set_size:
                problems.append(f"{name} grew the window to {window.width()}×{window.height()}")
    window.show_page("workstation")
    station = window.views["workstation"]
    qtbot.waitUntil(lambda: station.table.rowCount() == 1)
    station.call_next()
    qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
    station.consultation.vitals["temperature_c"].setText("12")
    station.consultation.save_button.click()
    qtbot.waitUntil(lambda: bool(station.consultation.vitals["temperature_c"].toolTip()))
    problems.append(misfit("consultation with a message", window))
    qtbot.wait(50)
    problems.append(sideways("consultation", station))  # Complete visit would sit past the right edge
    assert [p for p in problems if p] == [] and window.size() == set_size


def misfits(*windows: tuple[str, QWidget]) -> list[str]:
    return [problem for name, window in windows if (problem := misfit(name, window))]


def shown(qtbot, window: QWidget) -> QWidget:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(window.isVisible)
    qtbot.wait(50)
    return window


def test_the_patient_windows_fit(qtbot, laptop, language, backend, uow, receptionist):
    patient = a_patient(uow, receptionist)
    view = PatientsView(backend, receptionist)
    qtbot.addWidget(view)
    new_form = view.register_new()
    profile = view.open_profile(patient)
    qtbot.waitUntil(lambda: profile.profile is not None)
    profile.edit()
    profile.verify_contact()
    picker = PatientPickerDialog(backend, receptionist)
    qtbot.addWidget(picker)
    picker.show()
    new_form.save_button.click()
    qtbot.waitUntil(lambda: new_form.errors.label("full_name").isVisible())
    assert misfits(("new patient form", shown(qtbot, new_form)), ("patient profile", shown(qtbot, profile)),
                   ("edit patient form", shown(qtbot, profile.form)),
                   ("contact verification", shown(qtbot, profile.verification)),
                   ("patient picker", shown(qtbot, picker))) == []


def test_the_appointment_windows_fit(qtbot, laptop, language, backend, uow, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    with_hours(uow, admin, doctor)
    day = next_weekday(1)
    booked = appointments.book_appointment(uow, receptionist, patient_id=patient, doctor_id=doctor.user_id,
                                           starts_at=at(day, 10))
    view = AppointmentsView(backend, receptionist)
    qtbot.addWidget(view)
    view.show()
    view.go_to(day)
    qtbot.waitUntil(lambda: view.view is not None and view.view.day == day and view.grid.columnCount() == 1)
    free = next(s for c in range(view.grid.columnCount()) for r in range(view.grid.rowCount())
                if (s := view.grid.slot_at(r, c)) is not None and s.state is SlotState.FREE)
    view.open_slot(free)
    booking = view.dialog
    details = view.open_appointment(booked)
    cancel = details.open_cancel()
    reschedule = details.open_reschedule()
    walk_in = WalkInDialog(backend, receptionist, get_patient_profile(uow, receptionist, patient).summary)
    chooser = CheckInChooser([booked])
    for window in (walk_in, chooser):
        qtbot.addWidget(window)
        window.show()
    assert misfits(("booking", shown(qtbot, booking)), ("appointment details", shown(qtbot, details)),
                   ("cancel appointment", shown(qtbot, cancel)), ("reschedule", shown(qtbot, reschedule)),
                   ("walk-in token", shown(qtbot, walk_in)), ("check in: who arrived", shown(qtbot, chooser))) == []


def test_the_billing_windows_fit(qtbot, laptop, language, backend, uow, admin, receptionist):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient, ("consultation", "Consultation", "1", "800"))
    hold(uow, bill, "300")
    dialog = BillDialog(backend, admin, bill.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bill is not None)
    editor = dialog.edit_lines() or BillEditorDialog(backend, admin, patient, "Kavya Nair", dialog)
    editor.show()
    payment = dialog.take_payment()
    upi = dialog.pay_by_upi()
    windows = [("bill", dialog), ("bill editor", editor), ("payment", payment), ("UPI panel", upi)]
    for name, open_ in (("refund", dialog.refund), ("cancel bill", dialog.cancel_bill),
                        ("held money", dialog.resolve_held)):
        open_()
        windows.append((name, dialog.admin_dialog))
    assert misfits(*((name, shown(qtbot, window)) for name, window in windows)) == []


def test_the_advance_windows_fit(qtbot, laptop, language, backend, uow, admin, receptionist):
    patient = a_patient(uow, receptionist)
    an_advance(uow, receptionist, patient, "1500", purpose="Orthodontic package, first of three instalments")
    bill = a_bill(uow, receptionist, patient, ("procedure", "Braces fitting", "1", "25000"))
    dialog = BillDialog(backend, admin, bill.id)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.bill is not None)
    use = dialog.use_advance()
    panel = PatientAdvancesPanel(backend, admin, patient, "Kavya Nair")
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.account is not None)
    receive, refund = panel.receive(), panel.refund()
    assert misfits(("bill with an advance", shown(qtbot, dialog)), ("use advance", shown(qtbot, use)),
                   ("receive advance", shown(qtbot, receive)), ("refund advance", shown(qtbot, refund))) == []


def test_the_staff_and_shell_windows_fit(qtbot, laptop, language, backend, uow, admin, doctor):
    staff = StaffView(backend, admin)
    qtbot.addWidget(staff)
    staff.show()
    qtbot.waitUntil(lambda: staff.model.rowCount() == 2)
    add = staff.open_add_dialog()
    staff.table.selectRow(next(r for r in range(2) if staff.model.member(r).email == doctor.email))
    reset = staff.open_reset_dialog()
    login = LoginDialog(backend, email="reception.desk@sunrise-clinic.example.in")
    lock = LockDialog(backend, admin)
    wizard = FirstRunWizard(None)
    for window in (login, lock, wizard):
        qtbot.addWidget(window)
        window.show()
    window = MainWindow(backend, admin)
    qtbot.addWidget(window)
    window.show()
    window.help_overlay.toggle()
    backup = BackupTab(backend, admin)
    qtbot.addWidget(backup)
    restore, move = backup.ask_to_restore(Path("homa-desk-2026-12-01.dump")), backup.ask_to_move()
    assert misfits(("add staff", shown(qtbot, add)), ("reset password", shown(qtbot, reset)),
                   ("sign-in", shown(qtbot, login)), ("lock", shown(qtbot, lock)),
                   ("first-run wizard", shown(qtbot, wizard)), ("main window with help", window),
                   ("restore a backup", shown(qtbot, restore)), ("move to Neon", shown(qtbot, move))) == []
    help_needs = window.help_overlay.minimumSizeHint()
    assert help_needs.width() <= window.width() and help_needs.height() <= window.height()


MEASURED = {"PatientFormDialog", "PatientProfileDialog", "ContactVerificationDialog", "PatientPickerDialog",
            "BookingDialog", "AppointmentDialog", "ReasonDialog", "RescheduleDialog", "BillDialog", "BillEditorDialog",
            "PaymentDialog", "UpiPanel", "RefundDialog", "CancelBillDialog", "ResolveHeldDialog", "AddStaffDialog",
            "ResetPasswordDialog", "LoginDialog", "LockDialog", "FirstRunWizard", "WalkInDialog", "CheckInChooser",
            "ReceiveAdvanceDialog", "UseAdvanceDialog", "RefundAdvanceDialog"}


def test_every_dialog_of_the_desk_is_measured_above():
    for module in pkgutil.walk_packages(homa_desk.ui.__path__, "homa_desk.ui."):
        importlib.import_module(module.name)
    found, kinds = set(), [QDialog, QWizard]
    while kinds:
        for kind in kinds.pop().__subclasses__():
            if kind.__module__.startswith("homa_desk.ui."):
                kinds.append(kind)
                if not kind.__subclasses__():
                    found.add(kind.__name__)
    assert found == MEASURED
