"""`homa-desk --self-check`: prove that this installation works, without touching the clinic's data.

It starts a throwaway embedded PostgreSQL in a temporary folder, migrates it to the newest schema, creates an admin
there, opens the main window (offscreen unless a display platform is forced) and waits until the first page has
loaded from the database. The installer test runs it inside the frozen bundle, so every step also checks that the
bundle carries what the step needs: PostgreSQL binaries, migrations, the common-passwords list, style sheet, icons.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TextIO, TypeVar

import keyring
from keyring.backends.null import Keyring as NullKeyring
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from homa_desk import APP_TITLE
from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.connect import upgrade_as_owner
from homa_desk.db import migrate
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine
from homa_desk.services import staff
from homa_desk.ui.common.resources import apply_style, icon_path
from homa_desk.ui.common.worker import wait_for_idle
from homa_desk.ui.shell.main_window import MainWindow

SELF_CHECK_CLINIC = "Self-check Clinic"
WINDOW_TIMEOUT_S = 60.0

T = TypeVar("T")


class SelfCheckFailed(Exception):
    """One step of the self-check went wrong; the message says which and why."""


def run_self_check(out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Run every step; print one line "self-check OK …" with timings and return 0, or the failure and 1."""
    out, err = out or sys.stdout, err or sys.stderr
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    _forget_secrets()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    try:
        with tempfile.TemporaryDirectory(prefix="homa-self-check-") as folder:
            _check(Path(folder), timings)
    except SelfCheckFailed as failure:
        print(f"self-check FAILED: {failure}", file=err)
        return 1
    except Exception as error:  # anything unexpected is a failed check too: say what, with the traceback
        traceback.print_exc(file=err)
        print(f"self-check FAILED: {type(error).__name__}: {error}", file=err)
        return 1
    total = time.perf_counter() - started
    steps = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timings.items())
    print(f"self-check OK: {steps}, total {total:.2f} s", file=out)
    return 0


def _forget_secrets() -> None:
    """The throwaway clinic has no secrets: never read (or unlock) the real keyring during the check."""
    keyring.set_keyring(NullKeyring())


def _check(folder: Path, timings: dict[str, float]) -> None:
    server = EmbeddedServer(folder / "pgdata", delete_on_stop=True)
    url = _timed(timings, "database", server.start)
    backend = Backend(engine=make_engine(url), target=DatabaseTarget("embedded", url, server.owner_url()),
                      embedded=server)
    try:
        _timed(timings, "migrations", lambda: upgrade_as_owner(server))
        if migrate.current_revision(backend.engine) != migrate.head_revision():
            raise SelfCheckFailed(f"the schema is not at revision {migrate.head_revision()} after migrating")
        member = _timed(timings, "admin", lambda: _create_admin(backend))
        _timed(timings, "window", lambda: _open_main_window(backend, member))
    finally:
        _timed(timings, "stop", backend.close)


def _timed(timings: dict[str, float], name: str, step: Callable[[], T]) -> T:
    started = time.perf_counter()
    result = step()
    timings[name] = time.perf_counter() - started
    return result


def _create_admin(backend):  # type: ignore[no-untyped-def]
    password = f"Throwaway-{secrets.token_urlsafe(12)}-7"
    new = staff.validate_new_staff(email="self-check@clinic.example", full_name="Self Check", phone="9876543210",
                                   role="admin", password=password)
    return staff.create_first_admin(backend.uow(), new, SELF_CHECK_CLINIC)


def _open_main_window(backend, member) -> None:  # type: ignore[no-untyped-def]
    app = QApplication.instance() or QApplication([sys.argv[0], "-platform", os.environ["QT_QPA_PLATFORM"]])
    app.setApplicationName(APP_TITLE)
    if not apply_style(app):
        raise SelfCheckFailed("the desk's style sheet (resources/desk.qss) was not found")
    window = MainWindow(backend, member.as_actor())
    try:
        first = window.pages[0].key
        icon = icon_path(first)
        if icon is None:
            raise SelfCheckFailed(f"the {first} page's icon (resources/icons/{first}.svg) was not found")
        if QIcon(str(icon)).pixmap(20, 20).isNull():
            raise SelfCheckFailed("SVG icons cannot be drawn (Qt's SVG plugins are missing)")
        window.show()
        view = window.views[first]

        def ready() -> bool:
            return (window.isVisible() and window.clinic_label.text() == SELF_CHECK_CLINIC
                    and getattr(view, "summary", True) is not None)

        deadline = time.monotonic() + WINDOW_TIMEOUT_S
        while not ready():
            if time.monotonic() > deadline:
                raise SelfCheckFailed(f"the main window did not show the {first} page within {WINDOW_TIMEOUT_S:.0f} s")
            app.processEvents()
            time.sleep(0.01)
        if window.current_page() != first:
            raise SelfCheckFailed(f"the main window opened on {window.current_page()} instead of {first}")
    finally:
        window.sign_out()
        window.deleteLater()
        app.processEvents()
        wait_for_idle()
