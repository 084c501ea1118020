"""Exotel against its local stand-in (fake_exotel.py lists the rules it enforces and where each is documented)."""

from __future__ import annotations

import pytest

from homa_desk.domain.dlt import DltRoute, DltTemplate, suggested_text
from homa_desk.domain.notifications import Language, Template
from homa_desk.gateways.messaging import DeliveryStatus, Outgoing, SendError
from homa_desk.gateways.sms_exotel import ExotelSms, delivery_of
from tests.gateways import fake_exotel as fx

TID_EN, TID_HI = "1107160000000010001", "1107160000000010002"
EN = DltTemplate(Template.BOOKED, Language.ENGLISH, TID_EN, suggested_text(Template.BOOKED, Language.ENGLISH))
HI = DltTemplate(Template.BOOKED, Language.HINDI, TID_HI, suggested_text(Template.BOOKED, Language.HINDI))
VALUES = ["Priya Sharma", "Dr Rao", "Homa Clinic", "03 Dec 2026, 10:00 AM"]


@pytest.fixture
def exotel():
    with fx.FakeExotel() as server:
        server.register(TID_EN, EN.text)
        server.register(TID_HI, HI.text)
        yield server


def sender(server, **kwargs) -> ExotelSms:
    return ExotelSms(fx.ACCOUNT_SID, kwargs.pop("key", fx.API_KEY), kwargs.pop("token", fx.API_TOKEN),
                     base_url=server.base_url, **kwargs)


def sms(template: DltTemplate, body: str, *, entity: str = fx.ENTITY_ID, header: str = fx.HEADER) -> Outgoing:
    route = DltRoute(entity, template.template_id, header, unicode=template.encoding.value == "ucs2")
    return Outgoing("+919876543210", "", body, dlt=route)


def test_the_dlt_fields_go_with_the_filled_template_and_it_is_delivered(exotel):
    sid = sender(exotel).send(sms(EN, EN.fill(VALUES)))
    assert exotel.blocked == [] and len(exotel.delivered) == 1
    sent = exotel.delivered[0]
    assert sid == sent["Sid"]
    assert (sent["DltEntityId"], sent["DltTemplateId"], sent["From"]) == (fx.ENTITY_ID, TID_EN, fx.HEADER)
    assert (sent["EncodingType"], sent["SmsType"]) == ("plain", "transactional")
    assert sent["Body"] == "Dear Priya Sharma, your appointment with Dr Rao at Homa Clinic is booked for 03 Dec" \
                          " 2026, 10:00 AM."


def test_hindi_goes_as_unicode(exotel):
    sender(exotel).send(sms(HI, HI.fill(["प्रिया", "होमा क्लिनिक", "डॉ राव", "03 Dec 2026, 10:00 AM"])))
    assert exotel.delivered[0]["EncodingType"] == "unicode" and exotel.blocked == []


def test_the_stand_in_blocks_what_operators_would(exotel):
    """The stand-in's own rules bite: a text off its template, a long variable, Hindi sent as plain."""
    exotel_sms = sender(exotel)
    exotel_sms.send(sms(EN, EN.fill(VALUES).replace("Dear", "Hi")))
    exotel_sms.send(sms(EN, EN.fill(["x" * 31, *VALUES[1:]], limit=40)))
    exotel_sms.send(Outgoing("+919876543210", "", HI.fill(["प्रिया", "a", "b", "c"]),
                             dlt=DltRoute(fx.ENTITY_ID, TID_HI, fx.HEADER, unicode=False)))
    assert [m["DetailedStatus"] for m in exotel.blocked] == ["FAILED_DLT_TEMPLATE", "FAILED_DLT_TEMPLATE",
                                                             "GARBLED_PLAIN_ENCODING"]


def test_wrong_credentials_entity_or_header_are_final_and_quote_no_secret(exotel):
    with pytest.raises(SendError) as wrong:
        sender(exotel, token="wrong-token").send(sms(EN, EN.fill(VALUES)))
    assert not wrong.value.retry_safe and "401" in wrong.value.message and "UNAUTHORIZED" in wrong.value.message
    assert "wrong-token" not in wrong.value.message and fx.API_KEY not in wrong.value.message
    with pytest.raises(SendError, match="400: 400 DltEntityId missing") as entity:
        sender(exotel).send(sms(EN, EN.fill(VALUES), entity="1201159100000000999"))
    assert not entity.value.retry_safe
    with pytest.raises(SendError, match="Invalid Sender ID"):
        sender(exotel).send(sms(EN, EN.fill(VALUES), header="OTHERS"))
    assert exotel.delivered == []


def test_an_sms_without_dlt_fields_is_refused_before_any_request(exotel):
    with pytest.raises(SendError, match="DLT only") as refused:
        sender(exotel).send(Outgoing("+919876543210", "", "Hello"))
    assert not refused.value.retry_safe and exotel.requests == 0


