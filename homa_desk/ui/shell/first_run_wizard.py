"""First start: where the data lives (new installs only), the admin, the clinic, UPI, gateway keys, demo data.

Nothing is written before Finish; then one background call sets everything up or refuses with the messages
next to the fields (see services/first_run.py). `completed` carries the FirstRunResult with the open database.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TR_NOOP, QObject, Signal
from PySide6.QtWidgets import QCheckBox, QLineEdit, QPlainTextEdit, QWidget, QWizard

from homa_desk import APP_TITLE
from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError, FormErrors
from homa_desk.domain.staff import StaffMember
from homa_desk.services import first_run, offsite
from homa_desk.services.first_run import FirstRunResult, SetupForm
from homa_desk.services.offsite import RestoredCopy
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.shell import wizard_pages as pages
from homa_desk.ui.shell.lan_join_page import LanJoinPage

# The off-site restore's steps (services/offsite.py says them in English); the tools' "Table …" lines stay as they are.
OFFSITE_STEPS = (QT_TR_NOOP("Downloading the off-site copy…"), QT_TR_NOOP("Restoring into this computer's database…"),
                 QT_TR_NOOP("Bringing the restored data up to this version…"),
                 QT_TR_NOOP("Switching to the restored data…"), QT_TR_NOOP("Checking every table…"))


class _Relay(QObject):
    """Carries the restore's progress from the worker thread to the wizard."""

    said = Signal(str)


