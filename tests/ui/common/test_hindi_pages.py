"""Every page of the desk in Hindi, as an admin opens them at 1366×768, with a patient, a visit and a bill on them:
no English is left on the screen."""

from __future__ import annotations

import pytest

from homa_desk.services import queue
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.shell.main_window import MainWindow
from tests.services.billing_helpers import a_bill
from tests.services.consultation_helpers import a_patient, with_profile
from tests.ui.hindi_sweep import english_left

# Proper names and what the test data typed (an allergy, a bill line's description, the doctor's specialty).
NAMES = ("Meera Iyer", "Asha Verma", "Rahul Menon", "Priya Sharma", "Sunrise Clinic", "Penicillin", "Consultation",
         "General Physician", "MBBS", "MD", "Medicine", "KMC")  # the last four: the doctor's profile, in the audit log


@pytest.fixture
def hindi(qapp):
    previous = qapp.styleSheet()
    assert install_language(qapp, "hi") and apply_style(qapp)
    yield
    install_language(qapp, "en")
    qapp.setStyleSheet(previous)


@pytest.mark.parametrize("role", ["admin", "receptionist", "doctor"])
def test_every_page_and_settings_tab(qtbot, backend, engine, uow, admin, receptionist, doctor, hindi, role):
    with_profile(uow, admin, doctor)
    priya = a_patient(engine)
    queue.add_walk_in(uow, receptionist, priya, doctor.user_id)
    a_bill(uow, receptionist, priya)
    window = MainWindow(backend, {"admin": admin, "receptionist": receptionist, "doctor": doctor}[role])
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    found = []
    for row, page in enumerate(window.pages):
        window.sidebar.setCurrentRow(row)
        view = window.views[page.key]
        tabs = getattr(view, "tabs", None)
        for index in range(tabs.count() if tabs is not None else 1):
            if tabs is not None:
                tabs.setCurrentIndex(index)
            qtbot.wait(400)
            if left := english_left([window], NAMES):
                found.append(f"-- {page.key} {index}\n{left}")
    overlay = window.help_overlay
    overlay.show()
    if left := english_left([overlay], NAMES):
        found.append(f"-- F1\n{left}")
    assert not found, "\n".join(found)