@pytest.mark.parametrize("status", [429, 500, 503])
def test_429_and_5xx_are_retry_safe(exotel, status):
    exotel.fail_next(1, status)
    with pytest.raises(SendError) as down:
        sender(exotel).send(sms(EN, EN.fill(VALUES)))
    assert down.value.retry_safe and str(status) in down.value.message
    assert sender(exotel).send(sms(EN, EN.fill(VALUES)))


def test_a_timeout_after_sending_may_have_gone_so_it_is_final(exotel):
    exotel.stall_next(1, 1.5)
    with pytest.raises(SendError, match="may have gone") as late:
        sender(exotel, timeout=(2, 0.5)).send(sms(EN, EN.fill(VALUES)))
    assert not late.value.retry_safe


def test_an_unreachable_exotel_is_retry_safe():
    with fx.FakeExotel() as server:
        url = server.base_url
    with pytest.raises(SendError, match="unreachable") as down:
        ExotelSms(fx.ACCOUNT_SID, fx.API_KEY, fx.API_TOKEN, base_url=url, timeout=(1, 1)).send(sms(EN, "x"))
    assert down.value.retry_safe


def test_the_settings_choose_exotel_or_twilio_for_sms():
    from homa_desk.config import Settings
    from homa_desk.domain.notifications import Channel
    from homa_desk.gateways.messaging import EXOTEL_TOKEN, TWILIO_TOKEN
    from homa_desk.gateways.senders import senders_from_settings
    from homa_desk.gateways.sms_twilio import TwilioSms
    from homa_desk.secret_store import set_secret

    set_secret(EXOTEL_TOKEN, fx.API_TOKEN)
    set_secret(TWILIO_TOKEN, "t")
    both = {"exotel_account_sid": fx.ACCOUNT_SID, "exotel_api_key": fx.API_KEY,
            "twilio_account_sid": "AC" + "0" * 32, "twilio_from_number": "+15005550006"}
    assert isinstance(senders_from_settings(Settings(sms_provider="exotel", **both))[Channel.SMS], ExotelSms)
    assert isinstance(senders_from_settings(Settings(**both))[Channel.SMS], TwilioSms)
    assert Channel.SMS not in senders_from_settings(Settings(sms_provider="exotel"))


# -- delivery status: Exotel's SMS Details API -------------------------------------------------------------------


def test_the_status_is_asked_of_exotels_sms_details_and_read_from_its_detailed_code(exotel):
    exotel_sms = sender(exotel)
    delivered = exotel_sms.send(sms(EN, EN.fill(VALUES)))
    blocked = exotel_sms.send(sms(EN, EN.fill(VALUES).replace("Dear", "Hi")))
    assert exotel_sms.status(delivered).status == "submitted"
    exotel.settle()
    assert exotel_sms.status(delivered) == DeliveryStatus("delivered")
    assert exotel_sms.status(blocked) == DeliveryStatus("undelivered", "23082 FAILED_DLT_TEMPLATE")


@pytest.mark.parametrize(("status", "code", "detailed", "expected"), [
    ("sent", "20006", "DELIVERED_TO_OPERATOR", DeliveryStatus("sent")),
    ("sent", "20005", "DELIVERED_TO_HANDSET", DeliveryStatus("delivered")),
    ("delivered", "20000", "DELIVERED_TO_HANDSET", DeliveryStatus("delivered")),
    ("failed_dnd", "23005", "FAILED_DND", DeliveryStatus("undelivered", "23005 FAILED_DND")),
    ("expired", "", "", DeliveryStatus("undelivered", "expired")),
    ("queued", "21010", "PENDING_TO_OPERATOR", DeliveryStatus("queued")),
])
def test_exotels_statuses_map_onto_the_desks(status, code, detailed, expected):
    """Handed to the operator is not delivered: only the handset's confirmation (or Status=delivered) is."""
    assert delivery_of(status, code, detailed) == expected


def test_asking_about_an_unknown_sms_a_wrong_token_or_a_busy_exotel(exotel):
    with pytest.raises(SendError, match="404") as unknown:
        sender(exotel).status("f" * 32)
    assert not unknown.value.retry_safe
    sid = sender(exotel).send(sms(EN, EN.fill(VALUES)))
    with pytest.raises(SendError, match="401") as wrong:
        sender(exotel, token="wrong-token").status(sid)
    assert "wrong-token" not in wrong.value.message
    exotel.fail_next(1, 429)
    with pytest.raises(SendError, match="429") as busy:
        sender(exotel).status(sid)
    assert busy.value.retry_safe
    exotel.stall_next(1, 1.5)
    with pytest.raises(SendError, match="unreachable") as slow:
        sender(exotel, timeout=(1, 0.5)).status(sid)
    assert slow.value.retry_safe
