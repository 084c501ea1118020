"""Settings → Messages: the clinic's DLT registration, pasted from the operator's DLT portal.

The Principal Entity ID and sender header, then per message kind and language the content template ID and its
exact registered text with `{#var#}`. Each text shows how many SMS segments a message will be billed as (from the
text alone to every variable at the DLT limit) and whether it goes as plain text or Unicode. A kind left blank is
not sent by SMS; its messages wait as "not set up", counted here, and once its template is saved the admin sends the
ones still worth sending or leaves them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QT_TR_NOOP
from PySide6.QtWidgets import (
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
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.dlt import KINDS, VARIABLE_LIMIT, DltTemplate, suggested_text, variables
from homa_desk.domain.errors import DomainError
from homa_desk.domain.notifications import Language, Template
from homa_desk.domain.roles import Actor
from homa_desk.domain.sms_segments import Encoding
from homa_desk.services import sms_dlt
from homa_desk.services.sms_dlt import DltForm, DltSetup, id_field, text_field
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

KIND_TITLES = {Template.BOOKED: QT_TR_NOOP("Booking"), Template.RESCHEDULED: QT_TR_NOOP("Reschedule"),
               Template.CANCELLED: QT_TR_NOOP("Cancellation"), Template.REMINDER: QT_TR_NOOP("Reminder"),
               Template.PAYMENT: QT_TR_NOOP("Payment received"),
               Template.VERIFICATION: QT_TR_NOOP("Verification code")}
VARIABLE_TITLES = {"patient_name": QT_TR_NOOP("patient's name"), "doctor_name": QT_TR_NOOP("doctor"),
                   "clinic_name": QT_TR_NOOP("clinic"), "when": QT_TR_NOOP("date and time"),
                   "amount": QT_TR_NOOP("amount"), "method": QT_TR_NOOP("payment method"),
                   "bill_number": QT_TR_NOOP("bill number"), "code": QT_TR_NOOP("code")}
PROBE_ID = "1" * 19  # any valid id: the segment count depends on the text only


def segments_text(text: str) -> str:
    """What the page shows under a registered text: the SMS it is billed as, and its encoding."""
    if "{#var#}" not in text and not text.strip():
        return ""
    template = DltTemplate(Template.BOOKED, Language.ENGLISH, PROBE_ID, text.strip())
    least, most = template.segments().segments, template.segments(VARIABLE_LIMIT).segments
    count = str(least) if least == most else f"{least}–{most}"
    if template.encoding is Encoding.GSM7:
        return tr("{count} SMS per message · plain text (160 characters in one SMS)").format(count=count)
    return tr("{count} SMS per message · Unicode (70 characters in one SMS)").format(count=count)


class MessagesTab(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messages_tab")
        self._backend = backend
        self._actor = actor
        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(form, self.general_error)
        intro = QLabel(tr("SMS to Indian numbers go only as templates registered on DLT (Jio, Airtel, Vi or BSNL"
                          " portal). Paste each exactly as the portal shows it; a message left blank is not sent"
                          " by SMS."))
        intro.setWordWrap(True)
        form.addRow(intro)
        self.fill_suggested = QPushButton(tr("Fill empty texts with the desk's wording (to register as it is)"))
        self.fill_suggested.setObjectName("fill_suggested")
        self.fill_suggested.clicked.connect(self.use_suggested_texts)
        form.addRow("", self.fill_suggested)
        self.entity_id = line_edit("dlt_entity_id", placeholder="1201159100000000001")
        self.errors.add_row(tr("Principal Entity ID"), "dlt_entity_id", self.entity_id)
        self.header = line_edit("dlt_header", placeholder="HOMACL")
        self.errors.add_row(tr("Sender header"), "dlt_header", self.header)
        self.template_ids: dict[tuple[Template, Language], QLineEdit] = {}
        self.texts: dict[tuple[Template, Language], QPlainTextEdit] = {}
        self.segments: dict[tuple[Template, Language], QLabel] = {}
        self.held: dict[Template, QLabel] = {}
        for kind in KINDS:
            self._kind_rows(form, kind)
        self.status = QLabel()
        self.status.setObjectName("status")
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)
        self.offer = self._held_offer()
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
        layout = QVBoxLayout(self)
        layout.addWidget(self.offer)
        layout.addWidget(scroll)
        layout.addLayout(buttons)
        run_in_background(self, sms_dlt.load_dlt_setup, backend.uow(), actor, on_success=self.show_setup,
                          on_failure=self.errors.show)

    def _held_offer(self) -> QWidget:
        """Shown while SMS held for want of a template could go now: send them, or leave them (an admin decides)."""
        offer = QWidget()
        offer.setObjectName("held_offer")
        self.offer_text = QLabel()
        self.offer_text.setWordWrap(True)
        self.send_held = QPushButton(tr("Send them now"))
        self.send_held.setObjectName("send_held")
        self.send_held.clicked.connect(lambda: self._decide_held(sms_dlt.send_held_messages))
        self.leave_held = QPushButton(tr("Leave them"))
        self.leave_held.setObjectName("leave_held")
        self.leave_held.clicked.connect(lambda: self._decide_held(sms_dlt.leave_held_messages))
        row = QHBoxLayout(offer)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.offer_text, 1)
        row.addWidget(self.send_held)
        row.addWidget(self.leave_held)
        offer.hide()
        return offer

    def _decide_held(self, decide: Callable[[UnitOfWork, Actor], int]) -> None:
        self.send_held.setEnabled(False)
        self.leave_held.setEnabled(False)
        sent = decide is sms_dlt.send_held_messages
        CollectionOp(self, Change.CLINIC, decide, self._backend.uow(), self._actor) \
            .success(lambda count: self._decided(count, sent)).failure(self._decide_failed).run_in_background()

    def _decided(self, count: int, sent: bool) -> None:
        self.status.setText(tr("{count} held messages queued; they go with the next round.").format(count=count)
                            if sent else tr("{count} held messages left unsent.").format(count=count))
        run_in_background(self, sms_dlt.load_dlt_setup, self._backend.uow(), self._actor,
                          on_success=self.show_setup, on_failure=self.errors.show)

    def _decide_failed(self, error: DomainError) -> None:
        self.send_held.setEnabled(True)
        self.leave_held.setEnabled(True)
        self.status.setText(error.message)

    def _kind_rows(self, form: QFormLayout, kind: Template) -> None:
        form.addRow(QLabel(f"<b>{tr(KIND_TITLES[kind])}</b>"))
        held = QLabel()
        held.setObjectName(f"held:{kind.value}")
        held.setWordWrap(True)
        held.hide()
        self.held[kind] = held
        form.addRow(held)
        for language in Language:
            key = (kind, language)
            name = tr("English") if language is Language.ENGLISH else tr("हिन्दी (Hindi)")
            self.template_ids[key] = line_edit(id_field(kind, language))
            self.errors.add_row(tr("{language}: template ID").format(language=name), id_field(kind, language),
                                self.template_ids[key])
            text = QPlainTextEdit()
            text.setObjectName(text_field(kind, language))
            text.setPlaceholderText(suggested_text(kind, language))
            text.setFixedHeight(text.fontMetrics().lineSpacing() * 3 + 12)
            self.texts[key] = text
            self.errors.add_row(tr("{language}: registered text").format(language=name), text_field(kind, language),
                                text)
            order = ", ".join(tr(VARIABLE_TITLES[v]) for v in variables(kind, language))
            count = QLabel()
            count.setObjectName(f"segments:{kind.value}:{language.value}")
            self.segments[key] = count
            hint = QLabel(tr("Variables, in order: {names}").format(names=order))
            hint.setWordWrap(True)
            column = QVBoxLayout()
            column.addWidget(count)
            column.addWidget(hint)
            form.addRow("", column)
            text.textChanged.connect(lambda k=key: self._count(k))

    def use_suggested_texts(self) -> None:
        """The desk's own wording with {#var#} in every empty text: what a clinic may paste into the DLT portal."""
        for (kind, language), edit in self.texts.items():
            if not edit.toPlainText().strip():
                edit.setPlainText(suggested_text(kind, language))

    def _count(self, key: tuple[Template, Language]) -> None:
        self.segments[key].setText(segments_text(self.texts[key].toPlainText()))

    def show_setup(self, setup: DltSetup) -> None:
        self.entity_id.setText(setup.entity_id)
        self.header.setText(setup.header)
        for key, edit in self.template_ids.items():
            template = setup.templates.get(key)
            edit.setText(template.template_id if template else "")
            self.texts[key].setPlainText(template.text if template else "")
            self._count(key)
        for kind, label in self.held.items():
            waiting = sum(n for (k, _), n in setup.not_set_up.items() if k is kind)
            label.setText(tr("{count} SMS not sent: not set up. Fill in the templates below and save; new messages"
                             " of this kind then go by SMS.").format(count=waiting))
            label.setVisible(waiting > 0)
        self.offer_text.setText(tr("{count} messages were held for want of this template:").format(
            count=setup.sendable))
        self.offer.setVisible(setup.sendable > 0)
        self.send_held.setEnabled(True)
        self.leave_held.setEnabled(True)
        self.save_button.setEnabled(True)

    def form(self) -> DltForm:
        templates = {key: (edit.text(), self.texts[key].toPlainText()) for key, edit in self.template_ids.items()}
        return DltForm(self.entity_id.text(), self.header.text(), templates)

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        self.status.setText(tr("Saving…"))
        CollectionOp(self, Change.CLINIC, sms_dlt.save_dlt_setup, self._backend.uow(), self._actor, self.form()) \
            .success(self._saved).failure(self._refused).run_in_background()

    def _saved(self, setup: DltSetup) -> None:
        self.show_setup(setup)
        self.status.setText(tr("Saved. SMS use these templates from the next message on."))

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(tr("Not saved: see the messages next to the fields."))
        self.errors.show(error)
