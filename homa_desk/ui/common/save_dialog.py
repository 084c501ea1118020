"""Where a saved file goes: the save dialog opens in the user's Documents folder, not the program's folder."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget


def in_documents(file_name: str) -> str:
    """`file_name` in the user's Documents folder (the home folder on a computer that has none)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation) or str(Path.home())
    return str(Path(folder) / file_name)


def ask_save_path(parent: QWidget, title: str, file_name: str, file_filter: str) -> str:
    """The path the user chose, starting at `file_name` in Documents; "" when they cancelled."""
    path, _ = QFileDialog.getSaveFileName(parent, title, in_documents(file_name), file_filter)
    return path
