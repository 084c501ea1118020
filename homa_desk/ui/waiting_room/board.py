"""The board patients read from across the waiting room: "Now calling — Token 12 — Dr. Shilpa Hegde, Room 2" large,
and below it each doctor's patient in now and next tokens.

It reads the database itself (one statement every POLL_MS while it is shown), so a Call next on any desk of the
clinic shows within two seconds; a call it has not seen before is chimed and announced once. Type sizes are shares
of the board's height, so on a TV in full screen the token is a tenth of the screen or more, readable from five
metres; a long name shrinks to fit its line rather than running off the screen.
"""

from __future__ import annotations

from datetime import date, datetime

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import QGridLayout, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.appointments import local_day
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.waiting_room import BoardCall, BoardLanguage, DoctorLine, WaitingBoard, doctor_label, phrase
from homa_desk.services import waiting_room
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.waiting_room.announcer import CallAnnouncer, call_announcer
from homa_desk.ui.waiting_room.fit_label import LINE_HEIGHT, FitLabel

LEFT = Qt.AlignmentFlag.AlignLeft
POLL_MS = 1000
ALTERNATE_MS = 8000  # English and Hindi in turn, when the clinic wants both
MAX_DOCTOR_ROWS = 6
BACKGROUND, TEXT, TOKEN, SOFT = "#0b1f3a", "#ffffff", "#ffc83d", "#9cc9ff"

COLUMNS = (41, 19, 13, 27)  # doctor, room, in now, next: shares of the width
# Shares of the board's height.
HEADING, CALLED_TOKEN, CALLED_DOCTOR, ROW, ROWS_AREA = 0.065, 0.16, 0.08, 0.055, 0.4


