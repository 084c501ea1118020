"""The consultation of one appointment: patient card with allergies, vitals, notes, the prescription, past visits,
follow-up, and Save / Complete / Print / Save PDF."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, QDate, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.appointments import local_day
from homa_desk.domain.consultation_drafts import UnsavedConsultation
from homa_desk.domain.consultations import (
    VITAL_RANGES,
    Completion,
    Consultation,
    ConsultationDraft,
    PastVisit,
    PrescriptionDocument,
    TemperatureUnit,
    in_unit,
    plain_number,
    validate_vitals,
)
from homa_desk.domain.errors import DomainError, FormErrors
from homa_desk.domain.prescriptions import PrescriptionLine
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import consultations
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.patient_text import age_sex_shown
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.service_text import service_word
from homa_desk.ui.common.unsaved import UnsavedWork
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.consultation.prescription_editor import PrescriptionEditor
from homa_desk.ui.consultation.prescription_print import print_prescription, save_pdf

NO_SLOT = QT_TR_NOOP("No slot: the front desk books it")
VITAL_MESSAGE_LINES = 3
DRAFT_AFTER_MS = 1_500  # typing pauses this long, and the draft is kept
COMPLETION_CHANGES = (Change.QUEUE, Change.APPOINTMENTS, Change.BILLS, Change.CONSULTATIONS, Change.FOLLOW_UPS)


def _text_box(name: str, placeholder: str, height: int = 60) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setPlaceholderText(placeholder)
    box.setTabChangesFocus(True)
    box.setMaximumHeight(height)
    return box


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


def _plain(value: object) -> str:
    if isinstance(value, (Decimal, int)):
        return plain_number(value)
    return "" if value is None else str(value)


class ConsultationWidget(QWidget):
    loaded = Signal(object)
    saved = Signal(object)
    completed = Signal(object)
    pdf_saved = Signal(str)

    def __init__(self, backend: Backend, actor: Actor, appointment_id: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("consultation")
        self._backend = backend
        self._actor = actor
        self.appointment_id = appointment_id
        self.consultation: Consultation | None = None
        self.past: list[PastVisit] = []
        self.last_completion: Completion | None = None

        self.heading = QLabel(tr("Loading…"))
        self.heading.setObjectName("consultation_heading")
        self.heading.setProperty("role", "title")
        self.allergies = QLabel("")
        self.allergies.setObjectName("allergy_banner")
        self.allergies.setWordWrap(True)
        self.history = QLabel("")
        self.history.setObjectName("consultation_history")
        self.history.setWordWrap(True)
        self.message = ErrorLabel()
        self.message.setObjectName("consultation_message")
        self.status = QLabel("")
        self.status.setObjectName("consultation_status")

        vitals_box = QGroupBox(tr("Vitals"))
        vitals_form = QFormLayout()
        self.vital_errors = FieldErrors(vitals_form, ErrorLabel())
        self.vital_messages = QWidget()
        self.vital_messages.setObjectName("vital_messages")
        messages = QVBoxLayout(self.vital_messages)
        messages.setContentsMargins(0, 0, 0, 0)
        self.vitals: dict[str, QLineEdit] = {}
        for name, (label, _low, _high, _places) in VITAL_RANGES.items():
            edit = QLineEdit()
            edit.setObjectName(name)
            edit.setMaximumWidth(90)
            self.vitals[name] = edit
            messages.addWidget(self.vital_errors.add_row(service_word(label), name, edit, beside=False))
        messages.addWidget(self.vital_errors.general)
        messages.addStretch(1)
        self._reserve_message_room(self.vital_messages)
        self.temperature_label = vitals_form.labelForField(self.vitals["temperature_c"])
        vitals_layout = QVBoxLayout(vitals_box)
        vitals_layout.addLayout(vitals_form)
        vitals_layout.addWidget(self.vital_messages)

        self.symptoms = _text_box("symptoms", tr("Complaints and symptoms"))
        self.diagnosis = _text_box("diagnosis", tr("Diagnosis"))
        self.advice = _text_box("advice", tr("Advice (diet, rest, tests)"))
        self.notes_errors = {name: ErrorLabel() for name in ("symptoms", "diagnosis", "advice", "prescription",
                                                             "follow_up_on")}
        notes_box = QGroupBox(tr("Notes"))
        notes = QFormLayout(notes_box)
        for label, name, box in ((tr("Symptoms"), "symptoms", self.symptoms),
                                 (tr("Diagnosis"), "diagnosis", self.diagnosis), (tr("Advice"), "advice", self.advice)):
            self.notes_errors[name].setObjectName(f"{name}_error")
            column = QVBoxLayout()
            column.addWidget(box)
            column.addWidget(self.notes_errors[name])
            notes.addRow(label, column)

        self.editor = PrescriptionEditor(backend, actor, load=False)  # its lists come with the visit
        rx_box = QGroupBox(tr("℞ Prescription"))
        rx_layout = QVBoxLayout(rx_box)
        rx_layout.addWidget(self.editor)
        rx_layout.addWidget(self.notes_errors["prescription"])

        self.follow_up = QCheckBox(tr("Follow-up on"))
        self.follow_up.setObjectName("follow_up")
        self.follow_up_date = QDateEdit()
        self.follow_up_date.setObjectName("follow_up_date")
        self.follow_up_date.setCalendarPopup(True)
        self.follow_up_date.setDisplayFormat("dd-MM-yyyy")
        self.follow_up_date.setEnabled(False)
        self.follow_up_slot = QComboBox()
        self.follow_up_slot.setObjectName("follow_up_slot")
        self.follow_up_slot.setEnabled(False)
        follow = QHBoxLayout()
        follow.addWidget(self.follow_up)
        follow.addWidget(self.follow_up_date)
        follow.addWidget(self.follow_up_slot, 1)
        follow.addWidget(self.notes_errors["follow_up_on"])
        self._set_follow_up_date(local_day(utcnow()) + timedelta(days=7))

        self.past_list = QListWidget()
        self.past_list.setObjectName("past_visits")
        self.past_detail = QLabel("")
        self.past_detail.setObjectName("past_detail")
        self.past_detail.setWordWrap(True)
        self.past_detail.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.copy_button = _button(tr("Copy prescription"), "copy_prescription")
        self.copy_button.setEnabled(False)
        past_box = QGroupBox(tr("Past visits"))
        past_layout = QVBoxLayout(past_box)
        past_layout.addWidget(self.past_list, 1)
        past_layout.addWidget(self.past_detail, 1)
        past_layout.addWidget(self.copy_button)

        self.save_button = _button(tr("Save"), "save_consultation")
        self.complete_button = _button(tr("Complete visit"), "complete_consultation")
        self.print_button = _button(tr("Print…"), "print_prescription")
        self.pdf_button = _button(tr("Save PDF…"), "save_pdf")
        for button in (self.save_button, self.complete_button, self.print_button, self.pdf_button):
            button.setEnabled(False)
        actions = QHBoxLayout()
        actions.addWidget(self.status, 1)
        for button in (self.save_button, self.print_button, self.pdf_button, self.complete_button):
            actions.addWidget(button)

        current = QWidget()
        main = QVBoxLayout(current)
        main.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(vitals_box)
        top.addWidget(notes_box, 1)
        main.addLayout(top)
        main.addWidget(rx_box, 1)
        main.addLayout(follow)
        split = QSplitter()
        split.addWidget(current)
        split.addWidget(past_box)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.allergies)
        layout.addWidget(self.history)
        layout.addWidget(self.message)
        layout.addWidget(split, 1)
        layout.addLayout(actions)

        self.follow_up.toggled.connect(self._follow_up_toggled)
        self.follow_up_date.dateChanged.connect(lambda _d: self.load_slots())
        self.past_list.currentRowChanged.connect(self._show_past)
        self.copy_button.clicked.connect(self.copy_selected)
        self.save_button.clicked.connect(self.save)
        self.complete_button.clicked.connect(self.complete)
        self.print_button.clicked.connect(self.print_)
        self.pdf_button.clicked.connect(self.ask_pdf_path)
        self._keep_drafts()
        self.reload()

    def _keep_drafts(self) -> None:
        """What is typed and not saved is kept as the doctor's draft a moment after typing pauses, and leaving the
        visit on purpose asks Save / Discard / Stay (ui/common/unsaved.py)."""
        self._draft_kept = False
        self.unsaved = UnsavedWork(self, tr("Save the changes to this consultation?"), self.screen_state, self.save,
                                   discard=self.discard_draft, keep=self.keep_draft,
                                   is_open=lambda: self.window().isVisible())
        self.draft_timer = QTimer(self)
        self.draft_timer.setSingleShot(True)
        self.draft_timer.setInterval(DRAFT_AFTER_MS)
        self.draft_timer.timeout.connect(self._keep_or_drop_draft)
        typed = lambda *_args: self.draft_timer.start()  # noqa: E731
        for edit in self.vitals.values():
            edit.textEdited.connect(typed)
        for box in (self.symptoms, self.diagnosis, self.advice):
            box.textChanged.connect(typed)
        for signal in (self.editor.lines_changed, self.follow_up.toggled, self.follow_up_date.dateChanged):
            signal.connect(typed)

    def _reserve_message_room(self, area: QWidget) -> None:
        """The vitals' messages get room kept for them: showing one moves and squeezes nothing (notes, lines)."""
        area.setFixedHeight(VITAL_MESSAGE_LINES * self.fontMetrics().lineSpacing() + 4)
        area.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)

    # --- loading -----------------------------------------------------------------------------------------------

    def reload(self) -> None:
        """The visit, earlier visits, this user's kept draft and own lists: one call, two round trips."""
        run_in_background(self, consultations.open_visit, self._backend.uow(), self._actor, self.appointment_id,
                          on_success=self._opened, on_failure=self._failed)

    def _opened(self, opened: consultations.OpenedVisit) -> None:
        self.editor.show_lists(opened.favourites, opened.templates)
        self._show(opened.consultation)
        self._show_past_visits(opened.past_visits)
        self._restore_draft(opened.unsaved)

    def _show(self, consultation: Consultation) -> None:
        self.consultation = consultation
        patient = consultation.patient
        today = local_day(utcnow())
        age_sex = age_sex_shown(patient.date_of_birth, patient.dob_is_estimate, patient.gender, today)
        self.heading.setText(f"{patient.full_name} · {age_sex} · "
                             + tr("patient {number}").format(number=patient.patient_number))
        self.allergies.setText(tr("⚠ Allergies: {allergies}").format(allergies=patient.allergies) if patient.allergies
                               else tr("No known allergies"))
        self.allergies.setProperty("role", "error" if patient.allergies else "")
        self.allergies.style().unpolish(self.allergies)
        self.allergies.style().polish(self.allergies)
        self.history.setText(tr("History: {history}").format(history=patient.medical_history)
                             if patient.medical_history else "")
        self.editor.allergies = patient.allergies
        draft = consultation.draft
        unit = consultation.temperature_unit
        self.temperature_label.setText(tr("Temperature ({unit})").format(unit=unit.symbol))  # type: ignore[attr-defined]
        for name, edit in self.vitals.items():
            edit.setText(_plain(getattr(draft.vitals, name)))
        if draft.vitals.temperature_c is not None:
            self.vitals["temperature_c"].setText(plain_number(in_unit(draft.vitals.temperature_c, unit)))
        self.symptoms.setPlainText(draft.symptoms or "")
        self.diagnosis.setPlainText(draft.diagnosis or "")
        self.advice.setPlainText(draft.advice or "")
        self.editor.set_lines(draft.lines)
        if draft.follow_up_on:
            self._set_follow_up_date(draft.follow_up_on)
        self.follow_up.setChecked(draft.follow_up_on is not None)
        self._show_state()
        self.unsaved.reset()
        self.loaded.emit(consultation)

    def _show_state(self) -> None:
        done = self.consultation is not None and self.consultation.is_completed
        self.status.setText(tr("Completed; the bill is with the front desk.") if done else tr("In consultation"))
        self.save_button.setEnabled(self.consultation is not None)
        self.complete_button.setEnabled(self.consultation is not None and not done)
        self.print_button.setEnabled(self.consultation is not None)
        self.pdf_button.setEnabled(self.consultation is not None)

    def _show_past_visits(self, visits: list[PastVisit]) -> None:
        self.past = visits
        self.past_list.clear()
        for visit in visits:
            item = QListWidgetItem(f"{to_local(visit.starts_at):%d %b %Y} · {visit.doctor_name or '—'} · "
                                   f"{visit.diagnosis or tr('no diagnosis')}")
            item.setData(Qt.ItemDataRole.UserRole, visit.appointment_id)
            self.past_list.addItem(item)
        if not visits:
            self.past_detail.setText(tr("No earlier visits."))

    def _show_past(self, row: int) -> None:
        if not 0 <= row < len(self.past):
            self.copy_button.setEnabled(False)
            return
        visit = self.past[row]
        lines = "\n".join(f"• {x.as_text()}" for x in visit.lines) or (visit.prescription_text or tr("No medicines."))
        parts = [f"{to_local(visit.starts_at):%d %b %Y, %I:%M %p} — {visit.doctor_name or '—'}",
                 visit.vitals.as_text(self._temperature_unit(), service_word),
                 tr("Symptoms: {text}").format(text=visit.symptoms) if visit.symptoms else "",
                 tr("Diagnosis: {text}").format(text=visit.diagnosis) if visit.diagnosis else "", lines]
        self.past_detail.setText("\n".join(p for p in parts if p))
        self.copy_button.setEnabled(bool(visit.lines))

    def _temperature_unit(self) -> TemperatureUnit:
        return self.consultation.temperature_unit if self.consultation else TemperatureUnit.CELSIUS

    def copy_selected(self) -> None:
        row = self.past_list.currentRow()
        if 0 <= row < len(self.past):
            run_in_background(self, consultations.copy_prescription, self._backend.uow(), self._actor,
                              self.appointment_id, self.past[row].appointment_id,
                              on_success=self._copied, on_failure=self._failed)

    def _copied(self, lines: tuple[PrescriptionLine, ...]) -> None:
        self.editor.add_lines(lines)

    # --- follow-up ---------------------------------------------------------------------------------------------

    def _set_follow_up_date(self, day: date) -> None:
        self.follow_up_date.setDate(QDate(day.year, day.month, day.day))

    def _follow_up_toggled(self, on: bool) -> None:
        self.follow_up_date.setEnabled(on)
        self.follow_up_slot.setEnabled(on)
        if on:
            self.load_slots()

    def follow_up_day(self) -> date | None:
        return self.follow_up_date.date().toPython() if self.follow_up.isChecked() else None  # type: ignore[return-value]

    def load_slots(self) -> None:
        day = self.follow_up_day()
        self.follow_up_slot.clear()
        self.follow_up_slot.addItem(tr(NO_SLOT), None)
        if day is not None and day > local_day(utcnow()):
            run_in_background(self, consultations.follow_up_slots, self._backend.uow(), self._actor,
                              self.appointment_id, day, on_success=lambda slots: self._show_slots(day, slots),
                              on_failure=self._failed)

    def _show_slots(self, day: date, slots: list[datetime]) -> None:
        if day != self.follow_up_day():
            return
        for slot in slots:
            self.follow_up_slot.addItem(f"{to_local(slot):%I:%M %p}", slot)

    # --- the doctor's unsaved draft ------------------------------------------------------------------------------

    def screen_state(self) -> UnsavedConsultation:
        """The screen as typed, vitals as text (they may not read yet)."""
        return UnsavedConsultation({name: edit.text() for name, edit in self.vitals.items()},
                                   self.symptoms.toPlainText(), self.diagnosis.toPlainText(),
                                   self.advice.toPlainText(), self.editor.lines(), self.follow_up_day())

    def _restore_draft(self, draft: UnsavedConsultation | None) -> None:
        if draft is None or draft == self.screen_state() or self.unsaved.changed():
            return  # nothing kept, or the doctor is already typing: what is typed now wins
        for name, edit in self.vitals.items():
            edit.setText(draft.vitals.get(name, ""))
        self.symptoms.setPlainText(draft.symptoms)
        self.diagnosis.setPlainText(draft.diagnosis)
        self.advice.setPlainText(draft.advice)
        self.editor.set_lines(draft.lines)
        if draft.follow_up_on is not None:
            self._set_follow_up_date(draft.follow_up_on)
        self.follow_up.setChecked(draft.follow_up_on is not None)
        self._draft_kept = True
        kept = f"{to_local(draft.kept_at):%I:%M %p}" if draft.kept_at else ""
        self.status.setText(tr("Your unsaved changes of {time} are back: Save or Complete visit keeps them.")
                            .format(time=kept))

    def _keep_or_drop_draft(self) -> None:
        if self.consultation is None:
            return
        if self.unsaved.changed():
            self.keep_draft()
        elif self._draft_kept:
            self.discard_draft()

    def keep_draft(self) -> None:
        """Keep the screen as typed as this doctor's draft of the visit (in the database, off the UI thread)."""
        self.draft_timer.stop()
        if self.consultation is None:
            return
        self._draft_kept = True
        CollectionOp(self, (), consultations.keep_draft, self._backend.uow(), self._actor, self.appointment_id,
                     self.screen_state()).failure(self._failed).run_in_background()

    def discard_draft(self) -> None:
        self.draft_timer.stop()
        self._draft_kept = False
        CollectionOp(self, (), consultations.discard_draft, self._backend.uow(), self._actor, self.appointment_id) \
            .failure(self._failed).run_in_background()

    # --- saving ------------------------------------------------------------------------------------------------

    def draft(self) -> ConsultationDraft | None:
        """The screen as a draft; None (with messages next to the fields) when a vital is wrong."""
        self.vital_errors.clear()
        try:
            vitals = validate_vitals(**{name: edit.text() for name, edit in self.vitals.items()})
        except FormErrors as error:
            self.vital_errors.show(error)
            return None
        finally:
            for name, edit in self.vitals.items():
                edit.setToolTip(self.vital_errors.label(name).text())
        return ConsultationDraft(vitals, self.symptoms.toPlainText(), self.diagnosis.toPlainText(),
                                 self.advice.toPlainText(), self.editor.lines(), self.follow_up_day())

    def save(self) -> None:
        self.draft_timer.stop()
        draft = self.draft()
        if draft is None:
            self.unsaved.save_failed()
            return
        CollectionOp(self, Change.CONSULTATIONS, consultations.save_consultation, self._backend.uow(), self._actor,
                     self.appointment_id, draft, allergy_override=self.editor.allergy_override) \
            .success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, consultation: Consultation) -> None:
        self._clear_errors()
        self.consultation = consultation
        self._show_state()
        self.status.setText(tr("Saved."))
        self._draft_kept = False
        self.saved.emit(consultation)
        self.unsaved.saved()

    def complete(self) -> None:
        self.draft_timer.stop()
        draft = self.draft()
        if draft is None:
            return
        slot = self.follow_up_slot.currentData() if draft.follow_up_on else None
        CollectionOp(self, COMPLETION_CHANGES, consultations.complete_consultation, self._backend.uow(), self._actor,
                     self.appointment_id, draft, allergy_override=self.editor.allergy_override, follow_up_at=slot) \
            .success(self._completed).failure(self._failed).run_in_background()

    def _completed(self, completion: Completion) -> None:
        self._clear_errors()
        self.last_completion = completion
        self.consultation = completion.consultation
        self._show_state()
        follow = ""
        if completion.follow_up_appointment_id:
            follow = " " + tr("Follow-up booked.")
        elif completion.follow_up_request_id:
            follow = " " + tr("Follow-up sent to the front desk to book.")
        self.status.setText(tr("Completed. Bill {number} is with the front desk.").format(
            number=completion.bill_number) + follow)
        self._draft_kept = False
        self.completed.emit(completion)
        self.unsaved.saved()

    def _clear_errors(self) -> None:
        self.message.show_message("")
        for label in self.notes_errors.values():
            label.show_message("")

    def _failed(self, error: DomainError) -> None:
        self.unsaved.save_failed()
        self._clear_errors()
        if isinstance(error, FormErrors):
            unplaced = []
            for field, text in error.by_field().items():
                if field in self.notes_errors:
                    self.notes_errors[field].show_message(text)
                else:
                    unplaced.append(text)
            self.message.show_message(" ".join(unplaced))
        elif getattr(error, "field", None) in self.notes_errors:
            self.notes_errors[error.field].show_message(error.message)  # type: ignore[attr-defined]
        else:
            self.message.show_message(error.message)
        if "just taken" in error.key:
            self.load_slots()

    # --- printing ----------------------------------------------------------------------------------------------

    def print_(self) -> None:
        self._with_document(lambda doc: print_prescription(doc, self))

    def ask_pdf_path(self) -> None:
        name = "prescription.pdf"
        if self.consultation:
            name = f"prescription-{self.consultation.patient.patient_number}-{local_day(utcnow()):%Y%m%d}.pdf"
        path = ask_save_path(self, tr("Save prescription as PDF"), name, "PDF (*.pdf)")
        if path:
            self.save_pdf_to(path)

    def save_pdf_to(self, path: str) -> None:
        self._with_document(lambda doc: self._write_pdf(doc, path))

    def _write_pdf(self, doc: PrescriptionDocument, path: str) -> None:
        save_pdf(doc, path)
        self.status.setText(tr("Saved {path}.").format(path=Path(path).name))
        self.pdf_saved.emit(path)

    def _with_document(self, then) -> None:  # type: ignore[no-untyped-def]
        run_in_background(self, consultations.prescription_document, self._backend.uow(), self._actor,
                          self.appointment_id, on_success=then, on_failure=self._failed)
