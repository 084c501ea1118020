"""The Payments page: payment history with filters, totals, CSV export and the bill behind a payment; and the
daily collection report in a second tab."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.money import format_inr
from homa_desk.domain.reports import HistoryFilters, HistoryStatus, HistoryTotals
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import doctors
from homa_desk.ui.billing.bill_screen import BillDialog, show_bill
from homa_desk.ui.billing.held_money_view import HeldMoneyPanel
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.lazy_combo import LazyCombo
from homa_desk.ui.common.lazy_tabs import LazyTabs
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.tables import ChoicesModel, read_only_table
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.reports.collection_report import CollectionReportView
from homa_desk.ui.reports.report_history_model import PaymentHistoryModel, export_csv

DEBOUNCE_MS = 300
DATE_DEBOUNCE_MS = 400  # a date typed digit by digit is filtered once, when the typing pauses


def clinic_today() -> date:
    return utcnow().astimezone(CLINIC_TZ).date()


def _date_edit(name: str, day: date) -> QDateEdit:
    edit = QDateEdit(QDate(day.year, day.month, day.day))
    edit.setObjectName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("dd-MM-yyyy")
    return edit


class PaymentHistoryPanel(QWidget):
    """Filters on top, the lazily paged table, a totals strip and the export below."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS, date_debounce_ms: int = DATE_DEBOUNCE_MS,
                 today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("payment_history")
        self._backend = backend
        self._actor = actor
        self._fixed_today = today
        self.bill_dialog: BillDialog | None = None
        today = self.today()

        self.date_from = _date_edit("history_from", today.replace(day=1))
        self.date_to = _date_edit("history_to", today)
        self.today_button = QPushButton(tr("Today"))
        self.today_button.setObjectName("history_today")
        self.today_button.clicked.connect(self.show_today)
        self.method = QComboBox()
        self.method.setObjectName("history_method")
        self.method.addItem(tr("Any method"), None)
        for method in PaymentMethod:
            self.method.addItem(tr(method.label), method)
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("history_status")
        self.status_filter.addItem(tr("Any status"), None)
        for status in HistoryStatus:
            self.status_filter.addItem(tr(status.label), status)
        self.patient = QLineEdit()
        self.patient.setObjectName("history_patient")
        self.patient.setPlaceholderText(tr("Patient name or number"))
        self.patient.setClearButtonEnabled(True)
        self.doctor = LazyCombo(self._load_doctors)  # the names are read when the filter is first reached for
        self.doctor.setObjectName("history_doctor")
        self.doctors = ChoicesModel([(None, tr("Any doctor"))], self)
        self.doctor.setModel(self.doctors)
        self.doctor.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.doctor.setMinimumContentsLength(18)  # not measured over every doctor's name
        self.export_button = QPushButton(tr("Export CSV…"))
        self.export_button.setObjectName("export_csv")
        self.export_button.clicked.connect(lambda: self.export())

        filters = QHBoxLayout()
        for label, widget in ((tr("From"), self.date_from), (tr("to"), self.date_to)):
            filters.addWidget(QLabel(label))
            filters.addWidget(widget)
        filters.addWidget(self.today_button)
        for widget in (self.method, self.status_filter, self.doctor):
            filters.addWidget(widget)
        filters.addWidget(self.patient, 1)
        filters.addWidget(self.export_button)

        self.model = PaymentHistoryModel(backend, actor, self)
        self.table = read_only_table("history_table", self.model, stretch_column=2)
        self.table.setAlternatingRowColors(True)
        self.totals = QLabel("")
        self.totals.setObjectName("history_totals")
        self.totals.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel("")
        self.status.setObjectName("history_status_line")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.totals)
        layout.addWidget(self.status)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self.apply_filters)
        self.patient.textEdited.connect(lambda _text: self._timer.start())
        self.patient.returnPressed.connect(self.apply_filters)
        for combo in (self.method, self.status_filter, self.doctor):
            combo.currentIndexChanged.connect(lambda _index: self.apply_filters())
        self._date_timer = QTimer(self)
        self._date_timer.setSingleShot(True)
        self._date_timer.setInterval(date_debounce_ms)
        self._date_timer.timeout.connect(self.apply_filters)
        for edit in (self.date_from, self.date_to):
            edit.dateChanged.connect(lambda _date: self._date_timer.start())
            edit.editingFinished.connect(self._apply_if_changed)
            edit.calendarWidget().clicked.connect(lambda _date: self._apply_if_changed())
            edit.calendarWidget().activated.connect(lambda _date: self._apply_if_changed())
        self.table.activated.connect(self._open_index)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.totals_loaded.connect(self._show_totals)
        self.model.totals_failed.connect(self.totals.setText)
        self.model.load_failed.connect(self.status.setText)
        changes.change_hub().changed.connect(self._refresh_if)

        self.apply_filters()

    def _load_doctors(self) -> None:
        run_in_background(self, doctors.doctor_names, self._backend.uow(), self._actor, active_only=False,
                          on_success=self._doctors_loaded, on_failure=lambda _error: self.doctor.load_failed())

    def current_filters(self) -> HistoryFilters:
        first, last = self.date_from.date().toPython(), self.date_to.date().toPython()
        return HistoryFilters(date_from=first, date_to=last, method=self.method.currentData(),
                              status=self.status_filter.currentData(), patient=self.patient.text().strip() or None,
                              doctor_id=self.doctor.currentData())

    def today(self) -> date:
        return self._fixed_today or clinic_today()

    def show_today(self) -> None:
        """From and to set to today, filtered at once."""
        day = self.today()
        for edit in (self.date_from, self.date_to):
            edit.setDate(QDate(day.year, day.month, day.day))
        self.apply_filters()

    def _apply_if_changed(self) -> None:
        if self.current_filters() != self.model.filters:
            self.apply_filters()

    def apply_filters(self) -> None:
        self._timer.stop()
        self._date_timer.stop()
        self.status.setText(tr("Loading…"))
        self.totals.setText("")
        self.model.set_filters(self.current_filters())

    @property
    def loading(self) -> bool:
        return self.model.loading or self.model.totals_pending

    def _doctors_loaded(self, names: list[tuple[int, str]]) -> None:
        self.doctors.extend(names)
        self.doctor.loaded()

    def _page_loaded(self, _count: int) -> None:
        rows = self.model.rowCount()
        if not rows:
            self.status.setText(tr("No payment matches these filters."))
        else:
            more = "" if self.model.exhausted else tr("; scroll for more")
            self.status.setText(tr("{rows} shown{more}. Double-click a payment to open its bill.").format(
                rows=rows, more=more))

    def _show_totals(self, totals: HistoryTotals) -> None:
        methods = " · ".join(f"{tr(m.method.label)} {m.count}: {format_inr(m.net)}" for m in totals.by_method)
        self.totals.setText(
            tr("<b>{count} payments</b> &nbsp; Collected <b>{collected}</b> &nbsp; Refunded <b>{refunded}</b> "
               "&nbsp; Net <b>{net}</b>").format(count=totals.count, collected=format_inr(totals.collected),
                                                 refunded=format_inr(totals.refunded), net=format_inr(totals.net))
            + (f"<br/>{methods}" if methods else ""))

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.PAYMENTS, Change.BILLS):
            self.model.refresh()

    def _open_index(self, index: QModelIndex) -> None:
        row = self.model.row_at(index.row()) if index.isValid() else None
        if row is None:
            return
        if row.bill_id is None:
            self.status.setText(tr("This payment has no bill to open: an advance (the patient's Advances tab), or "
                                   "money recorded before bills existed."))
            return
        self.open_bill(row.bill_id)

    def open_bill(self, bill_id: int) -> BillDialog:
        self.bill_dialog = show_bill(self, self._backend, self._actor, bill_id)
        return self.bill_dialog

    def export(self, path: str | Path | None = None) -> None:
        """Ask where (unless `path` is given), then write every matching payment in the background."""
        filters = self.current_filters()
        if path is None:
            suggested = f"payments-{filters.date_from:%Y-%m-%d}-to-{filters.date_to:%Y-%m-%d}.csv"
            path = ask_save_path(self, tr("Export payments"), suggested, tr("CSV files (*.csv)"))
            if not path:
                return
        self.export_button.setEnabled(False)
        self.status.setText(tr("Exporting…"))
        run_in_background(self, export_csv, self._backend.uow(), self._actor, filters, path,
                          on_success=lambda count: self._exported(count, Path(path)),
                          on_failure=lambda error: self._export_failed(error.message))

    def _exported(self, count: int, path: Path) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(tr("Exported {count} payments to {path}.").format(count=count, path=path))

    def _export_failed(self, message: str) -> None:
        self.export_button.setEnabled(True)
        self.status.setText(message)


class PaymentsView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 debounce_ms: int = DEBOUNCE_MS) -> None:
        super().__init__(parent)
        self.setObjectName("payments_view")
        title = QLabel(tr("Payments"))
        title.setProperty("role", "title")
        self.tabs = LazyTabs()
        self.tabs.setObjectName("payments_tabs")
        self.tabs.add_page("history", tr("History"),
                           lambda: PaymentHistoryPanel(backend, actor, debounce_ms=debounce_ms))
        self.tabs.add_page("collection", tr("Daily collection"), lambda: CollectionReportView(backend, actor))
        self.tabs.add_page("held", tr("Held for review"), lambda: HeldMoneyPanel(backend, actor))
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.tabs, 1)

    @property
    def history(self) -> PaymentHistoryPanel:
        return self.tabs.page("history", PaymentHistoryPanel)

    @property
    def collection(self) -> CollectionReportView:
        return self.tabs.page("collection", CollectionReportView)

    @property
    def held(self) -> HeldMoneyPanel:
        return self.tabs.page("held", HeldMoneyPanel)
