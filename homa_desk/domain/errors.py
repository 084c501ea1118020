"""Typed errors the services raise; the desk turns each into a clear message, never a traceback."""

from __future__ import annotations

from homa_desk.domain.lockout import LOCKOUT_MINUTES, MAX_FAILED_SIGN_INS


class DomainError(Exception):
    """An expected refusal with a message fit to show a receptionist.

    `message` is English. The desk shows it in its own language: `key` (the English text with `{name}` placeholders)
    is the message id it translates, then it fills in `params`. Raise with a literal key and keyword parameters,
    never an f-string, so the key can be found and translated.
    """

    def __init__(self, message: str, **params: object) -> None:
        text = message.format(**params) if params else message
        super().__init__(text)
        self.message = text
        self.key = message
        self.params = params


class ValidationError(DomainError):
    """Bad input for one field; `field` names the form field the message belongs next to."""

    def __init__(self, field: str, message: str, **params: object) -> None:
        super().__init__(message, **params)
        self.field = field


class FormErrors(DomainError):
    """Several fields refused at once, so a form can mark all of them in one pass."""

    def __init__(self, errors: list[ValidationError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = errors

    def by_field(self) -> dict[str, str]:
        return {e.field: e.message for e in self.errors}


class PermissionDenied(DomainError):
    pass


class AuthenticationFailed(DomainError):
    """A refused sign-in. One answer for every reason (wrong password, unknown e-mail, locked, disabled), so the
    answer tells a guesser nothing; it says what a real user may need to know."""

    def __init__(self, message: str | None = None) -> None:
        if message is not None:
            super().__init__(message)
            return
        super().__init__("Wrong e-mail or password. After {tries} wrong tries sign-in waits {minutes} minutes; a "
                         "disabled account cannot sign in (ask the clinic's admin).", tries=MAX_FAILED_SIGN_INS,
                         minutes=LOCKOUT_MINUTES)


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The database refused a change because of what another desk did (a taken e-mail, a taken slot)."""


class DatabaseUnavailable(DomainError):
    def __init__(self, message: str = "The database cannot be reached. Check the connection and try again.",
                 **params: object) -> None:
        super().__init__(message, **params)
