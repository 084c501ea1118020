"""The consultation from the keyboard: Tab leaves the notes boxes; the prescription shows its lines and Enter in the
last field adds one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.consultation.workstation_view import WorkstationView
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


def test_six_prescription_lines_show_without_scrolling_and_enter_in_notes_adds_one(qapp, qtbot, backend, uow, engine,
                                                                                  admin, receptionist, doctor):
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    try:
        with_profile(uow, admin, doctor)
        visit = a_visit(uow, receptionist, a_patient(engine, allergies=None), doctor)
        station = WorkstationView(backend, doctor)
        qtbot.addWidget(station)
        station.resize(1366, 768)
        station.show()
        widget = station.open_consultation(visit)
        qtbot.waitUntil(lambda: widget.consultation is not None)
        editor = widget.editor
        for number in range(1, 7):
            qtbot.keyClicks(editor.medicine, f"Medicine {number}")
            editor.notes.setFocus()
            qtbot.keyClicks(editor.notes, "after lunch")
            qtbot.keyClick(editor.notes, Qt.Key.Key_Return)
            assert len(editor.lines()) == number and editor.medicine.text() == ""
        qtbot.waitUntil(lambda: editor.medicine.hasFocus() or not station.isActiveWindow())
        table = editor.table
        qtbot.wait(50)
        assert table.rowCount() == 6 and table.verticalScrollBar().maximum() == 0
        viewport = table.viewport().rect()
        assert all(viewport.contains(table.visualRect(table.model().index(row, 0))) for row in range(6))
    finally:
        qapp.setStyleSheet(previous)
