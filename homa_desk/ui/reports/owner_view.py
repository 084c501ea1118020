"""The Reports page (admins): the owner's view of the last twelve months (collections; visits and patients;
procedures and medicines) and the audit log, one tab each, each built and loaded when first opened.

Keyboard: Ctrl+1…Ctrl+4 bring a tab forward, the month box (Alt+M) chooses the last month of the twelve, F5
reloads the report in front.
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QT_TR_NOOP, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.owner_reports import add_months, month_start
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import clinic
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_tabs import LazyTabs
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.reports.audit_view import AuditLogView
from homa_desk.ui.reports.owner_sheets import CollectionsSheet, ItemsSheet, ReportSheet, VisitsSheet, month_text

MONTHS_OFFERED = 36
TABS = (("collections", QT_TR_NOOP("Collections"), CollectionsSheet),
        ("visits", QT_TR_NOOP("Visits and patients"), VisitsSheet),
        ("items", QT_TR_NOOP("Procedures and medicines"), ItemsSheet))


class OwnerReportsView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("owner_reports")
        self._backend = backend
        self._actor = actor
        self.clinic_name = ""
        this_month = month_start(today or utcnow().astimezone(CLINIC_TZ).date())
        self.month = QComboBox()
        self.month.setObjectName("owner_month")
        for n in range(MONTHS_OFFERED):
            month = add_months(this_month, -n)
            self.month.addItem(month_text(month), month)
        caption = QLabel(tr("Twelve months up to &month"))
        caption.setBuddy(self.month)
        top = QHBoxLayout()
        top.addWidget(caption)
        top.addWidget(self.month)
        top.addStretch(1)
        self.tabs = LazyTabs(self)
        self.tabs.setObjectName("owner_tabs")
        for key, label, sheet in TABS:
            self.tabs.add_page(key, tr(label), lambda sheet=sheet: self._sheet(sheet))
        self.tabs.add_page("audit", tr("Audit log"), lambda: AuditLogView(backend, actor, today=today))
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)
        for n in range(self.tabs.count()):
            QShortcut(QKeySequence(f"Ctrl+{n + 1}"), self, lambda n=n: self.tabs.setCurrentIndex(n))
        QShortcut(QKeySequence("F5"), self, self.reload)
        self.month.currentIndexChanged.connect(lambda _index: self.reload_all())
        changes.change_hub().changed.connect(self._refresh_if)
        run_in_background(self, clinic.clinic_info, backend.uow(),
                          on_success=self._clinic_known, on_failure=lambda _error: None)

    def last_month(self) -> date:
        return self.month.currentData()

    def _sheet(self, kind: type[ReportSheet]) -> ReportSheet:
        sheet = kind(self._backend, self._actor, self.last_month)
        sheet.clinic_name = self.clinic_name
        sheet.load()
        return sheet

    def sheet(self, key: str) -> ReportSheet:
        return self.tabs.page(key, ReportSheet)

    def built_sheets(self) -> list[ReportSheet]:
        return [self.tabs.page(key, ReportSheet) for key, _label, _kind in TABS if self.tabs.is_built(key)]

    def reload(self) -> None:
        page = self.tabs.currentWidget()
        for sheet in self.built_sheets():
            if sheet.parent() is not None and page is not None and page.isAncestorOf(sheet):
                sheet.load()

    def reload_all(self) -> None:
        for sheet in self.built_sheets():
            sheet.load()

    def _clinic_known(self, info: object) -> None:
        self.clinic_name = getattr(info, "name", "")
        for sheet in self.built_sheets():
            sheet.clinic_name = self.clinic_name

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.PAYMENTS, Change.BILLS):
            for sheet in self.built_sheets():
                if not sheet.loading:
                    sheet.load()
