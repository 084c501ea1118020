"""Settings → Clinic: the admin renames the clinic every desk shows in its header, says what unit its
thermometers read (°C or °F) and how the waiting room screen speaks (a choice is saved at once)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.consultations import TemperatureUnit
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.services import clinic
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors, line_edit
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.settings.waiting_room_box import WaitingRoomBox


class ClinicTab(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clinic_tab")
        self._backend = backend
        self._actor = actor
        self.clinic_name = line_edit("clinic_name")
        form = QFormLayout()
        self.general_error = ErrorLabel()
        self.errors = FieldErrors(form, self.general_error)
        self.errors.add_row(tr("Clinic name"), "clinic_name", self.clinic_name)
        self.temperature_unit = QComboBox()
        self.temperature_unit.setObjectName("temperature_unit")
        self.temperature_unit.addItem(tr("°C (Celsius)"), TemperatureUnit.CELSIUS.value)
        self.temperature_unit.addItem(tr("°F (Fahrenheit)"), TemperatureUnit.FAHRENHEIT.value)
        self.errors.add_row(tr("Thermometers read in"), "temperature_unit", self.temperature_unit)
        self.save_button = QPushButton(tr("Save"))
        self.save_button.setObjectName("save")
        self.save_button.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.general_error)
        layout.addLayout(row)
        self.waiting_room = WaitingRoomBox(backend, actor, self, load=False)
        layout.addWidget(self.waiting_room)
        layout.addStretch(1)
        self.temperature_unit.activated.connect(self.save_temperature_unit)
        run_in_background(self, clinic.clinic_tab, self._backend.uow(), actor, on_success=self._show,
                          on_failure=self.errors.show)

    def _show(self, tab: clinic.ClinicTab) -> None:
        """Everything the tab shows, read in one round trip."""
        self.clinic_name.setText(tab.name)
        self._show_unit(tab.temperature_unit)
        self.waiting_room.show_settings(tab.board)

    def _show_unit(self, unit: TemperatureUnit) -> None:
        self.temperature_unit.setCurrentIndex(self.temperature_unit.findData(unit.value))

    def save_temperature_unit(self) -> None:
        """Temperatures stay stored in °C; the unit decides what the consultation shows and the prescription prints."""
        self.errors.clear()
        CollectionOp(self, Change.CLINIC, clinic.set_temperature_unit, self._backend.uow(), self._actor,
                     self.temperature_unit.currentData()).success(self._show_unit) \
            .failure(self.errors.show).run_in_background()

    def save(self) -> None:
        self.errors.clear()
        self.save_button.setEnabled(False)
        CollectionOp(self, Change.CLINIC, clinic.set_clinic_name, self._backend.uow(), self._actor,
                     self.clinic_name.text()).success(self._saved).failure(self._show_refusal).run_in_background()

    def _saved(self, name: str) -> None:
        self.save_button.setEnabled(True)
        self.clinic_name.setText(name)

    def _show_refusal(self, error: DomainError) -> None:
        self.save_button.setEnabled(True)
        self.errors.show(error)
