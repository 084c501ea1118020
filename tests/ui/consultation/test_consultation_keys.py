"""The consultation from the keyboard: Tab leaves the notes boxes; the prescription shows its lines and Enter in the
last field adds one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from tests.services.consultation_helpers import a_patient, a_visit, with_profile
from tests.ui.consultation.test_workstation import consultation_for


def test_tab_leaves_each_notes_box_without_typing_a_tab(qtbot, backend, uow, engine, admin, receptionist, doctor):
    with_profile(uow, admin, doctor)
    widget = consultation_for(qtbot, backend, doctor, a_visit(uow, receptionist, a_patient(engine), doctor))
    widget.activateWindow()
    qtbot.waitUntil(widget.isActiveWindow)
    for box, after in ((widget.symptoms, widget.diagnosis), (widget.diagnosis, widget.advice),
                       (widget.advice, None)):
        box.setFocus(Qt.FocusReason.TabFocusReason)
        qtbot.waitUntil(box.hasFocus)
        qtbot.keyClicks(box, "Fever")
        qtbot.keyClick(box, Qt.Key.Key_Tab)
        assert box.toPlainText() == "Fever", box.objectName()
        assert QApplication.focusWidget() is not box, box.objectName()
        if after is not None:
            assert QApplication.focusWidget() is after
