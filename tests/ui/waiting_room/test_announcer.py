"""The chime and the spoken call: a voice per language where the computer has one, silence (never a crash) where it
has no speech engine, no sound library or no voice for the language."""

from __future__ import annotations

import enum
import sys
from datetime import UTC, datetime

from PySide6.QtCore import QLocale, QObject, Signal
from PySide6.QtWidgets import QApplication

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.waiting_room import BoardCall
from homa_desk.services import queue
from homa_desk.ui.waiting_room import announcer as announcer_module
from homa_desk.ui.waiting_room.announcer import SPEAK_AFTER_MS, CallAnnouncer, QtVoice, system_chime, system_voice
from tests.services.waiting_room_helpers import busy_morning
from tests.ui.waiting_room.board_helpers import Counting, shown_board

CALL = BoardCall(entry_id=5, doctor_id=3, doctor_name="Dr. Shilpa Hegde", room="2", token=12,
                 called_at=datetime(2026, 12, 2, 4, 30, tzinfo=UTC))


class EngineLike(QObject):
    """What QTextToSpeech offers the voice, with voices for `languages`; it speaks until `finish()`."""

    class State(enum.Enum):
        Ready = 0
        Speaking = 1
        Error = 3

    stateChanged = Signal(object)

    def __init__(self, languages: tuple[str, ...]) -> None:
        super().__init__()
        self._locales = [QLocale(language) for language in languages]
        self._state = self.State.Ready
        self.locale = QLocale("en")
        self.said: list[tuple[str, str]] = []

    def availableLocales(self) -> list[QLocale]:
        return self._locales

    def state(self) -> EngineLike.State:
        return self._state

    def setLocale(self, locale: QLocale) -> None:
        self.locale = locale

    def say(self, text: str) -> None:
        self.said.append((QLocale.languageToCode(self.locale.language()), text))
        self._state = self.State.Speaking
        self.stateChanged.emit(self._state)

    def finish(self) -> None:
        self._state = self.State.Ready
        self.stateChanged.emit(self._state)


def test_each_language_in_its_own_voice_one_after_the_other(qapp):
    engine = EngineLike(("en", "hi"))
    voice = QtVoice(engine)
    assert voice.can_speak("hi") and not voice.can_speak("ta")
    voice.speak([("en", "Token 12"), ("hi", "टोकन 12")])
    assert engine.said == [("en", "Token 12")]
    engine.finish()
    assert engine.said == [("en", "Token 12"), ("hi", "टोकन 12")]


def test_a_language_without_a_voice_is_only_shown(qtbot):
    engine = EngineLike(("en",))
    chime = Counting()
    announcer = CallAnnouncer(chime=chime, voice=lambda: QtVoice(engine))
    assert announcer.announce(CALL, ("en", "hi"))
    qtbot.waitUntil(lambda: bool(engine.said), timeout=SPEAK_AFTER_MS + 2000)
    engine.finish()
    qtbot.wait(50)
    assert engine.said == [("en", "Token 12, please go to Dr. Shilpa Hegde, Room 2.")] and chime.count == 1
    assert not announcer.announce(CALL, ("en", "hi"))  # a call is announced once
    assert chime.count == 1


def test_no_speech_library_and_no_sound_library_mean_a_beep_and_silence(qtbot, monkeypatch):
    monkeypatch.setitem(sys.modules, "PySide6.QtTextToSpeech", None)
    monkeypatch.setitem(sys.modules, "PySide6.QtMultimedia", None)
    beeps = Counting()
    monkeypatch.setattr(QApplication, "beep", beeps)
    assert system_voice() is None
    announcer = CallAnnouncer()
    assert announcer.announce(CALL, ("en", "hi"))
    qtbot.wait(SPEAK_AFTER_MS + 200)
    assert beeps.count == 1 and announcer.voice() is None


def test_an_engine_that_fails_to_start_is_no_crash(qtbot):
    def broken() -> None:
        raise RuntimeError("speech-dispatcher is not running")

    def broken_chime() -> None:
        raise OSError("no audio device")

    announcer = CallAnnouncer(chime=broken_chime, voice=broken)
    assert announcer.announce(CALL, ("hi",))
    qtbot.wait(SPEAK_AFTER_MS + 200)
    assert announcer.voice() is None


def test_this_computers_own_sound_and_speech_never_stop_the_board(qtbot, backend, engine, admin, receptionist,
                                                                  monkeypatch):
    """Whatever this computer has (here: Qt's multimedia and speech cannot load without PulseAudio), the real
    chime and voice are tried and the board goes on."""
    monkeypatch.setattr(QApplication, "beep", Counting())
    clinic = busy_morning(UnitOfWork(engine), engine, admin, receptionist)
    voice = system_voice()
    assert voice is None or hasattr(voice, "speak")
    chime = system_chime()
    assert callable(chime)
    board = shown_board(qtbot, backend, receptionist, announcer=CallAnnouncer())
    queue.call_next(UnitOfWork(engine), receptionist, clinic.shilpa.user_id)
    qtbot.waitUntil(lambda: board.token.text() == "Token 1", timeout=2000)
    qtbot.wait(SPEAK_AFTER_MS + 300)
    assert board.token.text() == "Token 1"


def test_one_announcer_per_process():
    assert announcer_module.call_announcer() is announcer_module.call_announcer()


class SpeechModule:
    """Stands in for PySide6.QtTextToSpeech on a computer whose engines are `engines`."""

    def __init__(self, engines: list[str]) -> None:
        module = self
        self.made: list[str] = []

        class QTextToSpeech(EngineLike):
            @staticmethod
            def availableEngines() -> list[str]:
                return engines

            def __init__(self, engine: str, _parent: QObject | None = None) -> None:
                super().__init__(("en",))
                module.made.append(engine)

        self.QTextToSpeech = QTextToSpeech


def test_qts_test_engine_is_never_taken_for_a_voice(monkeypatch):
    only_mock = SpeechModule(["mock"])
    monkeypatch.setitem(sys.modules, "PySide6.QtTextToSpeech", only_mock)
    assert system_voice() is None and only_mock.made == []
    with_speechd = SpeechModule(["mock", "speechd"])
    monkeypatch.setitem(sys.modules, "PySide6.QtTextToSpeech", with_speechd)
    voice = system_voice()
    assert voice is not None and voice.can_speak("en") and with_speechd.made == ["speechd"]
