from __future__ import annotations

import logging
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QWidget

from homa_desk.domain.errors import DomainError, PermissionDenied
from homa_desk.services import clinic
from homa_desk.ui import changes, worker
from homa_desk.ui.changes import Change
from homa_desk.ui.worker import UNEXPECTED_MESSAGE, CollectionOp, OneLoadAtATime, QueryOp, run_in_background


def test_event_loop_keeps_turning_during_a_slow_database_call(qtbot, backend):
    widget = QWidget()
    qtbot.addWidget(widget)
    ticks = []
    timer = QTimer()
    timer.setInterval(50)
    timer.timeout.connect(lambda: ticks.append(1))
    done = []
    timer.start()
    run_in_background(widget, clinic.wait_in_database, backend.uow(), 1.0, on_success=done.append)
    qtbot.waitUntil(lambda: bool(done), timeout=5000)
    timer.stop()
    assert done == [None]
    assert len(ticks) >= 10


def test_result_arrives_on_success_callback(qtbot, backend, admin):
    widget = QWidget()
    qtbot.addWidget(widget)
    names = []
    run_in_background(widget, clinic.clinic_name, backend.uow(), on_success=names.append)
    qtbot.waitUntil(lambda: names == ["Sunrise Clinic"])


def _refuse() -> None:
    raise PermissionDenied("Only admin staff may do this.")


def _crash() -> None:
    raise KeyError("secret internals")


def test_domain_error_goes_to_failure_callback_with_its_message(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    errors: list[DomainError] = []
    run_in_background(widget, _refuse, on_success=lambda _r: None, on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].message == "Only admin staff may do this."


def test_domain_error_without_failure_callback_shows_a_warning_box(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    run_in_background(widget, _refuse)
    qtbot.waitUntil(lambda: widget.findChild(QMessageBox) is not None)
    box = widget.findChild(QMessageBox)
    assert box.text() == "Only admin staff may do this."
    box.close()


def test_unexpected_error_is_logged_and_the_user_sees_no_traceback(qtbot, caplog):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    with caplog.at_level(logging.ERROR, logger="homa_desk.ui.worker"):
        run_in_background(widget, _crash)
        qtbot.waitUntil(lambda: widget.findChild(QMessageBox) is not None)
    box = widget.findChild(QMessageBox)
    assert box.text() == UNEXPECTED_MESSAGE
    assert "Traceback" not in box.text() and "secret internals" not in box.text()
    record = next(r for r in caplog.records if r.name == "homa_desk.ui.worker")
    assert record.exc_info is not None and record.exc_info[0] is KeyError
    assert "_crash" in caplog.text and "Traceback" in caplog.text
    box.close()


def test_unexpected_error_reaches_failure_callback_as_a_plain_message(qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    errors: list[DomainError] = []
    run_in_background(widget, _crash, on_failure=errors.append)
    qtbot.waitUntil(lambda: bool(errors))
    assert errors[0].message == UNEXPECTED_MESSAGE


def test_answer_for_a_destroyed_widget_is_dropped(qtbot, backend):
    widget = QWidget()
    called = []
    run_in_background(widget, clinic.wait_in_database, backend.uow(), 0.2, on_success=called.append,
                      on_failure=called.append)
    widget.deleteLater()
    qtbot.wait(10)
    assert worker.wait_for_idle(5)
    assert called == []
    assert worker.pending_calls() == 0


def test_loads_asked_for_meanwhile_make_one_more_load_after_the_running_one(qtbot):
    """Three refreshes while a load runs: one more load once it answers, with what the filters say then."""
    parent = QWidget()
    qtbot.addWidget(parent)
    release = threading.Event()
    started: list[str] = []
    shown: list[str] = []
    filters = {"query": "first"}

    def prepare():
        query = filters["query"]
        started.append(query)
        return lambda: (release.wait(5), query)[1]

    loads = OneLoadAtATime(parent, prepare, on_success=shown.append, on_failure=lambda error: None)
    loads.load()
    filters["query"] = "latest"
    for _ in range(3):
        loads.load()
    assert loads.loading and started == ["first"]
    release.set()
    qtbot.waitUntil(lambda: shown == ["first", "latest"] and not loads.loading)
    assert started == ["first", "latest"]


@pytest.fixture
def heard():  # type: ignore[no-untyped-def]
    """What the change hub announced during the test."""
    heard: list[object] = []
    changes.change_hub().changed.connect(heard.append)
    yield heard
    changes.change_hub().changed.disconnect(heard.append)


def test_query_op_brings_the_result_to_its_success_callback(qtbot, backend, admin):
    widget = QWidget()
    qtbot.addWidget(widget)
    names: list[str] = []
    QueryOp(widget, clinic.clinic_name, backend.uow()).success(names.append).run_in_background()
    qtbot.waitUntil(lambda: names == ["Sunrise Clinic"])


def test_a_write_announces_its_changes_once_it_committed_then_calls_back(qtbot, backend, admin, heard):
    widget = QWidget()
    qtbot.addWidget(widget)
    names: list[str] = []
    CollectionOp(widget, Change.CLINIC, clinic.set_clinic_name, backend.uow(), admin, "Moonrise Clinic") \
        .success(lambda name: names.append(f"{name} after {heard}")).run_in_background()
    qtbot.waitUntil(lambda: bool(names))
    assert heard == [Change.CLINIC]
    assert names == ["Moonrise Clinic after [<Change.CLINIC: 'clinic'>]"]
    assert clinic.clinic_name(backend.uow()) == "Moonrise Clinic"


def test_a_refused_write_announces_nothing(qtbot, heard):
    widget = QWidget()
    qtbot.addWidget(widget)
    errors: list[DomainError] = []
    CollectionOp(widget, (Change.BILLS, Change.PAYMENTS), _refuse).failure(errors.append).run_in_background()
    qtbot.waitUntil(lambda: bool(errors))
    assert heard == []


def test_a_write_is_announced_even_when_its_dialog_closed_meanwhile(qtbot, heard):
    widget = QWidget()
    called: list[object] = []
    release = threading.Event()
    CollectionOp(widget, (Change.BILLS, Change.PAYMENTS, Change.BILLS), release.wait, 5) \
        .success(called.append).run_in_background()
    widget.deleteLater()
    qtbot.wait(10)
    release.set()
    assert worker.wait_for_idle(5)
    assert heard == [Change.BILLS, Change.PAYMENTS]
    assert called == []


def test_what_a_write_changed_may_depend_on_its_result(qtbot, heard):
    widget = QWidget()
    qtbot.addWidget(widget)
    for held_now in (0, 2):
        CollectionOp(widget, lambda held: (Change.PAYMENTS,) if held else (), int, held_now).run_in_background()
        assert worker.wait_for_idle(5)
    assert heard == [Change.PAYMENTS]
