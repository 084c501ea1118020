"""The daily collection: pick a clinic day, see the close-of-day figures, count the drawer and check the UPI money
with the gateway (close_of_day_panel), two bar charts (by method, by doctor), print it or save it as a PDF."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, QDate, QSize, Qt, Slot
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.money import format_inr
from homa_desk.domain.reports import CollectionLine, DailyCollection
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import CLINIC_TZ, utcnow
from homa_desk.services import clinic, reports
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.tables import RowsModel, read_only_table
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.reports.bar_chart import BarChart
from homa_desk.ui.reports.close_of_day_panel import CloseOfDayPanel
from homa_desk.ui.reports.report_print import print_collection, save_collection_pdf

TOP_DOCTORS = 8  # the doctor chart shows the biggest few; the table lists everyone
CHART_SIZE = QSize(720, 300)


class CollectionLinesModel(RowsModel[CollectionLine]):
    """One table of the report (by method, doctor or receptionist); a model, so a clinic with a thousand doctors
    fills it in one reset instead of five thousand items."""

    numeric = frozenset({1, 2, 3, 4})

    def __init__(self, heading: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.headers = (heading, QT_TR_NOOP("Payments"), QT_TR_NOOP("Collected"), QT_TR_NOOP("Refunded"),
                        QT_TR_NOOP("Net"))

    def texts(self, row: CollectionLine) -> list[str]:
        return [tr(row.label), str(row.count), format_inr(row.collected), format_inr(row.refunded),
                format_inr(row.net)]


def _lines_table(name: str, model: CollectionLinesModel) -> QTableView:
    table = read_only_table(name, model, stretch_column=0)
    table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    return table


def chart_bars(chart: BarChart) -> dict[str, dict[str, Decimal]]:
    """{series: {category: value}} of a chart: what a reader of the chart sees."""
    return chart.bars()


class CollectionReportView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 day: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("collection_report")
        self._backend = backend
        self._actor = actor
        self.report: DailyCollection | None = None
        self.clinic_name = ""
        self._loading = False
        today = day or utcnow().astimezone(CLINIC_TZ).date()

        self.day = QDateEdit(QDate(today.year, today.month, today.day))
        self.day.setObjectName("collection_day")
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("dd-MM-yyyy")
        self.refresh_button = QPushButton(tr("Refresh"))
        self.refresh_button.setObjectName("collection_refresh")
        self.print_button = QPushButton(tr("Print…"))
        self.print_button.setObjectName("collection_print")
        self.pdf_button = QPushButton(tr("Save PDF…"))
        self.pdf_button.setObjectName("collection_pdf")
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("Day")))
        top.addWidget(self.day)
        top.addWidget(self.refresh_button)
        top.addStretch(1)
        top.addWidget(self.print_button)
        top.addWidget(self.pdf_button)

        self.summary = QLabel("")
        self.summary.setObjectName("collection_summary")
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        self.by_method = _lines_table("collection_by_method", CollectionLinesModel(QT_TR_NOOP("Method"), self))
        self.by_doctor = _lines_table("collection_by_doctor", CollectionLinesModel(QT_TR_NOOP("Doctor"), self))
        self.by_receiver = _lines_table("collection_by_receiver",
                                        CollectionLinesModel(QT_TR_NOOP("Received by"), self))
        self.method_chart = BarChart(tr("By method"))
        self.method_chart.setObjectName("collection_method_chart")
        self.doctor_chart = BarChart(tr("Net by doctor (top {count})").format(count=TOP_DOCTORS))
        self.doctor_chart.setObjectName("collection_doctor_chart")
        self.message = QLabel("")
        self.message.setObjectName("collection_message")
        self.close_of_day = CloseOfDayPanel(backend, actor, self.selected_day, self)

        tables = QHBoxLayout()
        for heading, table in ((tr("By method"), self.by_method), (tr("By doctor"), self.by_doctor),
                               (tr("By receptionist"), self.by_receiver)):
            column = QVBoxLayout()
            column.addWidget(QLabel(heading))
            column.addWidget(table)
            tables.addLayout(column, 1)
        charts = QHBoxLayout()
        charts.addWidget(self.method_chart, 1)
        charts.addWidget(self.doctor_chart, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.summary)
        layout.addWidget(self.close_of_day)
        layout.addLayout(tables, 1)
        layout.addLayout(charts, 1)
        layout.addWidget(self.message)

        self.day.dateChanged.connect(lambda _date: self.load())
        self.refresh_button.clicked.connect(self.load)
        self.print_button.clicked.connect(self.print_report)
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        self.close_of_day.counted.connect(self.load)
        changes.change_hub().changed.connect(self._refresh_if)
        self._enable()
        run_in_background(self, clinic.clinic_info, backend.uow(),
                          on_success=lambda info: setattr(self, "clinic_name", info.name),
                          on_failure=lambda _error: None)
        self.load()

    @property
    def loading(self) -> bool:
        return self._loading

    def selected_day(self) -> date:
        return self.day.date().toPython()

    def load(self) -> None:
        self._loading = True
        self.message.setText(tr("Loading…"))
        day = self.selected_day()
        run_in_background(self, reports.daily_collection, self._backend.uow(), self._actor, day,
                          on_success=lambda report: self._arrived(day, report),
                          on_failure=self._failed)

    def _arrived(self, day: date, report: DailyCollection) -> None:
        if day != self.selected_day():
            return  # the receptionist picked another day meanwhile; its answer is on the way
        self._loading = False
        self.show_report(report)

    def _failed(self, error) -> None:  # type: ignore[no-untyped-def]
        self._loading = False
        self.message.setText(error.message)

    def show_report(self, report: DailyCollection) -> None:
        self.report = report
        self.message.setText("")
        self.summary.setText(
            f"<b>{report.day:%A, %d %B %Y}</b> &nbsp; "
            + tr("Collected <b>{collected}</b> ({payments} payments) &nbsp; Refunds <b>{refunded}</b> ({refunds}) "
                 "&nbsp; Net <b>{net}</b><br/>Bills created: {bills} &nbsp; Pending review: {review} "
                 "({review_amount})").format(
                collected=format_inr(report.collected), payments=report.payments,
                refunded=format_inr(report.refunded), refunds=report.refund_count, net=format_inr(report.net),
                bills=report.bills_created, review=report.pending_review,
                review_amount=format_inr(report.pending_review_amount))
            + (("<br/>" + tr("Advances received {received} (in the totals above) · paid from advances {applied} "
                             "(counted the day they were received, not again) · advances refunded {refunded} (in "
                             "the refunds above)").format(
                received=format_inr(report.advances_received), applied=format_inr(report.advances_applied),
                refunded=format_inr(report.advances_refunded)))
               if report.advances_received or report.advances_applied or report.advances_refunded else ""))
        for table, lines in ((self.by_method, report.by_method), (self.by_doctor, report.by_doctor),
                             (self.by_receiver, report.by_receiver)):
            table.model().set_rows(list(lines))
        self.by_receiver.setColumnHidden(3, True)
        self.by_receiver.setColumnHidden(4, True)
        methods = [tr(line.label) for line in report.by_method]
        self.method_chart.set_bars(methods, [
            (tr("Collected"), [line.collected for line in report.by_method]),
            (tr("Refunded"), [line.refunded for line in report.by_method]),
        ])
        doctors = report.by_doctor[:TOP_DOCTORS]
        self.doctor_chart.set_bars([line.label for line in doctors], [(tr("Net"), [line.net for line in doctors])])
        self.close_of_day.show_day(report)
        self._enable()

    def chart_images(self) -> list[QImage]:
        """The two charts drawn at a fixed size for paper, whatever the window's size."""
        return [chart.image(CHART_SIZE) for chart in (self.method_chart, self.doctor_chart)]

    def print_report(self) -> bool:
        if self.report is None:
            return False
        return print_collection(self.report, self.clinic_name, self.chart_images(), self,
                                reconciliation=self.close_of_day.reconciliation)

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        if self.report is None:
            return None
        if path is None:
            path = ask_save_path(self, tr("Save daily collection"), f"collection-{self.report.day:%Y-%m-%d}.pdf",
                                 "PDF (*.pdf)")
            if not path:
                return None
        saved = save_collection_pdf(self.report, self.clinic_name, path, self.chart_images(),
                                    reconciliation=self.close_of_day.reconciliation)
        self.message.setText(tr("Saved {path}.").format(path=saved))
        return saved

    def _enable(self) -> None:
        self.print_button.setEnabled(self.report is not None)
        self.pdf_button.setEnabled(self.report is not None)

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.PAYMENTS, Change.BILLS) and not self._loading:
            self.load()
