"""Settings → Setup: the clinic's profile, payments, SMS, e-mail, Telegram, database and this desk's behaviour.

One form, one Save: the service checks every field at once and the messages appear next to the fields. Secret
fields are write-only; a stored secret shows as "stored" and stays unless a new value is typed.
"""

from __future__ import annotations

from dataclasses import fields

from PySide6.QtCore import QT_TR_NOOP, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.messages import Message
from homa_desk.domain.roles import Actor
from homa_desk.services import settings as settings_service
from homa_desk.services.settings import EXOTEL_CLUSTERS, SECRETS, LoadedSettings, SettingsForm
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit, text_box
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.keyring_state import NoKeyringPanel
from homa_desk.ui.common.service_text import service_text
from homa_desk.ui.common.worker import CollectionOp, run_in_background

SINGAPORE, MUMBAI = EXOTEL_CLUSTERS
CHOICES = {
    "gateway": [("simulator", QT_TR_NOOP("Simulator (practice)")), ("razorpay", QT_TR_NOOP("Razorpay (dynamic QR)")),
                ("static_upi", QT_TR_NOOP("Static UPI (the clinic's VPA)"))],
    "language": [("en", QT_TR_NOOP("English")), ("hi", QT_TR_NOOP("हिन्दी (Hindi)"))],
    "sms_provider": [("twilio", QT_TR_NOOP("Twilio")),
                     ("exotel", QT_TR_NOOP("Exotel (sends the DLT IDs with each SMS)"))],
    "receipt_paper": [("a4", QT_TR_NOOP("A4 sheet")), ("a5", QT_TR_NOOP("A5 sheet")),
                      ("roll80", QT_TR_NOOP("Receipt roll 80 mm")), ("roll58", QT_TR_NOOP("Receipt roll 58 mm"))],
    "database_prepared_statements": [
        ("auto", QT_TR_NOOP("Automatic (on for Neon and this computer)")), ("on", QT_TR_NOOP("On")),
        ("off", QT_TR_NOOP("Off (a pooler without prepared-statement support)"))],
    "exotel_base_url": [(SINGAPORE, QT_TR_NOOP("Singapore (api.exotel.com)")),
                        (MUMBAI, QT_TR_NOOP("Mumbai (api.in.exotel.com)"))],
}
SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (QT_TR_NOOP("Clinic profile"), [("clinic_name", QT_TR_NOOP("Clinic name")),
        ("clinic_address", QT_TR_NOOP("Address")), ("clinic_phone", QT_TR_NOOP("Phone")),
        ("clinic_logo_path", QT_TR_NOOP("Logo (image file)")), ("clinic_gstin", QT_TR_NOOP("GSTIN (optional)"))]),
    (QT_TR_NOOP("Payments"), [("gateway", QT_TR_NOOP("Gateway")), ("upi_vpa", QT_TR_NOOP("UPI ID (VPA)")),
        ("upi_payee_name", QT_TR_NOOP("Payee name")), ("razorpay_key_id", QT_TR_NOOP("Razorpay key id")),
        ("razorpay_key_secret", QT_TR_NOOP("Razorpay key secret"))]),
    (QT_TR_NOOP("SMS (Twilio)"), [("twilio_account_sid", QT_TR_NOOP("Account SID")),
        ("twilio_from_number", QT_TR_NOOP("From number")), ("twilio_auth_token", QT_TR_NOOP("Auth token"))]),
    (QT_TR_NOOP("SMS provider; Exotel"), [("sms_provider", QT_TR_NOOP("Send SMS through")),
        ("exotel_account_sid", QT_TR_NOOP("Account SID")), ("exotel_api_key", QT_TR_NOOP("API key")),
        ("exotel_api_token", QT_TR_NOOP("API token")), ("exotel_base_url", QT_TR_NOOP("Cluster"))]),
    (QT_TR_NOOP("E-mail (SMTP with STARTTLS)"), [("smtp_host", QT_TR_NOOP("Server")),
        ("smtp_port", QT_TR_NOOP("Port")), ("smtp_user", QT_TR_NOOP("User name")),
        ("smtp_password", QT_TR_NOOP("Password")), ("smtp_from", QT_TR_NOOP("From address"))]),
    (QT_TR_NOOP("Telegram (daily collection to the owner)"), [("telegram_chat_id", QT_TR_NOOP("Owner's chat id")),
        ("telegram_bot_token", QT_TR_NOOP("Bot token"))]),
    (QT_TR_NOOP("Database"), [("database_url", QT_TR_NOOP("Remote URL (blank = embedded)")),
        ("database_direct_url", QT_TR_NOOP("Direct URL, past a pooler (blank = derived)")),
        ("database_prepared_statements", QT_TR_NOOP("Prepared statements"))]),
    (QT_TR_NOOP("This desk"), [("poll_interval_seconds", QT_TR_NOOP("UPI poll interval (s)")),
        ("idle_lock_minutes", QT_TR_NOOP("Lock after idle (min)")), ("language", QT_TR_NOOP("Language")),
        ("receipt_paper", QT_TR_NOOP("Receipt paper"))]),
]


