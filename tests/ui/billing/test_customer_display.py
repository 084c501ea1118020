"""The customer display: where it goes, what it shows, and that it is made once per main window."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from PySide6.QtWidgets import QWidget

from homa_desk.domain.billing import SessionStatus, UpiSession
from homa_desk.domain.timeutil import utcnow
from homa_desk.domain.upi import build_upi_link, render_qr_png
from homa_desk.ui.billing.customer_display import CustomerDisplay, countdown_text, display_for, display_screen
from tests.ui.billing.upi_helpers import decode_label_qr


def a_session(status: SessionStatus = SessionStatus.ACTIVE) -> UpiSession:
    link = build_upi_link(vpa="sunrise@okaxis", payee_name="Sunrise Clinic", amount=Decimal("1234.50"),
                          note="Bill 2026-27/000001", reference="HD0011")
    return UpiSession(id=7, session_id="HD0011", bill_id=1, bill_number="2026-27/000001", patient_id=3,
                      patient_first_name="Kavya", amount=Decimal("1234.50"), currency="INR", upi_link=link,
                      status=status, expires_at=utcnow() + timedelta(minutes=10), gateway="simulator",
                      gateway_qr_id="qr_1")


def test_second_screen_is_chosen_only_when_there_is_one():
    primary, second = object(), object()
    assert display_screen([primary], primary) is None
    assert display_screen([], None) is None
    assert display_screen([primary, second], primary) is second
    assert display_screen([second, primary], primary) is second


def test_one_screen_means_a_normal_window(qtbot, qapp):
    display = CustomerDisplay(screens=[qapp.primaryScreen()])
    qtbot.addWidget(display)
    display.present()
    assert display.isVisible() and not display.full_screen


def test_two_screens_mean_full_screen_on_the_other(qtbot, qapp):
    display = CustomerDisplay(screens=[qapp.primaryScreen(), qapp.primaryScreen()])
    qtbot.addWidget(display)
    display.present()
    qtbot.waitUntil(display.isVisible)
    assert display.full_screen


def test_qr_state_shows_a_decodable_qr_with_the_amount(qtbot):
    display = CustomerDisplay(return_after_ms=100)
    qtbot.addWidget(display)
    display.set_clinic_name("Sunrise Clinic")
    session = a_session()
    display.show_qr(session, render_qr_png(session.upi_link))
    text, request = decode_label_qr(display.qr)
    assert text == session.upi_link and request.amount == Decimal("1234.50")
    assert (display.clinic.text(), display.amount.text()) == ("Sunrise Clinic", "₹1,234.50")
    assert display.countdown.text() in ("Valid for 10:00", "Valid for 9:59")
    display.show_session(a_session(SessionStatus.EXPIRED))
    assert display.state == "expired" and display.qr.pixmap().isNull()
    qtbot.waitUntil(lambda: display.state == "idle")
    assert display.message.text() == "Welcome"


def test_another_sessions_news_is_ignored(qtbot):
    display = CustomerDisplay()
    qtbot.addWidget(display)
    session = a_session()
    display.show_qr(session, render_qr_png(session.upi_link))
    other = UpiSession(**{**a_session(SessionStatus.COMPLETED).__dict__, "id": 8})
    display.show_session(other)
    assert display.state == "qr"


def test_countdown_text():
    now = utcnow()
    assert countdown_text(now + timedelta(seconds=125), now) == "2:05"
    assert countdown_text(now - timedelta(seconds=5), now) == "0:00"


def test_one_display_per_main_window_hidden_when_it_closes(qtbot, backend):
    window = QWidget()
    qtbot.addWidget(window)
    child = QWidget(window)
    window.show()
    display = display_for(child, backend)
    assert display_for(window, backend) is display
    qtbot.waitUntil(lambda: display.clinic.text() == "Homa Clinic")
    display.present()
    window.close()
    assert not display.isVisible()


def test_the_amount_is_large_enough_to_read_from_the_counter_under_the_desk_style(qapp, qtbot):
    from homa_desk.ui.common.resources import apply_style

    previous = qapp.styleSheet()
    assert apply_style(qapp)
    try:
        display = CustomerDisplay(return_after_ms=100)
        qtbot.addWidget(display)
        display.show_session(a_session())
        display.show()
        qtbot.waitExposed(display)
        assert display.amount.fontInfo().pointSizeF() >= 48
        assert display.amount.font().bold() or display.amount.fontInfo().bold()
        assert display.hint.fontInfo().pointSizeF() >= 16
    finally:
        qapp.setStyleSheet(previous)


def test_a_saved_place_is_kept_on_the_screen_and_forgotten_when_its_screen_is_gone():
    from PySide6.QtCore import QMargins, QRect

    from homa_desk.ui.billing.display_placement import saved_place

    laptop, frame = QRect(0, 0, 1366, 728), QMargins(2, 30, 2, 2)
    assert saved_place(laptop, frame, []) is None
    assert saved_place(laptop, frame, [1500, 100, 640, 600]) is None  # was on a second monitor, unplugged since
    assert saved_place(laptop, frame, [100, 80, 600, 500]) == QRect(100, 80, 600, 500)
    assert saved_place(laptop, frame, [900, 200, 640, 800]) == QRect(724, 30, 640, 696)  # moved and cut to fit
