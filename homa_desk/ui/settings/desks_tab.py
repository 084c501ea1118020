"""Settings → Desks: the clinic's other computers that joined this one (on the host), a one-time join code for the
next, and Remove (its access ends at once). On a clinic whose data is on this computer but which does not host yet,
one button makes it the host."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.db.lan.desks import JoinedDesk
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.services import clinic_network
from homa_desk.services.clinic_network import JoinCode
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.service_text import in_desk_language
from homa_desk.ui.common.worker import run_in_background


def _note(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class DesksTab(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("desks_tab")
        self._backend = backend
        self._actor = actor
        self.about = _note()
        self.about.setObjectName("desks_about")
        self.code = QLabel()
        self.code.setObjectName("join_code")
        self.code.setStyleSheet("font-size: 20pt; font-weight: bold;")
        self.new_code_button = QPushButton(tr("New join code"))
        self.new_code_button.setObjectName("new_join_code")
        self.new_code_button.clicked.connect(self.new_code)
        self.host_button = QPushButton(tr("Share this clinic with the clinic's other computers"))
        self.host_button.setObjectName("become_host")
        self.host_button.clicked.connect(self.become_host)
        self.table = QTableWidget(0, 4)
        self.table.setObjectName("desks_table")
        self.table.setHorizontalHeaderLabels([tr("Computer"), tr("Address"), tr("Joined"), tr("Last seen")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.remove_button = QPushButton(tr("Remove this computer"))
        self.remove_button.setObjectName("remove_desk")
        self.remove_button.clicked.connect(self.remove_selected)
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_code_button)
        buttons.addWidget(self.code, 1)
        buttons.addWidget(self.remove_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addWidget(self.host_button)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.general_error)
        self.desks: list[JoinedDesk] = []
        self._show_state()

    def _show_state(self) -> None:
        hosting = self._backend.lan_host is not None
        self.host_button.setVisible(not hosting and self._backend.embedded is not None)
        for widget in (self.new_code_button, self.remove_button, self.table):
            widget.setEnabled(hosting)
        if hosting:
            from homa_desk.db.lan.certificate import short_fingerprint  # lazy: only on the host

            host = self._backend.lan_host
            self.about.setText(tr("This computer hosts the clinic on {addresses}. Its certificate: {fingerprint}. "
                                  "A joining computer shows the same before it asks for the code.").format(
                addresses=", ".join(host.addresses) or "—", fingerprint=short_fingerprint(host.fingerprint)))
            self.refresh()
        elif self._backend.embedded is not None:
            self.about.setText(tr("The clinic's data is on this computer only. Share it, and the clinic's other "
                                  "computers on this network can join with a code an admin shows here."))
        else:
            self.about.setText(tr("This desk uses a database on another computer: join codes are made on the "
                                  "computer that hosts the clinic."))

    def refresh(self) -> None:
        run_in_background(self, clinic_network.joined_desks, self._backend.uow(), self._actor,
                          self._backend.lan_host, on_success=self._show_desks, on_failure=self._refused)

    def _refused(self, error: DomainError) -> None:
        self.general_error.show_message(in_desk_language(error).message)

    def _show_desks(self, desks: list[JoinedDesk]) -> None:
        self.desks = desks
        self.table.setRowCount(len(desks))
        for row, desk in enumerate(desks):
            seen = tr("now") if desk.connected_now else (
                desk.last_seen_at.astimezone(CLINIC_TZ).strftime("%d-%m-%Y %H:%M") if desk.last_seen_at
                else tr("never"))
            for column, value in enumerate((desk.desk_name, desk.address or "",
                                            desk.joined_at.astimezone(CLINIC_TZ).strftime("%d-%m-%Y %H:%M"), seen)):
                self.table.setItem(row, column, QTableWidgetItem(value))

    def new_code(self) -> None:
        self.general_error.clear()
        run_in_background(self, clinic_network.make_join_code, self._backend.uow(), self._actor,
                          self._backend.lan_host, on_success=self._show_code, on_failure=self._refused)

    def _show_code(self, code: JoinCode) -> None:
        self.code.setText(code.code)
        self.code.setToolTip(tr("Valid for {minutes} minutes, once.").format(minutes=code.minutes))

    def remove_selected(self) -> None:
        row = self.table.currentRow()
        if not 0 <= row < len(self.desks):
            self.general_error.show_message(tr("Choose the computer to remove first."))
            return
        run_in_background(self, clinic_network.remove_desk, self._backend.uow(), self._actor,
                          self._backend.lan_host, self.desks[row].id, on_success=lambda _removed: self.refresh(),
                          on_failure=self._refused)

    def become_host(self) -> None:
        self.general_error.clear()
        run_in_background(self, _become_host, self._backend, self._actor, on_success=lambda _host: self._show_state(),
                          on_failure=self._refused)


def _become_host(backend: Backend, actor: Actor) -> object:
    clinic_network.become_host(backend.uow(), actor, backend)
    return clinic_network.start_host(backend)
