"""The waiting room screen: the board a front desk puts on a TV (or on the customer display while no payment is on
it), and the clinic's choices for it (its language, whether it shows the patient's first name)."""

from __future__ import annotations

from datetime import date

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.db.waiting_board_repository import FIRST_NAME_KEY, LANGUAGE_KEY
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.waiting_room import NEXT_TOKENS, BoardLanguage, BoardSettings, WaitingBoard, board_language

DESK = (Role.RECEPTIONIST, Role.ADMIN)


def waiting_board(uow: UnitOfWork, actor: Actor, day: date) -> WaitingBoard:
    """The board of `day` with the clinic's settings, in one statement (a screen asks every second or two)."""
    with uow.reading(actor, *DESK):
        return uow.waiting_board.board(day, NEXT_TOKENS)


def board_settings(uow: UnitOfWork, actor: Actor) -> BoardSettings:
    with uow.reading(actor, *DESK):
        found = uow.settings.get_many((LANGUAGE_KEY, FIRST_NAME_KEY))
    return BoardSettings(BoardLanguage.of(found[LANGUAGE_KEY]), found[FIRST_NAME_KEY] is True)


def set_board_settings(uow: UnitOfWork, actor: Actor, language: str, show_first_name: bool) -> BoardSettings:
    """The admin's choice, for every desk's screen; audited."""
    actor.require(Role.ADMIN)
    chosen = BoardSettings(board_language(language), show_first_name is True)
    with uow:
        before = uow.settings.get_many((LANGUAGE_KEY, FIRST_NAME_KEY))
        uow.settings.put(LANGUAGE_KEY, chosen.language.value)
        uow.settings.put(FIRST_NAME_KEY, chosen.show_first_name)
        uow.audit.record(actor, "waiting_board_settings_set", "clinic_settings", LANGUAGE_KEY,
                         before={"language": before[LANGUAGE_KEY], "first_name": before[FIRST_NAME_KEY]},
                         after={"language": chosen.language.value, "first_name": chosen.show_first_name})
        uow.commit()
    return chosen
