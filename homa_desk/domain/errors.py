"""Typed errors the services raise; the desk turns each into a clear message, never a traceback."""

from __future__ import annotations

from datetime import datetime


class DomainError(Exception):
    """An expected refusal with a message fit to show a receptionist."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(DomainError):
    """Bad input for one field; `field` names the form field the message belongs next to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
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
    def __init__(self, message: str = "Wrong e-mail or password.") -> None:
        super().__init__(message)


class AccountLocked(AuthenticationFailed):
    def __init__(self, until: datetime) -> None:
        from homa_desk.domain.timeutil import format_local_time

        super().__init__(
            f"Too many failed sign-ins. This account is locked until {format_local_time(until)}."
        )
        self.until = until


class NotFound(DomainError):
    pass


class Conflict(DomainError):
    """The database refused a change because of what another desk did (a taken e-mail, a taken slot)."""


class DatabaseUnavailable(DomainError):
    def __init__(self, message: str = "The database cannot be reached. Check the connection and try again.") -> None:
        super().__init__(message)
