"""The wizard's join page in Hindi: a refused join code is said in Hindi, next to the code field."""

from __future__ import annotations

import pytest

from homa_desk.domain.errors import PermissionDenied
from homa_desk.ui.common.i18n import install_language
from homa_desk.ui.shell.lan_join_page import LanJoinPage

REFUSED = ("This join code is wrong, expired or already used. Ask the admin on the host for a new code "
           "(Settings → Desks).")


@pytest.fixture
def hindi_desk(qapp):
    assert install_language(qapp, "hi")
    yield
    install_language(qapp, "en")


def test_a_refused_code_is_hindi_and_next_to_the_code_field(qtbot, hindi_desk):
    page = LanJoinPage()
    qtbot.addWidget(page)
    page.show()
    page.show_error(PermissionDenied(REFUSED))
    said = page.errors.label("join_code")
    assert said.isVisible() and said.text().startswith("यह जॉइन कोड ग़लत है")
    assert not page.general_error.isVisible()
