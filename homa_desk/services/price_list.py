"""The price list: admins keep it (one item, or a whole CSV at once: all rows or none), the desk completes bill
lines from it, and a clinic setting says whether receptionists may bill an item at another rate."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from decimal import Decimal

from homa_desk.db.unit_of_work import UnitOfWork
from homa_desk.domain.billing import BillLine, LineKind
from homa_desk.domain.errors import FormErrors, NotFound, ValidationError
from homa_desk.domain.gst import HEALTHCARE_SAC
from homa_desk.domain.money import format_inr
from homa_desk.domain.price_csv import export_csv, parse_csv
from homa_desk.domain.price_list import MIN_SEARCH, PriceItem, PriceItemInput, item_audit, validate_item
from homa_desk.domain.roles import Actor, Role
from homa_desk.domain.validation import search_text

log = logging.getLogger(__name__)

FRONT_DESK = (Role.ADMIN, Role.RECEPTIONIST)
RATES_OPEN = "receptionists_may_change_rates"
MAX_SUGGESTIONS = 12


def list_items(uow: UnitOfWork, actor: Actor) -> list[PriceItem]:
    """Every item, active or not, by code (Settings → Price list)."""
    with uow.reading(actor, Role.ADMIN):
        return uow.price_list.all()


def search_items(uow: UnitOfWork, actor: Actor, typed: str, *, limit: int = MAX_SUGGESTIONS) -> list[PriceItem]:
    """Active items for the bill editor's completion: code starting with, or name containing, what was typed
    (at least two characters; fewer finds nothing without asking the database)."""
    actor.require(*FRONT_DESK)
    text = search_text(typed, 60)
    if len(text) < MIN_SEARCH:
        return []
    with uow.reading(actor, *FRONT_DESK):
        return uow.price_list.search(text, max(1, min(limit, 50)))


def save_item(uow: UnitOfWork, actor: Actor, entry: PriceItemInput, item_id: int | None = None) -> PriceItem:
    """A new item (item_id None) or the item's new values; audited with both sides."""
    actor.require(Role.ADMIN)
    data = validate_item(entry)
    with uow:
        before = None
        if item_id is not None:
            before = uow.price_list.get(item_id)
            if before is None:
                raise NotFound("No such item on the price list.")
        if uow.price_list.code_taken(data.code, other_than=item_id):
            raise ValidationError("code", "The code {code} is already on the price list.", code=data.code)
        if item_id is None:
            item_id = uow.price_list.add(data)
            uow.audit.record(actor, "price_item_added", "price_list_item", item_id, after=data.as_audit())
        else:
            uow.price_list.change(item_id, data)
            uow.audit.record(actor, "price_item_changed", "price_list_item", item_id,
                             before=item_audit(before) if before else None, after=data.as_audit())
        uow.commit()
        saved = uow.price_list.get(item_id)
    assert saved is not None
    log.info("price list item %s saved by user %s", item_id, actor.user_id)
    return saved


@dataclass(frozen=True)
class ImportResult:
    added: int
    changed: int
    unchanged: int


def import_items(uow: UnitOfWork, actor: Actor, data: bytes) -> ImportResult:
    """A CSV of items (export_items' columns): every row checked first, then all stored in one transaction or none.
    A row whose code is on the list (any case) changes that item; a new code adds one. Each change is audited."""
    actor.require(Role.ADMIN)
    rows = parse_csv(data)
    added = changed = 0
    with uow:
        existing = uow.price_list.by_codes(row.code for row in rows)
        for row in rows:
            old = existing.get(row.code.lower())
            if old is None:
                item_id = uow.price_list.add(row)
                uow.audit.record(actor, "price_item_added", "price_list_item", item_id, after=row.as_audit())
                added += 1
            elif item_audit(old) != row.as_audit():
                uow.price_list.change(old.id, row)
                uow.audit.record(actor, "price_item_changed", "price_list_item", old.id, before=item_audit(old),
                                 after=row.as_audit())
                changed += 1
        result = ImportResult(added, changed, len(rows) - added - changed)
        uow.audit.record(actor, "price_list_imported", "price_list_item", None,
                         after={"added": added, "changed": changed, "unchanged": result.unchanged})
        uow.commit()
    log.info("price list import by user %s: %s added, %s changed", actor.user_id, added, changed)
    return result


