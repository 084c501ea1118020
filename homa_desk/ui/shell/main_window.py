"""The desk after sign-in: sidebar per role, the pages, and a header with clinic, user and database state.

Only the start page is built at sign-in; every other page (its module and its widgets) the first time it is shown
or a shortcut needs it, so signing in does not wait for pages the user may never open.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QT_TR_NOOP, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.appointments import SlotState
from homa_desk.domain.patients import PatientSummary
from homa_desk.domain.roles import Actor, Role
from homa_desk.services import clinic
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.keyring_state import NoKeyringBadge
from homa_desk.ui.common.modal import end_running_dialogs
from homa_desk.ui.common.resources import icon_path
from homa_desk.ui.common.unsaved import keep_all, settle_all, unsaved_work
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.shell import shortcuts
from homa_desk.ui.shell.database_status import PING_INTERVAL_MS, DatabaseStatus
from homa_desk.ui.shell.help_overlay import HelpOverlay
from homa_desk.ui.shell.offsite_badge import OffsiteBadge
from homa_desk.ui.shell.patient_desk import PatientDesk
from homa_desk.ui.shell.window_place import place_window, remember_place

ALL_STAFF = frozenset({Role.ADMIN, Role.RECEPTIONIST, Role.DOCTOR})
FRONT_DESK = frozenset({Role.ADMIN, Role.RECEPTIONIST})


@dataclass(frozen=True)
class Page:
    key: str
    title: str
    roles: frozenset[Role]
    view: str  # "room.module:Class" in homa_desk.ui, imported when the page is first built

    @property
    def module(self) -> str:
        return f"homa_desk.ui.{self.view.split(':')[0]}"

    def build(self, backend: Backend, actor: Actor) -> QWidget:
        return getattr(importlib.import_module(self.module), self.view.split(":")[1])(backend, actor)


PAGES = (
    # a doctor's day starts at the workstation; admins find it after Appointments
    Page("workstation", QT_TR_NOOP("Workstation"), frozenset({Role.DOCTOR}),
         "consultation.workstation_view:WorkstationView"),
    Page("dashboard", QT_TR_NOOP("Dashboard"), ALL_STAFF, "shell.dashboard:DashboardView"),
    Page("patients", QT_TR_NOOP("Patients"), ALL_STAFF, "patients.patients_view:PatientsView"),
    Page("appointments", QT_TR_NOOP("Appointments"), ALL_STAFF, "appointments.appointments_view:AppointmentsView"),
    Page("workstation", QT_TR_NOOP("Workstation"), frozenset({Role.ADMIN}),
         "consultation.workstation_view:WorkstationView"),
    Page("billing", QT_TR_NOOP("Billing"), FRONT_DESK, "billing.billing_view:BillingView"),
    Page("payments", QT_TR_NOOP("Payments"), FRONT_DESK, "reports.payments_view:PaymentsView"),
    Page("reports", QT_TR_NOOP("Reports"), frozenset({Role.ADMIN}), "reports.owner_view:OwnerReportsView"),
    Page("settings", QT_TR_NOOP("Settings"), frozenset({Role.ADMIN}), "settings.settings_view:SettingsView"),
)


def pages_for(role: Role) -> list[Page]:
    """The pages a role may open; the services enforce the same rules, the sidebar only hides what is refused."""
    return [page for page in PAGES if role in page.roles]


def import_start_pages() -> None:
    """Import the modules of every role's first page: off the UI thread while someone signs in."""
    for role in Role:
        for page in pages_for(role)[:1]:
            importlib.import_module(page.module)


class PageViews(Mapping[str, QWidget]):
    """The window's pages by key, each built when first asked for; `in` and iteration never build one."""

    def __init__(self, window: MainWindow) -> None:
        self._window = window
        self.built: dict[str, QWidget] = {}

    def __getitem__(self, key: str) -> QWidget:
        if key not in self.built:
            self.built[key] = self._window._build_page(key)
        return self.built[key]

    def __contains__(self, key: object) -> bool:
        return any(page.key == key for page in self._window.pages)

    def __iter__(self) -> Iterator[str]:
        return (page.key for page in self._window.pages)

    def __len__(self) -> int:
        return len(self._window.pages)


