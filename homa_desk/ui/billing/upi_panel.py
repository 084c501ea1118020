"""The receptionist's side of a UPI payment: QR, countdown and status, Cancel, Switch to cash, UTR confirmation.

The panel opens the session, shows the QR here and on the customer display, and lets the poller say when it is
settled. Closing the panel while the QR is still payable cancels it, so no QR is left payable without a desk
watching it. Enter never cancels: no button is the default, and Enter in the UTR field confirms the UTR.
"""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QPixmap
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillView, SessionStatus, UpiSession
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.payments import GatewayQr
from homa_desk.domain.roles import Actor
from homa_desk.domain.upi import render_qr_png
from homa_desk.services import upi_payments
from homa_desk.ui.billing.customer_display import CustomerDisplay, countdown_text
from homa_desk.ui.billing.upi_poller import UpiPoller, money_moved
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background

STATUS_TEXT = {
    SessionStatus.ACTIVE: QT_TR_NOOP("Waiting for the patient to scan and pay…"),
    SessionStatus.COMPLETED: QT_TR_NOOP("Paid ✓"),
    SessionStatus.EXPIRED: QT_TR_NOOP("Expired: no payment arrived. Start again or take cash."),
    SessionStatus.CANCELLED: QT_TR_NOOP("Cancelled."),
    SessionStatus.REVIEW: QT_TR_NOOP("Needs review"),
}
RETRYING = QT_TR_NOOP("Payment gateway unreachable, retrying…")


