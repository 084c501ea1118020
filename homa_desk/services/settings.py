"""The admin's settings: the clinic's shared profile (clinic_settings), this desk's settings file, and secrets.

Three homes, one rule each: what every desk shares goes to the database; what this desk needs goes to the settings
file (never a secret); keys, tokens and passwords go to the OS keyring. A blank secret field keeps the stored one.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path

from homa_desk.config import Settings
from homa_desk.connect import remember_remote_database, with_stored_password
from homa_desk.db import reach
from homa_desk.db.engine import PREPARED_STATEMENTS
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.urls import keyring_name, parse_database_url, without_password
from homa_desk.domain import validation
from homa_desk.domain.clinic_profile import host_name, number_in, optional_gstin, telegram_chat, twilio_sid
from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.messages import Message
from homa_desk.domain.notifications import Language, check_sms_number
from homa_desk.domain.paper import Paper
from homa_desk.domain.roles import Actor, Role
from homa_desk.gateways.factory import GATEWAYS, RAZORPAY_SECRET
from homa_desk.gateways.messaging import EXOTEL_TOKEN, SMTP_PASSWORD, TELEGRAM_TOKEN, TWILIO_TOKEN
from homa_desk.gateways.sms_exotel import MUMBAI, SINGAPORE
from homa_desk.secret_store import SecretStoreUnavailable, get_secret, set_secret
from homa_desk.services.clinic import DEFAULT_NAME, validate_clinic_name

log = logging.getLogger(__name__)

CLINIC_KEYS = ("clinic_name", "clinic_address", "clinic_phone", "clinic_logo_path", "clinic_gstin")
SECRETS = {"razorpay_key_secret": RAZORPAY_SECRET, "twilio_auth_token": TWILIO_TOKEN,
           "smtp_password": SMTP_PASSWORD, "telegram_bot_token": TELEGRAM_TOKEN, "exotel_api_token": EXOTEL_TOKEN}
SMS_PROVIDERS = ("twilio", "exotel")
EXOTEL_CLUSTERS = (SINGAPORE, MUMBAI)
LOGO_SUFFIXES = (".png", ".jpg", ".jpeg", ".svg", ".bmp")


@dataclass
class SettingsForm:
    """Everything the settings page shows, as the admin typed it. Secret fields are write-only: blank = keep."""

    clinic_name: str = DEFAULT_NAME
    clinic_address: str = ""
    clinic_phone: str = ""
    clinic_logo_path: str = ""
    clinic_gstin: str = ""
    gateway: str = "simulator"
    upi_vpa: str = ""
    upi_payee_name: str = ""
    razorpay_key_id: str = ""
    twilio_account_sid: str = ""
    twilio_from_number: str = ""
    sms_provider: str = "twilio"
    exotel_account_sid: str = ""
    exotel_api_key: str = ""
    exotel_base_url: str = SINGAPORE
    smtp_host: str = ""
    smtp_port: str = "587"
    smtp_user: str = ""
    smtp_from: str = ""
    telegram_chat_id: str = ""
    database_url: str = ""  # blank = the embedded database
    database_direct_url: str = ""  # the server itself behind a pooler that is not Neon's; blank = derived
    database_prepared_statements: str = "auto"
    poll_interval_seconds: str = "2"
    idle_lock_minutes: str = "10"
    language: str = "en"
    receipt_paper: str = Paper.A4.value
    razorpay_key_secret: str = ""
    twilio_auth_token: str = ""
    smtp_password: str = ""
    telegram_bot_token: str = ""
    exotel_api_token: str = ""


NO_KEYRING_FOR_SECRETS = ("This computer has no keyring to keep it in: use the file keyring (the button at the top of "
                          "this page), or install GNOME Keyring or KWallet.")


@dataclass(frozen=True)
class LoadedSettings:
    form: SettingsForm
    stored_secrets: frozenset[str]  # the secret fields that already have a value in the keyring


def load_settings(uow: UnitOfWork, actor: Actor, settings: Settings) -> LoadedSettings:
    with uow.reading(actor, Role.ADMIN):
        clinic = {key: value or "" for key, value in uow.settings.get_many(CLINIC_KEYS).items()}
    clinic["clinic_name"] = clinic["clinic_name"] or DEFAULT_NAME
    desk = {f.name: getattr(settings, f.name) for f in fields(Settings) if f.name in SettingsForm.__dataclass_fields__}
    desk = {k: "" if v is None else (f"{v:g}" if isinstance(v, float) else str(v)) for k, v in desk.items()}
    stored, _ = _stored_secrets()
    return LoadedSettings(SettingsForm(**{**desk, **clinic}), stored)


def _stored_secrets() -> tuple[frozenset[str], bool]:
    """The secret fields with a value in the keyring, and whether there is a keyring to ask at all."""
    try:
        return frozenset(name for name, key in SECRETS.items() if get_secret(key)), True
    except SecretStoreUnavailable:
        return frozenset(), False


def validate(form: SettingsForm, stored_secrets: frozenset[str] = frozenset()) -> dict[str, object]:
    """Every field at once: the cleaned values, or FormErrors naming each bad field."""
    errors: list[ValidationError] = []
    clean: dict[str, object] = {}

    def check(field: str, rule) -> None:  # type: ignore[no-untyped-def]
        try:
            clean[field] = rule()
        except ValidationError as error:
            errors.append(ValidationError(field, error.message))

    def has_secret(field: str) -> bool:
        return bool(getattr(form, field).strip()) or field in stored_secrets

    check("clinic_name", lambda: validate_clinic_name(form.clinic_name))
    check("clinic_address", lambda: _at_most(form.clinic_address, 300, "address", lines=True))
    check("clinic_phone", lambda: _optional_phone(form.clinic_phone, "clinic_phone"))
    check("clinic_logo_path", lambda: _logo(form.clinic_logo_path))
    check("clinic_gstin", lambda: optional_gstin(form.clinic_gstin))
    check("gateway", lambda: _choice(form.gateway, GATEWAYS, "gateway", "Choose a payment gateway."))
    check("upi_vpa", lambda: validation.vpa(form.upi_vpa, "upi_vpa") if form.upi_vpa.strip()
          or form.gateway == "static_upi" else "")
    check("upi_payee_name", lambda: _required_if(form.upi_payee_name, form.gateway == "static_upi",
                                                 "Enter the payee name the patient's UPI app shows."))
    check("razorpay_key_id", lambda: _required_if(form.razorpay_key_id, form.gateway == "razorpay",
                                                  "Enter the Razorpay key id (rzp_live_… or rzp_test_…)."))
    if form.gateway == "razorpay" and not has_secret("razorpay_key_secret"):
        errors.append(ValidationError("razorpay_key_secret", "Enter the Razorpay key secret."))
    check("twilio_account_sid", lambda: twilio_sid(form.twilio_account_sid))
    check("twilio_from_number", lambda: check_sms_number(form.twilio_from_number, "twilio_from_number")
          if form.twilio_from_number.strip() or form.twilio_account_sid.strip() else "")
    if form.twilio_account_sid.strip() and not has_secret("twilio_auth_token"):
        errors.append(ValidationError("twilio_auth_token", "Enter the Twilio auth token."))
    check("sms_provider", lambda: _choice(form.sms_provider, SMS_PROVIDERS, "sms_provider", "Choose Twilio or Exotel."))
    exotel = form.sms_provider == "exotel"
    check("exotel_account_sid", lambda: _exotel_name(form.exotel_account_sid, exotel, "exotel_account_sid",
                                                     "Enter the Exotel account SID (Dashboard → API settings)."))
    check("exotel_api_key", lambda: _exotel_name(form.exotel_api_key, exotel, "exotel_api_key",
                                                 "Enter the Exotel API key (Dashboard → API settings)."))
    check("exotel_base_url", lambda: _choice(form.exotel_base_url, EXOTEL_CLUSTERS, "exotel_base_url",
                                             "Choose the cluster your Exotel account is on."))
    if exotel and not has_secret("exotel_api_token"):
        errors.append(ValidationError("exotel_api_token", "Enter the Exotel API token."))
    check("smtp_host", lambda: host_name(form.smtp_host))
    check("smtp_port", lambda: int(number_in(form.smtp_port or "587", 1, 65535, "smtp_port", "port")))
    check("smtp_user", lambda: _at_most(form.smtp_user, 254, "user name"))
    check("smtp_from", lambda: validation.email(form.smtp_from, "smtp_from") if form.smtp_from.strip()
          or form.smtp_host.strip() else "")
    if form.smtp_user.strip() and not has_secret("smtp_password"):
        errors.append(ValidationError("smtp_password", "Enter the mail account's password."))
    check("telegram_chat_id", lambda: telegram_chat(form.telegram_chat_id))
    if form.telegram_chat_id.strip() and not has_secret("telegram_bot_token"):
        errors.append(ValidationError("telegram_bot_token", "Enter the bot token from @BotFather."))
    check("database_url", lambda: _database(form.database_url))
    check("database_direct_url", lambda: _database(form.database_direct_url, "database_direct_url"))
    check("database_prepared_statements", lambda: _choice(
        form.database_prepared_statements, PREPARED_STATEMENTS, "database_prepared_statements",
        "Choose automatic, on or off."))
    check("poll_interval_seconds", lambda: number_in(form.poll_interval_seconds, 0.5, 30, "poll_interval_seconds",
                                                     "poll interval", whole=False))
    check("idle_lock_minutes", lambda: int(number_in(form.idle_lock_minutes, 1, 240, "idle_lock_minutes",
                                                     "idle lock time")))
    check("language", lambda: _choice(form.language, [lang.value for lang in Language], "language",
                                      "Choose English or Hindi."))
    check("receipt_paper", lambda: Paper.chosen(form.receipt_paper).value)
    if errors:
        raise FormErrors(errors)
    return clean


def save_settings(uow: UnitOfWork, actor: Actor, form: SettingsForm, *, path: Path | None = None) -> LoadedSettings:
    """Check every field, then write the clinic's profile (audited), the secrets and the settings file."""
    actor.require(Role.ADMIN)

    stored, keyring_found = _stored_secrets()
    typed = [name for name in SECRETS if getattr(form, name).strip()]
    if typed and not keyring_found:
        raise FormErrors([ValidationError(name, NO_KEYRING_FOR_SECRETS) for name in typed])
    clean = validate(form, stored)
    with uow:
        before = uow.settings.get_many(CLINIC_KEYS)
        after = {key: clean[key] for key in CLINIC_KEYS}
        for key, value in after.items():
            uow.settings.put(key, value)
        if before != after:
            uow.audit.record(actor, "clinic_profile_changed", "clinic_settings", "profile", before=before, after=after)
        uow.commit()
    for name, key in SECRETS.items():
        value = getattr(form, name).strip()
        if value:
            set_secret(key, value)
    settings = Settings.load(path)
    for name in ("gateway", "upi_vpa", "upi_payee_name", "razorpay_key_id", "twilio_account_sid",
                 "twilio_from_number", "sms_provider", "exotel_account_sid", "exotel_api_key", "exotel_base_url",
                 "smtp_host", "smtp_port", "smtp_user", "smtp_from", "telegram_chat_id",
                 "poll_interval_seconds", "idle_lock_minutes", "language", "receipt_paper",
                 "database_prepared_statements"):
        setattr(settings, name, clean[name])
    settings.smtp_user = form.smtp_user.strip()
    raw_url = form.database_url.strip()
    if not raw_url:
        settings.database_url = None
    elif raw_url != (settings.database_url or ""):
        settings = remember_remote_database(settings, raw_url) if path is None else _remember(settings, raw_url)
    settings.database_direct_url = _direct(form.database_direct_url)
    settings.save(path)
    log.info("settings saved by user %s", actor.user_id)
    return load_settings(uow, actor, settings)