class MainWindow(QMainWindow):
    signed_out = Signal()
    closed = Signal()

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 ping_interval_ms: int = PING_INTERVAL_MS, screen_areas: Sequence[QRect] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("main_window")
        self.setWindowTitle(APP_TITLE)
        place_window(self, screen_areas)
        self._backend = backend
        self.actor = actor
        self._signing_out = False
        self._closing_anyway = False
        self.pages = pages_for(actor.role)

        self.clinic_label = QLabel("")
        self.clinic_label.setObjectName("clinic_name")
        self.clinic_label.setProperty("role", "title")
        self.user_label = QLabel(f"{actor.full_name} · {tr(actor.role.label)}")
        self.user_label.setObjectName("user")
        self.database_status = DatabaseStatus(backend, interval_ms=ping_interval_ms)
        self.sign_out_button = QPushButton(tr("Sign out"))
        self.sign_out_button.setObjectName("sign_out")
        self.sign_out_button.clicked.connect(self.sign_out)
        header = QWidget()
        header.setObjectName("header")
        header_layout = QHBoxLayout(header)
        header_layout.addWidget(self.clinic_label)
        header_layout.addStretch(1)
        self.no_keyring_badge = NoKeyringBadge()
        header_layout.addWidget(self.no_keyring_badge)
        self.offsite_badge = OffsiteBadge(backend, actor)
        header_layout.addWidget(self.offsite_badge)
        header_layout.addWidget(self.database_status)
        header_layout.addSpacing(16)
        header_layout.addWidget(self.user_label)
        header_layout.addWidget(self.sign_out_button)

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(190)
        self.stack = QStackedWidget()
        self.stack.setObjectName("pages")
        self.views = PageViews(self)
        for page in self.pages:
            item = QListWidgetItem(tr(page.title))
            item.setData(Qt.ItemDataRole.UserRole, page.key)
            if (path := icon_path(page.key)) is not None:
                item.setIcon(QIcon(str(path)))
            self.sidebar.addItem(item)
            self.stack.addWidget(QWidget())  # stands in for the page until it is first shown
        self.sidebar.currentRowChanged.connect(self._show_row)
        self._help_overlay: HelpOverlay | None = None
        self.sidebar.setCurrentRow(0)
        self.desk = PatientDesk(self, backend)
        self._bind_shortcuts()

        body = QWidget()
        body_layout = QHBoxLayout(body)
        body_layout.setContentsMargins(0, 0, 0, 0)
        body_layout.addWidget(self.sidebar)
        body_layout.addWidget(self.stack, 1)
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.addWidget(header)
        central_layout.addWidget(body, 1)
        self.setCentralWidget(central)
        self.statusBar().showMessage(tr("Signed in as {name} ({role}).").format(
            name=actor.full_name, role=tr(actor.role.label).lower()), 5000)

        changes.change_hub().changed.connect(self._refresh_if)
        self.load_clinic_name()

    @property
    def help_overlay(self) -> HelpOverlay:
        """F1's list of shortcuts, built the first time it is needed."""
        if self._help_overlay is None:
            self._help_overlay = HelpOverlay(self, shortcuts.help_rows(self.page_titles()))
        return self._help_overlay

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        self.stack.setCurrentWidget(self.views[self.pages[row].key])  # built on its first visit
        if self.pages[row].key != "appointments" and "appointments" in self.views.built:
            self.views.built["appointments"].patient_to_book = None  # Ctrl+B's patient, only until the page is left

    def _build_page(self, key: str) -> QWidget:
        """Put the page's widget where its placeholder stood in the stack (the stack keeps the sidebar's order)."""
        row = next(i for i, page in enumerate(self.pages) if page.key == key)
        view = self.pages[row].build(self._backend, self.actor)
        placeholder = self.stack.widget(row)
        current = self.stack.currentIndex()
        self.stack.insertWidget(row, view)
        self.stack.removeWidget(placeholder)
        placeholder.deleteLater()
        self.stack.setCurrentIndex(current)
        if key == "appointments":
            self._bind_grid_enter(view)
        if key == "patients":
            view.act.connect(self.desk.act_for)
        return view

    def _bind_shortcuts(self) -> None:
        for number in range(1, len(self.pages) + 1):
            shortcuts.bind(self, shortcuts.page_shortcut(number),
                           lambda row=number - 1: self.sidebar.setCurrentRow(row))
        shortcuts.bind(self, shortcuts.NEW_PATIENT, self.new_patient)
        shortcuts.bind(self, shortcuts.SEARCH, self.focus_search)
        shortcuts.bind(self, shortcuts.BOOK, self.book)
        shortcuts.bind(self, shortcuts.ADD_WALK_IN, self.desk.add_walk_in)
        shortcuts.bind(self, shortcuts.CHECK_IN, self.desk.check_in)
        shortcuts.bind(self, shortcuts.NEW_BILL, self.desk.new_bill)
        shortcuts.bind(self, shortcuts.CALL_NEXT, self.desk.call_next)
        shortcuts.bind(self, shortcuts.HELP, lambda: self.help_overlay.toggle())
        # F9 and Shift+F9 also work while a bill's or a patient's own window is in front (neither is modal)
        shortcuts.bind(self, shortcuts.TAKE_PAYMENT, self.take_payment, Qt.ShortcutContext.ApplicationShortcut)
        shortcuts.bind(self, shortcuts.PAY_BY_UPI, lambda: self.take_payment(upi=True),
                       Qt.ShortcutContext.ApplicationShortcut)

    def _bind_grid_enter(self, view: QWidget) -> None:
        for key in ("Return", "Enter"):
            enter = QShortcut(QKeySequence(key), view.grid, context=Qt.ShortcutContext.WidgetShortcut)
            enter.activated.connect(self.book)

    def new_patient(self) -> None:
        if self._open("patients"):
            self.views["patients"].register_new()

    def focus_search(self) -> None:
        if self._open("patients"):
            search = self.views["patients"].search
            search.setFocus(Qt.FocusReason.ShortcutFocusReason)
            search.selectAll()

    def book(self, patient: PatientSummary | None = None) -> None:
        """Book the slot chosen in the schedule; with none chosen yet, put the cursor on the first free one. Pressed
        on the Patients page, the booking is for the patient selected there (or the only one found); asked for from
        a profile, for that patient."""
        page = self.current_page()
        found = patient or self.desk.patient_found()
        if not self._open("appointments"):
            return
        view = self.views["appointments"]
        if page != "appointments" or patient is not None:
            view.patient_to_book = found
        view.tabs.setCurrentIndex(0)
        grid = view.grid
        slot = grid.slot_at(grid.currentRow(), grid.currentColumn()) if grid.hasFocus() else None
        if slot is not None:
            view.open_slot(slot)
            return
        free = next(((r, c) for c in range(grid.columnCount()) for r in range(grid.rowCount())
                     if (s := grid.slot_at(r, c)) is not None and s.state is SlotState.FREE), None)
        if free is not None:
            grid.setCurrentCell(*free)
        grid.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.statusBar().showMessage(
            tr("Booking for {name}: arrow keys choose a slot; Enter or Ctrl+B books it.").format(
                name=view.patient_to_book.full_name) if view.patient_to_book is not None
            else tr("Arrow keys choose a slot; Enter or Ctrl+B books it."), 5000)

    def take_payment(self, *, upi: bool = False) -> None:
        """In a bill's window: the payment dialog (or the UPI QR). For a patient found or whose profile is in front:
        their newest unpaid bill. Elsewhere: the bill selected in Billing, or the list to pick."""
        from homa_desk.ui.billing.bill_screen import BillDialog  # lazy: cold start
        from homa_desk.ui.patients.patient_profile import PatientProfileDialog  # lazy: cold start

        active = QApplication.activeWindow()
        if isinstance(active, BillDialog):
            if active.pay_button.isEnabled():
                (active.pay_by_upi if upi else active.take_payment)()
            return
        patient = (active.profile.summary if isinstance(active, PatientProfileDialog) and active.profile
                   else self.desk.patient_found())
        if patient is not None:
            self.desk.take_payment_for(patient, upi=upi)
            return
        if not self._open("billing"):
            return
        view = self.views["billing"]
        index = view.table.currentIndex()
        bill = view.model.bill_at(index.row()) if index.isValid() and view.table.hasFocus() else None
        if bill is None:
            if view.model.rowCount() and not index.isValid():
                view.table.selectRow(0)
            view.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.statusBar().showMessage(tr("Choose the bill with the arrow keys, then F9 again."), 5000)
            return
        self.pay_bill(bill.id, upi=upi)

    def pay_bill(self, bill_id: int, *, upi: bool = False) -> None:
        """Open the bill and, once it has loaded, its payment dialog (or the UPI QR)."""
        dialog = self.views["billing"].open_bill(bill_id)
        pay = dialog.pay_by_upi if upi else dialog.take_payment
        dialog.bill_loaded.connect(lambda _bill: pay() if dialog.pay_button.isEnabled() else None,
                                   Qt.ConnectionType.SingleShotConnection)

    def _open(self, key: str) -> bool:
        """Show the page if this role has it; say so in the status bar if not."""
        if key not in self.views:
            self.statusBar().showMessage(tr("That is not part of your desk."), 5000)
            return False
        if self._help_overlay is not None:
            self._help_overlay.hide()
        self.show_page(key)
        return True

    def page_titles(self) -> list[str]:
        return [tr(page.title) for page in self.pages]

    def current_page(self) -> str:
        return self.pages[self.stack.currentIndex()].key

    def show_page(self, key: str) -> None:
        self.sidebar.setCurrentRow(next(i for i, page in enumerate(self.pages) if page.key == key))

    def load_clinic_name(self) -> None:
        run_in_background(self, clinic.clinic_name, self._backend.uow(), on_success=self._show_clinic_name,
                          on_failure=lambda error: self.statusBar().showMessage(error.message, 10000))

    def sign_out(self) -> None:
        """Close the desk for this user; whoever listens to `signed_out` shows the sign-in again.

        A print dialog still open is cancelled first, and the sign-out goes on once it has returned. Typed work not
        saved (a consultation, a patient form, a bill) is asked about first: Save, Discard or Stay."""
        if end_running_dialogs():
            QTimer.singleShot(0, self, self.sign_out)
            return
        settle_all(self, self._sign_out_now)

    def sign_out_keeping_work(self) -> None:
        """The idle lock's "Sign out instead" and a revoked account: nothing is asked (whoever is at the desk may not
        be its user), and the consultation's typed changes are kept as the doctor's draft."""
        if end_running_dialogs():
            QTimer.singleShot(0, self, self.sign_out_keeping_work)
            return
        keep_all(self)
        self._sign_out_now()

    def keep_work(self) -> None:
        """The desk locked: typed consultation changes are kept as the doctor's draft at once."""
        keep_all(self)

    def unkept_work(self) -> int:
        """Open forms whose typed changes a sign-out without asking would lose (no draft keeps them)."""
        return sum(1 for work in unsaved_work(self) if not work.keepable)

    def _sign_out_now(self) -> None:
        if self._signing_out:
            return
        self._signing_out = True
        self.database_status.stop()
        self.offsite_badge.stop()
        self.close()
        self.signed_out.emit()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not (self._signing_out or self._closing_anyway) and unsaved_work(self):
            event.ignore()
            settle_all(self, self._close_anyway)
            return
        self.database_status.stop()
        if self.isVisible():
            remember_place(self)
        super().closeEvent(event)
        if not self._signing_out:
            self.closed.emit()

    def _close_anyway(self) -> None:
        self._closing_anyway = True
        self.close()

    def _show_clinic_name(self, name: str) -> None:
        self.clinic_label.setText(name)
        self.setWindowTitle(f"{name} — {APP_TITLE}")

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.CLINIC:
            self.load_clinic_name()
