"""The clinic's shared, non-secret profile (name, address) that every desk shows."""

from __future__ import annotations

from dataclasses import dataclass

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.waiting_board_repository import FIRST_NAME_KEY, LANGUAGE_KEY
from homa_desk.domain.consultations import TemperatureUnit
from homa_desk.domain.errors import ValidationError
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.validation import storable
from homa_desk.domain.waiting_room import BoardLanguage, BoardSettings

DEFAULT_NAME = "Homa Clinic"
TEMPERATURE_UNIT = "temperature_unit"


def clinic_name(uow: UnitOfWork) -> str:
    with uow.reading(None):
        return uow.settings.get("clinic_name", DEFAULT_NAME)


@dataclass(frozen=True)
class ClinicInfo:
    """What a receipt's letterhead shows; address, phone and logo stay empty until the clinic sets them."""

    name: str
    address: str = ""
    phone: str = ""
    logo_path: str = ""
    gstin: str = ""  # set: the receipt is the document the GST rules ask for (tax invoice or bill of supply)

    @property
    def state(self) -> str:
        """The clinic's GST state code (a GSTIN's first two digits), '' without a GSTIN."""
        return self.gstin[:2]


def clinic_info(uow: UnitOfWork) -> ClinicInfo:
    with uow.reading(None):
        found = uow.settings.get_many(("clinic_name", "clinic_address", "clinic_phone", "clinic_logo_path",
                                       "clinic_gstin"))
    return ClinicInfo(name=found["clinic_name"] or DEFAULT_NAME, address=found["clinic_address"] or "",
                      phone=found["clinic_phone"] or "", logo_path=found["clinic_logo_path"] or "",
                      gstin=found["clinic_gstin"] or "")


@dataclass(frozen=True)
class ClinicTab:
    """What Settings → Clinic shows: the name, the thermometers' unit, the waiting-room screen's choices."""

    name: str
    temperature_unit: TemperatureUnit
    board: BoardSettings


def clinic_tab(uow: UnitOfWork, actor: Actor) -> ClinicTab:
    """Settings → Clinic in one statement (what clinic_name, temperature_unit and board_settings read)."""
    with uow.reading(actor, Role.ADMIN):
        found = uow.settings.get_many(("clinic_name", TEMPERATURE_UNIT, LANGUAGE_KEY, FIRST_NAME_KEY))
    return ClinicTab(found["clinic_name"] or DEFAULT_NAME, TemperatureUnit.of(found[TEMPERATURE_UNIT]),
                     BoardSettings(BoardLanguage.of(found[LANGUAGE_KEY]), found[FIRST_NAME_KEY] is True))


def validate_clinic_name(name: str) -> str:
    text = " ".join((name or "").split())
    if not text:
        raise ValidationError("clinic_name", "Enter the clinic's name.")
    if len(text) > 120:
        raise ValidationError("clinic_name", "The clinic's name is too long (at most 120 characters).")
    return storable(text, "clinic_name", "The clinic's name")


def set_clinic_name(uow: UnitOfWork, actor: Actor, name: str) -> str:
    actor.require(Role.ADMIN)
    text = validate_clinic_name(name)
    with uow:
        store_clinic_name(uow, actor, text)
        uow.commit()
    return text


def store_clinic_name(uow: UnitOfWork, actor: Actor | None, text: str) -> None:
    """Inside an open unit of work; the first-run wizard passes actor=None before any admin exists."""
    if actor is not None:
        actor.require(Role.ADMIN)
    before = uow.settings.get("clinic_name")
    uow.settings.put("clinic_name", text)
    uow.audit.record(actor, "clinic_renamed", "clinic_settings", "clinic_name",
                     before={"value": before}, after={"value": text})


def temperature_unit(uow: UnitOfWork) -> TemperatureUnit:
    """The unit the clinic's thermometers read (°C unless the admin chose °F)."""
    with uow.reading(None):
        return TemperatureUnit.of(uow.settings.get(TEMPERATURE_UNIT))


def set_temperature_unit(uow: UnitOfWork, actor: Actor, unit: TemperatureUnit) -> TemperatureUnit:
    actor.require(Role.ADMIN)
    unit = TemperatureUnit(unit)
    with uow:
        before = uow.settings.get(TEMPERATURE_UNIT)
        uow.settings.put(TEMPERATURE_UNIT, unit.value)
        uow.audit.record(actor, "temperature_unit_set", "clinic_settings", TEMPERATURE_UNIT,
                         before={"value": before}, after={"value": unit.value})
        uow.commit()
    return unit


def ping(uow: UnitOfWork) -> None:
    with uow.reading(None):
        uow.health.ping()


def wait_in_database(uow: UnitOfWork, seconds: float) -> None:
    with uow.reading(None):
        uow.health.sleep(seconds)
