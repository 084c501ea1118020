"""A new bill, or the lines of a bill nothing has been paid on yet: lines (what, description, quantity, rate,
discount), a running total and notes; saved off the UI thread, with each refused value marked on its cell.

Lines come from the price list through the field above them (price_pick.py): the item's name and rate fill in. The
rate stays editable for admins, and for receptionists only when the clinic allows it (the service refuses it too).
Under a GSTIN the bill asks for its place of supply (the clinic's state unless changed): another state means IGST."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QT_TR_NOOP, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillLine, BillView, LineInput, LineKind, totals
from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.domain.gst import STATES, state_label
from homa_desk.domain.money import format_inr, rupees
from homa_desk.domain.price_list import PriceItem
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.validation import ascii_digits
from homa_desk.services import billing, clinic, price_list
from homa_desk.services.clinic import ClinicInfo
from homa_desk.ui.billing.price_pick import PricePicker
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.unsaved import guard_dialog
from homa_desk.ui.common.worker import CollectionOp, run_in_background

COLUMNS = ("kind", "description", "quantity", "unit_price", "discount")
MARKABLE = (*COLUMNS, "total")  # the Amount cell carries what is wrong with quantity × rate − discount as a whole
HEADERS = (QT_TR_NOOP("Item"), QT_TR_NOOP("Description"), QT_TR_NOOP("Qty"), QT_TR_NOOP("Rate (₹)"),
           QT_TR_NOOP("Discount (₹)"), QT_TR_NOOP("Amount"))
TOTAL_COLUMN = 5
ERROR_BRUSH = QBrush(QColor("#f8d7da"))
ITEM_ROLE = Qt.ItemDataRole.UserRole  # the price-list item id a line was picked from, on its description cell
PREVIEW_LIMIT = Decimal("1e15")  # far above what a bill may hold (saving says so), still summed and shown exactly
FIELD_NAMES = {"kind": QT_TR_NOOP("item"), "description": QT_TR_NOOP("description"), "quantity": QT_TR_NOOP("quantity"),
               "unit_price": QT_TR_NOOP("rate"), "discount": QT_TR_NOOP("discount"), "total": QT_TR_NOOP("Amount")}


class BillEditorDialog(QDialog):
    """`bill_saved` carries the new BillView. With `bill`, that bill's lines and notes are edited (billing.update_lines)
    instead of a new bill made."""

    bill_saved = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, patient_id: int, patient_name: str,
                 parent: QWidget | None = None, *, appointment_id: int | None = None,
                 doctor_id: int | None = None, bill: BillView | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("bill_editor")
        self.bill = bill
        self.setWindowTitle(tr("New bill — {name}").format(name=patient_name) if bill is None
                            else tr("Bill {number} — {name}").format(number=bill.bill_number, name=patient_name))
        self.resize(820, 480)
        self._backend = backend
        self._actor = actor
        self.patient_id = patient_id
        self.appointment_id = appointment_id
        self.doctor_id = doctor_id
        self.rates_open = actor.role is Role.ADMIN  # a receptionist's opens only if the clinic allows it

        self.picker = PricePicker(backend, actor)
        self.picker.item_chosen.connect(self.add_item)
        self.place = QComboBox()
        self.place.setObjectName("place_of_supply")
        for code in STATES:
            self.place.addItem(state_label(code), code)
        self.place_label = QLabel(tr("Place of supply (GST)"))
        self.place_label.setBuddy(self.place)
        self.place.setVisible(False)
        self.place_label.setVisible(False)
        self.asks_place = False  # set once the clinic turns out to have a GSTIN

        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("bill_lines_editor")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)  # arrows move between cells; Tab goes on to the buttons
        size_columns(self.table, stretch_column=1)
        self.table.itemChanged.connect(lambda _item: self.update_total())
        self.add_button = QPushButton(tr("Add line"))
        self.add_button.setObjectName("add_line")
        self.add_button.clicked.connect(lambda: self.add_line())
        self.remove_button = QPushButton(tr("Remove line"))
        self.remove_button.setObjectName("remove_line")
        self.remove_button.clicked.connect(self.remove_line)
        self.total = QLabel("")
        self.total.setObjectName("bill_total")
        self.total.setProperty("role", "title")
        self.lines_error = ErrorLabel()
        self.lines_error.setObjectName("lines_error")
        self.notes = line_edit("notes", placeholder=tr("Notes (optional)"))
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("bill_error")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton(tr("Save bill") if bill is None else tr("Save changes"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save_bill")
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)

        row = QHBoxLayout()
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        row.addWidget(self.total)
        head = QHBoxLayout()
        head.addWidget(QLabel(tr("Patient: {name}").format(name=patient_name)), 1)
        head.addWidget(self.place_label)
        head.addWidget(self.place)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.picker)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.lines_error)
        layout.addLayout(row)
        layout.addWidget(self.notes)
        layout.addWidget(self.general_error)
        layout.addWidget(buttons)
        QWidget.setTabOrder(self.place, self.picker)
        QWidget.setTabOrder(self.picker, self.table)
        QWidget.setTabOrder(self.notes, self.save_button)
        QWidget.setTabOrder(self.save_button, buttons.button(QDialogButtonBox.StandardButton.Cancel))
        if bill is None:
            self.add_line(LineKind.CONSULTATION, "Consultation")
        else:
            for line in bill.lines:
                self.add_line(line.kind, line.description, f"{line.quantity.normalize():f}",
                              f"{line.unit_price:.2f}", f"{line.discount:.2f}", price_item_id=line.price_item_id)
            self.notes.setText(bill.notes or "")
        self.unsaved = guard_dialog(self, tr("Save the changes to this bill?"), self.save)
        self.picker.setFocus()
        run_in_background(self, clinic.clinic_info, backend.uow(), on_success=self._show_clinic,
                          on_failure=lambda _error: None)
        if not self.rates_open:
            run_in_background(self, price_list.receptionists_may_change_rates, backend.uow(), actor,
                              on_success=self._rates_policy, on_failure=lambda _error: None)

    def _show_clinic(self, info: ClinicInfo) -> None:
        """Under a GSTIN, the place of supply: the bill's, else the clinic's own state."""
        if not info.gstin:
            return
        place = (self.bill.place_of_supply if self.bill is not None else None) or info.state
        self.place.setCurrentIndex(max(self.place.findData(place), 0))
        self.place.setVisible(True)
        self.place_label.setVisible(True)
        self.asks_place = True

    def _rates_policy(self, allowed: bool) -> None:
        self.rates_open = bool(allowed)
        for row in range(self.table.rowCount()):
            self._lock_rate(row)

    def place_of_supply(self) -> str | None:
        return self.place.currentData() if self.asks_place else None

    def reject(self) -> None:
        """Esc, Cancel and the window's close: typed lines are asked about (Save / Discard / Stay)."""
        self.unsaved.ask(super().reject)

    # -- lines ------------------------------------------------------------------------------------------------

    def add_item(self, item: PriceItem) -> int:
        """A line filled from the price list: its kind, name and rate (locked for a receptionist unless allowed)."""
        row = self.add_line(item.kind.line_kind, item.name, "1", f"{item.rate:.2f}", "0", price_item_id=item.id)
        self.table.setCurrentCell(row, COLUMNS.index("quantity"))
        return row

    def add_line(self, kind: LineKind = LineKind.OTHER, description: str = "", quantity: str = "1",
                 unit_price: str = "", discount: str = "0", *, price_item_id: int | None = None) -> int:
        row = self.table.rowCount()
        self.table.blockSignals(True)
        self.table.insertRow(row)
        combo = QComboBox()
        combo.setObjectName(f"kind_{row}")
        for item in LineKind:
            combo.addItem(tr(item.label), item.value)
        combo.setCurrentIndex(list(LineKind).index(kind))
        self.table.setCellWidget(row, 0, combo)
        QWidget.setTabOrder(self.table.cellWidget(row - 1, 0) if row else self.table, combo)
        for column, text in ((1, description), (2, quantity), (3, unit_price), (4, discount)):
            self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.item(row, 1).setData(ITEM_ROLE, price_item_id)
        self._lock_rate(row)
        total = QTableWidgetItem("")
        total.setFlags(Qt.ItemFlag.ItemIsEnabled)
        total.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.table.setItem(row, TOTAL_COLUMN, total)
        self.table.blockSignals(False)
        self.update_total()
        return row

    def price_item_of(self, row: int) -> int | None:
        return self.table.item(row, 1).data(ITEM_ROLE)

    def rate_locked(self, row: int) -> bool:
        return not bool(self.table.item(row, COLUMNS.index("unit_price")).flags() & Qt.ItemFlag.ItemIsEditable)

    def _lock_rate(self, row: int) -> None:
        """A price-list line's rate is read-only for a receptionist while the clinic does not allow changing it."""
        cell = self.table.item(row, COLUMNS.index("unit_price"))
        locked = self.price_item_of(row) is not None and not self.rates_open
        editable = Qt.ItemFlag.ItemIsEditable
        cell.setFlags(cell.flags() & ~editable if locked else cell.flags() | editable)
        cell.setToolTip(tr("The price list sets this rate; an admin may change it.") if locked else "")

    def remove_line(self) -> None:
        row = self.table.currentRow()
        if row < 0:
            row = self.table.rowCount() - 1
        if row >= 0:
            self.table.removeRow(row)
            self.update_total()

    def set_cell(self, row: int, field: str, text: str) -> None:
        self.table.item(row, COLUMNS.index(field)).setText(text)

    def inputs(self) -> list[LineInput]:
        rows = []
        for row in range(self.table.rowCount()):
            combo = self.table.cellWidget(row, 0)
            assert isinstance(combo, QComboBox)
            rows.append(LineInput(combo.currentData(), *(self._text(row, c) for c in range(1, 5)),
                                  price_item_id=self.price_item_of(row)))
        return rows

    def _text(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text().strip() if item is not None else ""

    def update_total(self) -> None:
        """Each line's amount and the bill's total as typed; lines that do not read as numbers yet count zero."""
        self.table.blockSignals(True)
        lines = []
        for row, entry in enumerate(self.inputs()):
            line = _preview(entry)
            self.table.item(row, TOTAL_COLUMN).setText(format_inr(line.total) if line else "—")
            if line is not None:
                lines.append(line)
        self.table.blockSignals(False)
        self.total.setText(tr("Total {amount}").format(amount=format_inr(totals(lines).total)))

    # -- saving -----------------------------------------------------------------------------------------------

    def save(self) -> None:
        self.clear_errors()
        self.save_button.setEnabled(False)
        if self.bill is not None:
            op = CollectionOp(self, Change.BILLS, billing.update_lines, self._backend.uow(), self._actor,
                              self.bill.id, self.inputs(), notes=self.notes.text(),
                              place_of_supply=self.place_of_supply())
        else:
            op = CollectionOp(self, Change.BILLS, billing.create_bill, self._backend.uow(), self._actor,
                              patient_id=self.patient_id, lines=self.inputs(), appointment_id=self.appointment_id,
                              doctor_id=self.doctor_id, notes=self.notes.text(),
                              place_of_supply=self.place_of_supply())
        op.success(self._saved).failure(self._refused).run_in_background()

    def clear_errors(self) -> None:
        self.lines_error.show_message("")
        self.general_error.show_message("")
        for row in range(self.table.rowCount()):
            for column in range(1, len(MARKABLE)):
                item = self.table.item(row, column)
                item.setBackground(QBrush())
                item.setToolTip("")
            self.table.cellWidget(row, 0).setStyleSheet("")

    def cell_error(self, row: int, field: str) -> str:
        """The message marked on a cell ('' when none); for tests and tooltips."""
        if field == "kind":
            return self.table.cellWidget(row, 0).toolTip() if self.table.cellWidget(row, 0).styleSheet() else ""
        return self.table.item(row, MARKABLE.index(field)).toolTip()

    def _saved(self, bill: BillView) -> None:
        self.bill_saved.emit(bill)
        self.unsaved.saved()
        self.accept()

    def _refused(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.unsaved.save_failed()
        errors = error.errors if isinstance(error, FormErrors) else [error] if isinstance(error, ValidationError) \
            else []
        if not errors:
            self.general_error.show_message(error.message)
            return
        listed = []
        for problem in errors:
            parts = problem.field.split(".")
            if len(parts) == 3 and parts[0] == "lines" and ascii_digits(parts[1]) and parts[2] in MARKABLE:
                row, field = int(parts[1]), parts[2]
                self._mark(row, field, problem.message)
                listed.append(tr("Line {number}, {field}: {message}").format(
                    number=row + 1, field=tr(FIELD_NAMES[field]), message=problem.message))
            else:
                listed.append(problem.message)
        self.lines_error.show_message("\n".join(listed))

    def _mark(self, row: int, field: str, message: str) -> None:
        if row >= self.table.rowCount():
            return
        if field == "kind":
            widget = self.table.cellWidget(row, 0)
            widget.setStyleSheet("background: #f8d7da;")
            widget.setToolTip(message)
            return
        item = self.table.item(row, MARKABLE.index(field))
        item.setBackground(ERROR_BRUSH)
        item.setToolTip(message)


def _preview(entry: LineInput) -> BillLine | None:
    """The line as typed, or None while it does not read as numbers (or reads as numbers too large to reckon)."""
    try:
        quantity = Decimal(str(entry.quantity) or "x")
        price = rupees(str(entry.unit_price) or "x")
        discount = rupees(str(entry.discount) or "0")
        if not (quantity.is_finite() and price.is_finite() and discount.is_finite()):
            return None
        line = BillLine(LineKind.OTHER, "", quantity, price, discount)
        reckonable = abs(line.total) < PREVIEW_LIMIT
    except (ArithmeticError, ValueError):
        return None
    return line if reckonable else None