def test_database_connection(raw: str, *, timeout: int = 5) -> Message:
    """Connect once and ask the server's version; the message to show, or ValidationError("database_url")."""
    url = _database(raw)
    if not url:
        raise ValidationError("database_url", "Enter the URL of the remote database to test it.")
    parsed = with_stored_password(parse_database_url(url))
    try:
        version = reach.server_version(parsed, timeout=timeout)
    except reach.Unreachable as refused:
        raise ValidationError("database_url", "Cannot connect: {reason}", reason=refused.reason) from None
    return Message("Connected to PostgreSQL {version} at {host}.",
                   {"version": version, "host": parsed.host or "localhost"})


test_database_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _remember(settings: Settings, raw: str) -> Settings:
    """remember_remote_database for a settings file at another path (tests)."""
    url = parse_database_url(raw)
    if url.password:
        set_secret(keyring_name(url), url.password)
    return replace(settings, database_url=without_password(url))


def _database(raw: str, field: str = "database_url") -> str:
    text = (raw or "").strip()
    if text:
        parse_database_url(text, field)
    return text


def _direct(raw: str) -> str | None:
    """The direct URL without its password (that one goes to the keyring, as the main URL's does)."""
    if not raw.strip():
        return None
    url = parse_database_url(raw, "database_direct_url")
    if url.password:
        set_secret(keyring_name(url), url.password)
    return without_password(url)


