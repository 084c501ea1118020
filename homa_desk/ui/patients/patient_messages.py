"""A patient's messages on the profile: what was sent, by which channel, when, and what became of it.

Delivered / not delivered comes from the provider when the desk can ask it (Twilio and Exotel: the background sender
polls each message's status with backoff); WhatsApp through Meta reports delivery only to a webhook, so its messages
stay "Sent" (accepted by WhatsApp). A verification code never leaves the database: the text shows •••••• in its place.
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QT_TR_NOOP, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.message_routing import CHANNEL_LABELS, PATIENT_CHANNELS, Consent, delivery_state
from homa_desk.domain.notifications import OutboxEntry
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import format_local_time
from homa_desk.services import message_channels
from homa_desk.services.message_channels import MessagePreferences
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_tabs import FirstShown
from homa_desk.ui.common.worker import OneLoadAtATime

COLUMNS = (QT_TR_NOOP("When"), QT_TR_NOOP("Channel"), QT_TR_NOOP("Message"), QT_TR_NOOP("Status"),
           QT_TR_NOOP("Reason"))
STATE_WORDS = (QT_TR_NOOP("Failed"), QT_TR_NOOP("Will retry"), QT_TR_NOOP("Waiting to send"), QT_TR_NOOP("Sending"),
               QT_TR_NOOP("Sent"), QT_TR_NOOP("Delivered"), QT_TR_NOOP("Read"), QT_TR_NOOP("Not delivered"),
               QT_TR_NOOP("Not set up"))
CONSENT_WORDS = {Consent.GRANTED: QT_TR_NOOP("agreed {date} ({by})"),
                 Consent.OPTED_OUT: QT_TR_NOOP("opted out {date} ({by})")}


def _load(backend: Backend, actor: Actor, patient_id: int) -> tuple[list[OutboxEntry], MessagePreferences]:
    return message_channels.messages_tab(backend.uow(), actor, patient_id)


def preferences_text(prefs: MessagePreferences) -> str:
    chosen = CHANNEL_LABELS[prefs.preferred] if prefs.preferred else tr("SMS and e-mail (no channel chosen)")
    parts = [tr("Messages by: {channel}").format(channel=chosen)]
    for channel in PATIENT_CHANNELS:
        record = prefs.consents.get(channel)
        if record is not None:
            when = record.recorded_at.strftime("%d %b %Y") if record.recorded_at else ""
            parts.append(f"{CHANNEL_LABELS[channel]} " + tr(CONSENT_WORDS[record.consent]).format(
                date=when, by=record.recorded_by or "—"))
    return " · ".join(parts)


class PatientMessagesPanel(QWidget):
    """`loaded` carries the entries shown after every (re)load."""

    loaded = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, patient_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("patient_messages")
        self.patient_id = patient_id
        self.entries: list[OutboxEntry] = []
        self._loads = OneLoadAtATime(self, lambda: partial(_load, backend, actor, self.patient_id),
                                     on_success=self._show, on_failure=self._failed)
        self.preferences = QLabel(tr("Loading…"))
        self.preferences.setObjectName("message_preferences")
        self.preferences.setWordWrap(True)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("message_list")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.error = QLabel("")
        self.error.setObjectName("messages_error")
        self.error.setProperty("role", "error")
        self.error.setVisible(False)
        self.refresh_button = QPushButton(tr("Refresh"))
        self.refresh_button.setObjectName("refresh_messages")
        self.refresh_button.clicked.connect(self.reload)
        top = QHBoxLayout()
        top.addWidget(self.preferences, 1)
        top.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        changes.change_hub().changed.connect(self._refresh_if)
        self.first_shown = FirstShown(self, self.reload)  # the profile's tab loads when it is chosen

    def reload(self) -> None:
        self._loads.load()

    def _refresh_if(self, change: Change) -> None:
        if change in (Change.PATIENTS, Change.PAYMENTS, Change.APPOINTMENTS) and self.first_shown.happened:
            self.reload()

    def _failed(self, error: DomainError) -> None:
        self.error.setText(error.message)
        self.error.setVisible(True)

    def _show(self, loaded: tuple[list[OutboxEntry], MessagePreferences]) -> None:
        entries, prefs = loaded
        self.entries = entries
        self.error.setVisible(False)
        self.preferences.setText(preferences_text(prefs))
        self.table.setRowCount(len(entries))
        for row, entry in enumerate(entries):
            state, reason = delivery_state(entry)
            when = entry.sent_at or entry.created_at
            texts = (format_local_time(when) if when else "—", CHANNEL_LABELS.get(entry.channel, entry.channel.value),
                     entry.render().body, tr(state), reason)
            for column, text in enumerate(texts):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.loaded.emit(entries)

    def state_of(self, row: int) -> tuple[str, str]:
        return self.table.item(row, 3).text(), self.table.item(row, 4).text()
