"""The patient form asks which channel messages go by and the patient's consent per channel, driven through its
widgets: recorded at registration with who and when, WhatsApp refused without consent next to the field, an opt-out
recorded when a box is cleared on edit."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.message_routing import Consent
from homa_desk.domain.notifications import Channel
from homa_desk.services import message_channels
from homa_desk.ui.patients.patients_view import PatientsView


def new_patient_form(qtbot, backend, actor):
    view = PatientsView(backend, actor, debounce_ms=10)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    form = view.register_new()
    qtbot.keyClicks(form.full_name, "Sunita Yadav")
    qtbot.keyClicks(form.phone, "99887 76655")
    qtbot.keyClicks(form.age_years, "52")
    return view, form


def choose(form, channel: Channel) -> None:
    form.messages.channel.setCurrentIndex(form.messages.channel.findData(channel.value))


def test_whatsapp_without_consent_is_refused_next_to_the_field_and_nothing_is_saved(qtbot, backend, engine,
                                                                                    receptionist):
    _view, form = new_patient_form(qtbot, backend, receptionist)
    assert not form.messages.boxes[Channel.WHATSAPP].isChecked()  # WhatsApp needs the patient's opt-in
    choose(form, Channel.WHATSAPP)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    assert form.errors.label("preferred_channel").text() == "WhatsApp needs the patient's consent first."
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM patient_profiles")).scalar_one() == 0


def test_consent_is_recorded_at_registration_and_an_opt_out_on_edit(qtbot, backend, uow, engine, receptionist):
    view, form = new_patient_form(qtbot, backend, receptionist)
    qtbot.mouseClick(form.messages.boxes[Channel.WHATSAPP], Qt.MouseButton.LeftButton)
    choose(form, Channel.WHATSAPP)
    qtbot.mouseClick(form.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.profile is not None and view.profile.profile is not None, timeout=10000)
    patient = view.profile.user_id
    prefs = message_channels.message_preferences(uow, receptionist, patient)
    assert prefs.preferred is Channel.WHATSAPP
    assert {c: r.consent for c, r in prefs.consents.items()} == {
        Channel.WHATSAPP: Consent.GRANTED, Channel.SMS: Consent.GRANTED, Channel.EMAIL: Consent.GRANTED}
    assert {r.recorded_by for r in prefs.consents.values()} == {receptionist.full_name}
    view.profile.sections.setCurrentWidget(view.profile.messages)  # the tab loads when chosen
    qtbot.waitUntil(lambda: view.profile.messages.preferences.text().startswith("Messages by: WhatsApp"))

    view.profile.edit()
    edit = view.profile.form
    qtbot.waitUntil(lambda: edit.messages.ready)
    assert edit.messages.preferred() is Channel.WHATSAPP and edit.messages.boxes[Channel.WHATSAPP].isChecked()
    qtbot.mouseClick(edit.messages.boxes[Channel.SMS], Qt.MouseButton.LeftButton)
    with qtbot.waitSignal(view.profile.loaded, timeout=10000):
        qtbot.mouseClick(edit.save_button, Qt.MouseButton.LeftButton)
    prefs = message_channels.message_preferences(uow, receptionist, patient)
    assert prefs.consent(Channel.SMS) is Consent.OPTED_OUT and prefs.consent(Channel.WHATSAPP) is Consent.GRANTED
    with engine.connect() as conn:
        actions = conn.execute(text("SELECT after->>'channel', after->>'consent' FROM audit_log"
                                    " WHERE action = 'message_consent_set' ORDER BY id")).all()
    assert [tuple(a) for a in actions] == [("whatsapp", "granted"), ("sms", "granted"), ("email", "granted"),
                                           ("sms", "opted_out")]
