"""The header's off-site copy warning, for admins: shown when the last copy failed or a night was missed, never
silent; hidden while all is well. It reads the clinic's state in the background at sign-in and every few minutes."""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import utcnow
from homa_desk.services import offsite
from homa_desk.services.offsite import OffsiteState
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background
from homa_desk.ui.settings.offsite_box import problem_text

REFRESH_MS = 5 * 60_000
FIRST_AFTER_MS = 3_000  # after sign-in has shown the first page


class OffsiteBadge(QLabel):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *,
                 interval_ms: int = REFRESH_MS, first_after_ms: int = FIRST_AFTER_MS) -> None:
        super().__init__(parent)
        self.setObjectName("offsite_badge")
        self.setProperty("role", "error")
        self._backend = backend
        self._actor = actor
        self.setVisible(False)
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.refresh)
        if actor.role is Role.ADMIN and backend.target.kind == "embedded":
            self._timer.start()
            QTimer.singleShot(first_after_ms, self, self.refresh)

    def refresh(self) -> None:
        if self._actor.role is not Role.ADMIN:
            return
        run_in_background(self, offsite.copy_status, self._backend.uow(), self._actor, on_success=self.show_state,
                          on_failure=lambda _error: None)

    def show_state(self, state: OffsiteState) -> None:
        problem = problem_text(state, utcnow())
        if state.failing:
            self.setText(tr("Off-site copy failed"))
        elif problem:
            self.setText(tr("Off-site copy missed"))
        self.setToolTip(problem)
        self.setVisible(bool(problem))

    def stop(self) -> None:
        self._timer.stop()
