"""The first-run wizard's pages. Each checks its own fields on Next and puts the messages next to them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from homa_desk.domain.errors import DomainError, FormErrors
from homa_desk.services import first_run
from homa_desk.services.first_run import RemoteCheck, SetupForm
from homa_desk.services.settings import LOGO_SUFFIXES
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit, text_box
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.service_text import service_text
from homa_desk.ui.common.worker import run_in_background

DATABASE, JOIN, ADMIN, CLINIC, PAYMENTS, GATEWAY, DEMO, OFFSITE, LAN_JOIN = range(9)


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class FormPage(QWizardPage):
    """A page of labelled fields; `check(form)` raises FormErrors naming the fields it refuses."""

    def __init__(self, title: str, subtitle: str, rows: list[tuple[str, str, QWidget]],
                 check: Callable[[SetupForm], object] | None, form: Callable[[], SetupForm]) -> None:
        super().__init__()
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self._check = check
        self._form = form
        self.inputs: dict[str, QWidget] = {}
        layout = QFormLayout()
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        self.errors = FieldErrors(layout, self.general_error)
        for label, field, widget in rows:
            self.add_row(label, field, widget)
        self.body = QVBoxLayout(self)
        self.body.addLayout(layout)
        self.body.addWidget(self.general_error)

    def add_row(self, label: str, field: str, widget: QWidget, *, beside: QWidget | None = None) -> None:
        """`beside`: a button after the field (Browse…, Test connection), in the same row."""
        shown = widget
        if beside is not None:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(widget, 1)
            row.addWidget(beside)
            shown = QWidget()
            shown.setLayout(row)
        self.errors.add_row(label, field, shown)
        self.inputs[field] = widget

    def fields(self) -> dict[str, str]:
        return {name: w.toPlainText() if isinstance(w, QPlainTextEdit) else w.text()
                for name, w in self.inputs.items() if isinstance(w, QLineEdit | QPlainTextEdit)}

    def validatePage(self) -> bool:
        self.errors.clear()
        if self._check is None:
            return True
        try:
            self._check(self._form())
        except DomainError as error:
            self.errors.show(error)
            return False
        return True

    def show_errors(self, error: FormErrors) -> bool:
        """Mark the fields of this page that `error` names; True when there was one."""
        mine = [e for e in error.errors if e.field in self.inputs]
        if mine:
            self.errors.show(FormErrors(mine))
        return bool(mine)


class DatabasePage(FormPage):
    """Where the clinic's data lives. A remote URL is tested (off the UI thread) before the wizard moves on."""

    def __init__(self, form: Callable[[], SetupForm]) -> None:
        super().__init__(tr("Where the clinic's data lives"), tr("You can move to Neon later from Settings."), [], None,
                         form)
        # parented now, so Tab reaches the choice before the URL (a page keeps its children's order in the wizard)
        self.embedded = QRadioButton(tr("This computer (recommended when this is the clinic's only desk)"), self)
        self.embedded.setObjectName("embedded")
        self.shared = QRadioButton(tr("This computer, shared with the clinic's other computers on this network"),
                                   self)
        self.shared.setObjectName("shared")
        self.remote = QRadioButton(tr("A PostgreSQL server such as Neon (for several desks)"), self)
        self.remote.setObjectName("remote")
        self.join_lan = QRadioButton(tr("Join a clinic on this network (its host computer shows a join code)"), self)
        self.join_lan.setObjectName("join_lan")
        self.database_url = line_edit("database_url",
                                      placeholder=tr("postgresql://user:password@host/dbname?sslmode=require"))
        self.test_button = QPushButton(tr("Test connection"))
        self.test_button.setObjectName("test_connection")
        self.add_row(tr("Server URL"), "database_url", self.database_url, beside=self.test_button)
        self.database_direct_url = line_edit("database_direct_url",
                                             placeholder=tr("Blank for Neon or a server without a pooler"))
        self.add_row(tr("Direct URL, past a pooler"), "database_direct_url", self.database_direct_url)
        self.test_result = _note("")
        self.test_result.setObjectName("test_result")
        self.offsite = QRadioButton(tr("Restore from the off-site copy (a new computer for an existing clinic)"), self)
        self.offsite.setObjectName("restore_offsite")
        choice = QButtonGroup(self)
        for number, button in enumerate((self.embedded, self.shared, self.remote, self.join_lan, self.offsite)):
            choice.addButton(button)
            self.body.insertWidget(number, button)
        self.embedded.setChecked(True)
        self.body.insertWidget(5, _note(tr("The password goes to this computer's keyring; the URL is saved without "
                                           "it. A server on another machine must use TLS (?sslmode=require).")))
        self.body.addWidget(self.test_result)
        self.checked: RemoteCheck | None = None
        self._checked_url = ""
        self._advance = False
        self.testing = False
        self.remote.toggled.connect(self._choice_changed)
        self.database_url.textChanged.connect(self._url_changed)
        self.database_direct_url.textChanged.connect(self._url_changed)
        self.test_button.clicked.connect(lambda: self.test_connection(advance=False))
        self._choice_changed(False)

    def url(self) -> str:
        return self.database_url.text().strip() if self.remote.isChecked() else ""

    def direct_url(self) -> str:
        """The server itself behind a pooler that is not Neon's (Neon's direct host is derived): for the schema,
        dumps and restores. Blank: the same as the server URL, or derived."""
        return self.database_direct_url.text().strip() if self.remote.isChecked() else ""

    def validatePage(self) -> bool:
        if not self.remote.isChecked():
            return True
        if self.checked is not None and self._checked_url == self.url():
            return True
        self.test_connection(advance=True)
        return False

    def nextId(self) -> int:
        if self.offsite.isChecked():
            return OFFSITE
        if self.join_lan.isChecked():
            return LAN_JOIN
        if self.remote.isChecked() and self.checked is not None and self.checked.has_admin:
            return JOIN
        return ADMIN

    def test_connection(self, *, advance: bool) -> None:
        if self.testing:
            return
        self.errors.clear()
        self.testing, self._advance = True, advance
        self.test_button.setEnabled(False)
        self.test_result.setText(tr("Connecting…"))
        url = self.url()
        run_in_background(self, first_run.check_remote, url, direct=self.direct_url(),
                          on_success=lambda check: self._tested(url, check), on_failure=self._refused)

    def _tested(self, url: str, check: RemoteCheck) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        self.checked, self._checked_url = check, url
        if check.has_admin:
            note = tr("This database already has a clinic and its admin: this desk will join it.")
        elif check.empty:
            note = tr("The database is empty: Finish creates the clinic's tables in it.")
        else:
            note = tr("The database has the clinic's tables but no admin yet.")
        self.test_result.setText(f"{service_text(check.message.key, check.message.params)} {note}")
        if self._advance and url == self.url():
            self.wizard().next()

    def _refused(self, error: DomainError) -> None:
        self.testing = False
        self.test_button.setEnabled(True)
        self.test_result.setText("")
        self.errors.show(error)

    def _choice_changed(self, remote: bool) -> None:
        self.database_url.setEnabled(remote)
        self.database_direct_url.setEnabled(remote)
        self.test_button.setEnabled(remote and not self.testing)
        if remote:
            self.database_url.setFocus()

    def _url_changed(self, _text: str) -> None:
        self.checked = None
        self.test_result.setText("")


