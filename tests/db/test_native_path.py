"""PostgreSQL's Windows programs get paths the ANSI code page can spell (homa_desk/db/native_path.py)."""

from __future__ import annotations

from pathlib import Path

from homa_desk.db import native_path
from homa_desk.db.native_path import ansi_safe


def _as_windows(monkeypatch, spellable: str) -> list[str]:
    """Pretend to be Windows with an ANSI code page that spells only ASCII; record what gets shortened."""
    asked: list[str] = []
    monkeypatch.setattr(native_path.sys, "platform", "win32")
    monkeypatch.setattr(native_path, "_ansi_can_spell", lambda text: text.isascii())

    def short(text: str) -> str:
        asked.append(text)
        return spellable

    monkeypatch.setattr(native_path, "_short_name", short)
    return asked


def test_a_folder_under_a_devanagari_user_name_is_given_by_its_short_name(monkeypatch, tmp_path):
    home = tmp_path / "अनिता"
    home.mkdir()
    asked = _as_windows(monkeypatch, "C:\\Users\\____~53S")
    assert ansi_safe(home / "homa-desk" / "pgdata") == Path("C:\\Users\\____~53S", "homa-desk", "pgdata")
    assert asked == [str(home)]  # only the part that exists; the desk's own names follow as they are


def test_an_ascii_path_and_other_systems_are_left_alone(monkeypatch, tmp_path):
    assert ansi_safe(tmp_path / "अनिता") == tmp_path / "अनिता"  # not Windows
    asked = _as_windows(monkeypatch, "unused")
    assert ansi_safe(tmp_path / "Anita Rao" / "pgdata") == tmp_path / "Anita Rao" / "pgdata"
    assert asked == []
