"""Settings → Clinic → Waiting room screen: the board's language and whether it shows the patient's first name
(off unless the clinic chooses it). A choice is saved at once, for every desk's screen."""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QFormLayout, QGroupBox, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.roles import Actor
from homa_desk.domain.waiting_room import BoardLanguage, BoardSettings
from homa_desk.services import waiting_room
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.form import ErrorLabel, FieldErrors
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background


class WaitingRoomBox(QGroupBox):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None, *, load: bool = True) -> None:
        super().__init__(tr("Waiting room screen"), parent)
        self.setObjectName("waiting_room_box")
        self._backend = backend
        self._actor = actor
        self.language = QComboBox()
        self.language.setObjectName("waiting_board_language")
        self.language.addItem(tr("English"), BoardLanguage.ENGLISH.value)
        self.language.addItem("हिन्दी", BoardLanguage.HINDI.value)
        self.language.addItem(tr("English and हिन्दी in turn"), BoardLanguage.BOTH.value)
        self.first_name = QCheckBox(tr("Show the called patient's first name (never the full name)"))
        self.first_name.setObjectName("waiting_board_first_name")
        form = QFormLayout(self)
        self.errors = FieldErrors(form, ErrorLabel())
        self.errors.add_row(tr("Language"), "waiting_board_language", self.language)
        form.addRow(self.first_name)
        form.addRow(self.errors.general)
        self.language.activated.connect(self.save)
        self.first_name.clicked.connect(self.save)
        if load:  # Settings → Clinic reads these with its own (load=False)
            run_in_background(self, waiting_room.board_settings, backend.uow(), actor, on_success=self.show_settings,
                              on_failure=self.errors.show)

    def show_settings(self, settings: BoardSettings) -> None:
        self.language.setCurrentIndex(self.language.findData(settings.language.value))
        self.first_name.setChecked(settings.show_first_name)

    def save(self) -> None:
        self.errors.clear()
        CollectionOp(self, Change.CLINIC, waiting_room.set_board_settings, self._backend.uow(), self._actor,
                     self.language.currentData(), self.first_name.isChecked()).success(self.show_settings) \
            .failure(self.errors.show).run_in_background()
