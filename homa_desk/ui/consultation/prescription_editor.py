"""The prescription as structured lines: type a medicine (favourites complete it), add, remove, apply a template.

A medicine matching the patient's allergies asks first; cancelling keeps it off the prescription.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QSize, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QCompleter,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.consultations import Favourite, Template
from homa_desk.domain.errors import DomainError, FormErrors
from homa_desk.domain.prescriptions import DoseForm, FoodTiming, PrescriptionLine, conflicts_in, validate_line
from homa_desk.domain.roles import Actor
from homa_desk.services import consultations
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.service_text import in_desk_language
from homa_desk.ui.common.worker import run_in_background

COLUMNS = (QT_TR_NOOP("Medicine"), QT_TR_NOOP("Strength"), QT_TR_NOOP("Form"), QT_TR_NOOP("Dose"),
           QT_TR_NOOP("Duration"), QT_TR_NOOP("Food"), QT_TR_NOOP("Notes"))
VISIBLE_LINES = 6
ENTRY_COLUMNS = 4


def _edit(name: str, placeholder: str = "", text: str = "") -> QLineEdit:
    edit = QLineEdit(text)
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button


class LinesTable(QTableWidget):
    """The prescription's lines: never shorter than VISIBLE_LINES rows, so a usual prescription needs no scrolling."""

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        rows = self.verticalHeader().defaultSectionSize() * VISIBLE_LINES
        frame = 2 * self.frameWidth()
        return QSize(hint.width(), self.horizontalHeader().sizeHint().height() + rows + frame)

    def sizeHint(self) -> QSize:
        return QSize(super().sizeHint().width(), self.minimumSizeHint().height())


