"""The profile's Messages tab, driven through its widgets: what was sent, by which channel, delivered or failed with
the provider's reason as the background sender learns it, and never a verification code in clear."""

from __future__ import annotations

import re
from datetime import timedelta

from PySide6.QtCore import Qt

from homa_desk.domain.notifications import Channel
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.gateways.whatsapp_cloud import WhatsAppCloud
from homa_desk.services import message_channels, notifications, verification
from homa_desk.ui.patients.patient_profile import PatientProfileDialog
from tests import fake_messaging as fm
from tests.gateways import fake_whatsapp as fw
from tests.services.notification_helpers import a_booking, a_patient, dlt_registered
from tests.ui.patients.test_patient_bills import texts


def open_messages(qtbot, backend, actor, patient) -> PatientProfileDialog:
    dialog = PatientProfileDialog(backend, actor, patient)
    qtbot.addWidget(dialog)
    dialog.resize(1366, 768)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.profile is not None)
    assert dialog.messages.preferences.text() == "Loading…"  # the tab loads when it is chosen
    bar = dialog.sections.tabBar()
    index = dialog.sections.indexOf(dialog.messages)
    assert dialog.sections.tabText(index) == "Messages"
    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.tabRect(index).center())
    assert dialog.messages.isVisible()
    qtbot.waitUntil(lambda: dialog.messages.preferences.text() != "Loading…")
    return dialog


def refresh(qtbot, dialog: PatientProfileDialog) -> None:
    with qtbot.waitSignal(dialog.messages.loaded, timeout=5000):
        qtbot.mouseClick(dialog.messages.refresh_button, Qt.MouseButton.LeftButton)


def test_polled_status_reaches_the_messages_tab(qtbot, backend, uow, admin, receptionist, doctor, providers):
    dlt_registered(backend.engine)
    patient = a_patient(uow, receptionist, email=None)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.SMS, {Channel.SMS: True})
    a_booking(uow, admin, receptionist, doctor, patient)
    dialog = open_messages(qtbot, backend, receptionist, patient)
    assert dialog.messages.preferences.text().startswith("Messages by: SMS · SMS agreed ")
    assert "(Asha Verma)" in dialog.messages.preferences.text()
    (row,) = texts(dialog.messages.table)
    assert row[1:2] + row[3:] == ["SMS", "Waiting to send", ""] and "Rahul Menon" in row[2]

    sms = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url, timeout=(2, 2))
    notifications.deliver_due(uow, {Channel.SMS: sms})
    refresh(qtbot, dialog)
    assert dialog.messages.state_of(0) == ("Sent", "")

    providers.statuses[providers.sms[0]["sid"]] = ("undelivered", 30003, "Unreachable destination handset")
    (entry,) = message_channels.patient_messages(uow, receptionist, patient)
    assert message_channels.poll_delivery(uow, {Channel.SMS: sms}, now=entry.sent_at + timedelta(minutes=5)) == 1
    refresh(qtbot, dialog)
    assert dialog.messages.state_of(0) == ("Not delivered", "30003 Unreachable destination handset")


def test_a_refused_whatsapp_and_its_sms_fallback_both_show(qtbot, backend, uow, admin, receptionist, doctor,
                                                          providers, whatsapp):
    dlt_registered(backend.engine)
    patient = a_patient(uow, receptionist)
    message_channels.set_message_preferences(uow, receptionist, patient, Channel.WHATSAPP, {Channel.WHATSAPP: True})
    whatsapp.templates.clear()
    a_booking(uow, admin, receptionist, doctor, patient)
    senders = {Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url),
               Channel.WHATSAPP: WhatsAppCloud(fw.PHONE_NUMBER_ID, fw.ACCESS_TOKEN, base_url=whatsapp.base_url,
                                               api_version=fw.VERSION)}
    notifications.deliver_due(uow, senders)
    notifications.deliver_due(uow, senders)
    dialog = open_messages(qtbot, backend, receptionist, patient)
    rows = texts(dialog.messages.table)
    assert [(r[1], r[3]) for r in rows] == [("SMS", "Sent"), ("WhatsApp", "Failed")]
    assert "132001" in rows[1][4]


def test_a_verification_code_never_shows(qtbot, backend, uow, receptionist):
    patient = a_patient(uow, receptionist)
    verification.send_code(uow, receptionist, patient, "sms")
    dialog = open_messages(qtbot, backend, receptionist, patient)
    (row,) = texts(dialog.messages.table)
    assert "code is ••••••." in row[2] and not re.search(r"\d{6}", " ".join(row))


def test_an_sms_not_set_up_on_dlt_says_so_and_where_to_set_it_up(qtbot, backend, uow, admin, receptionist, doctor,
                                                                  providers):
    """The receptionist sees it where they look: the patient's Messages tab, not only Settings."""
    patient = a_patient(uow, receptionist, email=None)
    a_booking(uow, admin, receptionist, doctor, patient)
    sms = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url, timeout=(2, 2))
    notifications.deliver_due(uow, {Channel.SMS: sms})
    dialog = open_messages(qtbot, backend, receptionist, patient)
    assert dialog.messages.state_of(0) == (
        "Not set up", "not set up: no DLT template for booking (English); an admin adds it in Settings → Messages")
    assert providers.requests == 0
