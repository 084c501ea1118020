"""Paths that PostgreSQL's Windows programs can take, whatever the Windows user is called.

initdb, pg_ctl, postgres, pg_dump and pg_restore read their arguments and their own location in the ANSI code page
(cp1252 on an English Windows). Under a user called अनिता both the installed programs
(`C:\\Users\\अनिता\\AppData\\Local\\Programs\\HomaDesk`) and the data folder reach them as `C:\\Users\\?????\\…`:
initdb "cannot find postgres in the same directory" and the desk never starts (seen under Wine, 2026-12-02). Such a
path is handed to them in its 8.3 short form (`C:\\Users\\____~53S\\…`, ASCII), which names the same folder.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def ansi_safe(path: Path) -> Path:
    """`path` itself on other systems or when the ANSI code page can spell it; else its short (8.3) form.

    Only the part that exists can be shortened (Windows keeps short names for existing files); the rest is appended
    as it is (the desk's own names, such as `pgdata`, are ASCII).
    """
    if sys.platform != "win32" or _ansi_can_spell(str(path)):
        return path
    existing, rest = path, []
    while not existing.exists() and existing.parent != existing:
        rest.insert(0, existing.name)
        existing = existing.parent
    short = Path(_short_name(str(existing)), *rest)
    if not _ansi_can_spell(str(short)):
        log.warning("no short (8.3) name for a folder PostgreSQL must use; it may not find it")
    return short


def _ansi_can_spell(text: str) -> bool:
    try:
        text.encode("mbcs")  # the ANSI code page; strict: a character it lacks raises
    except UnicodeEncodeError:
        return False
    return True


def _short_name(text: str) -> str:
    import ctypes  # lazy: Windows only

    buffer = ctypes.create_unicode_buffer(32768)
    length = ctypes.windll.kernel32.GetShortPathNameW(text, buffer, len(buffer))  # type: ignore[attr-defined]
    return buffer.value if 0 < length < len(buffer) else text
