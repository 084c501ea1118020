"""Settings → Doctors: the admin edits a doctor's profile, weekly working hours and leave days.

Working hours are typed one session per line, e.g. "Mon 09:00-13:00"; several lines per day are fine.
"""

from __future__ import annotations

import re
from datetime import date

from PySide6.QtCore import QDate, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from homa_desk.backend import Backend
from homa_desk.domain.doctors import MAX_ROOM, SPECIALTIES, WEEKDAYS, DoctorSchedule, validate_profile
from homa_desk.domain.errors import DomainError, ValidationError
from homa_desk.domain.roles import Actor
from homa_desk.services import doctors
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

_DAY_NAMES = {name[:3].lower(): n for n, name in enumerate(WEEKDAYS, start=1)}
_LINE = re.compile(r"\s*([A-Za-z]{3})[A-Za-z]*\s+(\S+)\s*[-–to]+\s*(\S+(?:\s*[AaPp][Mm])?)\s*")


def parse_hours(text: str) -> list[tuple[int, str, str]]:
    """'Mon 09:00-13:00' lines into (weekday, start, end); the service checks the times and overlaps."""
    sessions = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.fullmatch(line)
        weekday = _DAY_NAMES.get(match.group(1).lower()) if match else None
        if match is None or weekday is None:
            raise ValidationError("sessions", f"Line {number}: write a session as 'Mon 09:00-13:00'.")
        sessions.append((weekday, match.group(2), match.group(3)))
    return sessions


def hours_text(schedule: DoctorSchedule) -> str:
    return "\n".join(f"{WEEKDAYS[s.weekday - 1][:3]} {s.starts_at:%H:%M}-{s.ends_at:%H:%M}" for s in schedule.sessions)


