"""Form rows with a red message next to each field, filled from a service's FormErrors."""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QLineEdit, QPlainTextEdit, QWidget

from homa_desk.domain.errors import DomainError, FormErrors, ValidationError
from homa_desk.ui.common.service_text import in_desk_language


class ErrorLabel(QLabel):
    """A red message that takes no room while empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setProperty("role", "error")
        self.setWordWrap(True)
        self.setVisible(False)

    def show_message(self, message: str) -> None:
        self.setText(message)
        self.setVisible(bool(message))


def line_edit(name: str, *, password: bool = False, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    if password:
        edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def text_box(name: str, height: int = 60) -> QPlainTextEdit:
    """A few lines of text (an address, notes); Tab moves on to the next field instead of typing a tab."""
    box = QPlainTextEdit()
    box.setObjectName(name)
    box.setTabChangesFocus(True)
    box.setFixedHeight(height)
    return box


class FieldErrors:
    """The form's fields by the names services use in ValidationError.field, each with its message label."""

    def __init__(self, form: QFormLayout, general: ErrorLabel) -> None:
        self._form = form
        self._labels: dict[str, ErrorLabel] = {}
        self.general = general

    def add_row(self, label: str, field: str, widget: QWidget, *, beside: bool = True) -> ErrorLabel:
        """The field's row with its message label beside it; with beside=False the caller places the label."""
        error = ErrorLabel()
        error.setObjectName(f"{field}_error")
        if beside:
            row = QHBoxLayout()
            row.addWidget(widget, 3)
            row.addWidget(error, 2)
            self._form.addRow(label, row)
        else:
            self._form.addRow(label, widget)
        self._labels[field] = error
        return error

    def label(self, field: str) -> ErrorLabel:
        return self._labels[field]

    def clear(self) -> None:
        for label in self._labels.values():
            label.show_message("")
        self.general.show_message("")

    def show(self, error: DomainError, aliases: dict[str, str] | None = None) -> None:
        """Put each message next to its field; anything without a field goes to the form's general label."""
        self.clear()
        in_desk_language(error)
        if isinstance(error, FormErrors):
            messages = error.by_field()
        elif isinstance(error, ValidationError):
            messages = {error.field: error.message}
        else:
            self.general.show_message(error.message)
            return
        unplaced = []
        for field, message in messages.items():
            field = (aliases or {}).get(field, field)
            if field in self._labels:
                self._labels[field].show_message(message)
            else:
                unplaced.append(message)
        self.general.show_message(" ".join(unplaced))
