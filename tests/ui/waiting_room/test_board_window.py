"""Where the board goes: from the Queue page, full screen on a chosen screen or in a window, or onto the customer
display, which shows it between payments and the QR while a payment is on."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import SessionStatus
from homa_desk.domain.upi import render_qr_png
from homa_desk.services import queue
from homa_desk.ui.billing.customer_display import CustomerDisplay, display_for
from homa_desk.ui.waiting_room.board import WaitingBoardView
from homa_desk.ui.waiting_room.board_window import board_window_for
from tests.services.waiting_room_helpers import busy_morning
from tests.ui.appointments.test_queue_front_desk import open_queue
from tests.ui.billing.test_customer_display import a_session
from tests.ui.waiting_room.board_helpers import counting_announcer


def test_the_queue_page_opens_the_board_full_screen_on_a_chosen_screen_or_in_a_window(qtbot, qapp, backend,
                                                                                     receptionist, doctor):
    view = open_queue(qtbot, backend, receptionist)
    button = view.board_button
    assert button.isVisible() and button.text() == "Waiting room screen"
    texts = [action.text() for action in button.choices.actions()]
    assert texts[0].startswith("Full screen on screen 1") and texts[-2:] == [
        "In a window", "On the customer display, between payments"]
    button.choices.actions()[0].trigger()
    window = board_window_for(view, backend, receptionist)
    qtbot.waitUntil(window.isVisible)
    assert window.isFullScreen() and window.geometry() == qapp.primaryScreen().geometry()
    window.close()
    button.choices.actions()[-2].trigger()
    qtbot.waitUntil(window.isVisible)
    assert not window.isFullScreen() and qapp.primaryScreen().availableGeometry().contains(window.geometry())
    assert board_window_for(view, backend, receptionist) is window  # one per main window


def test_a_doctors_queue_has_no_board_button(qtbot, backend, doctor):
    assert not open_queue(qtbot, backend, doctor).board_button.isVisible()


def test_the_board_window_closes_with_the_desk_and_stops_reading(qtbot, backend, receptionist):
    desk = QWidget()
    qtbot.addWidget(desk)
    desk.show()
    window = board_window_for(desk, backend, receptionist)
    window.show_on(None)
    qtbot.waitUntil(lambda: window.board.polls >= 1)
    desk.close()
    assert not window.isVisible()
    polls = window.board.polls
    qtbot.wait(2000)
    assert window.board.polls == polls


def test_the_customer_display_shows_the_board_between_payments(qtbot, backend, engine, admin, receptionist):
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    announcer, _chime, _voice = counting_announcer()
    board = WaitingBoardView(backend, receptionist, announcer=announcer)
    display = CustomerDisplay(board=board, return_after_ms=100)
    qtbot.addWidget(display)
    display.resize(640, 760)
    display.show()
    assert display.pages.currentWidget() is board
    queue.call_next(UnitOfWork(engine), receptionist, clinic.shilpa.user_id)
    qtbot.waitUntil(lambda: board.token.text() == "Token 1", timeout=3000)

    session = a_session()
    display.show_qr(session, render_qr_png(session.upi_link))
    assert display.pages.currentWidget() is not board and not board.isVisible()
    display.show_session(a_session(SessionStatus.COMPLETED))
    assert display.state == "paid"
    qtbot.waitUntil(lambda: display.pages.currentWidget() is board)
    assert board.isVisible()


def test_the_desks_customer_display_gets_the_board_only_for_the_front_desk(qtbot, backend, receptionist, doctor):
    for actor, has_board in ((receptionist, True), (doctor, False)):
        desk = QWidget()
        desk.actor = actor
        qtbot.addWidget(desk)
        display = display_for(desk, backend)
        assert (display.board is not None) == has_board
        assert isinstance(display.board, WaitingBoardView) or not has_board
