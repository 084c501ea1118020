"""`homa-desk` shows its first window before it opens a database: the desk gets a way to open it, not a database.

A new install hands the desk nothing to open: the first-run wizard asks where the data lives.
"""

from __future__ import annotations

import pytest

from homa_desk import cli
from homa_desk.domain.errors import DatabaseUnavailable
from homa_desk.ui.shell import app
from tests.helpers import libpq


@pytest.fixture
def started(monkeypatch, qapp):  # type: ignore[no-untyped-def]
    calls: list[dict[str, object]] = []

    def fake_run_desk(backend, **kwargs):  # type: ignore[no-untyped-def]
        calls.append({"backend": backend, **kwargs})
        return 0

    monkeypatch.setattr(app, "run_desk", fake_run_desk)
    return calls


@pytest.mark.parametrize("demo", [False, True])
def test_a_new_install_starts_the_wizard_without_opening_a_database(started, tmp_path, demo):
    """`--demo` (`python3 dev.py run`) reaches the wizard, which then offers the demo clinic ticked."""
    data_dir = tmp_path / "pgdata"
    assert cli.main(["--data-dir", str(data_dir), *(["--demo"] if demo else [])]) == 0
    [call] = started
    assert call["backend"] is None and "open_database" not in call
    assert (call["idle_lock_minutes"], call["data_dir"], call["demo"]) == (10, data_dir, demo)
    assert call["settings"].keyring_fallback is None  # the wizard path settles the keyring too
    assert callable(call["start_up"])
    assert not data_dir.exists()


def test_a_given_database_url_is_opened_by_the_desk_not_before_it(started, db_url):
    assert cli.main(["--database-url", libpq(db_url)]) == 0
    [call] = started
    assert call["backend"] is None
    backend = call["open_database"]()  # what the desk runs off the UI thread once the sign-in shows
    try:
        assert backend.target.kind == "remote"
    finally:
        backend.close()


def test_an_unreachable_database_is_an_error_for_the_sign_in_to_show(started):
    assert cli.main(["--database-url", "postgresql://u:p@127.0.0.1:9/homa"]) == 0
    with pytest.raises(DatabaseUnavailable, match="Cannot reach"):
        started[0]["open_database"]()


def test_the_sign_in_shows_before_anything_heavy_is_imported():
    """SQLAlchemy, psycopg, Alembic, the keyring, the services and the views load after the sign-in has painted."""
    import os
    import subprocess
    import sys

    probe = ("import os, sys; from homa_desk import cli; from homa_desk.ui.shell import app\n"
             "def opening(controller):\n"
             "    print(' '.join(sorted(sys.modules)), flush=True); os._exit(0)\n"
             "app.DeskController._open = opening\n"
             "cli.main(['--database-url', 'postgresql://u@127.0.0.1:9/homa'])")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True,
                          env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    loaded = set(done.stdout.split())
    heavy = {"sqlalchemy", "psycopg", "alembic", "keyring", "qrcode", "PySide6.QtCharts", "psutil", "logging.handlers",
             "homa_desk.services", "homa_desk.db.engine", "homa_desk.ui.shell.main_window", "homa_desk.ui.patients",
             "homa_desk.ui.appointments", "homa_desk.ui.billing", "homa_desk.ui.consultation", "homa_desk.ui.reports",
             "homa_desk.ui.settings", "homa_desk.ui.shell.dashboard",
             "homa_desk.ui.shell.first_run_wizard", "homa_desk.ui.common.worker"}
    assert "homa_desk.ui.shell.login_dialog" in loaded
    assert not heavy & loaded
