"""Issue 18, defect 17: at 1366×768 the prescription's strengths and the doctor's template names show in full."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QStyle, QStyleOptionComboBox

from homa_desk.domain.prescriptions import DoseForm, FoodTiming, PrescriptionLine
from homa_desk.services import consultations, queue
from homa_desk.ui.shell.main_window import MainWindow
from tests.services.consultation_helpers import a_patient, with_profile
from tests.ui.screen_helpers import WORK_AREA

AUGMENTIN = PrescriptionLine("Amoxicillin + Clavulanic acid", "500 mg + 125 mg", DoseForm.TABLET, "1-0-1", "5 days",
                             FoodTiming.AFTER)
SYRUP = PrescriptionLine("Ambroxol + Levosalbutamol syrup", "30 mg + 1 mg / 5 ml", DoseForm.SYRUP, "1-0-1",
                         "5 days", FoodTiming.AFTER)
TEMPLATE = "Upper respiratory tract infection (adult)"


def combo_text_room(combo: QComboBox) -> int:
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    return combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo).width()


def test_strengths_and_template_names_show_in_full_at_1366_by_768(qtbot, laptop, backend, uow, engine, admin,
                                                                  receptionist, doctor):
    with_profile(uow, admin, doctor)
    queue.add_walk_in(uow, receptionist, a_patient(engine, allergies=None), doctor.user_id)
    consultations.save_template(uow, doctor, TEMPLATE, [AUGMENTIN, SYRUP])
    window = MainWindow(backend, doctor)
    qtbot.addWidget(window)
    window.show()
    station = window.views["workstation"]
    qtbot.waitUntil(lambda: station.table.rowCount() == 1)
    station.call_next()
    qtbot.waitUntil(lambda: station.consultation is not None and station.consultation.consultation is not None)
    editor = station.consultation.editor
    qtbot.waitUntil(lambda: editor.template_box.count() == 1)
    editor.apply_template()
    qtbot.waitUntil(lambda: editor.table.rowCount() == 2)
    qtbot.wait(50)
    table = editor.table
    assert [table.item(row, 1).text() for row in range(2)] == [AUGMENTIN.strength, SYRUP.strength]
    assert table.sizeHintForColumn(1) <= table.columnWidth(1)  # the room the longer one needs: not elided
    shown = editor.template_box.currentText()
    assert TEMPLATE in shown
    assert editor.template_box.fontMetrics().horizontalAdvance(shown) <= combo_text_room(editor.template_box)
    assert window.width() <= WORK_AREA.width()
