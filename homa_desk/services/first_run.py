"""A new install's set-up from the first-run wizard: where the data lives, the admin, the clinic and its payments.

Each wizard page checks its own fields (`check_*`, no database needed) so mistakes show next to the field before
the next page. Nothing is written until Finish: then `set_up` checks everything again, opens the chosen database,
writes the admin and the clinic's profile in one transaction, the secrets to the keyring and this desk's choices
to the settings file. A refusal leaves no admin, no profile and no settings file behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

from homa_desk import connect
from homa_desk.backend import Backend
from homa_desk.config import Settings
from homa_desk.connect import new_install, open_remote, with_stored_password
from homa_desk.db.engine import make_engine
from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.urls import direct_url, keyring_name, parse_database_url, without_password
from homa_desk.domain.errors import DomainError, FormErrors, PermissionDenied, ValidationError
from homa_desk.domain.messages import Message
from homa_desk.domain.roles import Role
from homa_desk.domain.staff import NewStaff, StaffMember
from homa_desk.gateways.factory import RAZORPAY_SECRET, gateway_from_settings
from homa_desk.secret_store import SecretStoreUnavailable, set_secret
from homa_desk.services import settings as settings_service
from homa_desk.services import staff
from homa_desk.services.settings import CLINIC_KEYS, SettingsForm, _direct  # _direct: as Settings → Setup keeps it

log = logging.getLogger(__name__)

ADMIN_FIELDS = ("full_name", "email", "phone", "password", "password_again")
CLINIC_FIELDS = CLINIC_KEYS
UPI_FIELDS = ("upi_vpa", "upi_payee_name")
GATEWAY_FIELDS = ("razorpay_key_id", "razorpay_key_secret")
RAZORPAY_PREFIXES = ("rzp_live_", "rzp_test_")


@dataclass
class SetupForm:
    """Every field of the wizard as typed; blank optional fields mean "not now" (Settings can add them later)."""

    full_name: str = ""
    email: str = ""
    phone: str = ""
    password: str = ""
    password_again: str = ""
    clinic_name: str = ""
    clinic_address: str = ""
    clinic_phone: str = ""
    clinic_logo_path: str = ""
    clinic_gstin: str = ""
    upi_vpa: str = ""
    upi_payee_name: str = ""
    razorpay_key_id: str = ""
    razorpay_key_secret: str = ""
    demo: bool = False

    @property
    def gateway(self) -> str:
        """Razorpay when its keys are given, else the clinic's own UPI ID, else the practice simulator."""
        if self.razorpay_key_id.strip() or self.razorpay_key_secret.strip():
            return "razorpay"
        return "static_upi" if self.upi_vpa.strip() or self.upi_payee_name.strip() else "simulator"


@dataclass(frozen=True)
class FirstRunResult:
    backend: Backend
    admin: StaffMember | None  # None: the database already had its admin and this desk joined it


@dataclass(frozen=True)
class RemoteCheck:
    message: Message  # "Connected to PostgreSQL 16.4 at …"
    empty: bool  # no schema yet: Finish creates it
    has_admin: bool  # an existing clinic: this desk joins it and signs in


def needs_database_choice(settings: Settings, env: Mapping[str, str] = os.environ,
                          data_dir: Path | None = None) -> bool:
    """True on a new install: no database URL given anywhere and no embedded database on this computer yet.

    The wizard starts the embedded server only at Finish, so cancelling it leaves the choice open for next time.
    """
    return new_install(settings, env, data_dir)


def check_admin(form: SetupForm) -> NewStaff:
    return staff.validate_new_staff(email=form.email, full_name=form.full_name, phone=form.phone, role=Role.ADMIN,
                                    password=form.password, password_again=form.password_again)


def check_clinic(form: SetupForm) -> dict[str, str]:
    return _checked(form, CLINIC_FIELDS)  # type: ignore[return-value]


def check_upi(form: SetupForm) -> dict[str, str]:
    """Optional, but a UPI ID comes with the payee name the patient's UPI app shows."""
    given = any(getattr(form, name).strip() for name in UPI_FIELDS)
    return _checked(form, UPI_FIELDS, gateway="static_upi" if given else "simulator")  # type: ignore[return-value]


