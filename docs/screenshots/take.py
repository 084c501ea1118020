"""Take the README's screenshots from the real desk on a throwaway demo clinic.

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/screenshots/take.py

Starts an embedded PostgreSQL in a temporary folder, fills it with the demo clinic, signs in an admin and a doctor,
walks the pages in English and again in Hindi (`<page>_hi.png`), one bill through Pay by UPI with the customer
display, and saves each window as a PNG here. The main window is 1366×768, the common clinic laptop's screen.
Run it under Xvfb (a real X server, so fonts and window frames are drawn as on a desk); for the Hindi page the
machine needs a Devanagari font (Debian: fonts-noto-core).
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from homa_desk.backend import Backend, DatabaseTarget
from homa_desk.connect import upgrade_as_owner
from homa_desk.db.embedded import EmbeddedServer
from homa_desk.db.engine import make_engine
from homa_desk.domain.roles import Role
from homa_desk.gateways.simulator import SimulatorGateway
from homa_desk.services import billing, demo, patients, staff
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.common.resources import apply_style
from homa_desk.ui.common.worker import wait_for_idle

HERE = Path(__file__).resolve().parent
SIZE = (1366, 768)
PAGES = ("dashboard", "patients", "appointments", "billing", "payments", "settings")


def settle(app: QApplication, seconds: float = 1.5, until: Callable[[], bool] | None = None) -> None:
    """Let background loads finish and the window repaint."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline or (until is not None and not until() and time.monotonic() < deadline + 10):
        app.processEvents()
        time.sleep(0.02)
    wait_for_idle()
    app.processEvents()


def save(widget: QWidget, name: str) -> None:
    path = HERE / f"{name}.png"
    widget.grab().save(str(path))
    print(f"saved {path.relative_to(HERE.parent.parent)}")


def main() -> int:
    app = QApplication(sys.argv[:1])
    apply_style(app)
    with tempfile.TemporaryDirectory(prefix="homa-screens-") as folder:
        server = EmbeddedServer(Path(folder) / "pgdata", delete_on_stop=True)
        url = server.start()
        backend = Backend(engine=make_engine(url), target=DatabaseTarget("embedded", url, server.owner_url()),
                          embedded=server, gateway=SimulatorGateway())
        try:
            upgrade_as_owner(server)
            demo.seed_demo_if_empty(backend.uow())
            new = staff.validate_new_staff(email="admin@sunrise.example", full_name="Meera Iyer", phone="9876543210",
                                           role="admin", password="Screenshots-2026!")
            admin = staff.create_first_admin(backend.uow(), new, "Sunrise Clinic").as_actor()
            _walk(app, backend, admin)
        finally:
            backend.close()
    return 0


def _busy_morning(backend: Backend, admin) -> list[int]:  # type: ignore[no-untyped-def]
    """Patients checked in with the first two doctors, one of them called in: a queue and visits to bill."""
    from homa_desk.domain.appointments import local_day
    from homa_desk.domain.timeutil import utcnow
    from homa_desk.services import appointments, queue

    view = appointments.day_view(backend.uow(), admin, local_day(utcnow()))
    busy = []
    for column in view.doctors[:2]:
        booked = [a for a in column.appointments if a.status == "scheduled"][:4]
        for appointment in booked:
            queue.check_in(backend.uow(), admin, appointment.id)
        if booked:
            queue.call_next(backend.uow(), admin, column.doctor.user_id)
            busy.append(column.doctor.user_id)
    return busy


def _walk(app: QApplication, backend: Backend, admin) -> None:  # type: ignore[no-untyped-def]
    busy = _busy_morning(backend, admin)
    for language, suffix in (("en", ""), ("hi", "_hi")):
        install_language(app, language)
        _front_desk(app, backend, admin, suffix, with_upi=not suffix)
        doctor = next(m for m in staff.list_staff(backend.uow(), admin)
                      if m.role is Role.DOCTOR and m.is_active and (not busy or m.id == busy[0]))
        _workstation(app, backend, doctor.as_actor(), suffix)
    install_language(app, "en")


def _front_desk(app: QApplication, backend: Backend, admin, suffix: str,  # type: ignore[no-untyped-def]
                with_upi: bool) -> None:
    from homa_desk.ui.shell.main_window import MainWindow

    window = MainWindow(backend, admin)
    window.resize(*SIZE)
    window.show()
    settle(app, 3)
    if with_upi:
        _upi(app, backend, admin, window)
    for key in PAGES:
        window.show_page(key)
        if key == "patients":
            search = window.views["patients"].findChild(QWidget, "patient_search")
            if search is not None:
                search.setFocus()
                QTest.keyClicks(search, "sharma")
        settle(app, 2.5)
        save(window, key + suffix)
    found = patients.search_patients(backend.uow(), admin, "sharma")
    if found:
        profile = window.views["patients"].open_profile(found[0].user_id)
        settle(app, 2.5)
        save(profile, "patient_profile" + suffix)
        profile.close()
    window.sign_out()
    window.deleteLater()
    settle(app, 0.5)


def _workstation(app: QApplication, backend: Backend, doctor, suffix: str) -> None:  # type: ignore[no-untyped-def]
    from homa_desk.ui.shell.main_window import MainWindow

    window = MainWindow(backend, doctor)
    window.resize(*SIZE)
    window.show()
    settle(app, 3)
    view = window.views["workstation"]
    with_doctor = [e for e in view.entries() if e.state == "in_consultation"]
    if with_doctor:
        view.open_consultation(with_doctor[0].appointment_id)
        settle(app, 2.5)
    save(window, "workstation" + suffix)
    window.sign_out()
    window.deleteLater()
    settle(app, 0.5)


def _upi(app: QApplication, backend: Backend, admin, window: QWidget) -> None:  # type: ignore[no-untyped-def]
    from homa_desk.domain.billing import LineInput
    from homa_desk.ui.billing.customer_display import display_for
    from homa_desk.ui.billing.upi_panel import UpiPanel

    found = patients.search_patients(backend.uow(), admin, "kumar")
    bill = billing.create_bill(backend.uow(), admin, patient_id=found[0].user_id, lines=[
        LineInput(kind="consultation", description="Consultation", quantity="1", unit_price="500"),
        LineInput(kind="lab_test", description="CBC", quantity="1", unit_price=Decimal("350"))])
    display = display_for(window, backend)
    display.resize(760, 900)
    panel = UpiPanel(backend, admin, bill, window, display=display)
    panel.show()
    settle(app, 3, until=lambda: display.state == "qr")
    save(panel, "upi_panel")
    save(display, "customer_display")
    panel.simulate_payment()
    settle(app, 4, until=lambda: display.state == "paid")
    save(display, "customer_display_paid")
    panel.close()
    settle(app, 1)


if __name__ == "__main__":
    sys.exit(main())
