"""Starting the fault tests' child processes: the repository on their path, the URL with its password."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parents[2]


def child_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **extra)
    env.pop("HOMA_DATABASE_URL", None)
    return env


def libpq_url(url: URL) -> str:
    """The URL a child process connects with (it holds the test server's password: never log it)."""
    return url.render_as_string(hide_password=False)
