"""Settings, for admins only: staff accounts, the clinic's profile, doctors' profiles, hours and leave, backups."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor
from homa_desk.ui.i18n import tr
from homa_desk.ui.views.backup_tab import BackupTab
from homa_desk.ui.views.clinic_tab import ClinicTab
from homa_desk.ui.views.doctors_tab import DoctorsTab
from homa_desk.ui.views.settings_connections import SettingsConnectionsTab
from homa_desk.ui.views.staff_view import StaffView


class SettingsView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_view")
        self.tabs = QTabWidget()
        self.staff = StaffView(backend, actor)
        self.clinic = ClinicTab(backend, actor)
        self.tabs.addTab(self.staff, tr("Staff"))
        self.doctors = DoctorsTab(backend, actor)
        self.tabs.addTab(self.clinic, tr("Clinic"))
        self.tabs.addTab(self.doctors, tr("Doctors"))
        self.setup = SettingsConnectionsTab(backend, actor)
        self.tabs.addTab(self.setup, tr("Setup"))
        self.backup = BackupTab(backend, actor)
        self.tabs.addTab(self.backup, tr("Backup"))
        QVBoxLayout(self).addWidget(self.tabs)
