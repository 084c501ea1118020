"""Settings → Price list, driven by keys: add and change items with errors next to the fields, the receptionist
rate setting, and a CSV round trip (export, edit, import) and a hostile CSV refused row by row with nothing written."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import Qt

from homa_desk.services import price_list
from homa_desk.ui.settings import price_list_tab
from homa_desk.ui.settings.price_list_tab import PriceListTab
from tests.services.price_list_helpers import an_item


def open_tab(qtbot, backend, admin) -> PriceListTab:  # type: ignore[no-untyped-def]
    tab = PriceListTab(backend, admin)
    qtbot.addWidget(tab)
    tab.show()
    tab.resize(1300, 680)
    return tab


def type_item(qtbot, tab: PriceListTab, code: str, name: str, rate: str) -> None:  # type: ignore[no-untyped-def]
    for edit, text in ((tab.code, code), (tab.name, name), (tab.rate, rate)):
        edit.clear()
        qtbot.keyClicks(edit, text)


def saved(qtbot, tab: PriceListTab) -> None:  # type: ignore[no-untyped-def]
    qtbot.keyClick(tab.save_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Saved") or bool(tab.general.text())
                    or any(tab.errors.label(f).text() for f in ("code", "name", "rate")), timeout=10000)


def test_the_admin_adds_an_item_by_keys_and_changes_it(qtbot, backend, uow, admin):
    tab = open_tab(qtbot, backend, admin)
    assert tab.sac_hsn.text() == "9993" and tab.gst_rate.currentData() == "0" and tab.active.isChecked()
    type_item(qtbot, tab, "CBC", "Complete blood count", "-350")
    saved(qtbot, tab)
    assert tab.errors.label("rate").text() == "The amount must be more than zero."
    assert price_list.list_items(uow, admin) == []
    type_item(qtbot, tab, "CBC", "Complete blood count", "350")
    tab.kind.setFocus()
    qtbot.keyClick(tab.kind, Qt.Key.Key_Down)
    qtbot.keyClick(tab.kind, Qt.Key.Key_Down)  # service → procedure → lab test
    saved(qtbot, tab)
    assert tab.status.text() == "Saved CBC — Complete blood count."
    qtbot.waitUntil(lambda: tab.table.rowCount() == 1)
    assert [tab.table.item(0, c).text() for c in range(8)] == [
        "CBC", "Complete blood count", "Lab test", "", "₹350.00", "Exempt", "9993", "Yes"]

    tab.new_button.click()
    type_item(qtbot, tab, "cbc", "Same code", "10")
    saved(qtbot, tab)
    assert tab.errors.label("code").text() == "The code cbc is already on the price list."

    tab.table.setFocus()
    tab.table.setCurrentCell(0, 0)
    assert tab.code.text() == "CBC" and tab.rate.text() == "350.00"
    tab.rate.clear()
    qtbot.keyClicks(tab.rate, "400")
    tab.gst_rate.setCurrentIndex(tab.gst_rate.findData("5"))
    saved(qtbot, tab)
    item, = price_list.list_items(uow, admin)
    assert (item.rate, item.gst_rate) == (Decimal("400.00"), Decimal("5.00"))


def test_the_receptionist_rate_setting(qtbot, backend, uow, admin, receptionist):
    tab = open_tab(qtbot, backend, admin)
    qtbot.waitUntil(lambda: tab.status.text() == "" and not tab.rates_open.isChecked())
    tab.rates_open.setFocus()
    qtbot.keyClick(tab.rates_open, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: price_list.receptionists_may_change_rates(uow, receptionist))
    qtbot.waitUntil(lambda: "may now change" in tab.status.text())


def test_csv_round_trip_through_the_tab(qtbot, backend, uow, admin, tmp_path, monkeypatch):
    an_item(uow, admin, "CBC", "Complete blood count", "350", kind="lab_test")
    an_item(uow, admin, "WHITE", "Teeth whitening", "1180", "18", sac_hsn="999722")
    tab = open_tab(qtbot, backend, admin)
    qtbot.waitUntil(lambda: tab.table.rowCount() == 2)
    target = tmp_path / "price-list.csv"
    monkeypatch.setattr(price_list_tab, "ask_save_path", lambda *args: str(target))
    qtbot.keyClick(tab.export_button, Qt.Key.Key_Space)
    qtbot.waitUntil(target.exists)
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfcode,name,kind,category,rate,gst_rate,sac_hsn,active\r\n")
    assert "WHITE,Teeth whitening,procedure,,1180.00,18,999722,yes" in data.decode("utf-8-sig")

    edited = tmp_path / "edited.csv"
    edited.write_bytes(data.replace(b"1180.00", b"1298.00") + "ECG,ईसीजी,lab_test,,400,0,,yes\r\n".encode())
    monkeypatch.setattr(price_list_tab, "choose_csv", lambda parent: str(edited))
    qtbot.keyClick(tab.import_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: tab.status.text().startswith("Imported"))
    assert tab.status.text() == "Imported: 1 added, 1 changed, 1 unchanged."
    qtbot.waitUntil(lambda: tab.table.rowCount() == 3)
    items = {i.code: i for i in price_list.list_items(uow, admin)}
    assert items["WHITE"].rate == Decimal("1298.00") and items["ECG"].name == "ईसीजी"


def test_a_hostile_csv_is_refused_with_row_numbers_and_nothing_changes(qtbot, backend, uow, admin, tmp_path,
                                                                        monkeypatch):
    an_item(uow, admin, "CBC", "Complete blood count", "350")
    tab = open_tab(qtbot, backend, admin)
    hostile = tmp_path / "hostile.csv"
    hostile.write_text("code,name,rate,gst_rate\nNEW1,Fine,100,0\nCBC,Cheaper now,1,0\n"
                       "EVIL,=HYPERLINK(\"http://x\"),10,0\nBAD,Bad rate,1e9,0\nGST,Odd,10,15\n", encoding="utf-8")
    monkeypatch.setattr(price_list_tab, "choose_csv", lambda parent: str(hostile))
    qtbot.keyClick(tab.import_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: tab.import_error.text() != "")
    assert tab.status.text() == "Nothing was imported: correct these rows and import the file again."
    assert tab.import_error.text().splitlines() == [
        "Row 4, name: Cannot start with = + - or @ (a spreadsheet would run it as a formula).",
        "Row 5, rate: The amount is too large.",
        "Row 6, GST rate: Choose a GST rate: 0, 5, 12, 18 or 28 %."]
    items = price_list.list_items(uow, admin)
    assert [(i.code, i.rate) for i in items] == [("CBC", Decimal("350.00"))]
