"""Settings → Clinic → Waiting room screen: the admin chooses the board's language and whether it shows the called
patient's first name; each choice is saved at once, audited, and read back by every desk."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import text

from homa_desk.domain.waiting_room import BoardLanguage
from homa_desk.services import waiting_room
from homa_desk.ui.settings.clinic_tab import ClinicTab


def test_the_admin_chooses_hindi_and_the_first_name(qtbot, backend, uow, engine, admin):
    tab = ClinicTab(backend, admin)
    qtbot.addWidget(tab)
    tab.resize(1100, 600)
    tab.show()
    box = tab.waiting_room
    qtbot.waitUntil(lambda: box.language.currentData() == "en")
    assert not box.first_name.isChecked()
    box.language.setFocus()
    qtbot.keyClick(box.language, Qt.Key.Key_Down)  # a closed combo box changes with the arrow keys
    qtbot.waitUntil(lambda: waiting_room.board_settings(uow, admin).language is BoardLanguage.HINDI, timeout=5000)
    box.first_name.setFocus()
    qtbot.keyClick(box.first_name, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: waiting_room.board_settings(uow, admin).show_first_name, timeout=5000)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'waiting_board_settings_set'")
                            ).scalar_one() == 2

    again = ClinicTab(backend, admin)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.waiting_room.language.currentData() == "hi", timeout=15000)
    assert again.waiting_room.first_name.isChecked()
