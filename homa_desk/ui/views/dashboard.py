"""The first page after sign-in: who is at the desk, which clinic, today's date in India, and what this role does."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.timeutil import to_local, utcnow
from homa_desk.services import clinic
from homa_desk.ui import changes
from homa_desk.ui.worker import run_in_background

WHAT_YOU_CAN_DO = {
    Role.ADMIN: ["Add staff, disable accounts and reset passwords (Settings → Staff).",
                 "Rename the clinic (Settings → Clinic).",
                 "Everything the reception desk does: patients, appointments, bills and payments."],
    Role.RECEPTIONIST: ["Register and find patients.", "Book, move and cancel appointments.",
                        "Make bills and take payments (cash, card, UPI)."],
    Role.DOCTOR: ["See today's patients and their appointments.", "Look up a patient's history."],
}


def greeting(moment: datetime) -> str:
    hour = to_local(moment).hour
    if hour < 12:
        return "Good morning"
    if hour < 17:
        return "Good afternoon"
    return "Good evening"


def local_date_text(moment: datetime) -> str:
    return to_local(moment).strftime("%A, %d %B %Y")


class DashboardView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboard_view")
        self._backend = backend
        now = utcnow()
        self.greeting = QLabel(f"{greeting(now)}, {actor.full_name}")
        self.greeting.setObjectName("greeting")
        self.greeting.setProperty("role", "title")
        self.clinic = QLabel("")
        self.clinic.setObjectName("clinic")
        self.date = QLabel(local_date_text(now))
        self.date.setObjectName("date")
        heading = QLabel(f"What you can do as {actor.role.label.lower()}")
        heading.setProperty("role", "subtitle")
        self.can_do = QLabel("\n".join(f"• {line}" for line in WHAT_YOU_CAN_DO.get(actor.role, [])))
        self.can_do.setObjectName("can_do")
        self.can_do.setWordWrap(True)

        layout = QVBoxLayout(self)
        for widget in (self.greeting, self.clinic, self.date, heading, self.can_do):
            layout.addWidget(widget)
        layout.addStretch(1)

        changes.change_hub().changed.connect(self._refresh_if)
        self.load_clinic_name()

    def load_clinic_name(self) -> None:
        run_in_background(self, clinic.clinic_name, self._backend.uow(), on_success=self.clinic.setText,
                          on_failure=lambda _error: None)

    @Slot(str)
    def _refresh_if(self, entity: str) -> None:
        if entity == changes.CLINIC:
            self.load_clinic_name()
