"""Settings → Messages, driven like an admin pasting from the DLT portal: segment counts, refusals, held-back SMS."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.dlt import suggested_text
from homa_desk.domain.notifications import Channel, Language, Template
from homa_desk.services import billing, notifications
from homa_desk.ui.settings.messages_tab import MessagesTab
from homa_desk.ui.settings.settings_view import SettingsView
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import a_patient

BOOKED_EN = (Template.BOOKED, Language.ENGLISH)
BOOKED_HI = (Template.BOOKED, Language.HINDI)
ENGLISH_TEXT = "Dear {#var#}, your appointment with {#var#} at {#var#} is booked for {#var#}. -HOMACL"
HINDI_TEXT = "प्रिय {#var#}, {#var#} में {#var#} के साथ आपका अपॉइंटमेंट {#var#} के लिए बुक हो गया है।"


def open_tab(qtbot, backend, actor) -> MessagesTab:  # type: ignore[no-untyped-def]
    tab = MessagesTab(backend, actor)
    qtbot.addWidget(tab)
    tab.resize(1366, 768)
    tab.show()
    qtbot.waitUntil(tab.save_button.isEnabled, timeout=10_000)
    return tab


def test_settings_has_a_messages_tab(qtbot, backend, admin):
    view = SettingsView(backend, admin)
    qtbot.addWidget(view)
    labels = [view.tabs.tabText(i) for i in range(view.tabs.count())]
    assert "Messages" in labels
    assert isinstance(view.messages, MessagesTab)


def save(qtbot, tab) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tab.save_button.isEnabled, timeout=10_000)


def test_an_admin_pastes_the_registration_and_sees_what_each_sms_costs(qtbot, backend, engine, admin):
    tab = open_tab(qtbot, backend, admin)
    qtbot.keyClicks(tab.entity_id, "1201159100000000001")
    qtbot.keyClicks(tab.header, "homacl")
    qtbot.keyClicks(tab.template_ids[BOOKED_EN], "1107160000000010001")
    qtbot.keyClicks(tab.texts[BOOKED_EN], ENGLISH_TEXT)
    assert tab.segments[BOOKED_EN].text() == "1–2 SMS per message · plain text (160 characters in one SMS)"
    qtbot.keyClicks(tab.template_ids[BOOKED_HI], "1107160000000010002")
    tab.texts[BOOKED_HI].setPlainText(HINDI_TEXT)
    assert tab.segments[BOOKED_HI].text() == "1–3 SMS per message · Unicode (70 characters in one SMS)"
    save(qtbot, tab)
    assert tab.status.text().startswith("Saved") and tab.general_error.text() == ""
    assert tab.header.text() == "HOMACL"
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT template, language, dlt_template_id, body FROM sms_dlt_templates"
                                 " ORDER BY language")).all()
    assert [tuple(r) for r in rows] == [("appointment_booked", "en", "1107160000000010001", ENGLISH_TEXT),
                                        ("appointment_booked", "hi", "1107160000000010002", HINDI_TEXT)]


def test_a_text_with_the_wrong_variables_is_marked_next_to_it_and_nothing_is_saved(qtbot, backend, engine, admin):
    tab = open_tab(qtbot, backend, admin)
    qtbot.keyClicks(tab.entity_id, "1201159100000000001")
    qtbot.keyClicks(tab.header, "HOMACL")
    qtbot.keyClicks(tab.template_ids[BOOKED_EN], "1107160000000010001")
    qtbot.keyClicks(tab.texts[BOOKED_EN], "Dear {#var#}, see you soon.")
    qtbot.keyClicks(tab.template_ids[(Template.PAYMENT, Language.ENGLISH)], "12ab")
    save(qtbot, tab)
    assert "in this order: patient's name, doctor, clinic, date and time" in \
        tab.errors.label("text:appointment_booked:en").text()
    assert "12 to 19 digits" in tab.errors.label("template_id:payment_received:en").text()
    assert tab.status.text().startswith("Not saved")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM sms_dlt_templates")).scalar_one() == 0


def test_sms_held_back_for_want_of_a_template_are_counted_by_kind(qtbot, backend, uow, admin, receptionist,
                                                                   providers):
    patient = a_patient(uow, receptionist, email=None)
    billing.record_payment(uow, receptionist, a_bill(uow, receptionist, patient).id, amount="500", method="cash")
    from homa_desk.gateways.sms_twilio import TwilioSms
    from tests import fake_messaging as fm

    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    assert len(notifications.deliver_due(uow, {Channel.SMS: twilio}).not_set_up) == 1
    tab = open_tab(qtbot, backend, admin)
    held = tab.held[Template.PAYMENT]
    assert held.isVisible() and held.text().startswith("1 SMS not sent: not set up.")
    assert not tab.held[Template.BOOKED].isVisible()


def test_only_an_admin_sees_the_registration(qtbot, backend, receptionist):
    tab = MessagesTab(backend, receptionist)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: tab.general_error.text() != "", timeout=10_000)
    assert "admin" in tab.general_error.text() and not tab.save_button.isEnabled()


def test_the_desks_wording_fills_only_the_empty_texts(qtbot, backend, admin):
    tab = open_tab(qtbot, backend, admin)
    qtbot.keyClicks(tab.texts[BOOKED_EN], ENGLISH_TEXT)
    qtbot.mouseClick(tab.fill_suggested, Qt.MouseButton.LeftButton)
    assert tab.texts[BOOKED_EN].toPlainText() == ENGLISH_TEXT
    assert tab.texts[BOOKED_HI].toPlainText() == suggested_text(Template.BOOKED, Language.HINDI)
    assert tab.segments[(Template.VERIFICATION, Language.ENGLISH)].text().startswith("1 SMS per message")


def test_saving_the_missing_template_offers_the_held_sms_and_sends_them_once(qtbot, backend, engine, uow, admin,
                                                                            receptionist, providers):
    from homa_desk.gateways.sms_twilio import TwilioSms
    from homa_desk.services import verification
    from tests import fake_messaging as fm

    patient = a_patient(uow, receptionist, email=None)
    billing.record_payment(uow, receptionist, a_bill(uow, receptionist, patient).id, amount="500", method="cash")
    verification.send_code(uow, receptionist, patient, "sms")
    twilio = TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url)
    assert len(notifications.deliver_due(uow, {Channel.SMS: twilio}).not_set_up) == 2
    tab = open_tab(qtbot, backend, admin)
    assert not tab.offer.isVisible()
    qtbot.keyClicks(tab.entity_id, "1201159100000000001")
    qtbot.keyClicks(tab.header, "HOMACL")
    for kind, number in ((Template.PAYMENT, "1107160000000010005"), (Template.VERIFICATION, "1107160000000010006")):
        qtbot.keyClicks(tab.template_ids[(kind, Language.ENGLISH)], number)
        tab.texts[(kind, Language.ENGLISH)].setPlainText(suggested_text(kind, Language.ENGLISH))
    save(qtbot, tab)
    assert tab.offer.isVisible()  # the payment only: a verification code held this long has expired
    assert tab.offer_text.text() == "1 messages were held for want of this template:"
    qtbot.mouseClick(tab.send_held, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not tab.offer.isVisible(), timeout=10_000)
    assert tab.status.text() == "1 held messages queued; they go with the next round."
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT template, status FROM outbox_messages")).all())
    assert statuses == {"payment_received": "pending", "verification_code": "failed"}
    assert len(notifications.deliver_due(uow, {Channel.SMS: twilio}).sent) == 1 and len(providers.sms) == 1
