"""The owner's reports as sheets: each a few sections (a chart and the table under it), loaded by one service
call off the UI thread, printed, saved as PDF or exported as CSV.

What each section shows is built once from the report (`*_sections`), as texts and chart series, and the same
data fills the widgets, the paper and the CSV, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TR_NOOP, QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.billing import PaymentMethod
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.owner_reports import CollectionsReport, ItemLine, ItemsReport, VisitsReport
from homa_desk.domain.roles import Actor
from homa_desk.services import owner_reports
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.save_dialog import ask_save_path
from homa_desk.ui.common.tables import RowsModel, read_only_table
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.reports.bar_chart import BarChart, count_text, short_inr
from homa_desk.ui.reports.line_chart import LineChart
from homa_desk.ui.reports.owner_print import Section, print_report, save_report_csv, save_report_pdf

TOP_IN_CHART = 10  # the charts draw the biggest few; the tables list them all
CHART_SIZE = QSize(720, 300)
NO_DOCTOR = QT_TR_NOOP("No doctor")


def month_text(month: date) -> str:
    return f"{month:%m/%Y}"


def short_month(month: date) -> str:
    return f"{month:%m/%y}"


@dataclass
class SectionData:
    """A section as built from a report: its table's texts and its chart's series (Decimal values)."""

    title: str
    headers: list[str]
    rows: list[list[str]]
    numeric: frozenset[int]
    line: bool  # a line chart, else bars
    categories: list[str]
    series: list[tuple[str, list[Decimal]]]
    counts: bool = False  # the chart's values are counts, not rupees
    wide: bool = False  # across both columns of the sheet
    name: str = field(default="")


class TextRows(RowsModel[list[str]]):
    """Rows already as texts; the headers are given already translated."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shown_headers: list[str] = []

    def set_table(self, headers: list[str], rows: list[list[str]], numeric: frozenset[int]) -> None:
        self.beginResetModel()
        self.shown_headers, self.headers, self.numeric, self.rows = headers, tuple(headers), numeric, rows
        self.endResetModel()

    def texts(self, row: list[str]) -> list[str]:
        return row

    def headerData(self, section: int, orientation: Any, role: int = 0) -> Any:  # type: ignore[override]
        value = super().headerData(section, orientation, role)
        return self.shown_headers[section] if value is not None else None


