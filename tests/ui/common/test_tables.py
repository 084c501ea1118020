"""A combo box's choices given in one go keep its current choice and fire no change."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox

from homa_desk.ui.common.tables import ChoicesModel


def test_choices_added_later_keep_the_current_one_and_fire_nothing(qtbot) -> None:
    combo = QComboBox()
    qtbot.addWidget(combo)
    model = ChoicesModel([(None, "Any doctor")], combo)
    combo.setModel(model)
    changes: list[int] = []
    combo.currentIndexChanged.connect(changes.append)

    model.extend([(7, "Anil Kapoor"), (3, "Rahul Menon")])

    assert changes == [] and combo.currentText() == "Any doctor" and combo.currentData() is None
    assert [combo.itemText(i) for i in range(combo.count())] == ["Any doctor", "Anil Kapoor", "Rahul Menon"]
    combo.setCurrentIndex(2)
    assert combo.currentData() == 3 and changes == [2]
