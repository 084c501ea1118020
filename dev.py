#!/usr/bin/env python3
"""The two commands of the README, with nothing to install first but Python 3.11+.

    python3 dev.py run    create/reuse .venv, install, start the desk on the embedded PostgreSQL with demo data
    python3 dev.py test   create/reuse .venv, install with the test extra, run ruff and the whole suite offscreen

Extra arguments after the command are passed on (to `homa-desk` or to pytest).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _ensure_venv(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may be started by an older python3
        sys.exit(f"Homa Desk needs Python 3.11 or newer; this is {sys.version.split()[0]}.")
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    target = f"{ROOT}[{extras}]" if extras else str(ROOT)
    subprocess.check_call([str(PYTHON), "-m", "pip", "install", "--quiet", "--upgrade", "pip"])
    subprocess.check_call([str(PYTHON), "-m", "pip", "install", "--quiet", "-e", target])
    stamp.write_text(fingerprint)


def run(args: list[str]) -> int:
    _ensure_venv("")
    return subprocess.call([str(PYTHON), "-m", "homa_desk", "--demo", *args])


def test(args: list[str]) -> int:
    _ensure_venv("test")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    lint = subprocess.call([str(PYTHON), "-m", "ruff", "check", "homa_desk", "tests", "bench", "dev.py"], cwd=ROOT)
    if lint:
        return lint
    return subprocess.call([str(PYTHON), "-m", "pytest", *args], cwd=ROOT, env=env)


def main() -> int:
    commands = {"run": run, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__)
        return 2
    return commands[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
