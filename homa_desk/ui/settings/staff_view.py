"""Settings → Staff: the admin sees every account and adds, disables, enables or resets one."""

from __future__ import annotations

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QAbstractItemView, QHBoxLayout, QMessageBox, QPushButton, QTableView, QVBoxLayout, QWidget

from homa_desk.backend import Backend
from homa_desk.domain.errors import DomainError
from homa_desk.domain.roles import Actor
from homa_desk.domain.staff import StaffMember
from homa_desk.services import staff
from homa_desk.ui.common import changes
from homa_desk.ui.common.changes import Change
from homa_desk.ui.common.column_widths import size_columns
from homa_desk.ui.common.form import ErrorLabel
from homa_desk.ui.common.i18n import tr
from homa_desk.ui.common.worker import CollectionOp, run_in_background
from homa_desk.ui.settings.staff_dialogs import AddStaffDialog, ResetPasswordDialog
from homa_desk.ui.settings.staff_table import StaffTableModel


class StaffView(QWidget):
    def __init__(self, backend: Backend, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("staff_view")
        self._backend = backend
        self._actor = actor
        self.confirmation: QMessageBox | None = None
        self.model = StaffTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("staff_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        size_columns(self.table, stretch_column=0)
        self.table.verticalHeader().setVisible(False)

        self.add_button = _button(tr("Add staff"), "add_staff")
        self.toggle_button = _button(tr("Disable"), "toggle_active")
        self.reset_button = _button(tr("Reset password"), "reset_password")
        self.message = ErrorLabel()
        self.message.setObjectName("message")

        buttons = QHBoxLayout()
        for button in (self.add_button, self.toggle_button, self.reset_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        layout.addWidget(self.table)

        self.add_button.clicked.connect(self.open_add_dialog)
        self.toggle_button.clicked.connect(self.toggle_selected)
        self.reset_button.clicked.connect(self.open_reset_dialog)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        changes.change_hub().changed.connect(self._refresh_if)
        self._update_buttons()
        self.load()

    def load(self) -> None:
        run_in_background(self, staff.list_staff, self._backend.uow(), self._actor, on_success=self._show_members,
                          on_failure=self._show_error)

    def selected_member(self) -> StaffMember | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.member(rows[0].row()) if rows else None

    def open_add_dialog(self) -> AddStaffDialog:
        dialog = AddStaffDialog(self._backend, self._actor, self)
        dialog.open()
        return dialog

    def open_reset_dialog(self) -> ResetPasswordDialog | None:
        member = self.selected_member()
        if member is None:
            return None
        dialog = ResetPasswordDialog(self._backend, self._actor, member, self)
        dialog.password_reset.connect(self._password_reset)
        dialog.open()
        return dialog

    def _password_reset(self, member: StaffMember) -> None:
        """Say what was done and for whom: the dialog closes, and nothing else on the page changes."""
        self.confirmation = QMessageBox(QMessageBox.Icon.Information, tr("Password reset"), tr(
            "{name}'s password is reset ({email}). Tell them the new password in person: they sign in with it now, "
            "and a lockout is lifted.").format(name=member.full_name, email=member.email),
            QMessageBox.StandardButton.Ok, self)
        self.confirmation.setObjectName("password_reset_confirmation")
        self.confirmation.open()

    def toggle_selected(self) -> None:
        """Disable an active account or enable a disabled one; the service refuses disabling the last admin."""
        member = self.selected_member()
        if member is None:
            return
        self.message.show_message("")
        self.toggle_button.setEnabled(False)
        CollectionOp(self, Change.STAFF, staff.set_staff_active, self._backend.uow(), self._actor, member.id,
                     not member.is_active).success(self._toggled).failure(self._show_error).run_in_background()

    def _toggled(self, member: StaffMember) -> None:
        window = self.window()
        status = getattr(window, "statusBar", None)
        if callable(status):
            message = (tr("{name}'s account is enabled.") if member.is_active
                       else tr("{name}'s account is disabled."))
            status().showMessage(message.format(name=member.full_name), 5000)

    def _show_members(self, members: list[StaffMember]) -> None:
        selected = self.selected_member()
        self.model.set_members(members)
        if selected is not None and (row := self.model.row_of(selected.id)) is not None:
            self.table.selectRow(row)
        self._update_buttons()

    def _show_error(self, error: DomainError) -> None:
        self.message.show_message(error.message)
        self._update_buttons()

    def _update_buttons(self) -> None:
        member = self.selected_member()
        self.toggle_button.setEnabled(member is not None)
        self.reset_button.setEnabled(member is not None)
        self.toggle_button.setText(tr("Enable") if member is not None and not member.is_active else tr("Disable"))

    @Slot(object)
    def _refresh_if(self, entity: Change) -> None:
        if entity == Change.STAFF:
            self.load()


def _button(text: str, name: str) -> QPushButton:
    button = QPushButton(text)
    button.setObjectName(name)
    return button
