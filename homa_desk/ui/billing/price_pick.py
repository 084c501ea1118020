"""The bill editor's "add from the price list" field: type two or more characters of a code or name, the matching
items drop down (asked off the UI thread), arrow to one and press Enter; `item_chosen` carries it. Enter on a typed
code that is exactly an item's adds it without the list. Enter never reaches the dialog (it would save the bill)."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.money import format_inr
from homa_desk.domain.price_list import MIN_SEARCH, PriceItem
from homa_desk.domain.roles import Actor
from homa_desk.services import price_list
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import run_in_background

SEARCH_DELAY_MS = 150


def suggestion(item: PriceItem) -> str:
    """'CBC — Complete blood count — ₹350.00', as the drop-down lists an item."""
    return f"{item.code} — {item.name} — {format_inr(item.rate)}"


class PricePicker(QLineEdit):
    item_chosen = Signal(object)

    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("price_pick")
        self.setPlaceholderText(tr("Add from the price list: type a code or name (2 letters or more)"))
        self._backend = backend
        self._actor = actor
        self.found: list[PriceItem] = []
        self._asked = ""
        self.model = QStringListModel(self)
        self.completer = QCompleter(self.model, self)
        self.completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setWidget(self)
        self.completer.activated[str].connect(self._activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.search)
        self.textEdited.connect(lambda _text: self._timer.start())

    def search(self) -> None:
        typed = self.text().strip()
        if len(typed) < MIN_SEARCH:
            self.completer.popup().hide()
            return
        self._asked = typed
        run_in_background(self, price_list.search_items, self._backend.uow(), self._actor, typed,
                          on_success=lambda items: self._show(typed, items), on_failure=self._failed)

    def _show(self, typed: str, items: list[PriceItem]) -> None:
        if typed != self.text().strip():
            return  # typed on since: a newer search is on its way
        self.found = items
        self.model.setStringList([suggestion(item) for item in items])
        if items:
            self.completer.complete()
        else:
            self.completer.popup().hide()

    def _activated(self, text: str) -> None:
        item = next((i for i in self.found if suggestion(i) == text), None)
        if item is not None:
            self._choose(item)

    def _choose(self, item: PriceItem) -> None:
        self.completer.popup().hide()
        self.item_chosen.emit(item)
        QTimer.singleShot(0, self.clear)  # after the completer has written its text into the field

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter: an exact code, else the drop-down's highlighted item, else the drop-down again; never the dialog's
        Save. Down opens the drop-down when it was closed."""
        popup = self.completer.popup()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            typed = self.text().strip().lower()
            exact = next((i for i in self.found if i.code.lower() == typed), None)
            current = popup.currentIndex() if popup.isVisible() else None
            if exact is not None:
                self._choose(exact)
            elif current is not None and current.isValid():
                self._activated(current.data())
            elif self.found and not popup.isVisible():
                self.completer.complete()
            return
        if event.key() == Qt.Key.Key_Down and not popup.isVisible() and self.found:
            self.completer.complete()
            event.accept()
            return
        super().keyPressEvent(event)

    def _failed(self, error: DomainError) -> None:
        self.setToolTip(error.message)