class SettingsConnectionsTab(QWidget):
    saved = Signal(object)  # LoadedSettings

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_connections")
        self._backend = backend
        self._actor = actor
        self.inputs: dict[str, QLineEdit | QPlainTextEdit | QComboBox] = {}
        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(form, self.general_error)
        for title, rows in SECTIONS:
            heading = QLabel(f"<b>{tr(title)}</b>")
            form.addRow(heading)
            for name, label in rows:
                widget = self._input(name)
                self.inputs[name] = widget
                self.errors.add_row(tr(label), name, widget)
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.setObjectName("test_connection")
        self.test_button.clicked.connect(self.test_connection)
        self.test_result = QLabel()
        self.test_result.setObjectName("test_result")
        self.test_result.setWordWrap(True)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.test_result, 1)
        form.addRow("", test_row)
        self.status = QLabel(tr("Payment, database, poll, idle and language settings apply when the desk next "
                                "starts."))
        self.status.setObjectName("status")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addLayout(form)
        inner.addWidget(self.general_error)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        self.no_keyring = NoKeyringPanel()
        layout = QVBoxLayout(self)
        layout.addWidget(self.no_keyring)
        layout.addWidget(scroll)
        layout.addLayout(buttons)
        run_in_background(self, settings_service.load_settings, backend.uow(), actor, Settings.load(),
                          on_success=self.show_settings, on_failure=self.errors.show)

    def _input(self, name: str) -> QLineEdit | QPlainTextEdit | QComboBox:
        if name in CHOICES:
            combo = QComboBox()
            combo.setObjectName(name)
            for value, label in CHOICES[name]:
                combo.addItem(tr(label), value)
            return combo
        if name == "clinic_address":
            return text_box(name)
        return line_edit(name, password=name in SECRETS)

    def show_settings(self, loaded: LoadedSettings) -> None:
        for field in fields(SettingsForm):
            widget = self.inputs[field.name]
            value = getattr(loaded.form, field.name)
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(widget.findData(value), 0))
            elif field.name in SECRETS:
                widget.clear()
                widget.setPlaceholderText(tr("stored — type to replace") if field.name in loaded.stored_secrets
                                          else tr("not set"))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            else:
                widget.setText(value)
        self.save_button.setEnabled(True)

    def form(self) -> SettingsForm:
        values = {}
        for name, widget in self.inputs.items():
            values[name] = (widget.currentData() if isinstance(widget, QComboBox) else
                            widget.toPlainText() if isinstance(widget, QPlainTextEdit) else widget.text())
        return SettingsForm(**values)

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        CollectionOp(self, Change.CLINIC, settings_service.save_settings, self._backend.uow(), self._actor,
                     self.form()).success(self._saved).failure(self._refused).run_in_background()

    def test_connection(self) -> None:
        self.test_result.setText(tr("Connecting…"))
        self.test_button.setEnabled(False)
        run_in_background(self, settings_service.test_database_connection, self.inputs["database_url"].text(),
                          on_success=self._tested, on_failure=self._not_connected)

    def _saved(self, loaded: LoadedSettings) -> None:
        self.show_settings(loaded)
        self.status.setText(tr("Saved. Payment, database, poll, idle and language settings apply when the desk "
                               "next starts."))
        self.saved.emit(loaded)

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(tr("Not saved: see the messages next to the fields."))
        self.errors.show(error)

    def _tested(self, message: Message) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText(service_text(message.key, message.params))
        self.errors.label("database_url").show_message("")

    def _not_connected(self, error: DomainError) -> None:
        self.test_button.setEnabled(True)
        self.test_result.setText("")
        self.errors.show(error)
