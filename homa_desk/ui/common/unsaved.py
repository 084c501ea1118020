"""Typed work is never thrown away without a word.

A form with typed data (the consultation, the patient form, the bill editor) makes one `UnsavedWork`: how to read
its state (compared with the state when it was opened or last saved), how to save it (the form's own Save, which
reports back with `saved()` or `save_failed()`), and optionally how to discard a kept draft and how to keep one.

Leaving such a form on purpose (Esc, Cancel, the window's close, Sign out, another patient, closing the desk) asks
Save / Discard / Stay when something changed, and asks nothing when nothing did; Esc on the question is Stay. The
idle lock asks nothing (whoever stands at the desk may not be its user): it keeps what can be kept (`keep_all`), and
its "Sign out instead" warns once when a form that no draft keeps has typed changes (`keepable`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable

import shiboken6
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialog,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QTableWidget,
    QWidget,
)

from homa_desk import APP_TITLE
from homa_desk.ui.common.i18n import tr


class Answer(enum.Enum):
    SAVE = "save"
    DISCARD = "discard"
    STAY = "stay"


def ask_unsaved(parent: QWidget, question: str, answered: Callable[[Answer], object]) -> QMessageBox:
    """Save / Discard / Stay over `parent` (window-modal, not blocking); Esc and the box's close are Stay."""
    box = QMessageBox(QMessageBox.Icon.Question, APP_TITLE, question, QMessageBox.StandardButton.NoButton, parent)
    box.setObjectName("unsaved_changes")
    box.setWindowModality(Qt.WindowModality.WindowModal)
    buttons: dict[QAbstractButton, Answer] = {}
    for standard, text, answer in ((QMessageBox.StandardButton.Save, tr("Save"), Answer.SAVE),
                                   (QMessageBox.StandardButton.Discard, tr("Discard"), Answer.DISCARD),
                                   (QMessageBox.StandardButton.Cancel, tr("Stay"), Answer.STAY)):
        button = box.addButton(standard)
        button.setText(text)
        button.setObjectName(f"unsaved_{answer.value}")
        buttons[button] = answer
    box.setDefaultButton(QMessageBox.StandardButton.Save)
    box.setEscapeButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda clicked: answered(buttons.get(clicked, Answer.STAY)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class UnsavedWork(QObject):
    """The typed state of one form; lives as long as the form (its Qt child)."""

    def __init__(self, form: QWidget, question: str, state: Callable[[], object], save: Callable[[], object], *,
                 discard: Callable[[], object] | None = None, keep: Callable[[], object] | None = None,
                 is_open: Callable[[], bool] | None = None) -> None:
        super().__init__(form)
        self.form = form
        self.question = question
        self._state = state
        self._save = save
        self._discard = discard
        self._keep = keep
        self._is_open = is_open or form.isVisible
        self._baseline = state()
        self._after_save: Callable[[], object] | None = None
        self.box: QMessageBox | None = None
        _open_work.append(self)

    def changed(self) -> bool:
        return self._state() != self._baseline

    @property
    def keepable(self) -> bool:
        """A draft keeps these changes when the desk signs out without asking."""
        return self._keep is not None

    def is_open(self) -> bool:
        return self._is_open()

    def reset(self) -> None:
        """What the form shows now is what is stored (it was just opened)."""
        self._baseline = self._state()

    def saved(self) -> None:
        """The form's Save succeeded: nothing is unsaved, and a leave waiting for the save goes on."""
        self.reset()
        then, self._after_save = self._after_save, None
        if then is not None:
            then()

    def save_failed(self) -> None:
        """The form's Save was refused (its messages say why): the user stays, and the leave is dropped."""
        self._after_save = None

    def keep(self) -> None:
        if self._keep is not None and self.changed():
            self._keep()

    def ask(self, leave: Callable[[], object], *, after_save: Callable[[], object] | None = None
            ) -> QMessageBox | None:
        """Unchanged: `leave()` at once. Changed: Save (then `after_save()` once saved), Discard (then `leave()`),
        or Stay (nothing)."""
        self._after_save = None
        if not self.changed():
            leave()
            return None

        def answered(answer: Answer) -> None:
            self.box = None
            if answer is Answer.SAVE:
                self._after_save = after_save
                self._save()
            elif answer is Answer.DISCARD:
                self.reset()
                if self._discard is not None:
                    self._discard()
                leave()
            else:
                self.form.activateWindow()

        self.box = ask_unsaved(self.form, self.question, answered)
        return self.box


def typed_state(form: QWidget) -> tuple[object, ...]:
    """Everything typed or chosen in a dialog's fields, boxes, dropdowns and tables, to compare with later."""
    values: list[object] = []
    for child in form.findChildren(QWidget):
        if isinstance(child, QMessageBox):
            continue
        if isinstance(child, QLineEdit):
            values.append(child.text())
        elif isinstance(child, QPlainTextEdit):
            values.append(child.toPlainText())
        elif isinstance(child, QComboBox):
            values.append(child.currentIndex())
        elif isinstance(child, QTableWidget):
            values.append(tuple(item.text() if (item := child.item(row, column)) is not None else None
                                for row in range(child.rowCount()) for column in range(child.columnCount())))
    return tuple(values)


def guard_dialog(dialog: QDialog, question: str, save: Callable[[], object]) -> UnsavedWork:
    """A dialog's typed data as it stands now (call once it is filled); its `reject` asks through `ask`."""
    return UnsavedWork(dialog, question, lambda: typed_state(dialog), save)


_open_work: list[UnsavedWork] = []


def _belongs_to(form: QWidget, window: QWidget | None) -> bool:
    widget: QWidget | None = form
    while widget is not None:
        if widget is window:
            return True
        widget = widget.parentWidget()
    return window is None


def open_work(window: QWidget | None = None) -> list[UnsavedWork]:
    """The forms still open, in `window` or in dialogs it opened (a closed or deleted form drops out)."""
    _open_work[:] = [work for work in _open_work if shiboken6.isValid(work) and shiboken6.isValid(work.form)]
    return [work for work in _open_work if work.is_open() and _belongs_to(work.form, window)]


def unsaved_work(window: QWidget | None = None) -> list[UnsavedWork]:
    return [work for work in open_work(window) if work.changed()]


def settle_all(window: QWidget, then: Callable[[], object]) -> None:
    """Ask about each of the window's open forms with unsaved changes in turn; `then()` once every one is saved or
    discarded. Stay (or a refused save) on any of them ends it there."""
    pending = unsaved_work(window)
    if not pending:
        then()
        return
    work = pending[0]
    if work.box is not None and shiboken6.isValid(work.box):
        work.box.activateWindow()
        return
    work.form.window().raise_()
    work.ask(lambda: settle_all(window, then), after_save=lambda: settle_all(window, then))


def keep_all(window: QWidget) -> None:
    """The idle lock's way: keep what can be kept (the consultation's draft), ask nothing."""
    for work in open_work(window):
        work.keep()
