"""The first-run wizard, driven page by page with real widgets: messages next to the fields, nothing written
before Finish, then the admin, the clinic's profile, the keyring and settings.json; the database choice on a new
install (this computer, or a URL tested first against a local PostgreSQL standing in for Neon)."""

from __future__ import annotations

import json

import psycopg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QWizard

from homa_desk.config import Settings, config_file
from homa_desk.db import migrate
from homa_desk.db.urls import keyring_name, parse_database_url
from homa_desk.domain.roles import Role
from homa_desk.gateways.factory import RAZORPAY_SECRET
from homa_desk.secret_store import SERVICE
from homa_desk.services import first_run, staff
from homa_desk.services.settings import CLINIC_KEYS
from homa_desk.ui.common import worker
from homa_desk.ui.shell.first_run_wizard import FirstRunWizard
from tests.helpers import libpq
from tests.ui.shell.wizard_helpers import ADMIN, CLINIC, UPI, click, fill_clinic, message, next_page, type_into

FINISH = QWizard.WizardButton.FinishButton
NEXT = QWizard.WizardButton.NextButton


def open_wizard(qtbot, backend, **kwargs) -> FirstRunWizard:  # type: ignore[no-untyped-def]
    wizard = FirstRunWizard(backend, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


@pytest.fixture
def wizard(qtbot, backend):
    return open_wizard(qtbot, backend)


def finish(qtbot, wizard: FirstRunWizard, timeout: int = 10000):  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(wizard.completed, timeout=timeout) as signal:
        click(qtbot, wizard, FINISH)
    return signal.args[0]


def clinic_profile(uow) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with uow:
        return {key: uow.settings.get(key) for key in CLINIC_KEYS}


# --- each page checks its own fields ------------------------------------------------------------------------

@pytest.mark.parametrize(("changes", "field", "expected"), [
    ({"full_name": ""}, "full_name", "Enter the full name."),
    ({"phone": "12345"}, "phone", "Enter a 10-digit Indian mobile number starting with 6, 7, 8 or 9."),
    ({"email": "meera.at.lotus"}, "email", "Enter an e-mail address like name@example.com."),
    ({"password_again": "Another-Horse-8-Battery"}, "password_again", "The two passwords differ."),
    ({"password": "password123", "password_again": "password123"}, "password", "This password is too common"),
])
def test_admin_page_marks_the_bad_field_and_stays(qtbot, wizard, uow, changes, field, expected):
    next_page(qtbot, wizard, **{**ADMIN, **changes})
    page = wizard.admin_page
    assert wizard.currentPage() is page
    assert message(page, field).startswith(expected)
    assert [name for name in ADMIN if name != field and message(page, name)] == []
    assert staff.needs_first_admin(uow)


def test_clinic_page_checks_name_phone_logo_and_gstin_at_once(qtbot, wizard, tmp_path):
    next_page(qtbot, wizard, **ADMIN)
    next_page(qtbot, wizard, clinic_name="", clinic_phone="12", clinic_logo_path=str(tmp_path / "missing.png"),
              clinic_gstin="27AAPFU0939F1ZA")
    page = wizard.clinic_page
    assert wizard.currentPage() is page
    assert message(page, "clinic_name") == "Enter the clinic's name."
    assert message(page, "clinic_phone") == "Enter a phone number of 10 to 15 digits."
    assert message(page, "clinic_logo_path") == "Choose an existing PNG, JPEG, SVG or BMP image."
    assert message(page, "clinic_gstin").startswith("This GSTIN's last character does not match")
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n")
    next_page(qtbot, wizard, **CLINIC, clinic_logo_path=str(logo))
    assert wizard.currentPage() is wizard.payments_page


def test_upi_page_wants_a_real_vpa_and_its_payee_or_neither(qtbot, wizard):
    next_page(qtbot, wizard, **ADMIN)
    next_page(qtbot, wizard, **CLINIC)
    page = wizard.payments_page
    next_page(qtbot, wizard, upi_vpa="lotus.okaxis", upi_payee_name="")
    assert wizard.currentPage() is page
    assert message(page, "upi_vpa") == "A UPI ID looks like name@bank, for example clinic@okaxis."
    assert message(page, "upi_payee_name") == "Enter the payee name the patient's UPI app shows."
    next_page(qtbot, wizard, upi_vpa="", upi_payee_name="")
    assert wizard.currentPage() is wizard.gateway_page



def test_razorpay_key_id_without_secret_or_with_a_wrong_prefix_is_refused(qtbot, wizard):
    for values in (ADMIN, CLINIC, UPI):
        next_page(qtbot, wizard, **values)
    page = wizard.gateway_page
    next_page(qtbot, wizard, razorpay_key_id="rzp_test_abc123")
    assert wizard.currentPage() is page
    assert message(page, "razorpay_key_secret") == "Enter the Razorpay key secret."
    next_page(qtbot, wizard, razorpay_key_id="key_123", razorpay_key_secret="s3cret")
    assert message(page, "razorpay_key_id") == "A Razorpay key id starts with rzp_live_ or rzp_test_."
    assert wizard.currentPage() is page


# --- Finish writes everything, or nothing --------------------------------------------------------------------

def test_nothing_is_written_before_finish_then_everything_is(qtbot, wizard, uow, memory_keyring):
    for values in (ADMIN, CLINIC, UPI):
        next_page(qtbot, wizard, **values)
    next_page(qtbot, wizard, razorpay_key_id="rzp_test_abc123", razorpay_key_secret="rzp-secret-value")
    assert wizard.currentPage() is wizard.demo_page
    assert staff.needs_first_admin(uow) and not config_file().exists() and memory_keyring.secrets == {}

    outcome = finish(qtbot, wizard)
    assert outcome.admin.role is Role.ADMIN and outcome.admin.email == "meera@lotus.example"
    assert wizard.result() == QWizard.DialogCode.Accepted
    assert clinic_profile(uow) == {"clinic_name": "Lotus Family Clinic", "clinic_address": "12 MG Road, Pune",
                                   "clinic_phone": "020 2553 1234", "clinic_logo_path": "",
                                   "clinic_gstin": "27AAPFU0939F1ZV"}
    saved = Settings.load()
    assert (saved.gateway, saved.upi_vpa, saved.upi_payee_name, saved.razorpay_key_id) == (
        "razorpay", "lotus@okaxis", "Lotus Family Clinic", "rzp_test_abc123")
    assert "rzp-secret-value" not in config_file().read_text()
    assert memory_keyring.secrets[(SERVICE, RAZORPAY_SECRET)] == "rzp-secret-value"
    assert outcome.backend.gateway.__class__.__name__ == "RazorpayGateway"


def test_the_clinic_address_takes_several_lines_and_keeps_them(qtbot, wizard, uow):
    """Issue 18, defect 17: an Indian address is three or four lines; Enter starts a new one, Tab moves on."""
    next_page(qtbot, wizard, **ADMIN)
    address = wizard.input_for("clinic_address")
    assert isinstance(address, QPlainTextEdit)
    type_into(qtbot, wizard, clinic_name="Lotus Family Clinic")
    address.setFocus()
    for number, line in enumerate(("12 MG Road", "Shivajinagar", "Pune 411005")):
        if number:
            qtbot.keyClick(address, Qt.Key.Key_Return)
        qtbot.keyClicks(address, line)
    assert wizard.currentPage() is wizard.clinic_page
    qtbot.keyClick(address, Qt.Key.Key_Tab)
    assert wizard.input_for("clinic_phone").hasFocus()
    click(qtbot, wizard, NEXT)
    for values in (UPI, {}):
        next_page(qtbot, wizard, **values)
    finish(qtbot, wizard)
    assert clinic_profile(uow)["clinic_address"] == "12 MG Road\nShivajinagar\nPune 411005"


def test_upi_only_sets_the_static_upi_gateway_and_demo_fills_the_clinic(qtbot, wizard, engine):
    fill_clinic(qtbot, wizard)
    wizard.demo_page.demo.setChecked(True)
    finish(qtbot, wizard, timeout=60000)
    assert Settings.load().gateway == "static_upi"
    with engine.connect() as conn:
        patients = conn.exec_driver_sql("SELECT count(*) FROM users WHERE role = 'patient'").scalar_one()
    assert patients > 0


def test_homa_desk_demo_on_a_new_install_starts_with_the_demo_box_ticked(qtbot, backend):
    """`python3 dev.py run` is `homa-desk --demo`: on a new install the wizard opens first and offers the demo."""
    assert open_wizard(qtbot, backend, demo=True).demo_page.demo.isChecked()
    assert not open_wizard(qtbot, backend).demo_page.demo.isChecked()


def test_a_clinic_that_got_its_admin_meanwhile_refuses_and_nothing_else_is_written(qtbot, wizard, uow, admin,
                                                                                  memory_keyring):
    fill_clinic(qtbot, wizard, gateway={"razorpay_key_id": "rzp_test_abc123", "razorpay_key_secret": "x-secret"})
    click(qtbot, wizard, FINISH)
    general = wizard.demo_page.general_error
    qtbot.waitUntil(general.isVisible)
    assert general.text() == "The clinic already has an admin; sign in instead."
    assert wizard.isVisible() and wizard.button(FINISH).isEnabled()
    assert not config_file().exists()
    assert clinic_profile(uow)["clinic_address"] is None


# --- a new install: where the data lives --------------------------------------------------------------------

@pytest.fixture
def empty_remote(cluster):
    """An empty database on the test server with its own password-protected owner, standing in for Neon."""
    url = cluster.fresh_database(migrated=False)
    with psycopg.connect(libpq(cluster.admin_url), autocommit=True) as conn:
        conn.execute("DROP ROLE IF EXISTS clinic_owner")
        conn.execute("CREATE ROLE clinic_owner LOGIN PASSWORD 'Owner-Pass-42'")
        conn.execute(f'ALTER DATABASE "{url.database}" OWNER TO clinic_owner')
    yield url.set(username="clinic_owner", password="Owner-Pass-42")
    cluster.drop(url)


def raw(url) -> str:  # type: ignore[no-untyped-def]
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def choose_remote(qtbot, wizard: FirstRunWizard, text: str) -> None:
    page = wizard.database_page
    page.remote.setChecked(True)
    type_into(qtbot, wizard, database_url=text)
    click(qtbot, wizard, NEXT)
    qtbot.waitUntil(lambda: not page.testing, timeout=10000)


def test_a_wrong_url_is_refused_next_to_the_field_and_nothing_is_saved(qtbot, empty_remote, tmp_path):
    wizard = open_wizard(qtbot, None, data_dir=tmp_path / "pgdata")
    page = wizard.database_page
    assert wizard.currentPage() is page and page.embedded.isChecked()
    choose_remote(qtbot, wizard, raw(empty_remote.set(port=1)))
    assert wizard.currentPage() is page
    assert message(page, "database_url").startswith("Cannot connect:")
    assert "Owner-Pass-42" not in message(page, "database_url")
    choose_remote(qtbot, wizard, "postgresql://owner@ep-cool-1.neon.tech/clinic")
    assert message(page, "database_url").startswith("A database on another machine must use TLS")
    assert wizard.currentPage() is page
    assert not config_file().exists() and not (tmp_path / "pgdata").exists()


def test_a_neon_url_is_tested_then_the_clinic_is_created_in_it(qtbot, empty_remote, memory_keyring, tmp_path):
    wizard = open_wizard(qtbot, None, data_dir=tmp_path / "pgdata")
    choose_remote(qtbot, wizard, raw(empty_remote))
    assert wizard.currentPage() is wizard.admin_page
    assert wizard.database_page.test_result.text().startswith("Connected to PostgreSQL")
    assert "empty" in wizard.database_page.test_result.text()
    fill_clinic(qtbot, wizard)
    outcome = finish(qtbot, wizard, timeout=60000)
    try:
        assert outcome.backend.target.kind == "remote"
        assert migrate.current_revision(outcome.backend.engine) == migrate.head_revision()
        assert not staff.needs_first_admin(outcome.backend.uow())
        stored = json.loads(config_file().read_text())
        assert "Owner-Pass-42" not in config_file().read_text()
        assert parse_database_url(stored["database_url"]).password is None
        assert memory_keyring.secrets[(SERVICE, keyring_name(empty_remote))] == "Owner-Pass-42"
        assert not (tmp_path / "pgdata").exists()
    finally:
        outcome.backend.close()


def test_a_database_that_already_has_its_clinic_is_joined(qtbot, cluster, db_url, admin, tmp_path):
    wizard = open_wizard(qtbot, None, data_dir=tmp_path / "pgdata")
    choose_remote(qtbot, wizard, raw(db_url))
    assert wizard.currentPage() is wizard.join_page
    outcome = finish(qtbot, wizard)
    try:
        assert outcome.admin is None and outcome.backend.target.kind == "remote"
        stored = parse_database_url(Settings.load().database_url)
        assert stored.database == db_url.database and stored.password is None
    finally:
        outcome.backend.close()


def test_this_computer_starts_the_embedded_database_only_at_finish(qtbot, tmp_path):
    data_dir = tmp_path / "pgdata"
    wizard = open_wizard(qtbot, None, data_dir=data_dir)
    click(qtbot, wizard, NEXT)
    fill_clinic(qtbot, wizard)
    assert not data_dir.exists()
    outcome = finish(qtbot, wizard, timeout=120000)
    try:
        assert outcome.backend.target.kind == "embedded" and (data_dir / "PG_VERSION").exists()
        assert outcome.admin.email == "meera@lotus.example"
        assert not staff.needs_first_admin(outcome.backend.uow())
        assert Settings.load().database_url is None and config_file().exists()
        assert not first_run.needs_database_choice(Settings.load(), {}, data_dir)
    finally:
        assert worker.wait_for_idle(15)
        outcome.backend.close()


def test_the_database_choice_is_asked_only_on_a_new_install(tmp_path):
    data_dir = tmp_path / "pgdata"
    assert first_run.needs_database_choice(Settings(), {}, data_dir)
    assert not first_run.needs_database_choice(Settings(), {"HOMA_DATABASE_URL": "postgresql://x@localhost/d"},
                                               data_dir)
    assert not first_run.needs_database_choice(Settings(database_url="postgresql://x@localhost/d"), {}, data_dir)
    data_dir.mkdir()
    (data_dir / "PG_VERSION").write_text("16")
    assert not first_run.needs_database_choice(Settings(), {}, data_dir)


def test_a_database_with_an_admin_never_shows_the_wizard(qtbot, backend, admin):
    from homa_desk.ui.shell.app import DeskController

    controller = DeskController(backend)
    controller.start()
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    assert controller.wizard is None
    controller.login_dialog.reject()


def test_remote_check_refuses_a_database_at_an_older_schema(cluster, owner_engine, db_url):
    migrate.downgrade(owner_engine, "base")
    migrate.upgrade(owner_engine, "0001")
    with pytest.raises(Exception, match="schema revision 0001"):
        first_run.check_remote(raw(db_url))


def test_a_new_install_goes_from_the_wizard_to_the_sign_in_on_the_chosen_database(qtbot, empty_remote, tmp_path):
    from homa_desk.ui.shell.app import DeskController

    controller = DeskController(None, data_dir=tmp_path / "pgdata")
    controller.start()
    wizard = controller.wizard
    assert wizard is not None and wizard.isVisible() and wizard.currentPage() is wizard.database_page
    choose_remote(qtbot, wizard, raw(empty_remote))
    fill_clinic(qtbot, wizard)
    click(qtbot, wizard, FINISH)
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible(),
                    timeout=60000)
    try:
        assert controller.wizard is None
        assert controller.login_dialog.email.text() == ADMIN["email"]
        assert controller.backend.target.kind == "remote"
        assert controller.backend.target.url.database == empty_remote.database
    finally:
        controller.login_dialog.reject()
        assert worker.wait_for_idle(15)
        controller.backend.close()