class SectionBox(QWidget):
    """A title, the chart and the table under it."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.title = QLabel("")
        self.title.setObjectName(f"{name}_title")
        self.bar_chart = BarChart("")
        self.bar_chart.setObjectName(f"{name}_bars")
        self.line_chart = LineChart("")
        self.line_chart.setObjectName(f"{name}_lines")
        self.model = TextRows(self)
        self.table: QTableView = read_only_table(f"{name}_table", self.model, stretch_column=0)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setMinimumHeight(150)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.bar_chart)
        layout.addWidget(self.line_chart)
        layout.addWidget(self.table, 1)
        self.line_chart.hide()

    @property
    def chart(self) -> BarChart:
        return self.line_chart if self.line_chart.isVisibleTo(self) else self.bar_chart

    def show_section(self, data: SectionData) -> None:
        self.title.setText(f"<b>{data.title}</b>")
        chart = self.line_chart if data.line else self.bar_chart
        self.line_chart.setVisible(data.line)
        self.bar_chart.setVisible(not data.line)
        chart.title = ""
        chart.value_text = count_text if data.counts else short_inr
        chart.set_bars(data.categories, data.series)
        self.model.set_table(data.headers, data.rows, data.numeric)


class ReportSheet(QWidget):
    """A report of twelve months ending with the month the page chose: sections, Print, Save PDF, Export CSV."""

    title = ""
    file_stem = ""

    def __init__(self, backend: Backend, actor: Actor, last_month: Callable[[], date],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._backend = backend
        self._actor = actor
        self._last_month = last_month
        self.report: Any = None
        self.data: list[SectionData] = []
        self.clinic_name = ""
        self.loading = False
        name = self.file_stem.replace("-", "_")
        self.setObjectName(name)
        self.print_button = QPushButton(tr("Print…"))
        self.print_button.setObjectName(f"{name}_print")
        self.pdf_button = QPushButton(tr("Save PDF…"))
        self.pdf_button.setObjectName(f"{name}_pdf")
        self.csv_button = QPushButton(tr("Export CSV…"))
        self.csv_button.setObjectName(f"{name}_csv")
        self.message = QLabel("")
        self.message.setObjectName(f"{name}_message")
        top = QHBoxLayout()
        top.addWidget(self.message, 1)
        for button in (self.print_button, self.pdf_button, self.csv_button):
            top.addWidget(button)
        self.grid = QGridLayout()
        self.boxes: list[SectionBox] = []
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(self.grid, 1)
        self.print_button.clicked.connect(self.print_sheet)
        self.pdf_button.clicked.connect(lambda: self.save_pdf())
        self.csv_button.clicked.connect(lambda: self.save_csv())
        self._enable()

    # -- for subclasses -----------------------------------------------------------------------------------------

    def fetch(self, uow: Any, actor: Actor, last: date) -> Any:
        raise NotImplementedError

    def sections(self, report: Any) -> list[SectionData]:
        raise NotImplementedError

    # -- loading ------------------------------------------------------------------------------------------------

    def load(self) -> None:
        self.loading = True
        self.message.setText(tr("Loading…"))
        last = self._last_month()
        run_in_background(self, self.fetch, self._backend.uow(), self._actor, last,
                          on_success=lambda report: self._arrived(last, report), on_failure=self._failed)

    def _arrived(self, last: date, report: Any) -> None:
        if last != self._last_month():
            return  # another month was chosen meanwhile; its answer is on the way
        self.loading = False
        self.show_report(report)

    def _failed(self, error: Any) -> None:
        self.loading = False
        self.message.setText(error.message)

    def show_report(self, report: Any) -> None:
        self.report = report
        self.data = self.sections(report)
        while len(self.boxes) < len(self.data):
            box = SectionBox(f"{self.objectName()}_{len(self.boxes)}")
            self.boxes.append(box)
        row = column = 0
        for box, data in zip(self.boxes, self.data, strict=False):
            box.show_section(data)
            if data.wide and column:
                row, column = row + 1, 0
            self.grid.addWidget(box, row, column, 1, 2 if data.wide else 1)
            column = 0 if data.wide or column else 1
            row += 1 if column == 0 else 0
        self.message.setText(self.subtitle())
        self._enable()

    def subtitle(self) -> str:
        months = [m for m in getattr(self.report, "months", ())]
        first, last = (months[0].month, months[-1].month) if months else (self.report.first_month,
                                                                           self.report.last_month)
        return tr("{first} to {last}").format(first=month_text(first), last=month_text(last))

    def _enable(self) -> None:
        for button in (self.print_button, self.pdf_button, self.csv_button):
            button.setEnabled(self.report is not None)

    # -- paper and files ----------------------------------------------------------------------------------------

    def paper_sections(self, *, charts: bool = True) -> list[Section]:
        return [Section(d.title, d.headers, d.rows, d.numeric, box.chart.image(CHART_SIZE) if charts else None)
                for d, box in zip(self.data, self.boxes, strict=False)]

    def print_sheet(self) -> bool:
        if self.report is None:
            return False
        return print_report(tr(self.title), self.subtitle(), self.paper_sections(), self.clinic_name, self)

    def save_pdf(self, path: str | Path | None = None) -> Path | None:
        if self.report is None:
            return None
        path = path or ask_save_path(self, tr("Save PDF"), f"{self.file_stem}.pdf", "PDF (*.pdf)")
        if not path:
            return None
        saved = save_report_pdf(tr(self.title), self.subtitle(), self.paper_sections(), self.clinic_name, path)
        self.message.setText(tr("Saved {path}.").format(path=saved))
        return saved

    def save_csv(self, path: str | Path | None = None) -> Path | None:
        if self.report is None:
            return None
        path = path or ask_save_path(self, tr("Export CSV"), f"{self.file_stem}.csv", "CSV (*.csv)")
        if not path:
            return None
        try:
            saved = save_report_csv(self.paper_sections(charts=False), path)
        except DomainError as error:
            self.message.setText(error.message)
            return None
        self.message.setText(tr("Saved {path}.").format(path=saved))
        return saved


def _money_cells(payments: int, collected: Decimal, refunded: Decimal) -> list[str]:
    return [str(payments), format_inr(collected), format_inr(refunded), format_inr(collected - refunded)]


class CollectionsSheet(ReportSheet):
    title = QT_TR_NOOP("Collections")
    file_stem = "collections"

    def fetch(self, uow: Any, actor: Actor, last: date) -> CollectionsReport:
        return owner_reports.collections_report(uow, actor, last)

    def sections(self, report: CollectionsReport) -> list[SectionData]:
        months = [short_month(m.month) for m in report.months]
        money = [tr("Payments"), tr("Collected"), tr("Refunded"), tr("Net")]
        by_month = SectionData(
            tr("Collected per month"), [tr("Month"), *money],
            [[month_text(m.month), *_money_cells(m.total.payments, m.total.collected, m.total.refunded)]
             for m in report.months]
            + [[tr("Total"), *_money_cells(report.total.payments, report.total.collected, report.total.refunded)]],
            frozenset({1, 2, 3, 4}), True, months,
            [(tr("Collected"), [m.total.collected for m in report.months]),
             (tr("Refunded"), [m.total.refunded for m in report.months]),
             (tr("Net"), [m.total.net for m in report.months])])
        methods = list(PaymentMethod)
        by_method = SectionData(
            tr("Net by method per month"), [tr("Month"), *(tr(m.label) for m in methods)],
            [[month_text(m.month), *(format_inr(m.by_method[p].net) if p in m.by_method else "—" for p in methods)]
             for m in report.months]
            + [[tr("Total"), *(format_inr(report.method_total(p).net) for p in methods)]],
            frozenset(range(1, len(methods) + 1)), True, months,
            [(tr(p.label), [m.by_method[p].net if p in m.by_method else Decimal(0) for m in report.months])
             for p in methods])
        doctors = report.doctors
        by_doctor = SectionData(
            tr("By doctor, all twelve months"), [tr("Doctor"), *money],
            [[tr(d.name) if d.doctor_id is None else d.name,
              *_money_cells(d.money.payments, d.money.collected, d.money.refunded)] for d in doctors],
            frozenset({1, 2, 3, 4}), False,
            [tr(d.name) if d.doctor_id is None else d.name for d in doctors[:TOP_IN_CHART]],
            [(tr("Net"), [d.money.net for d in doctors[:TOP_IN_CHART]])], wide=True)
        return [by_month, by_method, by_doctor]


class VisitsSheet(ReportSheet):
    title = QT_TR_NOOP("Visits and patients")
    file_stem = "visits"

    def fetch(self, uow: Any, actor: Actor, last: date) -> VisitsReport:
        return owner_reports.visits_report(uow, actor, last)

    def sections(self, report: VisitsReport) -> list[SectionData]:
        months = [short_month(m.month) for m in report.months]
        visits = SectionData(
            tr("Visits per month"), [tr("Month"), tr("Visits"), tr("Patients"), tr("New"), tr("Returning")],
            [[month_text(m.month), str(m.visits), str(m.patients), str(m.new_patients), str(m.returning_patients)]
             for m in report.months]
            + [[tr("Total"), str(sum(m.visits for m in report.months)), "", str(sum(m.new_patients
                                                                                 for m in report.months)), ""]],
            frozenset({1, 2, 3, 4}), True, months,
            [(tr("Visits"), [Decimal(m.visits) for m in report.months]),
             (tr("Patients"), [Decimal(m.patients) for m in report.months])], counts=True)
        patients = SectionData(
            tr("New and returning patients"), [tr("Month"), tr("New"), tr("Returning")],
            [[month_text(m.month), str(m.new_patients), str(m.returning_patients)] for m in report.months],
            frozenset({1, 2}), False, months,
            [(tr("New"), [Decimal(m.new_patients) for m in report.months]),
             (tr("Returning"), [Decimal(m.returning_patients) for m in report.months])], counts=True)
        doctors = SectionData(
            tr("Visits by doctor, all twelve months"), [tr("Doctor"), tr("Visits")],
            [[tr(d.name) if d.doctor_id is None else d.name, str(d.visits)] for d in report.doctors],
            frozenset({1}), False,
            [tr(d.name) if d.doctor_id is None else d.name for d in report.doctors[:TOP_IN_CHART]],
            [(tr("Visits"), [Decimal(d.visits) for d in report.doctors[:TOP_IN_CHART]])], counts=True, wide=True)
        return [visits, patients, doctors]


class ItemsSheet(ReportSheet):
    title = QT_TR_NOOP("Procedures and medicines")
    file_stem = "procedures-and-medicines"

    def fetch(self, uow: Any, actor: Actor, last: date) -> ItemsReport:
        return owner_reports.items_report(uow, actor, last)

    def sections(self, report: ItemsReport) -> list[SectionData]:
        return [_items(tr("Top {count} procedures").format(count=owner_reports.TOP_ITEMS), tr("Procedure"),
                       report.procedures),
                _items(tr("Top {count} medicines").format(count=owner_reports.TOP_ITEMS), tr("Medicine"),
                       report.medicines)]


def _items(title: str, heading: str, lines: Sequence[ItemLine]) -> SectionData:
    return SectionData(
        title, ["#", heading, tr("Times billed"), tr("Quantity"), tr("Amount")],
        [[str(n), line.name, str(line.lines), f"{line.quantity.normalize():f}", format_inr(line.amount)]
         for n, line in enumerate(lines, start=1)],
        frozenset({0, 2, 3, 4}), False, [line.name for line in lines[:TOP_IN_CHART]],
        [(tr("Amount"), [line.amount for line in lines[:TOP_IN_CHART]])])
