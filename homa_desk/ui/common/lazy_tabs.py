"""Tabs whose pages are built, and so load their data, the first time they come forward.

A view with five tabs used to build all five at once, and each asked the database for its data: five calls for
one glance at the first tab, over a network where every round trip costs 100 ms. Here a tab holds an empty frame
until it is chosen (or its page is asked for by name, as tests and shortcuts do). A page taller or wider than the
room left on a 1366×768 laptop scrolls inside its tab instead of growing the window.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from homa_desk.ui.common.screen_fit import scrolling

Page = TypeVar("Page", bound=QWidget)


class _Frame(QWidget):
    def __init__(self, name: str, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self.setObjectName(f"{name}_tab")
        self.name = name
        self.build = build
        self.page: QWidget | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)


class LazyTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._frames: dict[str, _Frame] = {}
        self.currentChanged.connect(self._came_forward)

    def add_page(self, name: str, label: str, build: Callable[[], QWidget]) -> None:
        """A tab called `name` whose page `build()` makes when it is first needed; the first tab is built now."""
        frame = _Frame(name, build)
        self._frames[name] = frame
        self.addTab(frame, label)  # the first tab added becomes current: currentChanged builds it

    def page(self, name: str, kind: type[Page] = QWidget) -> Page:  # type: ignore[assignment]
        """The page of tab `name` (a `kind`), built now if it was not yet."""
        frame = self._frames[name]
        if frame.page is None:
            frame.page = frame.build()
            frame.layout().addWidget(scrolling(frame.page, f"{name}_scroll"))
        assert isinstance(frame.page, kind)
        return frame.page

    def is_built(self, name: str) -> bool:
        return self._frames[name].page is not None

    def setCurrentWidget(self, widget: QWidget) -> None:
        """Accepts a page as well as its tab."""
        frame = next((f for f in self._frames.values() if widget in (f, f.page)), widget)
        super().setCurrentWidget(frame)

    def _came_forward(self, index: int) -> None:
        frame = self.widget(index)
        if isinstance(frame, _Frame):
            self.page(frame.name)


class FirstShown(QObject):
    """Calls `load` the first time `widget` is shown, for a tab page built with its window but whose data should
    cost nothing until the tab is chosen; `happened` tells whether it has (so change signals reload only then)."""

    def __init__(self, widget: QWidget, load: Callable[[], object]) -> None:
        super().__init__(widget)
        self.happened = False
        self._load = load
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and not self.happened:
            self.happened = True
            self._load()
        return False