class OffsiteRestorePage(QWizardPage):
    """A new computer for a clinic whose computer was lost: its nightly off-site copy into this computer's database,
    checked table by table; then sign in with the clinic's own accounts (no new admin, no new clinic)."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Restore from the off-site copy"))
        self.setSubTitle(tr("The URL and password of the database that keeps the clinic's nightly off-site copy."))
        layout = QFormLayout()
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        self.errors = FieldErrors(layout, self.general_error)
        self.url = line_edit("offsite_url", placeholder=tr("postgresql://user@ep-….neon.tech/neondb?sslmode=require"))
        self.password = line_edit("offsite_password", password=True)
        self.errors.add_row(tr("Off-site URL"), "offsite_url", self.url)
        self.errors.add_row(tr("Password"), "offsite_password", self.password)
        self.progress = _note("")
        self.progress.setObjectName("progress")
        body = QVBoxLayout(self)
        body.addLayout(layout)
        body.addWidget(_note(tr("Finish copies the latest good copy into this computer's own database and checks "
                                "every table's rows; then sign in with your usual account.")))
        body.addWidget(self.progress)
        body.addWidget(self.general_error)

    def nextId(self) -> int:
        return -1


class JoinPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(tr("Join the clinic's database"))
        self.setSubTitle(tr("This database already has its admin: no new clinic is created."))
        self.general_error = ErrorLabel()
        self.general_error.setObjectName("general_error")
        layout = QVBoxLayout(self)
        layout.addWidget(_note(tr("Finish saves the connection on this desk; then sign in with the account your "
                                  "admin gave you.")))
        layout.addWidget(self.general_error)

    def nextId(self) -> int:
        return -1


def admin_page(form: Callable[[], SetupForm]) -> FormPage:
    rows = [(tr("Your full name"), "full_name", line_edit("full_name")),
            (tr("E-mail"), "email", line_edit("email", placeholder=tr("name@clinic.example"))),
            (tr("Mobile"), "phone", line_edit("phone", placeholder="98765 43210")),
            (tr("Password"), "password", line_edit("password", password=True)),
            (tr("Password again"), "password_again", line_edit("password_again", password=True))]
    return FormPage(tr("The admin account"), tr("The admin adds the other staff. There is no default password."),
                    rows, first_run.check_admin, form)


class ClinicPage(FormPage):
    def __init__(self, form: Callable[[], SetupForm]) -> None:
        super().__init__(tr("The clinic"), tr("Shown on the desk, bills and receipts."), [], first_run.check_clinic,
                         form)
        self.add_row(tr("Clinic name"), "clinic_name", line_edit("clinic_name", placeholder=tr("Sunrise Clinic")))
        self.add_row(tr("Address"), "clinic_address", text_box("clinic_address"))  # as many lines as the letterhead
        self.add_row(tr("Phone"), "clinic_phone", line_edit("clinic_phone", placeholder=tr("optional")))
        self.logo = line_edit("clinic_logo_path", placeholder=tr("optional PNG, JPEG, SVG or BMP"))
        self.browse = QPushButton(tr("Browse…"))
        self.browse.setObjectName("browse_logo")
        self.browse.clicked.connect(self.choose_logo)
        self.add_row(tr("Logo"), "clinic_logo_path", self.logo, beside=self.browse)
        self.add_row(tr("GSTIN"), "clinic_gstin",
                     line_edit("clinic_gstin", placeholder=tr("optional, 27AAPFU0939F1ZV")))

    def choose_logo(self) -> None:
        patterns = " ".join(f"*{suffix}" for suffix in LOGO_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self, tr("The clinic's logo"), "",
                                              tr("Images ({patterns})").format(patterns=patterns))
        if path:
            self.logo.setText(path)


def payments_page(form: Callable[[], SetupForm]) -> FormPage:
    rows = [(tr("UPI ID (VPA)"), "upi_vpa", line_edit("upi_vpa", placeholder=tr("clinic@okaxis"))),
            (tr("Payee name"), "upi_payee_name",
             line_edit("upi_payee_name", placeholder=tr("as the bank account shows")))]
    return FormPage(tr("UPI payments"), tr("Patients scan a QR for this UPI ID. Leave both blank to practise with "
                                           "the simulator first."), rows, first_run.check_upi, form)


def gateway_page(form: Callable[[], SetupForm]) -> FormPage:
    rows = [(tr("Razorpay key id"), "razorpay_key_id",
             line_edit("razorpay_key_id", placeholder=tr("optional, rzp_live_…"))),
            (tr("Razorpay key secret"), "razorpay_key_secret", line_edit("razorpay_key_secret", password=True))]
    return FormPage(tr("Payment gateway (optional)"), tr("With Razorpay keys the desk confirms UPI payments itself. "
                                                         "The secret is kept in this computer's keyring."),
                    rows, first_run.check_gateway, form)


class DemoPage(FormPage):
    def __init__(self, form: Callable[[], SetupForm]) -> None:
        super().__init__(tr("Ready"), tr("Finish creates the clinic and its admin; then sign in."), [], None, form)
        self.demo = QCheckBox(tr("Add a demo clinic to try the desk (doctors, patients, today's appointments)"))
        self.demo.setObjectName("demo")
        self.progress = _note("")
        self.progress.setObjectName("progress")
        self.body.insertWidget(0, self.demo)
        self.body.addWidget(self.progress)

    def nextId(self) -> int:
        return -1  # the last page, though the join and off-site restore pages' ids come after it
