import enum
import importlib
import pkgutil

import pytest

import homa_desk.domain
from homa_desk.ui import translation_build
from homa_desk.ui.billing.customer_display import CustomerDisplay
from homa_desk.ui.common.i18n import DOMAIN_WORDS, install_language, tr


@pytest.fixture
def hindi(qapp):
    assert install_language(qapp, "hi")
    yield
    install_language(qapp, "en")


def test_every_marked_text_has_a_hindi_translation_and_the_qm_is_compiled():
    assert translation_build.check("hi") == []


def test_the_desk_speaks_hindi_once_the_language_is_installed(hindi, qtbot):
    display = CustomerDisplay(return_after_ms=100)
    qtbot.addWidget(display)
    assert display.windowTitle() == "ग्राहक डिस्प्ले"
    assert display.message.text() == "स्वागत है"
    assert tr("Saved {name}.").format(name="Dr. Rao") == "Dr. Rao सहेजा गया।"


def test_english_is_back_after_switching(qapp, qtbot):
    assert install_language(qapp, "hi")
    assert not install_language(qapp, "en")
    display = CustomerDisplay(return_after_ms=100)
    qtbot.addWidget(display)
    assert display.windowTitle() == "Customer display"


def test_an_unknown_language_stays_english(qapp):
    assert not install_language(qapp, "xx")
    assert tr("Patients") == "Patients"


def _domain_labels() -> set[str]:
    labels = set()
    for info in pkgutil.iter_modules(homa_desk.domain.__path__):
        module = importlib.import_module(f"homa_desk.domain.{info.name}")
        for kind in vars(module).values():
            if isinstance(kind, type) and issubclass(kind, enum.Enum) and kind.__module__ == module.__name__ \
                    and isinstance(getattr(kind, "label", None), property):
                labels |= {member.label for member in kind}
    return labels


def test_every_domain_label_shown_on_screen_is_marked_for_translation():
    assert _domain_labels() - set(DOMAIN_WORDS) - {"हिन्दी (Hindi)"} == set()


def test_qt_own_buttons_speak_hindi_too(hindi, qtbot):
    from PySide6.QtWidgets import QDialogButtonBox

    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "रद्द करें"
    assert box.button(QDialogButtonBox.StandardButton.Ok).text() == "ठीक है"