class WaitingBoardView(QWidget):
    """Reads while shown, stops while hidden; `board` is the last board read (None before the first answer)."""

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *, poll_ms: int = POLL_MS,
                 alternate_ms: int = ALTERNATE_MS, announcer: CallAnnouncer | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("waiting_board")
        self.setStyleSheet(f"#waiting_board {{ background: {BACKGROUND}; }}")
        self.setAutoFillBackground(True)
        self._backend = backend
        self._actor = actor
        self.announcer = announcer or call_announcer()
        self.board: WaitingBoard | None = None
        self.language_turn = 0
        self._calls_on_screen: set[tuple[int, datetime]] | None = None
        self._busy = False
        self.polls = 0

        self.heading = FitLabel("board_heading", color=SOFT, bold=True)
        self.token = FitLabel("board_token", color=TOKEN, bold=True)
        self.doctor = FitLabel("board_doctor", color=TEXT, bold=True)
        self.rows: list[tuple[FitLabel, FitLabel, FitLabel, FitLabel]] = []
        self._columns_timer = QTimer(self)
        self._columns_timer.setSingleShot(True)
        self._columns_timer.setInterval(0)
        self._columns_timer.timeout.connect(self._even_columns)
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(0)
        for row in range(MAX_DOCTOR_ROWS):
            labels = (FitLabel(f"board_row_doctor_{row}", align=LEFT), FitLabel(f"board_row_room_{row}", align=LEFT),
                      FitLabel(f"board_row_in_{row}", color=TOKEN, bold=True),
                      FitLabel(f"board_row_next_{row}", color=SOFT, align=LEFT))
            for column, label in enumerate(labels):
                grid.addWidget(label, row, column)
                label.resized.connect(self._columns_timer.start)
            self.rows.append(labels)
        for column, stretch in enumerate(COLUMNS):
            grid.setColumnStretch(column, stretch)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addWidget(self.token)
        layout.addWidget(self.doctor)
        layout.addStretch(1)
        layout.addLayout(grid)
        layout.addStretch(1)

        self._poll_timer = QTimer(self)
        self._poll_timer.setSingleShot(True)
        self._poll_timer.setInterval(poll_ms)
        self._poll_timer.timeout.connect(self.poll)
        self._turn_timer = QTimer(self)
        self._turn_timer.setInterval(alternate_ms)
        self._turn_timer.timeout.connect(self._next_language)
        changes.change_hub().changed.connect(self._refresh_if)
        self._size_type()
        self.draw()

    # -- reading ---------------------------------------------------------------------------------------------

    def today(self) -> date:
        return local_day(utcnow())

    def poll(self) -> None:
        """Read the board now, unless a read is under way (the next is scheduled when it answers)."""
        if self._busy:
            return
        self._busy = True
        self._poll_timer.stop()
        self.polls += 1
        run_in_background(self, waiting_room.waiting_board, self._backend.uow(), self._actor, self.today(),
                          on_success=self._read, on_failure=self._failed)

    def _read(self, board: WaitingBoard) -> None:
        self._busy = False
        self._announce_new(board)
        self.board = board
        if board.settings.language is BoardLanguage.BOTH:
            if not self._turn_timer.isActive():
                self._turn_timer.start()
        else:
            self._turn_timer.stop()
            self.language_turn = 0
        self.draw()
        self._schedule()

    def _failed(self, _error: DomainError) -> None:
        """The database is away for a moment: keep showing the last board and try again."""
        self._busy = False
        self._schedule()

    def _schedule(self) -> None:
        if self.isVisible():
            self._poll_timer.start()

    def _announce_new(self, board: WaitingBoard) -> None:
        """Chime and say the calls that were not on the board last time (none on the first read: those are old)."""
        if self._calls_on_screen is not None:
            for call in board.new_calls(self._calls_on_screen):
                self.announcer.announce(call, board.settings.language.languages)
        self._calls_on_screen = {call.key for call in board.calls}

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity in (Change.QUEUE, Change.APPOINTMENTS, Change.DOCTORS, Change.CLINIC) and self.isVisible():
            self.poll()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.poll()

    def hideEvent(self, event: QHideEvent) -> None:
        self._poll_timer.stop()
        self._turn_timer.stop()
        super().hideEvent(event)

    # -- drawing ---------------------------------------------------------------------------------------------

    @property
    def language(self) -> str:
        languages = self.board.settings.language.languages if self.board else ("en",)
        return languages[self.language_turn % len(languages)]

    def _next_language(self) -> None:
        self.language_turn += 1
        self.draw()

    def draw(self) -> None:
        language = self.language
        call = self.board.now_calling if self.board else None
        self.heading.setText(phrase(language, "now_calling"))
        if call is None:
            self.token.setText("—")
            self.doctor.setText(phrase(language, "nobody"))
        else:
            self.token.setText(_called_token(language, call))
            self.doctor.setText(_with_room(language, call.doctor_name, call.room))
        lines = self.board.doctors if self.board else ()
        for row, (doctor, room, now_in, upcoming) in enumerate(self.rows):
            line = lines[row] if row < len(lines) else None
            for label in (doctor, room, now_in, upcoming):
                label.setVisible(line is not None)
            if line is not None:
                doctor.setText(doctor_label(language, line.doctor_name))
                room.setText(phrase(language, "room", room=line.room) if line.room else "")
                now_in.setText(phrase(language, "token", token=line.current.token) if line.current else "—")
                upcoming.setText(_next_text(language, line))
        self._size_rows(min(len(lines), MAX_DOCTOR_ROWS))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._size_type()

    def _size_type(self) -> None:
        height = self.height()
        self.heading.set_target(round(height * HEADING))
        self.token.set_target(round(height * CALLED_TOKEN))
        self.doctor.set_target(round(height * CALLED_DOCTOR))
        self._size_rows(sum(1 for labels in self.rows if not labels[0].isHidden()))

    def _size_rows(self, shown: int) -> None:
        """Rows as large as ROW allows, smaller when many doctors must share the rows' part of the screen."""
        height = self.height()
        px = round(min(height * ROW, height * ROWS_AREA / max(shown, 1) / LINE_HEIGHT))
        for labels in self.rows:
            for label in labels:
                if label.target_px != px:
                    label.set_target(px)
        self._columns_timer.start()

    def _even_columns(self) -> None:
        """Each column's lines in one size: the size its longest line fits at."""
        for column in range(len(COLUMNS)):
            labels = [labels[column] for labels in self.rows if not labels[column].isHidden()]
            if labels:
                smallest = min(label.fitting_px(capped=False) for label in labels)
                for label in labels:
                    label.set_cap(smallest)


def _called_token(language: str, call: BoardCall) -> str:
    token = phrase(language, "token", token=call.token)
    return f"{token} · {call.first_name}" if call.first_name else token


def _with_room(language: str, doctor_name: str, room: str | None) -> str:
    doctor = doctor_label(language, doctor_name)
    return f"{doctor} · {phrase(language, 'room', room=room)}" if room else doctor


def _next_text(language: str, line: DoctorLine) -> str:
    if not line.next_tokens:
        return f"{phrase(language, 'next')}: {phrase(language, 'none_waiting')}"
    more = line.waiting - len(line.next_tokens)
    tokens = "  ".join(str(token) for token in line.next_tokens)
    return f"{phrase(language, 'next')}: {tokens}" + (f"  {phrase(language, 'more', count=more)}" if more > 0 else "")
