"""Fees: place matching, weight rounding, the options offered for a destination, CSV import."""
from __future__ import annotations

import itertools

import pytest

from plugins.couriers import fees
from plugins.couriers import models as m
from portal.core.cart import Cart, CartLine
from portal.plugin_api import Destination
from tests.core.orders_testkit import make_product
from tests.plugins.couriers.kit import add_area, add_service


@pytest.mark.parametrize(("typed", "key"), [
    ("Kota Bandung", "bandung"),
    ("  BANDUNG ", "bandung"),
    ("bandung.", "bandung"),
    ("Kab. Bandung", "kabupaten bandung"),
    ("Kabupaten  Bandung", "kabupaten bandung"),
    ("Kec. Coblong", "coblong"),
    ("Kecamatan Bojongloa Kidul", "bojongloa kidul"),
    ("Bojongloa\u200bKidul", "bojongloa kidul"),
    ("\u202eCoblong", "coblong"),
    ("", ""),
])
def test_place_key(typed, key):
    assert fees.place_key(typed) == key


@pytest.mark.parametrize(("grams", "min_kg", "kg"), [
    (0, 1, 1), (1, 1, 1), (999, 1, 1), (1000, 1, 1), (1001, 1, 2), (1300, 1, 2), (2000, 1, 2),
    (2001, 1, 3), (500, 3, 3), (4200, 3, 5),
])
def test_weight_is_charged_per_started_kilogram(grams, min_kg, kg):
    assert fees.charged_kg(grams, min_kg) == kg


_serial = itertools.count()


def cart_of(shop, grams, qty=1):
    product = make_product(shop, f"Shoe {next(_serial)}", weight_grams=grams)
    return Cart(shop=shop, lines=[CartLine(product=product, quantity=qty)])


@pytest.fixture
def priced(on):
    add_area(on, "Coblong", 15_000)
    add_area(on, "Kota Bandung", 25_000)
    jne = add_service(on, "JNE REG", rates=[("Kota Bandung", 9_000, 1), ("Surabaya", 18_000, 1), ("Medan", 30_000, 2)])
    jnt = add_service(on, "J&T", rates=[("Surabaya", 17_000, 1)])
    return on, jne, jnt


CASES = [
    # (district, city, grams, qty, expected {code-or-service-name: fee})
    ("Coblong", "Bandung", 900, 1, {"rider": 15_000, "JNE REG": 9_000}),
    ("Sukajadi", "Kota Bandung", 900, 2, {"rider": 25_000, "JNE REG": 18_000}),
    ("", "bandung", 1001, 1, {"rider": 25_000, "JNE REG": 18_000}),
    ("", "Surabaya", 1500, 1, {"JNE REG": 36_000, "J&T": 34_000}),
    ("", "Medan", 300, 1, {"JNE REG": 60_000}),
    ("", "Makassar", 900, 1, {}),
    ("", "", 900, 1, {}),
    ("Kec. Coblong", "", 900, 1, {"rider": 15_000}),
]


@pytest.mark.parametrize(("district", "city", "grams", "qty", "expected"), CASES)
def test_options_for_a_destination(priced, ctx, district, city, grams, qty, expected):
    shop, jne, jnt = priced
    names = {jne.id: "JNE REG", jnt.id: "J&T"}
    options = fees.delivery_options(shop, cart_of(shop, grams, qty), Destination(city=city, district=district),
                                    cash_on_delivery=False)
    got = {}
    for o in options:
        if o.code == fees.RIDER_CODE:
            got["rider"] = o.fee
        else:
            got[names[int(o.code.removeprefix(fees.SERVICE_CODE_PREFIX))]] = o.fee
    assert got == expected


def test_cash_on_delivery_is_offered_only_with_the_rider_and_when_enabled(priced, ctx):
    shop, *_ = priced
    cart = cart_of(shop, 900)
    inside = Destination(city="Bandung", district="Coblong")
    codes = [o.code for o in fees.delivery_options(shop, cart, inside, cash_on_delivery=True)]
    assert fees.RIDER_COD_CODE in codes
    cod = next(o for o in fees.delivery_options(shop, cart, inside, True) if o.code == fees.RIDER_COD_CODE)
    assert cod.cash_on_delivery and cod.fee == 15_000
    assert fees.RIDER_COD_CODE not in [o.code for o in fees.delivery_options(shop, cart, inside, False)]
    outside = Destination(city="Surabaya")
    assert fees.RIDER_COD_CODE not in [o.code for o in fees.delivery_options(shop, cart, outside, True)]


