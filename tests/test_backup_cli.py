"""`homa-desk db backup|restore|move-to` on a real embedded database in the test's own data directory."""

from __future__ import annotations

import psycopg

from homa_desk.cli import main
from homa_desk.config import Settings
from homa_desk.db import backup as dumps
from homa_desk.services import backup
from tests.helpers import libpq
from tests.services.test_move_database import PASSWORD, StandIn, raw


def test_backup_restore_and_move_from_the_command_line(tmp_path, monkeypatch, capsys):
    data_dir = tmp_path / "pgdata"
    folder = tmp_path / "backups"
    assert main(["--data-dir", str(data_dir), "db", "backup", "--to", str(folder)]) == 0
    made = backup.list_backups(folder)
    assert len(made) == 1 and made[0].name.startswith("homa-homa-clinic-")
    assert "backup written" in capsys.readouterr().out

    Settings(backup_folder=str(tmp_path / "safety")).save()
    assert main(["--data-dir", str(data_dir), "db", "restore", str(made[0].path)]) == 0
    assert f"restored {made[0].name}" in capsys.readouterr().out
    assert len(backup.list_backups(tmp_path / "safety")) == 1

    assert main(["--data-dir", str(data_dir), "db", "restore", str(tmp_path / "nothing.dump")]) == 1
    assert "not a Homa Desk backup" in capsys.readouterr().err
    assert main(["--data-dir", str(data_dir), "db", "restore"]) == 2

    neon = StandIn(tmp_path)
    try:
        remote = neon.new_database()
        monkeypatch.setenv("PGPASSWORD", PASSWORD)
        assert main(["--data-dir", str(data_dir), "db", "move-to", raw(remote)]) == 0
        assert "counts checked" in capsys.readouterr().out
        with psycopg.connect(libpq(remote.set(password=PASSWORD))) as conn:
            assert "public.users" in dumps.row_counts(conn)
        assert Settings.load().database_url is not None
    finally:
        neon.server.stop()
