"""Price-list items for tests, made through the real service."""

from __future__ import annotations

from homa_desk.domain.billing import LineInput
from homa_desk.domain.price_list import PriceItem, PriceItemInput
from homa_desk.services import price_list

GSTIN = "27AAPFU0939F1ZV"  # Maharashtra (27), a valid check character


def an_item(uow, admin, code: str, name: str, rate: str, gst: str = "0", kind: str = "procedure",  # type: ignore[no-untyped-def]
            sac_hsn: str = "", category: str = "") -> PriceItem:
    return price_list.save_item(uow, admin, PriceItemInput(code, name, kind, category, rate, gst, sac_hsn))


def line_of(item: PriceItem, quantity: str = "1", rate: str | None = None, discount: str = "0") -> LineInput:
    """A bill line picked from the price list, as the bill editor sends it."""
    return LineInput(item.kind.line_kind.value, item.name, quantity, rate or f"{item.rate:.2f}", discount,
                     price_item_id=item.id)


def the_clinic_has_gstin(uow, admin, gstin: str = GSTIN) -> None:  # type: ignore[no-untyped-def]
    with uow:
        uow.settings.put("clinic_gstin", gstin)
        uow.commit()
