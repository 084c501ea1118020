"""Settings → Setup: an admin fills every field; secrets land in the keyring, never in the file or the log."""

from __future__ import annotations

import json
import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from homa_desk.config import Settings, config_file
from homa_desk.logging_setup import configure_logging
from homa_desk.secret_store import SERVICE
from homa_desk.services import clinic
from homa_desk.ui.settings.settings_connections import SettingsConnectionsTab

SECRET_VALUES = {
    "razorpay_key_secret": "rzp-secret-Qw3rty-111",
    "twilio_auth_token": "twilio-token-Zx9-222",
    "smtp_password": "smtp-pass-Mn7-333",
    "telegram_bot_token": "123456:tg-token-Lk5-444",
    "exotel_api_token": "exotel-token-Rt4-666",
}
DB_PASSWORD = "neon-db-pass-Pq2-555"


def open_tab(qtbot, backend, admin) -> SettingsConnectionsTab:  # type: ignore[no-untyped-def]
    tab = SettingsConnectionsTab(backend, admin)
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(tab.save_button.isEnabled, timeout=10_000)
    return tab


def type_into(qtbot, tab, values: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    for name, value in values.items():
        widget = tab.inputs[name]
        if hasattr(widget, "findData"):
            widget.setCurrentIndex(widget.findData(value))
        else:
            widget.clear()
            qtbot.keyClicks(widget, value)


def save(qtbot, tab) -> None:  # type: ignore[no-untyped-def]
    qtbot.mouseClick(tab.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(tab.save_button.isEnabled, timeout=10_000)


def test_every_secret_goes_to_the_keyring_and_nowhere_else(qtbot, backend, uow, admin, memory_keyring, tmp_path):
    log_path = configure_logging(logging.DEBUG, tmp_path / "logs")
    try:
        tab = open_tab(qtbot, backend, admin)
        type_into(qtbot, tab, {
            "clinic_name": "Sunrise Clinic", "clinic_address": "12 MG Road, Pune", "clinic_phone": "+91 20 1234 5678",
            "clinic_gstin": "27AAPFU0939F1ZV", "gateway": "razorpay", "upi_vpa": "sunrise@okaxis",
            "upi_payee_name": "Sunrise Clinic", "razorpay_key_id": "rzp_test_abc123",
            "twilio_account_sid": "AC" + "0123456789abcdef" * 2, "twilio_from_number": "+15005550006",
            "smtp_host": "smtp.example.com", "smtp_port": "587", "smtp_user": "desk@sunrise.example",
            "smtp_from": "desk@sunrise.example", "telegram_chat_id": "-1001234567890",
            "database_url": f"postgresql://clinic:{DB_PASSWORD}@ep-cool-1.ap-south-1.aws.neon.tech/homa"
                            "?sslmode=require",
            "poll_interval_seconds": "3", "idle_lock_minutes": "15", "language": "hi", **SECRET_VALUES,
        })
        save(qtbot, tab)
        assert tab.general_error.text() == ""
        assert tab.status.text().startswith("Saved")
    finally:
        for handler in list(logging.getLogger().handlers):
            if getattr(handler, "_homa", False):
                logging.getLogger().removeHandler(handler)
                handler.close()

    stored = {key: value for (service, key), value in memory_keyring.secrets.items() if service == SERVICE}
    assert set(SECRET_VALUES.values()) | {DB_PASSWORD} <= set(stored.values())
    text = config_file().read_text(encoding="utf-8")
    logged = log_path.read_text(encoding="utf-8")
    assert "settings saved by user" in logged
    for secret in [*SECRET_VALUES.values(), DB_PASSWORD]:
        assert secret not in text
        assert secret not in logged
    data = json.loads(text)
    assert data["gateway"] == "razorpay" and data["twilio_from_number"] == "+15005550006"
    assert data["database_url"].startswith("postgresql+psycopg://clinic@ep-cool-1")
    assert (data["smtp_port"], data["idle_lock_minutes"], data["language"]) == (587, 15, "hi")
    assert clinic.clinic_name(uow) == "Sunrise Clinic"
    assert all(not tab.inputs[name].text() for name in SECRET_VALUES)
    assert tab.inputs["twilio_auth_token"].placeholderText().startswith("stored")


def test_bad_fields_are_marked_next_to_them_and_nothing_is_saved(qtbot, backend, admin, memory_keyring):
    tab = open_tab(qtbot, backend, admin)
    type_into(qtbot, tab, {"clinic_gstin": "27AAPFU0939F1ZX", "twilio_account_sid": "AC123",
                           "smtp_port": "99999", "telegram_chat_id": "-100123", "gateway": "static_upi",
                           "upi_vpa": "", "database_url": "postgresql://u:p@far.example.com/db",
                           "idle_lock_minutes": "0"})
    save(qtbot, tab)
    shown = {name: tab.errors.label(name).text() for name in (
        "clinic_gstin", "twilio_account_sid", "smtp_port", "telegram_bot_token", "upi_vpa", "database_url",
        "idle_lock_minutes")}
    assert "last character" in shown["clinic_gstin"]
    assert "AC" in shown["twilio_account_sid"]
    assert "between 1 and 65535" in shown["smtp_port"]
    assert "bot token" in shown["telegram_bot_token"]
    assert shown["upi_vpa"]
    assert "TLS" in shown["database_url"]
    assert "between 1 and 240" in shown["idle_lock_minutes"]
    assert not config_file().exists()
    assert memory_keyring.secrets == {}


def test_test_connection_reaches_the_database_in_the_background(qtbot, backend, admin, db_url):
    tab = open_tab(qtbot, backend, admin)
    tab.inputs["database_url"].setText(db_url.render_as_string(hide_password=False))
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.test_result.text().startswith("Connected"), timeout=10_000)
    tab.inputs["database_url"].setText("postgresql://nobody@127.0.0.1:9/none")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.errors.label("database_url").text().startswith("Cannot connect"), timeout=10_000)


