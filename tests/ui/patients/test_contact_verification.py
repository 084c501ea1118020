"""A receptionist verifies a patient's mobile from the profile: code by SMS, a wrong try, the right code."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from tests.services.notification_helpers import a_patient, outbox_rows


def test_verify_a_mobile_from_the_profile(qtbot, backend, uow, engine, receptionist):
    patient = a_patient(uow, receptionist)
    profile = PatientProfileDialog(backend, receptionist, patient)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(profile.verify_button.isEnabled)
    qtbot.waitUntil(lambda: profile.phone_verified.text() == "· not verified")
    qtbot.mouseClick(profile.verify_button, Qt.MouseButton.LeftButton)
    dialog = profile.verification
    assert dialog is not None and dialog.channel.count() == 2  # SMS, and e-mail since she has one

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(dialog.check_button.isEnabled)
    assert "+919876543210" in dialog.status.text()
    [row] = [r for r in outbox_rows(engine) if r["template"] == "verification_code"]
    assert row["channel"] == "sms"
    code = row["payload"]["code"]

    wrong = "000000" if code != "000000" else "111111"
    qtbot.keyClicks(dialog.code, wrong)
    qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "4 tries left" in dialog.code_error.text())

    dialog.code.clear()
    qtbot.keyClicks(dialog.code, code)
    with qtbot.waitSignal(dialog.verified):
        qtbot.mouseClick(dialog.check_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Verified ✓" and dialog.result() == dialog.DialogCode.Accepted
    qtbot.waitUntil(lambda: profile.phone_verified.text() == "· verified ✓")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT is_verified FROM users WHERE id = :id"), {"id": patient}).scalar_one()


def test_no_email_only_sms_is_offered(qtbot, backend, uow, receptionist):
    patient = a_patient(uow, receptionist, email=None)
    profile = PatientProfileDialog(backend, receptionist, patient)
    qtbot.addWidget(profile)
    profile.show()
    qtbot.waitUntil(profile.verify_button.isEnabled)
    qtbot.mouseClick(profile.verify_button, Qt.MouseButton.LeftButton)
    assert [profile.verification.channel.itemData(i) for i in range(profile.verification.channel.count())] == ["sms"]
