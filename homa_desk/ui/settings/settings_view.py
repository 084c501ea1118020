"""Settings, for admins only: staff accounts, the clinic's profile, doctors' profiles, hours and leave,
messages (DLT templates), backups, WhatsApp, the price list, the desks that joined this host.

Each tab is built, and loads, when it is first opened (ui/common/lazy_tabs.py).
"""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_tabs import LazyTabs
from homa_desk.ui.settings.backup_tab import BackupTab
from homa_desk.ui.settings.clinic_tab import ClinicTab
from homa_desk.ui.settings.desks_tab import DesksTab
from homa_desk.ui.settings.doctors_tab import DoctorsTab
from homa_desk.ui.settings.messages_tab import MessagesTab
from homa_desk.ui.settings.price_list_tab import PriceListTab
from homa_desk.ui.settings.settings_connections import SettingsConnectionsTab
from homa_desk.ui.settings.staff_view import StaffView
from homa_desk.ui.settings.whatsapp_tab import WhatsAppTab


class SettingsView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("settings_view")
        self.tabs = LazyTabs()
        self.tabs.add_page("staff", tr("Staff"), lambda: StaffView(backend, actor))
        self.tabs.add_page("clinic", tr("Clinic"), lambda: ClinicTab(backend, actor))
        self.tabs.add_page("doctors", tr("Doctors"), lambda: DoctorsTab(backend, actor))
        self.tabs.add_page("setup", tr("Setup"), lambda: SettingsConnectionsTab(backend, actor))
        self.tabs.add_page("messages", tr("Messages"), lambda: MessagesTab(backend, actor))
        self.tabs.add_page("backup", tr("Backup"), lambda: BackupTab(backend, actor))
        self.tabs.add_page("whatsapp", tr("WhatsApp"), lambda: WhatsAppTab(backend, actor))
        self.tabs.add_page("price_list", tr("Price list"), lambda: PriceListTab(backend, actor))
        self.tabs.add_page("desks", tr("Desks"), lambda: DesksTab(backend, actor))
        QVBoxLayout(self).addWidget(self.tabs)

    @property
    def staff(self) -> StaffView:
        return self.tabs.page("staff", StaffView)

    @property
    def clinic(self) -> ClinicTab:
        return self.tabs.page("clinic", ClinicTab)

    @property
    def doctors(self) -> DoctorsTab:
        return self.tabs.page("doctors", DoctorsTab)

    @property
    def setup(self) -> SettingsConnectionsTab:
        return self.tabs.page("setup", SettingsConnectionsTab)

    @property
    def messages(self) -> MessagesTab:
        return self.tabs.page("messages", MessagesTab)

    @property
    def backup(self) -> BackupTab:
        return self.tabs.page("backup", BackupTab)

    @property
    def whatsapp(self) -> WhatsAppTab:
        return self.tabs.page("whatsapp", WhatsAppTab)

    @property
    def price_list(self) -> PriceListTab:
        return self.tabs.page("price_list", PriceListTab)

    def desks(self) -> DesksTab:
        return self.tabs.page("desks", DesksTab)