class DoctorsTab(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("doctors_tab")
        self._backend = backend
        self._actor = actor
        self.schedules: list[DoctorSchedule] = []

        self.doctor = QComboBox()
        self.doctor.setObjectName("doctor")
        self.specialty = QComboBox()
        self.specialty.setObjectName("specialty")
        self.specialty.setEditable(True)
        self.specialty.addItems(SPECIALTIES)
        self.qualification = QLineEdit()
        self.qualification.setObjectName("qualification")
        self.registration = QLineEdit()
        self.registration.setObjectName("registration_number")
        self.fee = QLineEdit()
        self.fee.setObjectName("consultation_fee")
        self.slot = QSpinBox()
        self.slot.setObjectName("slot_minutes")
        self.slot.setRange(5, 240)
        self.slot.setSingleStep(5)
        self.room = QLineEdit()
        self.room.setObjectName("room")
        self.room.setMaxLength(MAX_ROOM)
        self.room.setPlaceholderText(tr("For example 2 or 3B: the waiting room screen shows it"))
        self.hours = QPlainTextEdit()
        self.hours.setObjectName("hours")
        self.hours.setTabChangesFocus(True)
        self.hours.setPlaceholderText(tr("Mon 09:00-13:00\nMon 17:00-20:00\nTue 09:00-13:00"))
        self.save_button = QPushButton(tr("Save profile and hours"))
        self.save_button.setObjectName("save_doctor")
        self.leave_day = QDateEdit(QDate.currentDate())
        self.leave_day.setObjectName("leave_day")
        self.leave_day.setCalendarPopup(True)
        self.leave_reason = QLineEdit()
        self.leave_reason.setObjectName("leave_reason")
        self.leave_reason.setPlaceholderText(tr("Reason (optional)"))
        self.add_leave_button = QPushButton(tr("Add leave"))
        self.add_leave_button.setObjectName("add_leave")
        self.remove_leave_button = QPushButton(tr("Remove selected leave"))
        self.remove_leave_button.setObjectName("remove_leave")
        self.leaves = QListWidget()
        self.leaves.setObjectName("leaves")
        self.status = QLabel("")
        self.status.setObjectName("doctor_status")

        form = QFormLayout()
        self.general = ErrorLabel()
        self.general.setObjectName("doctor_error")
        self.errors = FieldErrors(form, self.general)
        form.addRow(tr("Doctor"), self.doctor)
        self.errors.add_row(tr("Specialty"), "specialty", self.specialty)
        self.errors.add_row(tr("Qualification"), "qualification", self.qualification)
        self.errors.add_row(tr("Registration no."), "registration_number", self.registration)
        self.errors.add_row(tr("Consultation fee (₹)"), "consultation_fee", self.fee)
        self.errors.add_row(tr("Slot (minutes)"), "slot_minutes", self.slot)
        self.errors.add_row(tr("Room"), "room", self.room)
        self.errors.add_row(tr("Weekly hours"), "sessions", self.hours)
        leave_row = QHBoxLayout()
        for widget in (self.leave_day, self.leave_reason, self.add_leave_button, self.remove_leave_button):
            leave_row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.save_button)
        layout.addWidget(self.general)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(tr("Leave days")))
        layout.addLayout(leave_row)
        layout.addWidget(self.leaves)

        self.doctor.currentIndexChanged.connect(lambda _i: self.show_selected())
        self.save_button.clicked.connect(self.save)
        self.add_leave_button.clicked.connect(self.add_leave)
        self.remove_leave_button.clicked.connect(self.remove_leave)
        changes.change_hub().changed.connect(self._refresh_if)
        self.load()

    def load(self) -> None:
        run_in_background(self, doctors.list_doctors, self._backend.uow(), self._actor, active_only=False,
                          on_success=self._show_all, on_failure=self._failed)

    def _show_all(self, schedules: list[DoctorSchedule]) -> None:
        current = self.doctor.currentData()
        self.schedules = schedules
        self.doctor.blockSignals(True)
        self.doctor.clear()
        for schedule in schedules:
            suffix = "" if schedule.doctor.is_active else " " + tr("(disabled)")
            self.doctor.addItem(schedule.doctor.full_name + suffix, schedule.doctor.user_id)
        self.doctor.setCurrentIndex(max(self.doctor.findData(current), 0))
        self.doctor.blockSignals(False)
        if not schedules:
            self.status.setText(tr("No doctors yet: add staff with the role doctor under Staff."))
        self.show_selected()

    def selected(self) -> DoctorSchedule | None:
        doctor_id = self.doctor.currentData()
        return next((s for s in self.schedules if s.doctor.user_id == doctor_id), None)

    def show_selected(self) -> None:
        schedule = self.selected()
        self.errors.clear()
        if schedule is None:
            return
        profile = schedule.doctor
        self.specialty.setCurrentText(profile.specialty)
        self.qualification.setText(profile.qualification or "")
        self.registration.setText(profile.registration_number or "")
        self.fee.setText(str(profile.consultation_fee))
        self.slot.setValue(profile.slot_minutes)
        self.room.setText(profile.room or "")
        self.hours.setPlainText(hours_text(schedule))
        self.leaves.clear()
        for leave in schedule.leaves:
            self.leaves.addItem(f"{leave.day:%a %d %b %Y}" + (f" — {leave.reason}" if leave.reason else ""))
            self.leaves.item(self.leaves.count() - 1).setData(256, leave.day)

    def save(self) -> None:
        schedule = self.selected()
        if schedule is None:
            return
        try:
            changes_ = validate_profile(specialty=self.specialty.currentText(), qualification=self.qualification.text(),
                                        registration_number=self.registration.text(), consultation_fee=self.fee.text(),
                                        slot_minutes_text=str(self.slot.value()), room=self.room.text())
            sessions = parse_hours(self.hours.toPlainText())
        except DomainError as error:
            self.errors.show(error)
            return
        doctor_id = schedule.doctor.user_id
        self.save_button.setEnabled(False)
        CollectionOp(self, Change.DOCTORS, doctors.save_doctor, self._backend.uow(), self._actor, doctor_id, changes_,
                     sessions).success(self._saved).failure(self._failed).run_in_background()

    def _saved(self, schedule: DoctorSchedule) -> None:
        self.save_button.setEnabled(True)
        self.status.setText(tr("Saved {name}.").format(name=schedule.doctor.full_name))
        self.load()

    def add_leave(self) -> None:
        schedule = self.selected()
        if schedule is None:
            return
        day: date = self.leave_day.date().toPython()  # type: ignore[assignment]
        CollectionOp(self, Change.DOCTORS, doctors.add_leave, self._backend.uow(), self._actor, schedule.doctor.user_id,
                     day, self.leave_reason.text()).success(self._leave_changed).failure(self._failed) \
            .run_in_background()

    def remove_leave(self) -> None:
        schedule = self.selected()
        item = self.leaves.currentItem()
        if schedule is None or item is None:
            return
        CollectionOp(self, Change.DOCTORS, doctors.remove_leave, self._backend.uow(), self._actor,
                     schedule.doctor.user_id, item.data(256)).success(self._leave_changed).failure(self._failed) \
            .run_in_background()

    def _leave_changed(self, _result: object) -> None:
        self.leave_reason.clear()
        self.load()

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.STAFF:
            self.load()

    def _failed(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
