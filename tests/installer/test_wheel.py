"""The wheel carries what the desk opens by path: resources, migrations and the common-passwords list."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from homa_desk.db import migrate

ROOT = Path(__file__).resolve().parents[2]
CHECKOUT_ONLY = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".ruff_cache", ".hypothesis",
                 ".pytest_cache")

PROBE = """
from homa_desk.db import migrate
from homa_desk.domain.passwords import is_common_password
from homa_desk.ui.common.resources import find_resource, icon_path
print(find_resource("desk.qss"))
print(icon_path("dashboard"))
print(migrate.MIGRATIONS)
print(migrate.head_revision())
print(is_common_password("password123"))
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_an_installed_wheel_finds_its_resources_migrations_and_password_list(tmp_path):
    source, wheels, target = tmp_path / "source", tmp_path / "wheels", tmp_path / "site"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*CHECKOUT_ONLY))  # pip builds in the tree it gets
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "-q", "-w", str(wheels)],
                   check=True, cwd=tmp_path)
    (wheel,) = wheels.glob("homa_desk-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "homa_desk/resources/desk.qss" in names
    assert not [name for name in names if name.endswith(".ts")]
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
                   check=True, cwd=tmp_path)

    env = dict(os.environ, PYTHONPATH=str(target), QT_QPA_PLATFORM="offscreen")
    probe = subprocess.run([sys.executable, "-s", "-c", PROBE], capture_output=True, text=True, env=env,
                           cwd=tmp_path, check=False)
    assert probe.returncode == 0, probe.stderr
    qss, icon, migrations, head, common = probe.stdout.split()
    for path in (qss, icon, migrations):
        assert Path(path).is_relative_to(target), path
    assert Path(qss).is_file() and Path(icon).is_file()
    assert head == migrate.head_revision()
    assert common == "True"
