"""Temperatures in °C or °F: a reading that can only be °F is taken as °F, stored in °C, shown and printed in the
clinic's unit (Settings → Clinic); a vital's message has room kept for it, so the notes do not move."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from homa_desk.domain.consultations import ConsultationDraft, TemperatureUnit, Vitals
from homa_desk.services import clinic, consultations
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.settings.clinic_tab import ClinicTab
from tests.services.consultation_helpers import a_patient, a_visit, with_profile
from tests.ui.consultation.test_prescription_pdf import pdf_text
from tests.ui.consultation.test_workstation import click, consultation_for


def notes_geometry(widget):  # type: ignore[no-untyped-def]
    return [(box.mapTo(widget, box.rect().topLeft()), box.size())
            for box in (widget.symptoms, widget.diagnosis, widget.advice)]


def test_101_is_taken_as_fahrenheit_and_a_message_does_not_move_the_notes(qapp, qtbot, backend, uow, engine, admin,
                                                                          receptionist, doctor):
    previous = qapp.styleSheet()
    assert apply_style(qapp)
    try:
        with_profile(uow, admin, doctor)
        visit = a_visit(uow, receptionist, a_patient(engine), doctor)
        widget = consultation_for(qtbot, backend, doctor, visit)
        widget.resize(1366, 768)
        qtbot.wait(50)
        before = notes_geometry(widget)
        temperature = widget.vitals["temperature_c"]
        qtbot.keyClicks(temperature, "150")
        click(qtbot, widget.save_button)
        message = widget.vital_errors.label("temperature_c")
        assert message.isVisible() and "86–113 °F" in message.text() and temperature.toolTip() == message.text()
        qtbot.wait(50)
        assert notes_geometry(widget) == before

        temperature.clear()
        qtbot.keyClicks(temperature, "101")
        with qtbot.waitSignal(widget.saved, timeout=10_000):
            click(qtbot, widget.save_button)
        assert not message.isVisible() and temperature.toolTip() == ""
        assert consultations.get_consultation(uow, doctor, visit).draft.vitals.temperature_c == Decimal("38.3")
    finally:
        qapp.setStyleSheet(previous)


def test_a_fahrenheit_clinic_sees_and_prints_fahrenheit(qtbot, backend, uow, engine, admin, receptionist, doctor,
                                                        tmp_path):
    settings = ClinicTab(backend, admin)
    qtbot.addWidget(settings)
    settings.show()
    qtbot.waitUntil(lambda: settings.temperature_unit.currentData() == "C")
    settings.temperature_unit.setFocus()
    qtbot.keyClick(settings.temperature_unit, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: clinic.temperature_unit(uow) is TemperatureUnit.FAHRENHEIT)

    with_profile(uow, admin, doctor)
    visit = a_visit(uow, receptionist, a_patient(engine), doctor)
    consultations.save_consultation(uow, doctor, visit, ConsultationDraft(Vitals(temperature_c=Decimal("38.5"))))
    widget = consultation_for(qtbot, backend, doctor, visit)
    assert widget.temperature_label.text() == "Temperature (°F)"
    assert widget.vitals["temperature_c"].text() == "101.3"
    widget.vitals["temperature_c"].clear()
    qtbot.keyClicks(widget.vitals["temperature_c"], "38.5")  # a °C reading is still recognised
    with qtbot.waitSignal(widget.saved, timeout=10_000):
        click(qtbot, widget.save_button)
    assert consultations.get_consultation(uow, doctor, visit).draft.vitals.temperature_c == Decimal("38.5")
    path = tmp_path / "rx.pdf"
    with qtbot.waitSignal(widget.pdf_saved, timeout=10_000):
        widget.save_pdf_to(str(path))
    assert "Temp 101.3 °F" in " ".join(pdf_text(path).split())
