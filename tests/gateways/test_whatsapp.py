"""WhatsApp through Meta's Cloud API against the local stand-in (tests/gateways/fake_whatsapp.py lists its rules)."""

from __future__ import annotations

import pytest
import requests

from homa_desk.config import Settings
from homa_desk.domain.notifications import Channel
from homa_desk.gateways import messaging
from homa_desk.gateways.messaging import Attachment, Outgoing, SendError
from homa_desk.gateways.senders import senders_from_settings
from homa_desk.gateways.whatsapp_cloud import WhatsAppCloud
from homa_desk.secret_store import set_secret
from tests.gateways import fake_whatsapp as fw

PDF = b"%PDF-1.4 receipt"
NUMBER = "+919876543210"


def cloud(fake: fw.FakeWhatsApp, token: str = fw.ACCESS_TOKEN, read_timeout: float = 5) -> WhatsAppCloud:
    return WhatsAppCloud(fw.PHONE_NUMBER_ID, token, base_url=fake.base_url, api_version=fw.VERSION,
                         timeout=(2, read_timeout))


def booked(*variables: str, language: str = "en") -> Outgoing:
    return Outgoing(NUMBER, "", "body", template="appointment_booked", language=language,
                    variables=variables or ("Priya", "Dr Rahul Menon", "Homa Clinic", "05 Dec 2026 10:00"))


def test_a_template_goes_with_its_variables_in_order(whatsapp):
    wamid = cloud(whatsapp).send(booked(language="hi"))
    assert wamid.startswith("wamid.")
    sent = whatsapp.messages[0]
    assert (sent["to"], sent["type"], sent["template"]["name"], sent["template"]["language"]["code"]) == (
        "919876543210", "template", "appointment_booked", "hi")
    assert [p["text"] for p in sent["template"]["components"][0]["parameters"]] == [
        "Priya", "Dr Rahul Menon", "Homa Clinic", "05 Dec 2026 10:00"]


def test_the_receipt_pdf_is_uploaded_by_the_desk_and_sent_as_the_document_header(whatsapp):
    message = Outgoing(NUMBER, "", "body", (Attachment("receipt-7.pdf", PDF),), template="payment_received",
                       language="en", variables=("Priya", "₹500.00", "Cash", "B-7", "Homa Clinic"))
    cloud(whatsapp).send(message)
    (media_id, media), = whatsapp.media.items()
    assert (media["content"], media["type"], media["filename"]) == (PDF, "application/pdf", "receipt-7.pdf")
    header = whatsapp.messages[0]["template"]["components"][0]
    assert header == {"type": "header", "parameters": [
        {"type": "document", "document": {"id": media_id, "filename": "receipt-7.pdf"}}]}


def test_the_receipt_template_without_its_document_is_refused(whatsapp):
    with pytest.raises(SendError) as refused:
        cloud(whatsapp).send(Outgoing(NUMBER, "", "b", template="payment_received", language="en",
                                      variables=("Priya", "₹500.00", "Cash", "B-7", "Homa Clinic")))
    assert "132012" in refused.value.message and refused.value.refused


def test_a_variable_count_that_does_not_match_the_template_is_final(whatsapp):
    with pytest.raises(SendError) as refused:
        cloud(whatsapp).send(booked("Priya", "Dr Rahul Menon"))
    assert "132000" in refused.value.message
    assert not refused.value.retry_safe and refused.value.refused
    assert whatsapp.messages == []


def test_an_unapproved_template_is_final(whatsapp):
    with pytest.raises(SendError) as refused:
        cloud(whatsapp).send(Outgoing(NUMBER, "", "b", template="not_submitted", language="en", variables=("x",)))
    assert "132001" in refused.value.message and not refused.value.retry_safe


def test_free_text_is_never_sent_and_the_stand_in_refuses_it_outside_the_window(whatsapp):
    with pytest.raises(SendError, match="approved template"):
        cloud(whatsapp).send(Outgoing(NUMBER, "", "Hello"))
    assert whatsapp.requests == 0
    headers = {"Authorization": f"Bearer {fw.ACCESS_TOKEN}"}
    url = f"{whatsapp.base_url}/{fw.VERSION}/{fw.PHONE_NUMBER_ID}/messages"
    text = {"messaging_product": "whatsapp", "to": "919876543210", "type": "text", "text": {"body": "Hello"}}
    closed = requests.post(url, json=text, headers=headers, timeout=5)
    assert closed.status_code == 400 and closed.json()["error"]["code"] == 131047
    whatsapp.open_window(NUMBER)
    assert requests.post(url, json=text, headers=headers, timeout=5).status_code == 200


def test_a_wrong_token_is_final_and_never_quoted(whatsapp):
    with pytest.raises(SendError) as refused:
        cloud(whatsapp, token="EAAG-wrong-token").send(booked())
    assert "401" in refused.value.message and "190" in refused.value.message
    assert "EAAG" not in refused.value.message and not refused.value.retry_safe


def test_a_429_and_a_500_are_retried_a_timeout_after_sending_is_not(whatsapp):
    whatsapp.rate_limit_next(1)
    with pytest.raises(SendError) as limited:
        cloud(whatsapp).send(booked())
    assert limited.value.retry_safe and "130429" in limited.value.message
    whatsapp.fail_next(1, 500)
    with pytest.raises(SendError) as down:
        cloud(whatsapp).send(booked())
    assert down.value.retry_safe and not down.value.refused
    whatsapp.stall_next(1, 1.5)
    with pytest.raises(SendError) as slow:
        cloud(whatsapp, read_timeout=0.5).send(booked())
    assert not slow.value.retry_safe and not slow.value.refused and "may have gone" in slow.value.message


def test_an_upload_that_times_out_is_retry_safe_nothing_reached_the_patient(whatsapp):
    whatsapp.stall_next(1, 1.5)
    with pytest.raises(SendError) as slow:
        cloud(whatsapp, read_timeout=0.5).send(Outgoing(
            NUMBER, "", "b", (Attachment("r.pdf", PDF),), template="payment_received", language="en",
            variables=("Priya", "₹500.00", "Cash", "B-7", "Homa Clinic")))
    assert slow.value.retry_safe and whatsapp.messages == []


def test_the_provider_unreachable_is_retry_safe():
    with pytest.raises(SendError) as down:
        WhatsAppCloud(fw.PHONE_NUMBER_ID, fw.ACCESS_TOKEN, base_url="http://127.0.0.1:9", api_version=fw.VERSION,
                      timeout=(1, 1)).send(booked())
    assert down.value.retry_safe


def test_whatsapp_is_set_up_by_its_phone_number_id_and_the_token_in_the_keyring():
    assert Channel.WHATSAPP not in senders_from_settings(Settings(whatsapp_phone_number_id=fw.PHONE_NUMBER_ID))
    set_secret(messaging.WHATSAPP_TOKEN, fw.ACCESS_TOKEN)
    assert Channel.WHATSAPP not in senders_from_settings(Settings())
    sender = senders_from_settings(Settings(whatsapp_phone_number_id=fw.PHONE_NUMBER_ID))[Channel.WHATSAPP]
    assert isinstance(sender, WhatsAppCloud)