class FirstRunWizard(QWizard):
    """With a `backend` the database is already chosen (its page is left out); without one the wizard opens it."""

    completed = Signal(object)  # FirstRunResult
    admin_created = Signal(object)  # StaffMember

    def __init__(self, backend: Backend | None, parent: QWidget | None = None, *, data_dir: Path | None = None,
                 settings_path: Path | None = None, demo: bool = False) -> None:
        """`demo`: the demo clinic box starts ticked (`homa-desk --demo` on a new install)."""
        super().__init__(parent)
        self._backend = backend
        self._data_dir = data_dir
        self._settings_path = settings_path
        self.admin: StaffMember | None = None
        self.outcome: FirstRunResult | None = None
        self.busy = False
        self.setObjectName("first_run_wizard")
        self.setWindowTitle(f"{APP_TITLE} — " + tr("Set up the clinic"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage)
        self.database_page = pages.DatabasePage(self.form) if backend is None else None
        self.join_page = pages.JoinPage() if backend is None else None
        self.offsite_page = pages.OffsiteRestorePage() if backend is None else None
        self._relay = _Relay()
        self._relay.said.connect(self._progress)
        self.lan_join_page = LanJoinPage() if backend is None else None
        self.admin_page = pages.admin_page(self.form)
        self.clinic_page = pages.ClinicPage(self.form)
        self.payments_page = pages.payments_page(self.form)
        self.gateway_page = pages.gateway_page(self.form)
        self.demo_page = pages.DemoPage(self.form)
        self.demo_page.demo.setChecked(demo)
        if self.database_page is not None and self.join_page is not None:
            self.setPage(pages.DATABASE, self.database_page)
            self.setPage(pages.JOIN, self.join_page)
            self.setPage(pages.LAN_JOIN, self.lan_join_page)
        if self.offsite_page is not None:
            self.setPage(pages.OFFSITE, self.offsite_page)
        for page_id, page in ((pages.ADMIN, self.admin_page), (pages.CLINIC, self.clinic_page),
                              (pages.PAYMENTS, self.payments_page), (pages.GATEWAY, self.gateway_page),
                              (pages.DEMO, self.demo_page)):
            self.setPage(page_id, page)
        self.setStartId(pages.DATABASE if backend is None else pages.ADMIN)

    def form_pages(self) -> list[pages.FormPage]:
        return [self.admin_page, self.clinic_page, self.payments_page, self.gateway_page]

    def input_for(self, name: str) -> QLineEdit | QPlainTextEdit:
        """The input named `name` on any page (tests and the form use it)."""
        for page in self.form_pages():
            if name in page.inputs:
                return page.inputs[name]  # type: ignore[return-value]
        if self.database_page is not None and name == "database_url":
            return self.database_page.database_url
        if self.database_page is not None and name == "database_direct_url":
            return self.database_page.database_direct_url
        raise KeyError(name)

    def form(self) -> SetupForm:
        values: dict[str, object] = {}
        for page in self.form_pages():
            values.update(page.fields())
        demo: QCheckBox = self.demo_page.demo
        return SetupForm(**values, demo=demo.isChecked())  # type: ignore[arg-type]

    def database_url(self) -> str | None:
        return None if self.database_page is None else self.database_page.url()

    def direct_database_url(self) -> str | None:
        return (self.database_page.direct_url() or None) if self.database_page is not None else None

    def accept(self) -> None:
        """Finish: set everything up in the background; the wizard closes only once it is done."""
        if self.busy:
            return
        if self.currentPage() is self.demo_page:
            self.demo_page.errors.clear()
            self.demo_page.progress.setText(tr("Setting up the clinic…") if self._backend is not None else
                                            tr("Setting up the database and the clinic (the first time takes a "
                                            "minute)…"))
            shared = self.database_page is not None and self.database_page.shared.isChecked()
            run_in_background(self, first_run.set_up, self.form(), backend=self._backend,
                              database_url=self.database_url(), data_dir=self._data_dir,
                              direct_database_url=self.direct_database_url(),
                              settings_path=self._settings_path, share=shared, on_success=self._done,
                              on_failure=self._refused)
        elif self.lan_join_page is not None and self.currentPage() is self.lan_join_page:
            page = self.lan_join_page
            page.errors.clear()
            run_in_background(self, first_run.join_lan, page.host_address.text(), page.join_code.text(),
                              desk_name=page.desk_name.text(), expected_fingerprint=page.expected_fingerprint,
                              settings_path=self._settings_path, on_success=self._done, on_failure=self._refused)
        elif self.offsite_page is not None and self.currentPage() is self.offsite_page:
            self.offsite_page.errors.clear()
            self.offsite_page.progress.setText(tr("Connecting…"))
            run_in_background(self, offsite.restore_to_new_computer, self.offsite_page.url.text(),
                              self.offsite_page.password.text(), data_dir=self._data_dir,
                              settings_path=self._settings_path, progress=self._relay.said.emit,
                              on_success=self._restored, on_failure=self._offsite_refused)
        elif self.currentPage() is self.join_page:
            run_in_background(self, first_run.join_existing, self.database_url() or "",
                              direct_database_url=self.direct_database_url(), settings_path=self._settings_path,
                              on_success=self._done, on_failure=self._refused)
        else:
            return
        self._set_busy(True)

    def _done(self, outcome: FirstRunResult) -> None:
        self._set_busy(False)
        self.outcome = outcome
        self.admin = outcome.admin
        self.completed.emit(outcome)
        if outcome.admin is not None:
            self.admin_created.emit(outcome.admin)
        super().accept()

    def _restored(self, restored: RestoredCopy) -> None:
        assert self.offsite_page is not None
        self.offsite_page.password.clear()
        self._done(FirstRunResult(restored.backend, None))

    def _offsite_refused(self, error: DomainError) -> None:
        assert self.offsite_page is not None
        self._set_busy(False)
        self.offsite_page.progress.setText("")
        self.offsite_page.errors.show(error)

    def _progress(self, message: str) -> None:
        if self.offsite_page is not None:
            self.offsite_page.progress.setText(tr(message) if message in OFFSITE_STEPS else message)

    def _refused(self, error: DomainError) -> None:
        self._set_busy(False)
        self.demo_page.progress.setText("")
        general: ErrorLabel = self.currentPage().general_error  # type: ignore[attr-defined]
        if self.lan_join_page is not None and self.currentPage() is self.lan_join_page:
            self.lan_join_page.show_error(error)
        elif isinstance(error, FormErrors) and any([page.show_errors(error) for page in self.form_pages()]):
            general.show_message(tr("Some answers need a change: go Back to the pages marked in red."))
        else:
            general.show_message(error.message)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        for which in (QWizard.WizardButton.FinishButton, QWizard.WizardButton.BackButton,
                      QWizard.WizardButton.CancelButton):
            self.button(which).setEnabled(not busy)

    def reject(self) -> None:
        if not self.busy:
            super().reject()
