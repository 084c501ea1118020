"""The staff list as a Qt table model: name, e-mail, role, whether the account works, and any lockout."""

from __future__ import annotations

from PySide6.QtCore import QT_TR_NOOP, QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import QWidget

from homa_desk.domain.staff import StaffMember
from homa_desk.domain.timeutil import format_local_time, utcnow
from homa_desk.ui.common.i18n import tr

COLUMNS = (QT_TR_NOOP("Name"), QT_TR_NOOP("E-mail"), QT_TR_NOOP("Role"), QT_TR_NOOP("Status"),
           QT_TR_NOOP("Locked until"))
Index = QModelIndex | QPersistentModelIndex


class StaffTableModel(QAbstractTableModel):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._members: list[StaffMember] = []

    def set_members(self, members: list[StaffMember]) -> None:
        self.beginResetModel()
        self._members = list(members)
        self.endResetModel()

    def member(self, row: int) -> StaffMember:
        return self._members[row]

    def row_of(self, user_id: int) -> int | None:
        return next((row for row, m in enumerate(self._members) if m.id == user_id), None)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._members)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return tr(COLUMNS[section])
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or role != Qt.ItemDataRole.DisplayRole:
            return None
        member = self._members[index.row()]
        return (member.full_name, member.email, tr(member.role.label), _status(member),
                _locked_until(member))[index.column()]


def _status(member: StaffMember) -> str:
    return tr("Active") if member.is_active else tr("Disabled")


def _locked_until(member: StaffMember) -> str:
    if member.locked_until is None or member.locked_until <= utcnow():
        return ""
    return format_local_time(member.locked_until)
