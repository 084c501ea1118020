"""Find the style sheet, icons and translations from a checkout, an installed wheel or the frozen bundle."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

STYLE_SHEET = "desk.qss"
_PACKAGE = Path(__file__).resolve().parents[2]


def resource_dirs() -> list[Path]:
    """Wheel and frozen bundle: homa_desk/resources (package data, see setup.py and installer/homa_desk.spec).
    Checkout: the repository's resources/ folder."""
    candidates = [_PACKAGE / "resources", _PACKAGE.parent / "resources"]
    if bundle := getattr(sys, "_MEIPASS", None):
        candidates.append(Path(bundle) / "homa_desk" / "resources")
    return [path for path in candidates if path.is_dir()]


def find_resource(name: str) -> Path | None:
    for folder in resource_dirs():
        if (path := folder / name).is_file():
            return path
    return None


def icon_path(key: str) -> Path | None:
    return find_resource(f"icons/{key}.svg")


def apply_style(app: QApplication) -> bool:
    """Use the desk's style sheet when it can be found; without it Qt's own look still works."""
    path = find_resource(STYLE_SHEET)
    if path is None:
        return False
    app.setStyleSheet(path.read_text(encoding="utf-8"))
    return True