class UpiPanel(QDialog):
    """`settled` carries the final UpiSession; `cash_requested` the bill id after "Switch to cash" cancelled it."""

    settled = Signal(object)
    cash_requested = Signal(int)

    def __init__(self, backend: Backend, actor: Actor, bill: BillView, parent: QWidget | None = None, *,
                 display: CustomerDisplay | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("upi_panel")
        self.setWindowTitle(tr("UPI payment — bill {number}").format(number=bill.bill_number))
        self._backend = backend
        self._actor = actor
        self.bill = bill
        self.display = display
        self.session: UpiSession | None = None
        self.poller: UpiPoller | None = None
        self._cash_after_cancel = False
        self._close_after_cancel = False
        self._starting = True
        gateway = backend.gateway

        self.amount = QLabel(format_inr(bill.totals.balance_due))
        self.amount.setObjectName("upi_amount")
        self.amount.setProperty("role", "title")
        self.qr = QLabel(tr("Creating the QR code…"))
        self.qr.setObjectName("upi_qr")
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.qr.setMinimumSize(260, 260)
        self.countdown = QLabel("")
        self.countdown.setObjectName("upi_countdown")
        self.status = QLabel(tr("Creating the QR code…"))
        self.status.setObjectName("upi_status")
        self.status.setWordWrap(True)
        self.gateway_note = ErrorLabel()
        self.gateway_note.setObjectName("upi_gateway_note")

        self.utr = QLineEdit()
        self.utr.setObjectName("utr")
        self.utr.setPlaceholderText(tr("UTR / UPI reference from the clinic's bank app"))
        self.confirm_button = QPushButton(tr("Confirm"))
        self.confirm_button.setObjectName("confirm_utr")
        self.confirm_button.clicked.connect(self.confirm_utr)
        self.utr_error = ErrorLabel()
        self.utr_error.setObjectName("utr_error")
        utr_row = QWidget()
        utr_layout = QHBoxLayout(utr_row)
        utr_layout.setContentsMargins(0, 0, 0, 0)
        utr_layout.addWidget(self.utr, 1)
        utr_layout.addWidget(self.confirm_button)
        utr_row.setVisible(gateway.capabilities.confirms_by_reference)
        self.utr_error.setVisible(False)

        self.simulate_button = QPushButton(tr("Simulate payment (demo)"))
        self.simulate_button.setObjectName("simulate_payment")
        self.simulate_button.setVisible(gateway.capabilities.simulates_payment)
        self.simulate_button.clicked.connect(self.simulate_payment)
        self.cancel_button = QPushButton(tr("Cancel payment"))
        self.cancel_button.setObjectName("cancel_upi")
        self.cancel_button.clicked.connect(self.cancel_payment)
        self.cash_button = QPushButton(tr("Switch to cash"))
        self.cash_button.setObjectName("switch_to_cash")
        self.cash_button.clicked.connect(self.switch_to_cash)
        self.close_button = QPushButton(tr("Close"))
        self.close_button.setObjectName("close_upi")
        self.close_button.clicked.connect(self.reject)
        for button in (self.confirm_button, self.simulate_button, self.cancel_button, self.cash_button,
                       self.close_button):
            button.setAutoDefault(False)  # Enter presses none of them: Close and Cancel would cancel the QR
        self.utr.returnPressed.connect(self.confirm_button.click)  # a disabled Confirm (one running) ignores it
        buttons = QHBoxLayout()
        for button in (self.simulate_button, self.cancel_button, self.cash_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"{bill.patient_name} · " + tr("bill {number}").format(number=bill.bill_number)))
        layout.addWidget(self.amount)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.countdown)
        layout.addWidget(self.status)
        layout.addWidget(self.gateway_note)
        layout.addWidget(utr_row)
        layout.addWidget(self.utr_error)
        layout.addLayout(buttons)

        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._update_countdown)
        self._set_actions(active=False)
        self.close_button.setEnabled(True)
        run_in_background(self, upi_payments.start_upi_payment, backend.uow(), gateway, actor, bill.id,
                          on_success=self._started, on_failure=self._start_failed)

    @property
    def state(self) -> SessionStatus | None:
        return self.session.status if self.session is not None else None

    # -- actions ----------------------------------------------------------------------------------------------

    def cancel_payment(self) -> None:
        if self.session is None or self.session.status.final:
            return
        self._set_actions(active=False)
        self.status.setText(tr("Cancelling…"))
        CollectionOp(self, money_moved, upi_payments.cancel_upi_payment, self._backend.uow(), self._backend.gateway,
                     self._actor, self.session.id).success(self._adopt).failure(self._action_failed).run_in_background()

    def switch_to_cash(self) -> None:
        self._cash_after_cancel = True
        self.cancel_payment()

    def confirm_utr(self) -> None:
        if self.session is None or self.session.status.final:
            return
        self.utr_error.show_message("")
        self.confirm_button.setEnabled(False)
        CollectionOp(self, money_moved, upi_payments.confirm_by_reference, self._backend.uow(), self._actor,
                     self.session.id, self.utr.text()).success(self._adopt).failure(self._utr_failed) \
            .run_in_background()

    def simulate_payment(self) -> None:
        gateway = self._backend.gateway
        if self.session is None or self.session.gateway_qr_id is None or not gateway.capabilities.simulates_payment:
            return
        run_in_background(self, gateway.simulate_payment, self.session.gateway_qr_id,
                          on_success=lambda _payment: self.poller and self.poller.poll_now(),
                          on_failure=lambda error: self.status.setText(error.message))

    # -- session --------------------------------------------------------------------------------------------

    def _started(self, session: UpiSession) -> None:
        self._starting = False
        self.session = session
        self.amount.setText(format_inr(session.amount))
        self.status.setText(tr(STATUS_TEXT[session.status]))
        self._set_actions(active=True)
        self.poller = UpiPoller(self._backend, session, self)
        self.poller.session_changed.connect(self._show_session)
        self.poller.ended.connect(self._ended)
        self.poller.gateway_failed.connect(self._gateway_failed)
        self.poller.gateway_recovered.connect(lambda: self.gateway_note.show_message(""))
        if self.display is not None:
            self.poller.session_changed.connect(self.display.show_session)
        link = session.upi_link
        if link.startswith("upi:"):
            self._show_qr(render_qr_png(link))
        else:
            gateway = self._backend.gateway
            qr = GatewayQr(qr_id=session.gateway_qr_id or "", image_url=link or None, upi_link=None,
                           amount=session.amount, expires_at=session.expires_at)
            if gateway.capabilities.qr_image:
                run_in_background(self, gateway.fetch_qr_image, qr, on_success=self._show_qr,
                                  on_failure=lambda error: self.qr.setText(error.message))
        self.poller.start()
        if self._close_after_cancel:
            self.cancel_payment()  # closed while the QR was being made

    def _show_qr(self, png: bytes) -> None:
        if self.session is None or self.session.status.final:
            return
        pixmap = QPixmap()
        pixmap.loadFromData(png)
        self.qr.setPixmap(pixmap.scaled(260, 260, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.FastTransformation))
        self._update_countdown()
        self._tick.start()
        if self.display is not None:
            self.display.show_qr(self.session, png)
            self.display.present(self)

    def _start_failed(self, error: DomainError) -> None:
        self._starting = False
        if self._close_after_cancel:
            super().reject()
            return
        self.qr.setText("")
        self.status.setText(tr("No QR: {message}").format(message=error.message))
        self.cash_button.setEnabled(True)

    def _adopt(self, session: UpiSession) -> None:
        if self.poller is not None:
            self.poller.adopt(session)

    def _show_session(self, session: UpiSession) -> None:
        self.session = session
        text = tr(STATUS_TEXT[session.status])
        if session.status is SessionStatus.REVIEW:
            text = tr("Needs review: {reason}. The money is held until an admin checks it; do not mark the bill "
                      "paid.").format(reason=session.review_reason or tr("the payment did not match"))
        self.status.setText(text)

    def _ended(self, session: UpiSession) -> None:
        self._show_session(session)
        self._tick.stop()
        self.countdown.setText("")
        self.qr.clear()
        self.gateway_note.show_message("")
        self._set_actions(active=False)
        if self.display is not None:
            self.display.show_session(session)
        self.settled.emit(session)
        if self._cash_after_cancel and session.status is SessionStatus.CANCELLED:
            self.cash_requested.emit(self.bill.id)
            self.accept()
        elif self._close_after_cancel:
            self.accept()

    def _gateway_failed(self, error: DomainError) -> None:
        self.gateway_note.show_message(tr(RETRYING))

    def _action_failed(self, error: DomainError) -> None:
        self._cash_after_cancel = self._close_after_cancel = False
        self.status.setText(error.message)
        self._set_actions(active=self.session is not None and not self.session.status.final)

    def _utr_failed(self, error: DomainError) -> None:
        self.confirm_button.setEnabled(True)
        self.utr_error.show_message(error.message)

    def _set_actions(self, *, active: bool) -> None:
        for button in (self.simulate_button, self.cancel_button, self.cash_button, self.confirm_button):
            button.setEnabled(active)

    def _update_countdown(self) -> None:
        if self.session is not None and not self.session.status.final:
            self.countdown.setText(tr("QR valid for {time}").format(time=countdown_text(self.session.expires_at)))

    # -- closing --------------------------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc or the window's close: a QR still payable (or still being made) is cancelled first."""
        if self._starting:
            self._close_after_cancel = True
            self.status.setText(tr("Closing once the QR is made, to cancel it…"))
            return
        if self.session is not None and not self.session.status.final:
            self._close_after_cancel = True
            self.cancel_payment()
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._starting or (self.session is not None and not self.session.status.final):
            event.ignore()
            self.reject()
            return
        super().closeEvent(event)