def _at_most(value: str, limit: int, what: str, *, lines: bool = False) -> str:
    """Spaces tidied; with `lines` (an address for the letterhead) its line breaks are kept."""
    text = validation.tidy_lines(value) if lines else " ".join((value or "").split())
    if len(text) > limit:
        raise ValidationError("", "The {what} is too long (at most {limit} characters).", what=what, limit=limit)
    return validation.storable(text, "", f"The {what}")


def _optional_phone(value: str, field: str) -> str:
    text = (value or "").strip()
    digits = "".join(ch for ch in text if validation.ascii_digits(ch))
    if text and not 10 <= len(digits) <= 15:
        raise ValidationError(field, "Enter a phone number of 10 to 15 digits.")
    return text


def _logo(value: str) -> str:
    text = (value or "").strip()
    if not text:
        return ""
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # ~name of a user this machine does not have
        path = Path(text)
    if path.suffix.lower() not in LOGO_SUFFIXES or not path.is_file():
        raise ValidationError("clinic_logo_path", "Choose an existing PNG, JPEG, SVG or BMP image.")
    return str(path)


def _choice(value: str, allowed, field: str, message: str) -> str:  # type: ignore[no-untyped-def]
    if value not in allowed:
        raise ValidationError(field, message)
    return value


def _exotel_name(value: str, required: bool, field: str, message: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(field, message)
    if text and not re.fullmatch(r"[A-Za-z0-9_.-]{1,100}", text):
        raise ValidationError(field, "Letters, digits, '.', '_' and '-' only, as Exotel shows it.")
    return text


def _required_if(value: str, required: bool, message: str) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError("", message)
    return validation.storable(text, "")
