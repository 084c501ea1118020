"""Settings → Price list: the clinic's services, procedures, lab tests and medicines, each with a code, a rate that
includes GST, its GST rate and SAC/HSN code. Items are edited in the form under the list; a CSV (Excel) file imports
many at once (every row checked first, then all stored or none) and the list exports the same way.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError, FormErrors
from homa_desk.domain.gst import GST_RATES, HEALTHCARE_SAC
from homa_desk.domain.money import format_inr
from homa_desk.domain.price_csv import MAX_BYTES
from homa_desk.domain.price_list import MAX_CATEGORY, MAX_CODE, MAX_NAME, PriceItem, PriceItemInput, PriceKind
from homa_desk.domain.roles import Actor
from homa_desk.services import price_list
from homa_desk.services.price_list import ImportResult
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.save_dialog import ask_save_path, in_documents
from homa_desk.ui.common.service_text import in_desk_language
from homa_desk.ui.common.worker import CollectionOp, run_in_background

HEADERS = (QT_TR_NOOP("Code"), QT_TR_NOOP("Name"), QT_TR_NOOP("Kind"), QT_TR_NOOP("Category"),
           QT_TR_NOOP("Rate (₹, incl. GST)"), QT_TR_NOOP("GST"), QT_TR_NOOP("SAC/HSN"), QT_TR_NOOP("Active"))
KIND_LABELS = {PriceKind.SERVICE: QT_TR_NOOP("Service"), PriceKind.PROCEDURE: QT_TR_NOOP("Procedure"),
               PriceKind.LAB_TEST: QT_TR_NOOP("Lab test"), PriceKind.MEDICINE: QT_TR_NOOP("Medicine")}
COLUMN_NAMES = {"code": QT_TR_NOOP("code"), "name": QT_TR_NOOP("name"), "kind": QT_TR_NOOP("kind"),
                "category": QT_TR_NOOP("category"), "rate": QT_TR_NOOP("rate"), "gst_rate": QT_TR_NOOP("GST rate"),
                "sac_hsn": QT_TR_NOOP("SAC/HSN"), "active": QT_TR_NOOP("active")}


def choose_csv(parent: QWidget) -> str:
    """The CSV file the admin picked to import, "" when they cancelled (tests replace it)."""
    path, _ = QFileDialog.getOpenFileName(parent, tr("Import a price list"), in_documents(""),
                                          tr("CSV files (*.csv)"))
    return path


def import_errors_text(error: DomainError) -> str:
    """Each refused row as 'Row 4, rate: …' in the desk's language, the file's own problem as it is."""
    in_desk_language(error)
    problems = error.errors if isinstance(error, FormErrors) else [error]
    lines = []
    for problem in problems:
        parts = getattr(problem, "field", "").split(".")
        if len(parts) == 3 and parts[0] == "row":
            lines.append(tr("Row {row}, {column}: {message}").format(
                row=parts[1], column=tr(COLUMN_NAMES.get(parts[2], parts[2])), message=problem.message))
        else:
            lines.append(problem.message)
    return "\n".join(lines)


class PriceListTab(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("price_list_tab")
        self._backend = backend
        self._actor = actor
        self.items: list[PriceItem] = []
        self.item_id: int | None = None

        self.find = line_edit("price_find", placeholder=tr("Find by code or name"))
        self.find.textChanged.connect(lambda _t: self.show_items())
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("price_items")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        size_columns(self.table, stretch_column=1)
        self.table.itemSelectionChanged.connect(self.show_selected)

        self.code = line_edit("code")
        self.code.setMaxLength(MAX_CODE)
        self.name = line_edit("name")
        self.name.setMaxLength(MAX_NAME)
        self.kind = QComboBox()
        self.kind.setObjectName("kind")
        for kind in PriceKind:
            self.kind.addItem(tr(KIND_LABELS[kind]), kind.value)
        self.category = line_edit("category", placeholder=tr("For example Dental, Pathology"))
        self.category.setMaxLength(MAX_CATEGORY)
        self.rate = line_edit("rate", placeholder=tr("What the patient pays, GST included"))
        self.gst_rate = QComboBox()
        self.gst_rate.setObjectName("gst_rate")
        for rate in GST_RATES:
            self.gst_rate.addItem(tr("Exempt (0%)") if rate == 0 else f"{rate}%", str(rate))
        self.sac_hsn = line_edit("sac_hsn", placeholder=tr("9993 for health care"))
        self.sac_hsn.setMaxLength(8)
        self.active = QCheckBox(tr("Offered (shown when billing)"))
        self.active.setObjectName("active")

        form = QFormLayout()
        self.general = ErrorLabel()
        self.general.setObjectName("price_error")
        self.errors = FieldErrors(form, self.general)
        self.errors.add_row(tr("Code"), "code", self.code)
        self.errors.add_row(tr("Name on the bill"), "name", self.name)
        self.errors.add_row(tr("Kind"), "kind", self.kind)
        self.errors.add_row(tr("Category"), "category", self.category)
        self.errors.add_row(tr("Rate (₹, incl. GST)"), "rate", self.rate)
        self.errors.add_row(tr("GST rate"), "gst_rate", self.gst_rate)
        self.errors.add_row(tr("SAC/HSN code"), "sac_hsn", self.sac_hsn)
        self.errors.add_row("", "active", self.active)

        self.new_button = QPushButton(tr("New item"))
        self.new_button.setObjectName("new_item")
        self.new_button.clicked.connect(self.new_item)
        self.save_button = QPushButton(tr("Save item"))
        self.save_button.setObjectName("save_item")
        self.save_button.clicked.connect(self.save)
        self.import_button = QPushButton(tr("Import CSV…"))
        self.import_button.setObjectName("import_csv")
        self.import_button.clicked.connect(self.ask_import)
        self.export_button = QPushButton(tr("Export CSV…"))
        self.export_button.setObjectName("export_csv")
        self.export_button.clicked.connect(self.ask_export)
        self.rates_open = QCheckBox(tr("Receptionists may change a price-list rate on a bill"))
        self.rates_open.setObjectName("rates_open")
        self.rates_open.clicked.connect(self.set_rates_open)
        self.status = QLabel("")
        self.status.setObjectName("price_status")
        self.status.setWordWrap(True)
        self.import_error = ErrorLabel()
        self.import_error.setObjectName("import_error")

        buttons = QHBoxLayout()
        for button in (self.new_button, self.save_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        for button in (self.import_button, self.export_button):
            buttons.addWidget(button)
        editor = QVBoxLayout()
        editor.addLayout(form)
        editor.addLayout(buttons)
        editor.addWidget(self.general)
        editor.addWidget(self.rates_open)
        editor.addWidget(self.status)
        editor.addWidget(self.import_error)
        editor.addStretch(1)
        listing = QVBoxLayout()
        listing.addWidget(self.find)
        listing.addWidget(self.table, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(listing, 3)
        layout.addLayout(editor, 2)
        QWidget.setTabOrder(self.find, self.table)
        QWidget.setTabOrder(self.table, self.code)

        changes.change_hub().changed.connect(self._refresh_if)
        self.new_item()
        self.load()

    # -- loading ----------------------------------------------------------------------------------------------

    def load(self) -> None:
        run_in_background(self, price_list.list_items, self._backend.uow(), self._actor,
                          on_success=self._loaded, on_failure=self._failed)
        run_in_background(self, price_list.receptionists_may_change_rates, self._backend.uow(), self._actor,
                          on_success=lambda allowed: self.rates_open.setChecked(bool(allowed)),
                          on_failure=self._failed)

    def _loaded(self, items: list[PriceItem]) -> None:
        self.items = items
        self.show_items()

    def show_items(self) -> None:
        typed = self.find.text().strip().lower()
        shown = [i for i in self.items if not typed or typed in i.code.lower() or typed in i.name.lower()]
        self.table.blockSignals(True)
        self.table.setRowCount(len(shown))
        for row, item in enumerate(shown):
            texts = (item.code, item.name, tr(KIND_LABELS[item.kind]), item.category, format_inr(item.rate),
                     tr("Exempt") if item.gst_rate == 0 else f"{item.gst_rate.normalize():f}%", item.sac_hsn,
                     tr("Yes") if item.active else tr("No"))
            for column, text in enumerate(texts):
                cell = QTableWidgetItem(text)
                cell.setData(Qt.ItemDataRole.UserRole, item.id)
                if column == 4:
                    cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(row, column, cell)
        self.table.blockSignals(False)

    def selected(self) -> PriceItem | None:
        row = self.table.currentRow()
        cell = self.table.item(row, 0) if row >= 0 else None
        item_id = cell.data(Qt.ItemDataRole.UserRole) if cell is not None else None
        return next((i for i in self.items if i.id == item_id), None)

    def show_selected(self) -> None:
        item = self.selected()
        if item is None:
            return
        self.errors.clear()
        self.item_id = item.id
        self.code.setText(item.code)
        self.name.setText(item.name)
        self.kind.setCurrentIndex(max(self.kind.findData(item.kind.value), 0))
        self.category.setText(item.category)
        self.rate.setText(f"{item.rate:.2f}")
        self.gst_rate.setCurrentIndex(max(self.gst_rate.findData(str(item.gst_rate.normalize())), 0))
        self.sac_hsn.setText(item.sac_hsn)
        self.active.setChecked(item.active)
        self.save_button.setText(tr("Save item"))

    def new_item(self) -> None:
        """An empty form for a new item: a health care service, exempt (SAC 9993, no GST), offered."""
        self.errors.clear()
        self.item_id = None
        self.table.clearSelection()
        for edit in (self.code, self.name, self.category, self.rate):
            edit.clear()
        self.kind.setCurrentIndex(0)
        self.gst_rate.setCurrentIndex(0)
        self.sac_hsn.setText(HEALTHCARE_SAC)
        self.active.setChecked(True)
        self.save_button.setText(tr("Add item"))
        self.code.setFocus()

    # -- saving -----------------------------------------------------------------------------------------------

    def entry(self) -> PriceItemInput:
        return PriceItemInput(code=self.code.text(), name=self.name.text(), kind=self.kind.currentData(),
                              category=self.category.text(), rate=self.rate.text(),
                              gst_rate=self.gst_rate.currentData(), sac_hsn=self.sac_hsn.text(),
                              active=self.active.isChecked())

    def save(self) -> None:
        self.errors.clear()
        self.status.setText("")
        self.save_button.setEnabled(False)
        CollectionOp(self, Change.PRICE_LIST, price_list.save_item, self._backend.uow(), self._actor, self.entry(),
                     self.item_id).success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, item: PriceItem) -> None:
        self.save_button.setEnabled(True)
        self.item_id = item.id
        self.save_button.setText(tr("Save item"))
        self.status.setText(tr("Saved {code} — {name}.").format(code=item.code, name=item.name))

    def set_rates_open(self, allowed: bool) -> None:
        CollectionOp(self, Change.PRICE_LIST, price_list.set_receptionists_may_change_rates, self._backend.uow(),
                     self._actor, allowed).success(self._rates_set).failure(self._failed).run_in_background()

    def _rates_set(self, allowed: bool) -> None:
        self.rates_open.setChecked(allowed)
        self.status.setText(tr("Receptionists may now change price-list rates on a bill.") if allowed
                            else tr("Receptionists now bill price-list items at their rates."))

    # -- CSV --------------------------------------------------------------------------------------------------

    def ask_import(self) -> None:
        path = choose_csv(self)
        if path:
            self.import_from(Path(path))

    def import_from(self, path: Path) -> None:
        self.import_error.show_message("")
        try:
            if path.stat().st_size > MAX_BYTES:
                self.import_error.show_message(tr("The file is too large (at most 2 MB)."))
                return
            data = path.read_bytes()
        except OSError:
            self.import_error.show_message(tr("This file cannot be read."))
            return
        self.import_button.setEnabled(False)
        CollectionOp(self, Change.PRICE_LIST, price_list.import_items, self._backend.uow(), self._actor, data) \
            .success(self._imported).failure(self._import_refused).run_in_background()

    def _imported(self, result: ImportResult) -> None:
        self.import_button.setEnabled(True)
        self.status.setText(tr("Imported: {added} added, {changed} changed, {unchanged} unchanged.").format(
            added=result.added, changed=result.changed, unchanged=result.unchanged))

    def _import_refused(self, error: DomainError) -> None:
        self.import_button.setEnabled(True)
        self.status.setText(tr("Nothing was imported: correct these rows and import the file again."))
        self.import_error.show_message(import_errors_text(error))

    def ask_export(self) -> None:
        path = ask_save_path(self, tr("Export the price list"), "price-list.csv", tr("CSV files (*.csv)"))
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        run_in_background(self, price_list.export_items, self._backend.uow(), self._actor,
                          on_success=lambda data: self._write(path, data), on_failure=self._failed)

    def _write(self, path: Path, data: bytes) -> None:
        try:
            path.write_bytes(data)
        except OSError:
            self.general.show_message(tr("The file could not be saved there; choose another folder."))
            return
        self.status.setText(tr("Exported to {path}.").format(path=str(path)))

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.PRICE_LIST:
            self.load()

    def _failed(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
