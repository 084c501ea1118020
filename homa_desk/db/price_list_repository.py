"""The clinic's price list."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import case, func, insert, select, update
from sqlalchemy.orm import Session

from homa_desk.db.like import LIKE_ESCAPE, containing, like_escaped
from homa_desk.db.models import PriceListItem
from homa_desk.domain.price_list import PriceItem, PriceItemData, PriceKind


def _item(row: PriceListItem) -> PriceItem:
    return PriceItem(id=row.id, code=row.code, name=row.name, kind=PriceKind(row.kind), category=row.category,
                     rate=row.rate, gst_rate=row.gst_rate, sac_hsn=row.sac_hsn, active=row.is_active)


def _values(data: PriceItemData) -> dict[str, object]:
    return {"code": data.code, "name": data.name, "kind": data.kind.value, "category": data.category,
            "rate": data.rate, "gst_rate": data.gst_rate, "sac_hsn": data.sac_hsn, "is_active": data.active}


class PriceListRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def all(self) -> list[PriceItem]:
        """Every item, active or not, by code."""
        return [_item(r) for r in self._session.scalars(
            select(PriceListItem).order_by(func.lower(PriceListItem.code)))]

    def search(self, typed: str, limit: int) -> list[PriceItem]:
        """Active items whose code starts with, or whose name contains, `typed` (any case): code matches first."""
        text = typed.lower()
        code_first = case((func.lower(PriceListItem.code).like(like_escaped(text) + "%", escape=LIKE_ESCAPE), 0),
                          else_=1)
        rows = self._session.scalars(
            select(PriceListItem)
            .where(PriceListItem.is_active,
                   func.lower(PriceListItem.code).like(like_escaped(text) + "%", escape=LIKE_ESCAPE)
                   | func.lower(PriceListItem.name).like(containing(text), escape=LIKE_ESCAPE))
            .order_by(code_first, func.lower(PriceListItem.name)).limit(limit))
        return [_item(r) for r in rows]

    def get(self, item_id: int) -> PriceItem | None:
        row = self._session.get(PriceListItem, item_id)
        return None if row is None else _item(row)

    def get_many(self, ids: Iterable[int]) -> dict[int, PriceItem]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        return {r.id: _item(r) for r in self._session.scalars(
            select(PriceListItem).where(PriceListItem.id.in_(wanted)))}

    def by_codes(self, codes: Iterable[str]) -> dict[str, PriceItem]:
        """{lower(code): item} of the codes given (any case), locked for the rest of the transaction."""
        wanted = sorted({c.lower() for c in codes})
        if not wanted:
            return {}
        rows = self._session.scalars(select(PriceListItem).where(func.lower(PriceListItem.code).in_(wanted))
                                     .with_for_update())
        return {r.code.lower(): _item(r) for r in rows}

    def by_names(self, names: Iterable[str]) -> dict[str, PriceItem]:
        """{lower(name): item} of active items named exactly so (any case); of two with one name, the older."""
        wanted = sorted({n.lower() for n in names if n})
        if not wanted:
            return {}
        rows = self._session.scalars(select(PriceListItem).where(PriceListItem.is_active,
                                                                 func.lower(PriceListItem.name).in_(wanted))
                                     .order_by(PriceListItem.id.desc()))
        return {r.name.lower(): _item(r) for r in rows}

    def code_taken(self, code: str, other_than: int | None = None) -> bool:
        stmt = select(PriceListItem.id).where(func.lower(PriceListItem.code) == code.lower())
        if other_than is not None:
            stmt = stmt.where(PriceListItem.id != other_than)
        return self._session.scalar(select(stmt.exists())) or False

    def add(self, data: PriceItemData) -> int:
        return self._session.execute(insert(PriceListItem).values(**_values(data)).returning(PriceListItem.id)
                                     ).scalar_one()

    def change(self, item_id: int, data: PriceItemData) -> None:
        self._session.execute(update(PriceListItem).where(PriceListItem.id == item_id).values(**_values(data)))