def check_gateway(form: SetupForm) -> dict[str, str]:
    """Optional; a key id comes with its secret."""
    gateway = "razorpay" if form.gateway == "razorpay" else "simulator"
    clean: dict[str, str] = _checked(form, GATEWAY_FIELDS, gateway=gateway)  # type: ignore[assignment]
    key_id = clean.get("razorpay_key_id", "")
    if key_id and not key_id.startswith(RAZORPAY_PREFIXES):
        raise FormErrors([ValidationError("razorpay_key_id", "A Razorpay key id starts with rzp_live_ or rzp_test_.")])
    return clean


def check_all(form: SetupForm) -> tuple[NewStaff, dict[str, str]]:
    """Every page's rules at once: the admin, and the cleaned clinic and payment values."""
    problems: list[ValidationError] = []
    new: NewStaff | None = None
    clean: dict[str, str] = {}
    for check in (check_admin, check_clinic, check_upi, check_gateway):
        try:
            result = check(form)
        except FormErrors as errors:
            problems.extend(errors.errors)
            continue
        if isinstance(result, NewStaff):
            new = result
        else:
            clean.update(result)
    if problems or new is None:
        raise FormErrors(problems)
    return new, clean


def check_remote(raw: str, *, direct: str = "") -> RemoteCheck:
    """Connect to the URL before anything is saved: reachable, and either empty or a clinic at today's schema.
    `direct` (the server past a pooler), when given, must be a URL the desk accepts (TLS off this machine)."""
    from homa_desk.db import migrate  # lazy: cold start

    if direct.strip():
        parse_database_url(direct.strip(), "database_direct_url")
    message = settings_service.test_database_connection(raw)
    engine = _engine(raw)
    try:
        revision = migrate.current_revision(engine)
        if revision is None:
            return RemoteCheck(message, empty=True, has_admin=False)
        if revision != migrate.head_revision():
            raise ValidationError("database_url", "This database is at schema revision {revision}; this desk needs "
                                  "{head}. Run `homa-desk db upgrade` once first.", revision=revision,
                                  head=migrate.head_revision())
        return RemoteCheck(message, empty=False, has_admin=not staff.needs_first_admin(UnitOfWork(engine)))
    finally:
        engine.dispose()


def set_up(form: SetupForm, *, backend: Backend | None = None, database_url: str | None = None,
           data_dir: Path | None = None, settings_path: Path | None = None, share: bool = False,
           direct_database_url: str | None = None) -> FirstRunResult:
    """Finish: with no `backend`, open the chosen database first (blank URL = this computer). `share`: this computer
    hosts the clinic for its other computers on the network (its ports open now and at every start).
    `direct_database_url`: the server itself, past a pooler that is not Neon's (blank: derived from the URL), for
    the schema, dumps and restores; kept like Settings → Setup keeps it (the password in the keyring)."""
    new, clean = check_all(form)
    opened = backend is None
    if backend is None:
        backend = open_chosen_database(database_url or "", data_dir, direct=direct_database_url)
    try:
        settings = Settings.load(settings_path)
        _store_secrets(form, database_url if opened else None)
        member = _create_clinic(backend, new, clean)
    except BaseException:
        if opened:
            backend.close()
        raise
    for name in (*UPI_FIELDS, "razorpay_key_id"):
        setattr(settings, name, clean[name])
    settings.gateway = form.gateway
    if opened:
        settings.database_url = _without_password(database_url) if database_url else None
        settings.database_direct_url = _direct(direct_database_url or "") if database_url else None
    if share and backend.embedded is not None:
        from homa_desk.services.clinic_network import start_host  # lazy: only a hosting desk

        settings.lan_host = True
        start_host(backend)
    settings.save(settings_path)
    _use_gateway(backend, settings)
    if form.demo:
        _fill_demo(backend)
    log.info("first run complete: admin user %s, gateway %s, demo %s", member.id, settings.gateway, form.demo)
    return FirstRunResult(backend, member)


def join_existing(database_url: str, *, settings_path: Path | None = None,
                  direct_database_url: str | None = None) -> FirstRunResult:
    """A second desk on a clinic's remote database that already has its admin: remember the URL (and the direct one,
    past a pooler), then sign in."""
    backend = open_remote(database_url, direct=direct_database_url or None)
    try:
        _store_secrets(SetupForm(), database_url)
    except BaseException:
        backend.close()
        raise
    settings = Settings.load(settings_path)
    settings.database_url = _without_password(database_url)
    settings.database_direct_url = _direct(direct_database_url or "")
    settings.save(settings_path)
    _use_gateway(backend, settings)
    return FirstRunResult(backend, None)


