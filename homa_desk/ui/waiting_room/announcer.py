"""The chime and the spoken announcement of a call, once per call on this computer, whichever screens show it.

Both are optional extras of the operating system: Qt's multimedia and text-to-speech modules may fail to load (a
Linux without PulseAudio), a computer may have no speech engine, or no voice for Hindi. Then the chime falls back to
the system beep and the call is simply not spoken; the board itself never depends on either.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from PySide6.QtCore import QLocale, QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication

from homa_desk.domain.waiting_room import BoardCall, announcement
from homa_desk.ui.common.resources import find_resource

log = logging.getLogger(__name__)

CHIME = "sounds/chime.wav"
SPEAK_AFTER_MS = 1400  # the chime's length: the announcement follows it
REMEMBERED_CALLS = 500
MOCK_ENGINE = "mock"  # Qt's test engine, shipped in PySide6's wheel: it speaks nothing


class Voice(Protocol):
    """What the announcer needs of a text-to-speech engine (QTextToSpeech has it)."""

    def can_speak(self, language: str) -> bool: ...

    def speak(self, texts: Sequence[tuple[str, str]]) -> None: ...


class QtVoice(QObject):
    """QTextToSpeech behind the Voice protocol: says (language, text) pairs one after the other, each in a voice of
    its language, and skips a language this computer has no voice for."""

    def __init__(self, engine: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._engine = engine
        self._pending: list[tuple[QLocale, str]] = []
        engine.stateChanged.connect(self._next)

    def _locale(self, language: str) -> QLocale | None:
        wanted = QLocale(language).language()
        return next((locale for locale in self._engine.availableLocales() if locale.language() == wanted), None)

    def can_speak(self, language: str) -> bool:
        return self._locale(language) is not None

    def speak(self, texts: Sequence[tuple[str, str]]) -> None:
        self._pending += [(locale, text) for language, text in texts if (locale := self._locale(language)) is not None]
        if self._engine.state() == type(self._engine).State.Ready:
            self._next()

    def _next(self, *_state: object) -> None:
        if not self._pending or self._engine.state() != type(self._engine).State.Ready:
            return
        locale, text = self._pending.pop(0)
        self._engine.setLocale(locale)
        self._engine.say(text)


def system_voice(parent: QObject | None = None) -> Voice | None:
    """The computer's speech engine (the first Qt lists, its test engine aside), or None when Qt's text-to-speech
    cannot load or has no working engine."""
    try:
        from PySide6.QtTextToSpeech import QTextToSpeech  # lazy: optional; a missing library must not stop the desk
    except ImportError as error:
        log.info("no text-to-speech on this computer (%s): calls are chimed, not spoken", error)
        return None
    engines = [name for name in QTextToSpeech.availableEngines() if name != MOCK_ENGINE]
    if not engines:
        log.info("no text-to-speech engine on this computer: calls are chimed, not spoken")
        return None
    engine = QTextToSpeech(engines[0], parent)
    if engine.state() == QTextToSpeech.State.Error:
        log.info("the text-to-speech engine did not start: calls are chimed, not spoken")
        return None
    return QtVoice(engine, parent)


def system_chime(parent: QObject | None = None) -> Callable[[], None]:
    """Play the bundled chime; the system beep when Qt's multimedia cannot load or the sound cannot be played."""
    path = find_resource(CHIME)
    try:
        from PySide6.QtMultimedia import QSoundEffect  # lazy: optional; a missing library must not stop the desk
    except ImportError as error:
        log.info("no sound on this computer (%s): calls beep", error)
        return QApplication.beep
    if path is None:
        return QApplication.beep
    effect = QSoundEffect(parent)
    effect.setSource(QUrl.fromLocalFile(str(path)))
    effect.setVolume(0.9)

    def play() -> None:
        if effect.status() == QSoundEffect.Status.Error:
            QApplication.beep()
        else:
            effect.play()

    return play


class CallAnnouncer(QObject):
    """`announce` chimes and, after the chime, says a call in each of the board's languages it has a voice for;
    a call it has announced before (another screen of this desk saw it too) is let pass. `announced` follows."""

    announced = Signal(object)

    def __init__(self, parent: QObject | None = None, *, chime: Callable[[], None] | None = None,
                 voice: Callable[[], Voice | None] | None = None) -> None:
        super().__init__(parent)
        self._chime = chime
        self._voice_factory = voice or (lambda: system_voice(self))
        self._voice: Voice | None = None
        self._voice_made = False
        self._seen: deque[tuple[int, datetime]] = deque(maxlen=REMEMBERED_CALLS)

    def announce(self, call: BoardCall, languages: Sequence[str]) -> bool:
        """False (and nothing heard) for a call announced already."""
        if call.key in self._seen:
            return False
        self._seen.append(call.key)
        try:
            self.chime()
        except Exception:  # a sound system's failure must not stop the board
            log.warning("the chime failed", exc_info=True)
        texts = [(language, announcement(language, call)) for language in languages]
        QTimer.singleShot(SPEAK_AFTER_MS, self, lambda: self.say(texts))
        self.announced.emit(call)
        return True

    def chime(self) -> None:
        if self._chime is None:
            self._chime = system_chime(self)
        self._chime()

    def voice(self) -> Voice | None:
        if not self._voice_made:
            self._voice_made = True
            try:
                self._voice = self._voice_factory()
            except Exception:
                log.warning("the text-to-speech engine failed to start", exc_info=True)
        return self._voice

    def say(self, texts: Sequence[tuple[str, str]]) -> None:
        """Speak what this computer has voices for; the rest is only shown."""
        voice = self.voice()
        if voice is None:
            return
        try:
            speakable = [(language, text) for language, text in texts if voice.can_speak(language)]
            if speakable:
                voice.speak(speakable)
        except Exception:
            log.warning("the announcement could not be spoken", exc_info=True)


_announcer: CallAnnouncer | None = None


def call_announcer() -> CallAnnouncer:
    """The one announcer of this process (made on first use, on the UI thread)."""
    global _announcer
    if _announcer is None:
        _announcer = CallAnnouncer()
    return _announcer
