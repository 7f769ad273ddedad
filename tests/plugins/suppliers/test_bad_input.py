"""Bad input read as an Indonesian shop owner or supplier would meet it: every refusal is
explained in Indonesian (WTForms' own messages through core's catalogue, never their
English defaults) and writes nothing."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest

from plugins.suppliers.models import BomLine, Material, PurchaseOrder, PurchaseOrderEvent, StockMovement
from plugins.suppliers.purchasing import act, lines_of
from plugins.suppliers.stock import movements_total
from tests.plugins.suppliers.conftest import on_hand, sent_po, text

D = Decimal
ID = {"Accept-Language": "id"}
WTFORMS_ENGLISH = ("This field is required", "Not a valid", "Number must be between", "Field cannot be longer",
                   "Field must be")


@pytest.fixture(autouse=True)
def _indonesian(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "id")


def errors(response) -> list[str]:
    return re.findall(r'class="field-error">([^<]*)<', text(response))


def flash(response) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)</', text(response), re.S))


def unchanged(stuff, movements_before):
    assert StockMovement.select().count() == movements_before
    for material in Material.select():
        assert material.on_hand == movements_total(material), material.name


def test_adjustment_cannot_take_away_more_than_is_on_hand(stuff, owner_client):
    url = f"/s/{stuff.shop.slug}/suppliers/manage/materials/{stuff.leather.id}/adjust"
    before = StockMovement.select().count()
    answer = owner_client.hx_post(url, data={"adj-change": "-10.5", "adj-reason": "Rusak"},
                                  headers=ID)
    assert answer.status_code == 200
    assert errors(answer) == ["Stok hanya 10 ft²: tidak bisa mengurangi lebih dari itu."]
    assert on_hand(stuff.leather) == D("10")
    unchanged(stuff, before)
    # Taking away exactly what is there is a stock count that found nothing left: allowed.
    owner_client.hx_post(url, data={"adj-change": "-10", "adj-reason": "Stok opname"}, headers=ID)
    assert on_hand(stuff.leather) == D("0")
    # At zero (or below, after production), nothing more can be taken away; adding still works.
    refused = owner_client.hx_post(url, data={"adj-change": "-0.5", "adj-reason": "Rusak"}, headers=ID)
    assert errors(refused) == ["Stok hanya 0 ft²: tidak bisa mengurangi lebih dari itu."]
    owner_client.hx_post(url, data={"adj-change": "2.25", "adj-reason": "Ketemu di gudang"}, headers=ID)
    assert on_hand(stuff.leather) == D("2.25")
    unchanged(stuff, before + 2)


def test_form_errors_are_indonesian_and_nothing_is_written(stuff, owner_client):
    base = f"/s/{stuff.shop.slug}/suppliers/manage"
    before = StockMovement.select().count()
    answers = [
        owner_client.hx_post(f"{base}/materials/{stuff.leather.id}/adjust", data={"adj-change": "", "adj-reason": ""},
                             headers=ID),
        owner_client.hx_post(f"{base}/materials/{stuff.leather.id}/adjust",
                             data={"adj-change": "5000000", "adj-reason": "x"}, headers=ID),
        owner_client.hx_post(f"{base}/", data={"mat-name": "", "mat-unit": "ft2", "mat-reorder_level": "dua",
                                                 "mat-cost": "-1", "mat-on_hand": "-3"}, headers=ID),
        owner_client.hx_post(f"{base}/bom/{stuff.oxford.id}", data={"bom-material": str(stuff.glue.id),
                                                                     "bom-quantity": "0"}, headers=ID),
        owner_client.hx_post(f"{base}/suppliers", data={"sup-name": "x" * 121, "sup-lang": "id"}, headers=ID),
    ]
    found = [errors(a) for a in answers]
    assert found[0] == ["Kolom ini wajib diisi.", "Kolom ini wajib diisi."]
    assert found[1] == ["Masukkan angka antara -1.000.000 dan 1.000.000."]
    # name, stock on hand (-3), reorder level ("dua"), cost (-1): in the order the form shows them
    assert found[2] == ["Kolom ini wajib diisi.", "Masukkan angka antara 0 dan 1.000.000.", "Bukan angka desimal yang valid.",
                        "Masukkan angka antara 0 dan 1.000.000.000."]
    assert found[3] == ["Masukkan angka antara 0,001 dan 1.000.000."]
    assert found[4] == ["Isi kolom ini maksimal 120 karakter."]
    for answer in answers:
        assert answer.status_code == 200
        assert not any(english in text(answer) for english in WTFORMS_ENGLISH)
    assert Material.select().count() == 3
    assert not BomLine.select().where((BomLine.product == stuff.oxford) & (BomLine.material == stuff.glue)).exists()
    unchanged(stuff, before)


def test_quantities_are_shown_without_trailing_zeros(stuff, owner_client):
    # "5.000" reads as five thousand in Indonesian; the form shows 5 (and 0.5 as 0.5).
    Material.update(reorder_level=D("0.5")).where(Material.id == stuff.sole.id).execute()
    leather = text(owner_client.get(f"/s/{stuff.shop.slug}/suppliers/manage/materials/{stuff.leather.id}", headers=ID))
    sole = text(owner_client.get(f"/s/{stuff.shop.slug}/suppliers/manage/materials/{stuff.sole.id}", headers=ID))
    assert re.search(r'name="mat-reorder_level"[^>]*value="5"', leather)
    assert re.search(r'name="mat-reorder_level"[^>]*value="0.5"', sole)


def test_bad_receipts_are_refused_in_indonesian_and_write_nothing(stuff, owner_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    po = act(po, "confirm", stuff.user_a, "supplier", promised_date=dt.date.today())
    line = lines_of(po)[0]
    url = f"/s/{stuff.shop.slug}/suppliers/manage/purchase-orders/{po.id}/receive"
    before = StockMovement.select().count()
    expected = {
        "-1": "Isi angka nol atau lebih untuk: Kulit sapi",
        "abc": "Isi angka nol atau lebih untuk: Kulit sapi",
        "0": "Isi jumlah yang datang untuk minimal satu baris.",
        "10,5": "Yang datang untuk Kulit sapi lebih banyak dari yang dipesan: catat kelebihannya sebagai "
                "penyesuaian stok.",
    }
    for value, message in expected.items():
        answer = owner_client.hx_post(url, data={f"rcv-line-{line.id}": value}, headers=ID)
        assert message in flash(answer), value
        assert lines_of(po)[0].received == 0 and PurchaseOrder.get_by_id(po.id).status == "confirmed"
    assert on_hand(stuff.leather) == D("10")
    assert PurchaseOrderEvent.select().where(PurchaseOrderEvent.action == "receive").count() == 0
    unchanged(stuff, before)


def test_supplier_cannot_promise_a_date_in_the_past(stuff, supplier_client):
    po = sent_po(stuff, stuff.a, [(stuff.leather, "10")])
    events = PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).count()
    past = supplier_client.hx_post(f"/supplier/orders/{po.id}/confirm", data={"cf-promised_date": "2020-01-01"},
                                   headers=ID)
    assert errors(past) == ["Tanggal pengiriman tidak boleh sebelum hari ini."]
    empty = supplier_client.hx_post(f"/supplier/orders/{po.id}/confirm", data={"cf-promised_date": ""}, headers=ID)
    assert errors(empty) == ["Kolom ini wajib diisi."]
    fresh = PurchaseOrder.get_by_id(po.id)
    assert fresh.status == "sent" and fresh.promised_date is None
    assert PurchaseOrderEvent.select().where(PurchaseOrderEvent.po == po).count() == events
    # Today is a promise that can still be kept; a later reschedule into the past is refused too.
    from portal.core.db import utcnow
    from portal.i18n import to_jakarta

    today = to_jakarta(utcnow()).date()
    supplier_client.post(f"/supplier/orders/{po.id}/confirm", data={"cf-promised_date": today.isoformat()})
    assert PurchaseOrder.get_by_id(po.id).status == "confirmed"
    late = supplier_client.hx_post(f"/supplier/orders/{po.id}/reschedule",
                                   data={"cf-promised_date": (today - dt.timedelta(days=1)).isoformat()}, headers=ID)
    assert errors(late) == ["Tanggal pengiriman tidak boleh sebelum hari ini."]
    assert PurchaseOrder.get_by_id(po.id).promised_date == today
