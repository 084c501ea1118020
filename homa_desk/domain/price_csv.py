"""The price list as CSV: UTF-8 with a byte-order mark and CRLF lines, so Excel opens it with ₹ and Hindi intact.

Reading checks every row before anything is stored and reports each problem with its row number (the header is
row 1, as a spreadsheet counts); an importer stores all rows or none. Writing never lets a cell start with what a
spreadsheet would run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from homa_desk.domain.errors import FormErrors, ValidationError
from homa_desk.domain.price_list import PriceItem, PriceItemData, PriceItemInput, validate_item

COLUMNS = ("code", "name", "kind", "category", "rate", "gst_rate", "sac_hsn", "active")
REQUIRED = ("code", "name", "rate")
MAX_BYTES = 2_000_000
MAX_ROWS = 5000
MAX_REPORTED = 50  # a file wrong on every row reports its first problems, not thousands


def export_csv(items: Iterable[PriceItem]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for item in items:
        writer.writerow([_safe(item.code), _safe(item.name), item.kind.value, _safe(item.category), f"{item.rate:.2f}",
                         f"{item.gst_rate.normalize():f}", item.sac_hsn, "yes" if item.active else "no"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def parse_csv(data: bytes) -> list[PriceItemData]:
    """Every row checked; FormErrors with fields `row.<n>.<column>` (n as a spreadsheet numbers rows) when any row
    is wrong, or a `file` error when the file itself cannot be read."""
    if len(data) > MAX_BYTES:
        raise FormErrors([ValidationError("file", "The file is too large (at most {limit} MB).", limit=2)])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FormErrors([ValidationError("file", "Save the file as CSV UTF-8 and try again.")]) from None
    if "\x00" in text:
        raise FormErrors([ValidationError("file", "This is not a CSV file.")])
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        raise FormErrors([ValidationError("file", "This is not a CSV file.")]) from None
    if not rows:
        raise FormErrors([ValidationError("file", "The file is empty.")])
    header = [cell.strip().lower() for cell in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise FormErrors([ValidationError("file", "The first row must name the columns: {columns}.",
                                          columns=", ".join(COLUMNS))])
    unknown = [name for name in header if name not in COLUMNS]
    if unknown or len(set(header)) != len(header):
        raise FormErrors([ValidationError("file", "Unknown or repeated column: {name}.",
                                          name=(unknown or header)[0][:40])])
    body = [(n, row) for n, row in enumerate(rows[1:], start=2) if any(cell.strip() for cell in row)]
    if not body:
        raise FormErrors([ValidationError("file", "The file has no rows below its header.")])
    if len(body) > MAX_ROWS:
        raise FormErrors([ValidationError("file", "At most {limit} rows in one file.", limit=MAX_ROWS)])
    errors: list[ValidationError] = []
    items: list[PriceItemData] = []
    seen: dict[str, int] = {}
    for number, row in body:
        if len(row) > len(header):
            errors.append(ValidationError(f"row.{number}", "Row {row} has more cells than the header.", row=number))
            continue
        cells = dict(zip(header, (_unquote(cell) for cell in row), strict=False))
        entry = PriceItemInput(code=cells.get("code", ""), name=cells.get("name", ""),
                               kind=cells.get("kind", "") or "service", category=cells.get("category", ""),
                               rate=cells.get("rate", ""), gst_rate=cells.get("gst_rate", "") or "0",
                               sac_hsn=cells.get("sac_hsn", ""), active=cells.get("active", ""))
        try:
            item = validate_item(entry, prefix=f"row.{number}.")
        except FormErrors as wrong:
            errors.extend(wrong.errors)
            continue
        first = seen.setdefault(item.code.lower(), number)
        if first != number:
            errors.append(ValidationError(f"row.{number}.code", "The code {code} is also on row {first}.",
                                          code=item.code, first=first))
            continue
        items.append(item)
    if errors:
        raise FormErrors(errors[:MAX_REPORTED])
    return items


def _unquote(cell: str) -> str:
    """What export_csv wrote: a leading apostrophe that kept a spreadsheet from running the cell is dropped."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in ("=", "+", "-", "@", "\t", "\r") else cell

