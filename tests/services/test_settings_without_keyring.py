"""A desk whose user declined the file keyring, on a machine without a keyring daemon."""

import keyring
import pytest
from keyring.backends import fail

from homa_desk.config import Settings, config_file
from homa_desk.domain.errors import FormErrors
from homa_desk.services import clinic, settings
from homa_desk.services.settings import NO_KEYRING_FOR_SECRETS, SettingsForm


@pytest.fixture
def no_keyring():
    keyring.set_keyring(fail.Keyring())


def test_the_setup_page_still_opens_and_shows_no_stored_secret(uow, admin, no_keyring):
    loaded = settings.load_settings(uow, admin, Settings.load())
    assert loaded.form.clinic_name == "Sunrise Clinic"
    assert loaded.stored_secrets == frozenset()


def test_a_typed_secret_is_refused_next_to_its_field_and_nothing_is_written(uow, admin, no_keyring):
    form = SettingsForm(clinic_name="Renamed Clinic", gateway="razorpay", razorpay_key_id="rzp_test_abc123",
                        razorpay_key_secret="s3cret-value", language="hi")
    with pytest.raises(FormErrors) as refused:
        settings.save_settings(uow, admin, form)
    assert refused.value.by_field() == {"razorpay_key_secret": NO_KEYRING_FOR_SECRETS}
    assert clinic.clinic_name(uow) == "Sunrise Clinic"
    assert not config_file().exists()


def test_settings_without_secrets_save_without_a_keyring(uow, admin, no_keyring):
    settings.save_settings(uow, admin, SettingsForm(clinic_name="Renamed Clinic", language="hi"))
    assert clinic.clinic_name(uow) == "Renamed Clinic"
    assert Settings.load().language == "hi"
