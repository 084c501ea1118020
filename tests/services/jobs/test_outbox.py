"""The background sender: its own thread, the receipt PDF rendered at send time, scheduled jobs, stop on quit."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock_time

from homa_desk.config import Settings
from homa_desk.domain.appointments import local_day
from homa_desk.domain.notifications import Channel
from homa_desk.domain.timeutil import CLINIC_TZ
from homa_desk.gateways.email_smtp import SmtpEmail
from homa_desk.gateways.sms_twilio import TwilioSms
from homa_desk.services import billing, clinic
from homa_desk.services.jobs.outbox import OutboxSender
from homa_desk.ui.billing.receipt import receipt_renderer
from tests import fake_messaging as fm
from tests.services.billing_helpers import a_bill
from tests.services.notification_helpers import a_booking, a_patient, dlt_registered, outbox_rows


def factory(providers, smtp):  # type: ignore[no-untyped-def]
    def senders(_settings: Settings):  # type: ignore[no-untyped-def]
        return {Channel.SMS: TwilioSms(fm.TWILIO_SID, fm.TWILIO_TOKEN, fm.TWILIO_FROM, base_url=providers.base_url,
                                       timeout=(2, 2)),
                Channel.EMAIL: SmtpEmail("127.0.0.1", smtp.port, "desk@clinic.example", user=fm.SMTP_USER,
                                         password=fm.SMTP_PASSWORD, ssl_context=smtp.client_context, timeout=5)}
    return senders


def test_the_sender_delivers_in_the_background_with_the_receipt_pdf(qtbot, backend, uow, receptionist, providers,
                                                                    smtp):
    patient = a_patient(uow, receptionist)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="upi", reference="412345678901")
    dlt_registered(backend.engine)
    sender = OutboxSender(backend, senders_factory=factory(providers, smtp), interval=0.1,
                          render_attachment=receipt_renderer(backend),
                          settings_loader=lambda: Settings(reminder_hour=24, close_of_day_hour=24))
    sender.start()
    try:
        qtbot.waitUntil(lambda: len(smtp.received) == 1 and len(providers.sms) == 1, timeout=15_000)
    finally:
        sender.stop()
    assert not sender.running
    (attachment,) = list(smtp.received[0].iter_attachments())
    assert attachment.get_content().startswith(b"%PDF")
    assert attachment.get_filename().startswith("receipt-")
    assert "UPI" in providers.sms[0]["Body"]
    assert {r["status"] for r in outbox_rows(backend.engine)} == {"sent"}


def test_a_provider_down_never_stops_the_desk(qtbot, backend, uow, receptionist, providers, smtp):
    patient = a_patient(uow, receptionist, email=None)
    bill = a_bill(uow, receptionist, patient)
    billing.record_payment(uow, receptionist, bill.id, amount="500", method="cash")
    providers.fail_next(1000, status=503)
    dlt_registered(backend.engine)
    sender = OutboxSender(backend, senders_factory=factory(providers, smtp), interval=0.05,
                          settings_loader=lambda: Settings(reminder_hour=24, close_of_day_hour=24))
    sender.start()
    try:
        qtbot.waitUntil(lambda: sender.ticks >= 3, timeout=10_000)
        started = time.monotonic()
        assert clinic.clinic_name(backend.uow())  # the desk's own calls go on
        assert time.monotonic() - started < 1
    finally:
        sender.stop()
    (row,) = outbox_rows(backend.engine)
    assert row["status"] == "pending" and row["attempts"] == 1 and "503" in row["last_error"]


def test_evening_jobs_queue_tomorrows_reminders_and_the_days_collection(backend, uow, admin, receptionist, doctor):
    patient = a_patient(uow, receptionist)
    booked = a_booking(uow, admin, receptionist, doctor, patient)
    evening = datetime.combine(local_day(booked.starts_at) - timedelta(days=1), clock_time(21, 30), CLINIC_TZ)
    sender = OutboxSender(backend, senders_factory=lambda _s: {}, clock=lambda: evening,
                          settings_loader=lambda: Settings(telegram_chat_id=fm.CHAT_ID))
    sender.tick()
    sender.tick()
    templates = [r["template"] for r in outbox_rows(backend.engine)]
    assert templates.count("appointment_reminder") == 2
    assert templates.count("daily_collection") == 1
