"""OWASP ASVS level 1 essentials not already proven elsewhere: bcrypt at cost 12 in the shipped code, passwords
stored nowhere in clear, the 10-character and common-password boundaries on every path that sets a password, and a
sign-out that leaves no signed-in actor and no patient data in any live widget."""

from __future__ import annotations

import subprocess
import sys

import bcrypt
import pytest
from PySide6.QtCore import QAbstractListModel, QEvent, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QLineEdit
from sqlalchemy import text

from homa_desk.domain import validation
from homa_desk.domain.errors import AuthenticationFailed, FormErrors, ValidationError
from homa_desk.domain.passwords import is_common_password
from homa_desk.domain.roles import Role
from homa_desk.services import auth, staff
from homa_desk.ui.shell.app import DeskController
from tests.helpers import STRONG_PASSWORD
from tests.ui.conftest import _no_call_left_running, backend  # noqa: F401 - the desk's widget fixtures
from tests.ui.desk_helpers import start_signed_in
from tests.ui.patients.test_patients_view import register


def test_the_shipped_code_hashes_with_bcrypt_cost_12():
    """The tests run bcrypt at cost 4 for speed; a fresh interpreter shows what a clinic gets."""
    out = subprocess.run([sys.executable, "-c", "from homa_desk.domain.passwords import hash_password as h;"
                          "print(h('Correct-Horse-7-Battery'))"], capture_output=True, text=True, check=True)
    hashed = out.stdout.strip()
    assert hashed.startswith("$2b$12$") and len(hashed) == 60
    assert bcrypt.checkpw(b"Correct-Horse-7-Battery", hashed.encode())


def test_passwords_are_stored_only_as_bcrypt_hashes(engine, uow, admin, receptionist):
    staff.reset_password(uow, admin, receptionist.user_id, "Monsoon-Tiger-Lake-81")
    with pytest.raises(AuthenticationFailed):
        auth.sign_in(uow, receptionist.email, "Monsoon-Tiger-Lake-8")
    auth.sign_in(uow, receptionist.email, "Monsoon-Tiger-Lake-81")
    with engine.connect() as conn:
        hashes = conn.execute(text("SELECT password_hash FROM users WHERE password_hash IS NOT NULL")).scalars().all()
        everything = conn.execute(text("SELECT string_agg(t::text, ' ') FROM (SELECT * FROM users) t")).scalar() \
            + conn.execute(text("SELECT string_agg(a::text, ' ') FROM audit_log a")).scalar()
    assert len(hashes) == 2 and all(h.startswith("$2b$") for h in hashes)
    for password in (STRONG_PASSWORD, "Monsoon-Tiger-Lake-81", "Monsoon-Tiger-Lake-8"):
        assert password not in everything


@pytest.mark.parametrize("password, accepted", [
    ("Kx7#mPq2v", False),  # 9 characters
    ("Kx7#mPq2vZ", True),  # 10
    ("कखगघङचछजझ", False),  # 9 Devanagari letters (27 bytes): characters count, not bytes
])
def test_ten_characters_is_the_minimum(password, accepted):
    if accepted:
        assert validation.new_password(password) == password
    else:
        with pytest.raises(ValidationError, match="at least 10"):
            validation.new_password(password)


@pytest.mark.parametrize("password", ["password123", "PASSWORD123", " Password123 ", "qwertyuiop", "1234567890",
                                      "iloveyou123"])
def test_common_passwords_are_refused_whatever_the_case(password):
    assert is_common_password(password)
    with pytest.raises(ValidationError, match="too common"):
        validation.new_password(password)


def test_the_common_password_list_is_substantial():
    from importlib.resources import files

    lines = files("homa_desk.domain").joinpath("common_passwords.txt").read_text(encoding="utf-8").splitlines()
    assert len([x for x in lines if x.strip() and not x.startswith("#")]) >= 1000


def test_every_way_to_set_a_password_applies_the_policy(uow, admin, receptionist):
    """New staff and the first admin (the wizard) go through validate_new_staff; an admin's reset has its own call."""
    for weak in ("short", "password123"):
        for role in (Role.ADMIN, Role.DOCTOR):
            with pytest.raises(FormErrors) as refused:
                staff.validate_new_staff(email="new@clinic.example", full_name="Neha Joshi", phone="9876543210",
                                         role=role, password=weak)
            assert "password" in refused.value.by_field()
        with pytest.raises(ValidationError):
            staff.reset_password(uow, admin, receptionist.user_id, weak)


def _visible_texts() -> str:
    """Every text a live widget holds: labels, fields, and the cells of every table and list."""
    parts = []
    for widget in QApplication.allWidgets():
        if isinstance(widget, QLabel | QLineEdit):
            parts.append(widget.text())
        if isinstance(widget, QAbstractItemView) and widget.model() is not None:
            model = widget.model()
            columns = 1 if isinstance(model, QAbstractListModel) else model.columnCount()
            for row in range(model.rowCount()):
                for column in range(columns):
                    parts.append(str(model.data(model.index(row, column)) or ""))
    return "\n".join(parts)


def test_sign_out_leaves_no_actor_and_no_patient_data(qtbot, backend, uow, receptionist):  # noqa: F811
    register(uow, receptionist, "Ishaan Bhattacharya", "9123456780")
    controller = DeskController(backend)
    window = start_signed_in(qtbot, controller, receptionist.email)
    window.show_page("patients")
    view = window.stack.currentWidget()
    qtbot.keyClicks(view.search, "Bhatta")
    qtbot.waitUntil(lambda: "Ishaan Bhattacharya" in _visible_texts())

    qtbot.mouseClick(window.sign_out_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: controller.login_dialog is not None and controller.login_dialog.isVisible())
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()

    assert controller.main_window is None and controller.idle_lock is None
    assert not any(getattr(w, "actor", None) is not None for w in QApplication.allWidgets())
    assert "Ishaan Bhattacharya" not in _visible_texts()
    assert controller.login_dialog.password.text() == ""
    with qtbot.waitSignal(controller.finished):
        controller.login_dialog.reject()
