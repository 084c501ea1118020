"""`homa-desk` on a new install hands the desk no database: the first-run wizard asks where the data lives."""

from __future__ import annotations

import pytest

from homa_desk import cli
from homa_desk.ui import app
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
    assert started == [{"backend": None, "idle_lock_minutes": 10, "data_dir": data_dir, "demo": demo}]
    assert not data_dir.exists()


def test_a_given_database_url_is_opened_directly(started, db_url):
    assert cli.main(["--database-url", libpq(db_url)]) == 0
    assert started[0]["backend"] is not None
    assert started[0]["backend"].target.kind == "remote"
