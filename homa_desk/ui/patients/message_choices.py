"""The patient form's message choices: the channel messages go by, and the patient's yes or no per channel.

Asked at registration: every channel's answer is then recorded with the date and the receptionist who recorded it.
When editing, only the answers that changed are recorded (an opt-out is the box cleared). WhatsApp starts unticked:
it needs the patient's opt-in; SMS and e-mail start ticked (appointment and payment messages are transactional).
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QWidget

from homa_desk.domain.message_routing import CHANNEL_LABELS, PATIENT_CHANNELS, Consent, check_choice
from homa_desk.domain.notifications import Channel
from homa_desk.services.message_channels import MessagePreferences
from homa_desk.ui.common.i18n import tr

NO_CHANNEL = QT_TR_NOOP("SMS and e-mail (no channel chosen)")


class MessageChoices:
    """Two form rows: `channel` (a combo) and `consents` (a row of three boxes)."""

    def __init__(self) -> None:
        self.channel = QComboBox()
        self.channel.setObjectName("preferred_channel")
        self.channel.addItem(tr(NO_CHANNEL), "")
        for channel in PATIENT_CHANNELS:
            self.channel.addItem(tr(CHANNEL_LABELS[channel]), channel.value)
        self.boxes: dict[Channel, QCheckBox] = {}
        self.consents = QWidget()
        self.consents.setObjectName("message_consents")
        row = QHBoxLayout(self.consents)
        row.setContentsMargins(0, 0, 0, 0)
        for channel in PATIENT_CHANNELS:
            box = QCheckBox(tr(CHANNEL_LABELS[channel]))
            box.setObjectName(f"consent_{channel.value}")
            box.setChecked(channel is not Channel.WHATSAPP)
            self.boxes[channel] = box
            row.addWidget(box)
        row.addStretch(1)
        self.loaded: dict[Channel, bool] | None = None  # None: a new patient, every answer is recorded
        self.ready = True

    def wait_for_load(self) -> None:
        """Editing: nothing is recorded until the patient's recorded choices have been shown."""
        self.ready = False
        self.channel.setEnabled(False)
        self.consents.setEnabled(False)

    def show(self, prefs: MessagePreferences) -> None:
        self.channel.setCurrentIndex(max(0, self.channel.findData(prefs.preferred.value if prefs.preferred else "")))
        for channel, box in self.boxes.items():
            consent = prefs.consent(channel)
            box.setChecked(consent is Consent.GRANTED or (consent is Consent.NOT_ASKED
                                                          and channel is not Channel.WHATSAPP))
        self.loaded = self.agreed()
        self.ready = True
        self.channel.setEnabled(True)
        self.consents.setEnabled(True)

    def preferred(self) -> Channel | None:
        value = self.channel.currentData()
        return Channel(value) if value else None

    def agreed(self) -> dict[Channel, bool]:
        return {channel: box.isChecked() for channel, box in self.boxes.items()}

    def check(self) -> None:
        check_choice(self.preferred(), self.agreed())

    def answers(self) -> dict[Channel, bool]:
        """The answers to record: all of them for a new patient, the changed ones when editing."""
        agreed = self.agreed()
        if self.loaded is None:
            return agreed
        return {c: v for c, v in agreed.items() if v != self.loaded.get(c)}
