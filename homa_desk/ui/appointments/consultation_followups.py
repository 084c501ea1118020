"""Follow-ups the doctors asked for without a slot: the front desk books them in the grid and ticks them off."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.consultations import FollowUpRequest
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import consultations
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.patients.patient_search import format_phone

HEADERS = (QT_TR_NOOP("Due"), QT_TR_NOOP("Patient"), QT_TR_NOOP("Patient no."), QT_TR_NOOP("Mobile"),
           QT_TR_NOOP("Doctor"))


class FollowUpsWidget(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("follow_ups")
        self._backend = backend
        self._actor = actor
        self.requests: list[FollowUpRequest] = []
        self.table = QTableWidget(0, len(HEADERS))
        self.table.setObjectName("follow_up_table")
        self.table.setHorizontalHeaderLabels([tr(h) for h in HEADERS])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        size_columns(self.table, stretch_column=1)
        self.done_button = QPushButton(tr("Booked — remove from the list"))
        self.done_button.setObjectName("follow_up_done")
        self.done_button.setEnabled(actor.role in (Role.RECEPTIONIST, Role.ADMIN))
        self.message = ErrorLabel()
        self.message.setObjectName("follow_up_message")
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("Follow-ups to book (book them in the Schedule, then tick them off)")), 1)
        row.addWidget(self.done_button)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        self.done_button.clicked.connect(self.close_selected)
        changes.change_hub().changed.connect(self._refresh_if)
        self.load()

    def load(self) -> None:
        run_in_background(self, consultations.open_follow_ups, self._backend.uow(), self._actor,
                          on_success=self._show, on_failure=self._failed)

    def _show(self, requests: list[FollowUpRequest]) -> None:
        self.requests = requests
        self.table.setRowCount(len(requests))
        for row, r in enumerate(requests):
            for col, value in enumerate((f"{r.due_on:%d %b %Y}", r.patient_name, str(r.patient_number or ""),
                                         format_phone(r.patient_phone), r.doctor_name or "—")):
                self.table.setItem(row, col, QTableWidgetItem(value))

    def close_selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.requests):
            CollectionOp(self, Change.FOLLOW_UPS, consultations.close_follow_up, self._backend.uow(), self._actor,
                         self.requests[row].id).failure(self._failed).run_in_background()

    def _failed(self, error: DomainError) -> None:
        self.message.show_message(error.message)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.FOLLOW_UPS, Change.APPOINTMENTS):
            self.load()
