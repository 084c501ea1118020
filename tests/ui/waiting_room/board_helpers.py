"""A board on its own at a TV's size, an announcer that only counts, and a voice that only writes down."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import QWidget

from homa_desk.ui.waiting_room.announcer import CallAnnouncer
from homa_desk.ui.waiting_room.board import WaitingBoardView
from homa_desk.ui.waiting_room.fit_label import FitLabel


class WrittenVoice:
    """A computer with voices for `languages`: what it would say is written down."""

    def __init__(self, languages: Sequence[str] = ("en", "hi")) -> None:
        self.languages = tuple(languages)
        self.said: list[tuple[str, str]] = []

    def can_speak(self, language: str) -> bool:
        return language in self.languages

    def speak(self, texts: Sequence[tuple[str, str]]) -> None:
        self.said += texts


class Counting:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def counting_announcer(voice: WrittenVoice | None = None) -> tuple[CallAnnouncer, Counting, WrittenVoice]:
    voice = voice or WrittenVoice()
    chime = Counting()
    return CallAnnouncer(chime=chime, voice=lambda: voice), chime, voice


def shown_board(qtbot, backend, actor, size: tuple[int, int] = (1366, 768), **options) -> WaitingBoardView:  # type: ignore[no-untyped-def]
    board = WaitingBoardView(backend, actor, **options)
    qtbot.addWidget(board)
    board.resize(*size)
    board.show()
    qtbot.waitExposed(board)
    qtbot.waitUntil(lambda: board.board is not None, timeout=5000)
    return board


def clipped(board: QWidget) -> list[str]:
    """The board's shown lines whose text is wider or taller than the line, or that run off the board."""
    found = []
    for label in board.findChildren(FitLabel):
        if not label.isVisible():
            continue
        metrics = label.fontMetrics()
        place = QRect(label.mapTo(board, QPoint(0, 0)), label.size())
        if metrics.horizontalAdvance(label.text()) > label.contentsRect().width() \
                or metrics.height() > label.contentsRect().height() or not board.rect().contains(place):
            found.append(f"{label.objectName()}: {label.text()!r} {metrics.horizontalAdvance(label.text())}x"
                         f"{metrics.height()} in {label.contentsRect().width()}x{label.contentsRect().height()}"
                         f" at {place}")
    return found