def join_lan(address: str, code: str, *, desk_name: str = "", expected_fingerprint: str = "",
             settings_path: Path | None = None) -> FirstRunResult:
    """This computer joins the clinic hosted at `address` with the admin's code, then opens its database."""
    from homa_desk.services import clinic_network  # lazy: only a joining desk

    settings = clinic_network.join_clinic(address, code, settings_path=settings_path, desk_name=desk_name,
                                          expected_fingerprint=expected_fingerprint)
    backend = connect.open_backend(settings)
    _use_gateway(backend, settings)
    return FirstRunResult(backend, None)


def open_chosen_database(database_url: str, data_dir: Path | None = None, *, direct: str | None = None) -> Backend:
    """This computer's embedded server, or the remote one; an empty remote database gets its schema here, on the
    direct host (`direct`, or derived from a Neon URL), never through a pooler."""
    from homa_desk.db import migrate  # lazy: cold start

    if not database_url.strip():
        return connect.open_embedded(data_dir)
    check = check_remote(database_url)
    if check.has_admin:
        raise PermissionDenied("This database already has a clinic and its admin; connect to it and sign in.")
    if check.empty:
        given = with_stored_password(parse_database_url(direct, "database_direct_url")) if direct else None
        engine = make_engine(direct_url(with_stored_password(parse_database_url(database_url)), given))
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        log.info("schema created in the new remote database")
    return connect.open_remote(database_url, direct=direct or None)


def _checked(form: SetupForm, names: tuple[str, ...], gateway: str = "simulator") -> dict[str, object]:
    """The settings page's rules for these fields only (the other fields are left at valid defaults)."""
    values = {f.name: getattr(form, f.name) for f in fields(SettingsForm) if f.name in names}
    try:
        clean = settings_service.validate(SettingsForm(**{**values, "gateway": gateway}))
    except FormErrors as errors:
        mine = [error for error in errors.errors if error.field in names]
        if mine:
            raise FormErrors(mine) from None
        raise
    return {name: clean.get(name, getattr(form, name).strip()) for name in names}


def _create_clinic(backend: Backend, new: NewStaff, clean: Mapping[str, str]) -> StaffMember:
    """The admin and the clinic's profile in one transaction, only while the clinic has never had an admin (under a
    lock)."""
    uow = backend.uow()
    with uow:
        uow.staff.lock_first_run()
        if uow.staff.clinic_had_admin():
            raise PermissionDenied(staff.HAS_ADMIN)
        member = staff._add(uow, None, new)
        profile = {key: clean[key] for key in CLINIC_KEYS}
        for key, value in profile.items():
            uow.settings.put(key, value)
        uow.audit.record(member.as_actor(), "clinic_profile_changed", "clinic_settings", "profile",
                         before={}, after=profile)
        uow.commit()
    return member


def _store_secrets(form: SetupForm, database_url: str | None) -> None:
    try:
        if form.razorpay_key_secret.strip():
            set_secret(RAZORPAY_SECRET, form.razorpay_key_secret.strip())
        if database_url:
            url = parse_database_url(database_url)
            if url.password:
                set_secret(keyring_name(url), url.password)
    except SecretStoreUnavailable as error:
        raise DomainError(str(error)) from None


def _without_password(raw: str) -> str:
    return without_password(parse_database_url(raw))


def _engine(raw: str):  # type: ignore[no-untyped-def]
    return make_engine(with_stored_password(parse_database_url(raw)))


def _fill_demo(backend: Backend) -> None:
    """The clinic is set up by now: a demo that fails is logged and the desk starts without it."""
    from homa_desk.services.demo import seed_demo_if_empty  # lazy: cold start

    try:
        seed_demo_if_empty(backend.uow())
    except Exception:
        log.exception("demo data could not be generated")


def _use_gateway(backend: Backend, settings: Settings) -> None:
    backend.gateway = gateway_from_settings(settings)
    backend.poll_interval = settings.poll_interval_seconds
