"""Concurrency: the last pair, the double submit and the last day of capacity, against a real server.

Each browser is a real HTTP client with its own cookies and CSRF token, talking
to the threaded ``live_server``; all of them submit at the same moment (a
barrier). Runs on SQLite, and on PostgreSQL when ``PORTAL_TEST_DATABASE_URL`` is set.
"""
from __future__ import annotations

import pytest
from orders_testkit import make_product, stock_of

from portal.core import capacity
from portal.core.db import db
from portal.core.orders import Order, OrderItem, ProductionReservation, ProductionSlot
from tests.core.race_kit import Browser, all_at_once

THREADS = 20


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


def test_twenty_customers_race_for_the_last_pair(live_server, shop):
    last_pair = make_product(shop, "Pantofel Classic", price=450000, stock=1)
    browsers = [Browser(live_server.url) for _ in range(THREADS)]
    forms = [b.ready_to_check_out(shop, last_pair) for b in browsers]

    results = all_at_once([
        (lambda b=b, f=f: b.request(f"/s/{shop.slug}/checkout/", f)) for b, f in zip(browsers, forms, strict=True)
    ])
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = [status for status, _, _ in results]
    assert 500 not in statuses and 503 not in statuses, statuses
    winners = [r for r in results if r[0] == 303]
    losers = [r for r in results if r[0] != 303]
    assert len(winners) == 1, statuses
    for status, html, _ in losers:
        assert status == 422
        assert "Pantofel Classic" in html and "sold out" in html
        assert "database is locked" not in html
    assert Order.select().count() == 1
    assert OrderItem.select().count() == 1
    assert stock_of(last_pair) == 0
    order = Order.get()
    assert winners[0][2]["Location"].endswith(f"/s/{shop.slug}/orders/{order.number}")


@pytest.mark.parametrize("stock", [1, 5])
def test_the_same_checkout_posted_twice_at_once_gives_one_order(live_server, shop, stock):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=stock)
    browser = Browser(live_server.url)
    form = browser.ready_to_check_out(shop, shoe)
    results = all_at_once([lambda: browser.request(f"/s/{shop.slug}/checkout/", form)] * 2)
    assert [r[0] for r in results] == [303, 303], [r[:2] for r in results]
    assert results[0][2]["Location"] == results[1][2]["Location"]
    assert Order.select().count() == 1 and stock_of(shoe) == stock - 1


def test_made_to_order_checkouts_never_overbook_a_day(live_server, shop):
    shop.settings = {**shop.settings, "daily_capacity": 2}
    shop.save()
    boots = make_product(shop, "Boots Custom", price=1200000, made_to_order=True, lead_time_days=1)
    browsers = [Browser(live_server.url) for _ in range(10)]
    forms = [b.ready_to_check_out(shop, boots) for b in browsers]
    results = all_at_once([
        (lambda b=b, f=f: b.request(f"/s/{shop.slug}/checkout/", f)) for b, f in zip(browsers, forms, strict=True)
    ])
    assert [r[0] for r in results] == [303] * 10, [r[:2] for r in results]
    slots = {s.day: s.used for s in ProductionSlot.select()}
    assert all(used <= 2 for used in slots.values()), slots
    assert sum(slots.values()) == 10 and len(slots) == 5
    assert sum(r.units for r in ProductionReservation.select()) == 10
    first = capacity.today() + capacity.dt.timedelta(days=1)
    assert sorted(o.ready_by for o in Order.select()) == sorted(
        [first + capacity.dt.timedelta(days=d) for d in range(5) for _ in range(2)])


def test_service_level_race_in_app_threads(portal_app, shop):
    """The same last-pair race straight through ``place_order`` (no HTTP), one connection per thread."""
    from orders_testkit import place

    from portal.core.checkout import CheckoutError

    last_pair = make_product(shop, "Pantofel Classic", price=450000, stock=1)

    def attempt():
        with portal_app.app_context(), portal_app.test_request_context(), db.connection_context():
            try:
                return place(shop, [(last_pair, 1)]).number
            except CheckoutError as err:
                return str(err)

    results = all_at_once([attempt] * THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = [r for r in results if r.startswith("TWS-")]
    assert len(numbers) == 1
    assert all("Pantofel Classic has just sold out" in r for r in results if r not in numbers)
    assert stock_of(last_pair) == 0 and Order.select().count() == 1
