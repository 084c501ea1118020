"""The slot grid: one column per doctor (day view) or per day (one doctor's week), one row per slot time.

Colours by state; off hours and leave are grey. Clicking a cell emits `slot_clicked` with the Slot (or nothing
for a grey cell). The grid only shows what it is given; the page loads it.
"""

from __future__ import annotations

from datetime import time

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget

from homa_desk.domain.appointments import DayView, DoctorDay, Slot, SlotState, WeekView
from homa_desk.ui.common.i18n import tr

COLOURS = {
    SlotState.FREE: "#e8f5e9",
    SlotState.SCHEDULED: "#bbdefb",
    SlotState.COMPLETED: "#c8e6c9",
    SlotState.NO_SHOW: "#ffcdd2",
    SlotState.PAST: "#eeeeee",
}
OFF_COLOUR = "#bdbdbd"
LEAVE_COLOUR = "#d7ccc8"


def cell_text(slot: Slot) -> str:
    appointment = slot.appointment
    if appointment is None:
        return tr(slot.state.label)
    kind = " · " + tr("online") if appointment.consultation_type.value == "online" else ""
    token = " · " + tr("token {token}").format(token=appointment.token) if appointment.token else ""
    suffix = "" if slot.state is SlotState.SCHEDULED else f" ({tr(slot.state.label).lower()})"
    return f"{appointment.patient_name}{kind}{token}{suffix}"


class DayGrid(QTableWidget):
    slot_clicked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("day_grid")
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(140)
        self._slots: dict[tuple[int, int], Slot] = {}
        self.columns: list[DoctorDay] = []
        self.times: list[time] = []
        self.cellClicked.connect(self._clicked)

    def show_day(self, view: DayView) -> None:
        headers = [f"{d.doctor.full_name}\n{d.doctor.specialty}" + ("\n" + tr("(on leave)") if d.leave else "")
                   for d in view.doctors]
        self._fill(list(view.doctors), view.times(), headers)

    def show_week(self, view: WeekView) -> None:
        headers = [f"{d.day:%a %d %b}" + ("\n" + tr("(on leave)") if d.leave else "") for d in view.days]
        self._fill(list(view.days), view.times(), headers)

    def _fill(self, columns: list[DoctorDay], times: list[time], headers: list[str]) -> None:
        scroll = self.verticalScrollBar().value()
        self.clear()
        self._slots.clear()
        self.columns, self.times = columns, times
        self.setColumnCount(len(columns))
        self.setRowCount(len(times))
        self.setHorizontalHeaderLabels(headers)
        self.setVerticalHeaderLabels([f"{t:%I:%M %p}" for t in times])
        rows = {t: n for n, t in enumerate(times)}
        for col, column in enumerate(columns):
            by_time = {slot.local_start: slot for slot in column.slots}
            for row, at in enumerate(times):
                slot = by_time.get(at)
                if slot is None:
                    text, colour = (tr("Leave") if column.leave else ""), (LEAVE_COLOUR if column.leave else OFF_COLOUR)
                    item = QTableWidgetItem(text)
                    item.setBackground(QBrush(QColor(colour)))
                    item.setToolTip(column.leave.reason or "On leave" if column.leave else tr("Not working"))
                else:
                    self._slots[(rows[at], col)] = slot
                    item = QTableWidgetItem(cell_text(slot))
                    item.setBackground(QBrush(QColor(COLOURS[slot.state])))
                    item.setData(Qt.ItemDataRole.UserRole, slot.state.value)
                self.setItem(row, col, item)
        self.verticalScrollBar().setValue(scroll)

    def slot_at(self, row: int, column: int) -> Slot | None:
        return self._slots.get((row, column))

    def find_cell(self, column: int, at: time) -> tuple[int, int]:
        return self.times.index(at), column

    def _clicked(self, row: int, column: int) -> None:
        slot = self._slots.get((row, column))
        if slot is not None:
            self.slot_clicked.emit(slot)
