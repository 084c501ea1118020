"""The services' messages in the desk's language.

The domain and services have no Qt: their errors carry an English key with `{name}` placeholders and the values
(homa_desk/domain/errors.py). Here the key is translated in the ServiceMessages context (the keys are collected
into ui/common/service_messages.py by `python -m homa_desk.ui.translation_build`), then filled in; a value that is
itself one of the words below (a field's name, a status) is translated too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from homa_desk.domain.errors import DomainError, FormErrors

log = logging.getLogger(__name__)

CONTEXT = "ServiceMessages"

# The field names, statuses and roles the services put into their messages as values, and the vitals' templates.
WORDS = (
    QT_TRANSLATE_NOOP("ServiceMessages", "Systolic BP (mmHg)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Diastolic BP (mmHg)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Pulse (per minute)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Temperature (°C)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Weight (kg)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "SpO₂ (%)"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Symptoms"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Symptoms and notes"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The diagnosis"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The advice"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The note"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The address"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Allergies"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Medical history"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The reason"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The reference"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The description"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The password"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The text"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The clinic's name"),
    QT_TRANSLATE_NOOP("ServiceMessages", "The folder"),
    QT_TRANSLATE_NOOP("ServiceMessages", "registration number"),
    QT_TRANSLATE_NOOP("ServiceMessages", "specialty"),
    QT_TRANSLATE_NOOP("ServiceMessages", "qualification"),
    QT_TRANSLATE_NOOP("ServiceMessages", "room"),
    QT_TRANSLATE_NOOP("ServiceMessages", "reason"),
    QT_TRANSLATE_NOOP("ServiceMessages", "medicine"),
    QT_TRANSLATE_NOOP("ServiceMessages", "strength"),
    QT_TRANSLATE_NOOP("ServiceMessages", "more"),
    QT_TRANSLATE_NOOP("ServiceMessages", "less"),
    QT_TRANSLATE_NOOP("ServiceMessages", "scheduled"),
    QT_TRANSLATE_NOOP("ServiceMessages", "completed"),
    QT_TRANSLATE_NOOP("ServiceMessages", "cancelled"),
    QT_TRANSLATE_NOOP("ServiceMessages", "no-show"),
    QT_TRANSLATE_NOOP("ServiceMessages", "admin"),
    QT_TRANSLATE_NOOP("ServiceMessages", "receptionist"),
    QT_TRANSLATE_NOOP("ServiceMessages", "doctor"),
    QT_TRANSLATE_NOOP("ServiceMessages", "BP {value}"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Pulse {value}/min"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Temp {value}"),
    QT_TRANSLATE_NOOP("ServiceMessages", "Weight {value} kg"),
    QT_TRANSLATE_NOOP("ServiceMessages", "SpO₂ {value}%"),
)


def service_word(text: str) -> str:
    """One of the WORDS (a field's name the domain defines, such as a vital's) in the desk's language."""
    return QCoreApplication.translate(CONTEXT, text)


def service_text(key: str, params: Mapping[str, object]) -> str:
    """`key` in the desk's language with `params` filled in."""
    text = QCoreApplication.translate(CONTEXT, key)
    if not params:
        return text
    shown = {name: QCoreApplication.translate(CONTEXT, value) if isinstance(value, str) else value
             for name, value in params.items()}
    try:
        return text.format(**shown)
    except (KeyError, IndexError, ValueError):
        log.warning("a translation's placeholders differ from its source's; showing the English text")
        return key.format(**params)


def in_desk_language(error: DomainError) -> DomainError:
    """`error` with its message (each field's, for FormErrors) in the desk's language; safe to call twice."""
    if isinstance(error, FormErrors):
        for part in error.errors:
            in_desk_language(part)
        error.message = "; ".join(part.message for part in error.errors)
    elif hasattr(error, "key"):
        error.message = service_text(error.key, error.params)
    return error