def test_an_inactive_service_and_another_shops_table_are_not_offered(priced, other_shop, ctx):
    shop, _jne, jnt = priced
    add_service(other_shop, "Other JNE", rates=[("Makassar", 5_000, 1)])
    add_area(other_shop, "Makassar", 1_000)
    m.CourierService.update(is_active=False).where(m.CourierService.id == jnt.id).execute()
    options = fees.delivery_options(shop, cart_of(shop, 900), Destination(city="Surabaya"), False)
    assert [o.label for o in options] == ["JNE REG"]
    assert fees.delivery_options(shop, cart_of(shop, 900), Destination(city="Makassar"), False) == []


# ---------------------------------------------------------------------------
# tracking links
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("template", "ok"), [
    ("https://jne.example/track?awb={waybill}", True),
    ("https://jne.example/track/{waybill}", True),
    ("", True),
    ("http://jne.example/track?awb={waybill}", False),
    ("javascript:alert(1)//{waybill}", False),
    ("https://jne.example/track", False),
    ("https://jne.example/{waybill}/{waybill}", False),
    ("https://user@evil.example/{waybill}", False),
    ("https://jne.example/{other}?{waybill}", False),
    ("//jne.example/{waybill}", False),
])
def test_tracking_templates(template, ok):
    assert (fees.check_tracking_template(template) is None) == ok


def test_tracking_url_escapes_the_waybill():
    assert fees.tracking_url("https://t.example/?awb={waybill}", "AB 12&x=<") == "https://t.example/?awb=AB%2012%26x%3D%3C"
    assert fees.tracking_url("http://t.example/?awb={waybill}", "AB12") is None
    assert fees.tracking_url("", "AB12") is None


# ---------------------------------------------------------------------------
# CSV import
# ---------------------------------------------------------------------------


def test_the_sample_csv_imports():
    rows = fees.parse_rates(fees.SAMPLE_CSV.encode())
    assert [(r.city, r.per_kg, r.min_kg, r.etd) for r in rows][:2] == [("Kota Bandung", 9000, 1, "1-2"),
                                                                       ("Kabupaten Bandung", 11000, 1, "2-3")]


def test_semicolons_thousands_separators_and_a_bom_are_understood():
    data = "\ufeffcity;price_per_kg\r\nBandung;Rp9.000\r\nSurabaya;18,000\r\n\r\n".encode()
    assert [(r.city_key, r.per_kg, r.min_kg) for r in fees.parse_rates(data)] == [("bandung", 9000, 1), ("surabaya", 18000, 1)]


@pytest.mark.parametrize(("content", "fragment"), [
    (b"", "empty"),
    (b"town,price\nBandung,9000\n", "first row must name the columns"),
    (b"city,price_per_kg\n", "no rows"),
    ("city,price_per_kg\nBandung,9000\n".encode("utf-16"), "not UTF-8"),
    (b"city,price_per_kg\nBandung,abc\n", "Row 2: the price per kg must be a whole number"),
    (b"city,price_per_kg\nBandung,-5\n", "Row 2: the price per kg"),
    (b"city,price_per_kg\nBandung,9.5\n", "Row 2: the price per kg"),
    (b"city,price_per_kg\n,9000\n", "Row 2: the city is missing"),
    (b"city,price_per_kg,min_kg\nBandung,9000,0\n", "Row 2: min_kg must be"),
    (b"city,price_per_kg,etd\nBandung,9000,soon\n", "Row 2: etd must be days"),
    (b"city,price_per_kg\nBandung,9000\nKota Bandung,9500\n", "Row 3: Kota Bandung is already on row 2"),
])
def test_bad_files_are_refused_with_the_row(content, fragment, ctx):
    with pytest.raises(fees.RatesImportError) as caught:
        fees.parse_rates(content)
    assert any(fragment in str(e) for e in caught.value.errors), caught.value.errors


def test_every_bad_row_is_listed_not_only_the_first(ctx):
    data = b"city,price_per_kg\nBandung,x\nSurabaya,18000\nMedan,y\n"
    with pytest.raises(fees.RatesImportError) as caught:
        fees.parse_rates(data)
    assert [str(e)[:6] for e in caught.value.errors] == ["Row 2:", "Row 4:"]


def test_an_oversized_file_is_refused(ctx):
    with pytest.raises(fees.RatesImportError):
        fees.parse_rates(b"city,price_per_kg\n" + b"Bandung,9000\n" * 90_000)


def test_replace_rates_replaces_the_whole_table(on):
    service = add_service(on, rates=[("Medan", 30_000, 1), ("Bandung", 9_000, 1)])
    fees.replace_rates(service, fees.parse_rates(b"city,price_per_kg\nSurabaya,18000\n"))
    assert [r.city for r in m.ServiceRate.select().where(m.ServiceRate.service == service)] == ["Surabaya"]
