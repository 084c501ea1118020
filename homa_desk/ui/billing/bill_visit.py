"""Bill a visit from anywhere in the desk: the appointment's consultation bill, made once, then shown."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from homa_desk.backend import Backend
from homa_desk.domain.billing import BillView
from homa_desk.domain.roles import Actor
from homa_desk.services import billing
from homa_desk.ui.billing.bill_screen import show_bill
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.worker import CollectionOp


def open_visit_bill(parent: QWidget, backend: Backend, actor: Actor, appointment_id: int) -> None:
    """Make (or find) the visit's bill with the doctor's fee, then open it over `parent`. Errors go to a box."""

    def show(bill: BillView) -> None:
        show_bill(parent, backend, actor, bill.id)

    CollectionOp(parent, Change.BILLS, billing.consultation_bill, backend.uow(), actor, appointment_id) \
        .success(show).run_in_background()
