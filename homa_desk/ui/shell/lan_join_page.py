"""The wizard's page for a computer that joins a clinic hosted on this network: find the host (DNS-SD) or type its
address, compare the host's certificate with the one its Settings → Desks shows, type the admin's join code."""

from __future__ import annotations

import socket

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWizardPage

from homa_desk.db.lan.discovery import FoundHost
from homa_desk.domain.errors import DomainError, PermissionDenied
from homa_desk.services import clinic_network
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.service_text import in_desk_language
from homa_desk.ui.common.worker import run_in_background


class LanJoinPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Join a clinic on this network"))
        self.setSubTitle(tr("The clinic's host computer must be on, with its desk open."))
        self.found = QListWidget()
        self.found.setObjectName("found_hosts")
        self.found.setMaximumHeight(90)
        self.look_button = QPushButton(tr("Look for the clinic's host"))
        self.look_button.setObjectName("look_for_host")
        self.host_address = line_edit("host_address", placeholder=tr("or type its address, like 192.168.1.10"))
        self.check_button = QPushButton(tr("Check the host"))
        self.check_button.setObjectName("check_host")
        self.certificate = QLabel()
        self.certificate.setObjectName("host_certificate")
        self.certificate.setWordWrap(True)
        self.join_code = line_edit("join_code", placeholder="ABCD-EFGH")
        self.desk_name = line_edit("desk_name")
        self.desk_name.setText(socket.gethostname()[:80])
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        form = QFormLayout()
        self.errors = FieldErrors(form, self.general_error)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.host_address, 1)
        row.addWidget(self.check_button)
        address_row = QLabel()  # the row's own widget: the address and its button
        address_row.setLayout(row)
        self.errors.add_row(tr("Host"), "host_address", address_row)
        self.errors.add_row(tr("Join code"), "join_code", self.join_code)
        self.errors.add_row(tr("This computer's name"), "desk_name", self.desk_name)
        layout = QVBoxLayout(self)
        layout.addWidget(self.look_button)
        layout.addWidget(self.found)
        layout.addLayout(form)
        layout.addWidget(self.certificate)
        layout.addWidget(self.general_error)
        self.hosts: list[FoundHost] = []
        self.expected_fingerprint = ""
        self.look_button.clicked.connect(self.look)
        self.check_button.clicked.connect(self.check)
        self.found.currentRowChanged.connect(self._chosen)
        self.host_address.textChanged.connect(lambda _text: self._forget_certificate())

    def nextId(self) -> int:
        return -1

    def look(self) -> None:
        self.look_button.setEnabled(False)
        self.found.clear()
        self.found.addItem(tr("Looking…"))
        run_in_background(self, clinic_network.find_hosts, on_success=self._found, on_failure=self._not_found)

    def _found(self, hosts: list[FoundHost]) -> None:
        self.look_button.setEnabled(True)
        self.hosts = hosts
        self.found.clear()
        if not hosts:
            self.found.addItem(tr("No host answered. Type its address below (the host's Settings → Desks shows it)."))
        for host in hosts:
            self.found.addItem(f"{host.name or tr('Clinic host')} — {host.address}")

    def _not_found(self, error: DomainError) -> None:
        self.look_button.setEnabled(True)
        self.found.clear()
        self.errors.show(error)

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.hosts):
            self.host_address.setText(self.hosts[row].address)
            self.check()

    def check(self) -> None:
        self.errors.clear()
        address = self.host_address.text().strip()
        run_in_background(self, clinic_network.host_fingerprint, address,
                          on_success=lambda short: self._checked(address, short), on_failure=self.errors.show)

    def _checked(self, address: str, short: str) -> None:
        if address != self.host_address.text().strip():
            return
        self.expected_fingerprint = short
        self.certificate.setText(tr("The host's certificate: {fingerprint}. Check that the host's Settings → Desks "
                                    "shows the same, then type the code it shows.").format(fingerprint=short))

    def show_error(self, error: DomainError) -> None:
        """A refused code (wrong, expired, used) next to the code; anything else where `FieldErrors` puts it."""
        if isinstance(error, PermissionDenied):
            self.errors.clear()
            self.errors.label("join_code").show_message(in_desk_language(error).message)
        else:
            self.errors.show(error)

    def _forget_certificate(self) -> None:
        self.expected_fingerprint = ""
        self.certificate.setText("")
