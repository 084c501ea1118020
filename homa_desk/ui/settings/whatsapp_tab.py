"""Settings → WhatsApp: the clinic's WhatsApp Business number (Meta's Cloud API) and the order channels are tried in.

The access token is write-only: a stored token shows as "stored" and stays unless a new one is pasted. How a clinic
gets these (business account, approved templates, cost per message) is in the README, "WhatsApp".
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.domain.errors import DomainError
from homa_desk.domain.message_routing import channel_list
from homa_desk.domain.roles import Actor
from homa_desk.services import whatsapp_setup
from homa_desk.services.whatsapp_setup import WhatsAppSetup
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

RULES = [("whatsapp,sms,email", QT_TR_NOOP("WhatsApp, then SMS, then e-mail")),
         ("whatsapp,sms", QT_TR_NOOP("WhatsApp, then SMS")),
         ("sms,email", QT_TR_NOOP("SMS, then e-mail")),
         ("sms", QT_TR_NOOP("SMS only")),
         ("email,sms", QT_TR_NOOP("E-mail, then SMS"))]
HELP = QT_TR_NOOP("WhatsApp messages go as the templates Meta approved for the clinic. A patient gets each message "
                  "once: by the channel they chose, else the first in this order they agreed to; the next is tried "
                  "only when a channel refuses the message or stays down, never when it may have arrived.")


class WhatsAppTab(QWidget):
    saved = Signal(object)  # WhatsAppSetup

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whatsapp_tab")
        self._backend = backend
        self._actor = actor
        self.phone_number_id = line_edit("whatsapp_phone_number_id", placeholder="106540352242922")
        self.access_token = line_edit("whatsapp_access_token", password=True)
        self.rule = QComboBox()
        self.rule.setObjectName("fallback")
        for value, label in RULES:
            self.rule.addItem(tr(label), value)
        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(form, self.general_error)
        self.errors.add_row(tr("Phone number ID"), "whatsapp_phone_number_id", self.phone_number_id)
        self.errors.add_row(tr("Access token"), "whatsapp_access_token", self.access_token)
        self.errors.add_row(tr("Send patients' messages by"), "fallback", self.rule)
        help_text = QLabel(tr(HELP))
        help_text.setWordWrap(True)
        self.status = QLabel("")
        self.status.setObjectName("status")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("save")
        self.save_button.setEnabled(False)
        self.save_button.clicked.connect(self.save)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addWidget(help_text)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addStretch(1)
        layout.addLayout(buttons)
        run_in_background(self, whatsapp_setup.load_whatsapp, backend.uow(), actor, Settings.load(),
                          on_success=self.show_setup, on_failure=self.errors.show)

    def show_setup(self, setup: WhatsAppSetup) -> None:
        self.phone_number_id.setText(setup.phone_number_id)
        self.access_token.clear()
        self.access_token.setPlaceholderText(tr("stored — type to replace") if setup.token_stored else tr("not set"))
        rule = channel_list(setup.rule)
        if self.rule.findData(rule) < 0:
            self.rule.addItem(rule.replace(",", ", "), rule)
        self.rule.setCurrentIndex(self.rule.findData(rule))
        self.save_button.setEnabled(True)

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        CollectionOp(self, Change.CLINIC, whatsapp_setup.save_whatsapp, self._backend.uow(), self._actor,
                     self.phone_number_id.text(), self.access_token.text(), str(self.rule.currentData())) \
            .success(self._saved).failure(self._refused).run_in_background()

    def _saved(self, setup: WhatsAppSetup) -> None:
        self.show_setup(setup)
        self.status.setText(tr("Saved. The desk sends by WhatsApp from its next round."))
        self.saved.emit(setup)

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(tr("Not saved: see the messages next to the fields."))
        self.errors.show(error)