def test_only_an_admin_sees_the_settings(qtbot, backend, receptionist):
    tab = SettingsConnectionsTab(backend, receptionist)
    qtbot.addWidget(tab)
    qtbot.waitUntil(lambda: tab.general_error.text() != "", timeout=10_000)
    assert not tab.save_button.isEnabled()
    assert "admin" in tab.general_error.text()
    assert Settings.load() == Settings()


def test_the_clinic_address_keeps_its_lines_through_settings(qtbot, backend, uow, admin):
    """Issue 18, defect 17: the address the wizard took in lines shows in lines, and an edit keeps them."""
    with uow:
        uow.settings.put("clinic_address", "12 MG Road\nPune 411001")
        uow.commit()
    tab = open_tab(qtbot, backend, admin)
    address = tab.inputs["clinic_address"]
    assert address.toPlainText() == "12 MG Road\nPune 411001"
    address.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(address, Qt.Key.Key_Return)
    qtbot.keyClicks(address, "  Maharashtra ")
    save(qtbot, tab)
    assert clinic.clinic_info(backend.uow()).address == "12 MG Road\nPune 411001\nMaharashtra"


def test_exotel_is_chosen_next_to_twilio_with_its_token_in_the_keyring(qtbot, backend, admin, memory_keyring):
    tab = open_tab(qtbot, backend, admin)
    type_into(qtbot, tab, {"sms_provider": "exotel"})
    save(qtbot, tab)
    assert "account SID" in tab.errors.label("exotel_account_sid").text()
    assert "API key" in tab.errors.label("exotel_api_key").text()
    assert "API token" in tab.errors.label("exotel_api_token").text()
    assert not config_file().exists()
    type_into(qtbot, tab, {"exotel_account_sid": "homaclinic1", "exotel_api_key": "key-11",
                           "exotel_api_token": "exotel-token-Rt4-666",
                           "exotel_base_url": "https://api.in.exotel.com"})
    save(qtbot, tab)
    assert tab.status.text().startswith("Saved")
    data = json.loads(config_file().read_text(encoding="utf-8"))
    assert (data["sms_provider"], data["exotel_account_sid"], data["exotel_api_key"], data["exotel_base_url"]) == (
        "exotel", "homaclinic1", "key-11", "https://api.in.exotel.com")
    assert "exotel-token-Rt4-666" not in json.dumps(data)
    assert memory_keyring.secrets[(SERVICE, "exotel:api_token")] == "exotel-token-Rt4-666"
