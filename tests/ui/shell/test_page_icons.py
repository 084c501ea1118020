from PySide6.QtGui import QIcon

from homa_desk.ui.common.resources import icon_path
from homa_desk.ui.shell.main_window import PAGES


def test_every_page_in_the_sidebar_has_an_icon_that_draws(qapp):
    for page in PAGES:
        path = icon_path(page.key)
        assert path is not None, f"resources/icons/{page.key}.svg is missing"
        assert not QIcon(str(path)).pixmap(20, 20).isNull(), page.key