class PrescriptionEditor(QWidget):
    lines_changed = Signal()
    allergy_warning_shown = Signal(object)  # the QMessageBox

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *, load: bool = True) -> None:
        """`load=False`: the consultation reads the favourites and templates with the visit and hands them over
        (show_lists)."""
        super().__init__(parent)
        self.setObjectName("prescription_editor")
        self._backend = backend
        self._actor = actor
        self._lines: list[PrescriptionLine] = []
        self._pending: list[PrescriptionLine] = []
        self.allergies: str | None = None
        self.favourites: list[Favourite] = []
        self.templates: list[Template] = []
        self.allergy_box: QMessageBox | None = None

        self.medicine = _edit("rx_medicine", tr("Medicine"))
        self.medicine.setMinimumWidth(200)
        self.strength = _edit("rx_strength", tr("Strength, e.g. 500 mg"))
        self.form = QComboBox()
        self.form.setObjectName("rx_form")
        for form in DoseForm:
            self.form.addItem(tr(form.label), form.value)
        self.dose = _edit("rx_dose", "1-0-1", "1-0-1")
        self.duration = _edit("rx_duration", tr("5 days"), "5 days")
        self.food = QComboBox()
        self.food.setObjectName("rx_food")
        for food in FoodTiming:
            self.food.addItem(tr(food.label), food.value)
        self.notes = _edit("rx_notes", tr("Notes"))
        self.add_button = _button(tr("Add"), "rx_add")
        self.error = ErrorLabel()
        self.error.setObjectName("rx_error")
        self.completer = QCompleter([], self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.medicine.setCompleter(self.completer)

        self.table = LinesTable(0, len(COLUMNS))
        self.table.setObjectName("rx_table")
        self.table.setHorizontalHeaderLabels([tr(c) for c in COLUMNS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        size_columns(self.table, stretch_column=0)
        self.remove_button = _button(tr("Remove line"), "rx_remove")

        self.favourite_box = QComboBox()
        self.favourite_box.setObjectName("rx_favourites")
        self.add_favourite_button = _button(tr("★ Add to favourites"), "rx_add_favourite")
        self.remove_favourite_button = _button(tr("Remove favourite"), "rx_remove_favourite")
        self.template_box = QComboBox()
        self.template_box.setObjectName("rx_templates")
        self.apply_template_button = _button(tr("Apply template"), "rx_apply_template")
        self.remove_template_button = _button(tr("Delete template"), "rx_remove_template")
        self.template_name = _edit("rx_template_name", tr("Template name"))
        self.save_template_button = _button(tr("Save as template"), "rx_save_template")

        entry = QGridLayout()  # two lines of fields, so the consultation fits beside the queue on a 1366 laptop
        for n, (label, widget) in enumerate(((tr("Medicine"), self.medicine), (tr("Strength"), self.strength),
                                             (tr("Form"), self.form), (tr("Dose"), self.dose),
                                             (tr("Duration"), self.duration), (tr("Food"), self.food),
                                             (tr("Notes"), self.notes), ("", self.add_button))):
            row, col = divmod(n, ENTRY_COLUMNS)
            entry.addWidget(QLabel(label), 2 * row, col)
            entry.addWidget(widget, 2 * row + 1, col)
        entry.setColumnStretch(0, 3)
        choosers = QGridLayout()  # a template's name takes the row's width: "Upper respiratory tract infection…"
        choosers.addWidget(QLabel(tr("Favourites")), 0, 0)
        choosers.addWidget(self.favourite_box, 0, 1)
        choosers.addWidget(self.add_favourite_button, 0, 2)
        choosers.addWidget(self.remove_favourite_button, 0, 3)
        choosers.addWidget(QLabel(tr("Templates")), 1, 0)
        choosers.addWidget(self.template_box, 1, 1, 1, 3)
        template_buttons = QHBoxLayout()
        template_buttons.addWidget(self.apply_template_button)
        template_buttons.addWidget(self.remove_template_button)
        template_buttons.addStretch(1)
        choosers.addLayout(template_buttons, 2, 1, 1, 3)
        choosers.setColumnStretch(1, 1)
        below = QHBoxLayout()  # saving a template sits under the lines it saves
        below.addWidget(self.remove_button)
        below.addStretch(1)
        below.addWidget(self.template_name)
        below.addWidget(self.save_template_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(choosers)
        layout.addLayout(entry)
        layout.addWidget(self.error)
        layout.addWidget(self.table, 1)
        layout.addLayout(below)

        self.add_button.clicked.connect(self.add_typed_line)
        for edit in (self.medicine, self.strength, self.dose, self.duration, self.notes):
            edit.returnPressed.connect(self.add_typed_line)
        self.remove_button.clicked.connect(self.remove_selected)
        self.favourite_box.activated.connect(self._use_favourite)
        self.add_favourite_button.clicked.connect(self.add_favourite)
        self.remove_favourite_button.clicked.connect(self.remove_favourite)
        self.apply_template_button.clicked.connect(self.apply_template)
        self.remove_template_button.clicked.connect(self.remove_template)
        self.save_template_button.clicked.connect(self.save_template)
        if load:
            self.load_lists()

    # --- lines -------------------------------------------------------------------------------------------------

    def lines(self) -> tuple[PrescriptionLine, ...]:
        return tuple(self._lines)

    def set_lines(self, lines: tuple[PrescriptionLine, ...]) -> None:
        self._lines = list(lines)
        self._refresh()

    @property
    def allergy_override(self) -> bool:
        """Lines matching an allergy are on the list only because the doctor confirmed them."""
        return bool(conflicts_in(self.allergies, self._lines))

    def add_typed_line(self) -> None:
        try:
            line = validate_line(medicine=self.medicine.text(), strength=self.strength.text(),
                                 form=self.form.currentData(), dose=self.dose.text(), how_long=self.duration.text(),
                                 food=self.food.currentData(), notes=self.notes.text())
        except FormErrors as error:
            self.error.show_message(" ".join(in_desk_language(error).by_field().values()))
            return
        self.error.show_message("")
        if self.add_lines((line,)):
            self._clear_entry()

    def add_lines(self, lines: tuple[PrescriptionLine, ...]) -> bool:
        """Add at once what matches no allergy; ask about the rest. True when everything went on the list."""
        conflicts = conflicts_in(self.allergies, lines)
        safe = [x for x in lines if x.medicine not in conflicts]
        self._lines.extend(safe)
        self._refresh()
        risky = [x for x in lines if x.medicine in conflicts]
        if not risky:
            return True
        self._pending = risky
        names = "\n".join("• " + tr("{medicine}: allergy to {terms}").format(medicine=medicine, terms=", ".join(terms))
                          for medicine, terms in conflicts.items())
        box = QMessageBox(QMessageBox.Icon.Warning, APP_TITLE,
                          tr("The patient is allergic ({allergies}).\n\n{names}\n\nPrescribe anyway?").format(
                              allergies=self.allergies, names=names),
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("allergy_warning")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(self._allergy_answer)
        self.allergy_box = box
        box.open()
        self.allergy_warning_shown.emit(box)
        return False

    def _allergy_answer(self, result: int) -> None:
        if result == QMessageBox.StandardButton.Yes:
            self._lines.extend(self._pending)
            self._clear_entry()
            self._refresh()
        self._pending = []
        self.allergy_box = None

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self._lines):
            del self._lines[row]
            self._refresh()

    def _clear_entry(self) -> None:
        """Ready for the next line: the medicine, strength and notes emptied, the cursor in the medicine."""
        self.medicine.clear()
        self.strength.clear()
        self.notes.clear()
        self.medicine.setFocus()

    def _refresh(self) -> None:
        conflicts = conflicts_in(self.allergies, self._lines)
        self.table.setRowCount(len(self._lines))
        for row, x in enumerate(self._lines):
            warn = "⚠ " if x.medicine in conflicts else ""
            for col, value in enumerate((warn + x.medicine, x.strength, tr(x.form.label), x.dose_pattern, x.duration,
                                         tr(x.food.label), x.notes)):
                item = QTableWidgetItem(value)
                if warn:
                    item.setToolTip(tr("Allergy: {terms} (confirmed)").format(terms=", ".join(conflicts[x.medicine])))
                self.table.setItem(row, col, item)
        for col in range(1, len(COLUMNS) - 1):  # strength to food in full; the medicine takes what is left
            self.table.resizeColumnToContents(col)
        self.lines_changed.emit()

    # --- favourites and templates ------------------------------------------------------------------------------

    def load_lists(self) -> None:
        run_in_background(self, consultations.list_favourites, self._backend.uow(), self._actor,
                          on_success=self._show_favourites, on_failure=self._failed)
        run_in_background(self, consultations.list_templates, self._backend.uow(), self._actor,
                          on_success=self._show_templates, on_failure=self._failed)

    def show_lists(self, favourites: list[Favourite], templates: list[Template]) -> None:
        self._show_favourites(favourites)
        self._show_templates(templates)

    def _show_favourites(self, favourites: list[Favourite]) -> None:
        self.favourites = favourites
        self.favourite_box.clear()
        for favourite in favourites:
            self.favourite_box.addItem(" ".join(p for p in (favourite.medicine, favourite.strength) if p),
                                       favourite.id)
        self.completer.model().setStringList(sorted({f.medicine for f in favourites}))  # type: ignore[attr-defined]

    def _show_templates(self, templates: list[Template]) -> None:
        self.templates = templates
        self.template_box.clear()
        for template in templates:
            self.template_box.addItem(f"{template.name} ({len(template.lines)})", template.id)

    def _use_favourite(self, index: int) -> None:
        if 0 <= index < len(self.favourites):
            favourite = self.favourites[index]
            self.medicine.setText(favourite.medicine)
            self.strength.setText(favourite.strength)
            self.form.setCurrentIndex(max(self.form.findData(favourite.form), 0))
            self.dose.setFocus()

    def add_favourite(self) -> None:
        run_in_background(self, consultations.add_favourite, self._backend.uow(), self._actor, self.medicine.text(),
                          self.strength.text(), self.form.currentData(), on_success=self._show_favourites,
                          on_failure=self._failed)

    def remove_favourite(self) -> None:
        favourite_id = self.favourite_box.currentData()
        if favourite_id is not None:
            run_in_background(self, consultations.remove_favourite, self._backend.uow(), self._actor, favourite_id,
                              on_success=self._show_favourites, on_failure=self._failed)

    def apply_template(self) -> None:
        template = next((t for t in self.templates if t.id == self.template_box.currentData()), None)
        if template is not None:
            self.add_lines(template.lines)

    def save_template(self) -> None:
        run_in_background(self, consultations.save_template, self._backend.uow(), self._actor,
                          self.template_name.text(), self.lines(), on_success=self._template_saved,
                          on_failure=self._failed)

    def _template_saved(self, templates: list[Template]) -> None:
        self.template_name.clear()
        self.error.show_message("")
        self._show_templates(templates)

    def remove_template(self) -> None:
        template_id = self.template_box.currentData()
        if template_id is not None:
            run_in_background(self, consultations.remove_template, self._backend.uow(), self._actor, template_id,
                              on_success=self._show_templates, on_failure=self._failed)

    def _failed(self, error: DomainError) -> None:
        self.error.show_message(error.message)
