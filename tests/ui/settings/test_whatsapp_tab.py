"""Settings → WhatsApp: the admin pastes the phone number id and token and picks the clinic's order; the token goes
to the keyring (never the file), the order to the database, and the desk then has a WhatsApp sender."""

from __future__ import annotations

import json

from PySide6.QtCore import Qt

from homa_desk.config import Settings, config_file
from homa_desk.domain.notifications import Channel
from homa_desk.gateways.messaging import WHATSAPP_TOKEN
from homa_desk.gateways.senders import senders_from_settings
from homa_desk.gateways.whatsapp_cloud import WhatsAppCloud
from homa_desk.secret_store import get_secret
from homa_desk.services import message_channels
from homa_desk.ui.settings.settings_view import SettingsView

TOKEN = "EAAGwhatsappTokenPastedByTheAdmin123"


def open_tab(qtbot, backend, admin):
    view = SettingsView(backend, admin)
    qtbot.addWidget(view)
    view.resize(1366, 768)
    view.show()
    view.tabs.setCurrentIndex(view.tabs.count() - 1)
    qtbot.waitUntil(view.whatsapp.save_button.isEnabled, timeout=10_000)
    return view


def test_the_admin_sets_up_whatsapp_and_the_order(qtbot, backend, uow, admin, receptionist):
    view = open_tab(qtbot, backend, admin)
    tab = view.whatsapp
    assert tab.access_token.placeholderText() == "not set"
    assert tab.rule.currentData() == "whatsapp,sms,email"
    qtbot.keyClicks(tab.phone_number_id, "106540352242922")
    qtbot.keyClicks(tab.access_token, TOKEN)
    tab.rule.setCurrentIndex(tab.rule.findData("whatsapp,sms"))
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert tab.access_token.text() == "" and tab.access_token.placeholderText() == "stored — type to replace"
    assert get_secret(WHATSAPP_TOKEN) == TOKEN
    assert TOKEN not in config_file().read_text(encoding="utf-8")
    assert json.loads(config_file().read_text(encoding="utf-8"))["whatsapp_phone_number_id"] == "106540352242922"
    assert message_channels.fallback_rule(uow, receptionist) == (Channel.WHATSAPP, Channel.SMS)
    assert isinstance(senders_from_settings(Settings.load())[Channel.WHATSAPP], WhatsAppCloud)


def test_bad_input_is_shown_next_to_the_field(qtbot, backend, admin):
    view = open_tab(qtbot, backend, admin)
    tab = view.whatsapp
    qtbot.keyClicks(tab.phone_number_id, "+91 98765")
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.save_button.isEnabled())
    assert "digits only" in tab.errors.label("whatsapp_phone_number_id").text()
    assert tab.errors.label("whatsapp_access_token").text() == "Paste the access token."
    assert Settings.load().whatsapp_phone_number_id == "" and get_secret(WHATSAPP_TOKEN) is None


def test_a_token_pasted_with_bearer_and_an_id_with_spaces_are_taken_as_meant(qtbot, backend, admin):
    """Meta's API Setup page and curl samples show "Authorization: Bearer EAAG…"; the desk adds the scheme itself, so
    a pasted one must not be stored (it would go as "Bearer Bearer …" and every message would be refused 401)."""
    view = open_tab(qtbot, backend, admin)
    tab = view.whatsapp
    qtbot.keyClicks(tab.phone_number_id, " 1065 4035 2242 922 ")
    qtbot.keyClicks(tab.access_token, f"Authorization: Bearer {TOKEN}")
    with qtbot.waitSignal(tab.saved, timeout=10_000):
        qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    assert get_secret(WHATSAPP_TOKEN) == TOKEN
    assert Settings.load().whatsapp_phone_number_id == "106540352242922"
