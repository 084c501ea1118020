"""The services' messages (no Qt there) reach the screen in the desk's language, their values filled in."""

from __future__ import annotations

from decimal import Decimal

import pytest

from homa_desk.domain.consultations import validate_vitals
from homa_desk.domain.errors import AuthenticationFailed, FormErrors, ValidationError
from homa_desk.ui import translation_build
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.common.service_text import in_desk_language

# Messages computed at run time (a backup tool's own words, a gateway's description of its refusal).
COMPUTED = {"homa_desk/db/backup.py", "homa_desk/gateways/razorpay.py", "homa_desk/services/first_run.py"}


@pytest.fixture
def hindi(qapp):
    assert install_language(qapp, "hi")
    yield
    install_language(qapp, "en")


def test_every_message_the_services_raise_is_a_key_the_desk_can_translate():
    keys, computed = translation_build.service_messages()
    assert "Only ₹{due} is due on this bill." in keys and "{label}: enter a number." in keys
    assert {place.split(":")[0] for place in computed} <= COMPUTED, computed
    assert translation_build.CATALOG.read_text(encoding="utf-8") == translation_build.catalog_text()


def test_a_service_error_is_shown_in_hindi_with_its_values(hindi):
    error = in_desk_language(ValidationError("amount", "Only ₹{due} is due on this bill.", due=Decimal("500.00")))
    assert error.message == "इस बिल पर सिर्फ़ ₹500.00 बाकी है।"
    assert in_desk_language(error).message == error.message  # twice is the same
    assert in_desk_language(AuthenticationFailed()).message.startswith("ई-मेल या पासवर्ड गलत है। 5 बार")


def test_each_field_of_a_form_error_is_translated_with_its_field_name(hindi):
    with pytest.raises(FormErrors) as raised:
        validate_vitals(pulse="fast", temperature_c="120")
    by_field = in_desk_language(raised.value).by_field()
    assert by_field["pulse"] == "पल्स (प्रति मिनट): संख्या दर्ज करें।"
    assert by_field["temperature_c"] == "तापमान: 30–45 °C या 86–113 °F दर्ज करें।"


def test_english_stays_english(qapp):
    error = in_desk_language(ValidationError("amount", "Only ₹{due} is due on this bill.", due=Decimal("5")))
    assert error.message == "Only ₹5 is due on this bill."