def export_items(uow: UnitOfWork, actor: Actor) -> bytes:
    """The whole price list as CSV (UTF-8 with BOM, for Excel)."""
    with uow.reading(actor, Role.ADMIN):
        return export_csv(uow.price_list.all())


def receptionists_may_change_rates(uow: UnitOfWork, actor: Actor) -> bool:
    with uow.reading(actor, *FRONT_DESK):
        return bool(uow.settings.get(RATES_OPEN, False))


def set_receptionists_may_change_rates(uow: UnitOfWork, actor: Actor, allowed: bool) -> bool:
    actor.require(Role.ADMIN)
    allowed = bool(allowed)
    with uow:
        before = bool(uow.settings.get(RATES_OPEN, False))
        uow.settings.put(RATES_OPEN, allowed)
        uow.audit.record(actor, "price_rates_policy_set", "clinic_settings", RATES_OPEN, before={"value": before},
                         after={"value": allowed})
        uow.commit()
    return allowed


def default_sac(kind: LineKind) -> str:
    """A line typed by hand: health care (consultation, procedure, lab test) is SAC 9993; others have none."""
    return HEALTHCARE_SAC if kind in (LineKind.CONSULTATION, LineKind.PROCEDURE, LineKind.LAB_TEST) else ""


def price_lines(uow: UnitOfWork, lines: list[BillLine], previous: tuple[BillLine, ...] = (), *,
                by_admin: bool) -> list[BillLine]:
    """Inside the bill's unit of work, after its role check: each line with the GST rate and SAC/HSN it is billed
    at, kept on the line.

    A line picked from the price list (or typed with an active item's exact name) takes the item's GST and SAC/HSN;
    a receptionist may bill it only at the item's rate unless the clinic allows otherwise. A line kept unchanged
    from the bill's earlier version keeps what it was billed at, so a later price change never alters it; each
    earlier line is kept once (a second line at an admin's old rate is a new line, at the list's rate).
    """
    rates_open = by_admin or bool(uow.settings.get(RATES_OPEN, False))
    by_name = uow.price_list.by_names([x.description for x in lines if x.price_item_id is None
                                    and x.kind is not LineKind.CONSULTATION]) if lines else {}
    linked = [x if x.price_item_id is not None or x.description.lower() not in by_name
              else replace(x, price_item_id=by_name[x.description.lower()].id) for x in lines]
    items = uow.price_list.get_many(x.price_item_id for x in linked if x.price_item_id is not None)
    kept: dict[tuple[int | None, Decimal], list[BillLine]] = {}
    for x in previous:
        if x.price_item_id is not None:
            kept.setdefault((x.price_item_id, x.unit_price), []).append(x)
    errors: list[ValidationError] = []
    priced: list[BillLine] = []
    for row, line in enumerate(linked):
        if line.price_item_id is None:
            priced.append(replace(line, gst_rate=Decimal("0"), sac_hsn=default_sac(line.kind)))
            continue
        same = kept.get((line.price_item_id, line.unit_price))
        old = same.pop() if same else None  # each line of the earlier bill is kept once, not copied at its old rate
        if old is not None:
            priced.append(replace(line, gst_rate=old.gst_rate, sac_hsn=old.sac_hsn))
            continue
        item = items.get(line.price_item_id)
        if item is None or not item.active:
            errors.append(ValidationError(f"lines.{row}.description", (
                "This item is no longer on the price list: pick another or type the line.")))
        elif line.unit_price != item.rate and not rates_open:
            errors.append(ValidationError(f"lines.{row}.unit_price", (
                "{code} costs {rate} on the price list; only an admin may bill another rate."),
                code=item.code, rate=format_inr(item.rate)))
        else:
            priced.append(replace(line, gst_rate=item.gst_rate, sac_hsn=item.sac_hsn))
    if errors:
        raise FormErrors(errors)
    return priced
