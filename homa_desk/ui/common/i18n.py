"""The interface's language: English in the sources, Hindi from resources/translations/homa_desk_hi.qm.

Texts are marked with `tr("…")` (or `QT_TR_NOOP("…")` where a constant is built before the translator exists, then
`tr(constant)` where it is shown); `python3 dev.py translations` extracts them with pyside6-lupdate into
resources/translations/homa_desk_hi.ts and compiles the .qm with pyside6-lrelease. Placeholders are `{name}` and
filled after translation: `tr("Saved {name}.").format(name=…)`, never an f-string inside tr().
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QT_TR_NOOP, QCoreApplication, QLibraryInfo, QLocale, QTranslator

from homa_desk.ui.common.resources import find_resource

log = logging.getLogger(__name__)

LANGUAGES = {"en": "English", "hi": "हिन्दी (Hindi)"}
_installed: list[QTranslator] = []

# Words that come from the domain layer (no Qt there) and are translated where they are shown.
DOMAIN_WORDS = (
    QT_TR_NOOP("At the clinic"), QT_TR_NOOP("Online (video)"), QT_TR_NOOP("Capsule"), QT_TR_NOOP("Drops"),
    QT_TR_NOOP("Inhaler"), QT_TR_NOOP("Injection"), QT_TR_NOOP("Ointment"), QT_TR_NOOP("Other"), QT_TR_NOOP("Syrup"),
    QT_TR_NOOP("Tablet"), QT_TR_NOOP("After food"), QT_TR_NOOP("Any time"), QT_TR_NOOP("Before food"),
    QT_TR_NOOP("Completed"), QT_TR_NOOP("Failed"), QT_TR_NOOP("Pending review"), QT_TR_NOOP("Refunded"),
    QT_TR_NOOP("English"), QT_TR_NOOP("Consultation"), QT_TR_NOOP("Lab test"), QT_TR_NOOP("Medicine"),
    QT_TR_NOOP("Procedure"), QT_TR_NOOP("Card"), QT_TR_NOOP("Cash"), QT_TR_NOOP("Net banking"), QT_TR_NOOP("UPI"),
    QT_TR_NOOP("Wallet"), QT_TR_NOOP("Done"), QT_TR_NOOP("Left"), QT_TR_NOOP("Waiting"),
    QT_TR_NOOP("With the doctor"), QT_TR_NOOP("Admin"), QT_TR_NOOP("Doctor"), QT_TR_NOOP("Patient"),
    QT_TR_NOOP("Receptionist"), QT_TR_NOOP("Booked"), QT_TR_NOOP("Free"), QT_TR_NOOP("No-show"), QT_TR_NOOP("Past"),
    QT_TR_NOOP("Cancelled"), QT_TR_NOOP("Scheduled"), QT_TR_NOOP("Pending"),
    QT_TR_NOOP("Male"), QT_TR_NOOP("Female"), QT_TR_NOOP("Part refunded"),
    QT_TR_NOOP("Held for review"), QT_TR_NOOP("Not at the gateway"), QT_TR_NOOP("Amounts differ"),
    QT_TR_NOOP("Service"),
)


def tr(text: str) -> str:
    """`text` in the desk's language (the English source when no translation is installed or known)."""
    return QCoreApplication.translate("", text)


def install_language(app: QCoreApplication, language: str) -> bool:
    """Load the desk's translation and Qt's own (standard buttons, dialogs); False when staying in English."""
    for translator in _installed:
        app.removeTranslator(translator)
    _installed.clear()
    if language == "en" or language not in LANGUAGES:
        return False
    path = find_resource(f"translations/homa_desk_{language}.qm")
    desk = QTranslator(app)
    if path is None or not desk.load(str(path)):
        log.warning("no translation found for language %s; the desk stays in English", language)
        return False
    app.installTranslator(desk)
    _installed.append(desk)
    extra = find_resource(f"translations/qt_extra_{language}.qm")
    buttons = QTranslator(app)
    if extra is not None and buttons.load(str(extra)):
        app.installTranslator(buttons)
        _installed.append(buttons)
    qt = QTranslator(app)
    if qt.load(QLocale(language), "qtbase", "_", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
        _installed.append(qt)
    return True
