"""Races: the last use of a voucher and one points balance, fought over at the same moment.

Each attempt has its own database connection (threads against the threaded live
server, or straight through ``place_order``), so this runs the real locking: BEGIN
IMMEDIATE on SQLite, row locks and conditional UPDATEs on PostgreSQL when
``PORTAL_TEST_DATABASE_URL`` points there.
"""
from __future__ import annotations

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core.checkout import CheckoutError
from portal.core.db import db
from portal.core.orders import Order
from tests.core.orders_testkit import make_product
from tests.core.race_kit import Browser, all_at_once

THREADS = 8
def test_two_customers_race_for_the_last_use_over_http(live_server, shop):
    rewards.create_voucher(shop, "TERAKHIR", m.FIXED, 50000, max_uses=1)
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=50)
    browsers = [Browser(live_server.url) for _ in range(2)]
    forms = [{**b.ready_to_check_out(shop, shoe), "voucher_code": "terakhir", "email": f"buyer{i}@example.test"}
             for i, b in enumerate(browsers)]
    results = all_at_once([(lambda b=b, f=f: b.request(f"/s/{shop.slug}/checkout/", f))
                           for b, f in zip(browsers, forms, strict=True)])
    assert not [r for r in results if isinstance(r, Exception)], results
    statuses = sorted(r[0] for r in results)
    assert statuses == [303, 422], statuses
    loser = next(r for r in results if r[0] == 422)
    assert "used up" in loser[1] and "database is locked" not in loser[1]
    order = Order.get()
    assert (order.discount, order.total) == (50000, 450000 - 50000 + 25000)
    assert m.LoyaltyVoucher.get(code="TERAKHIR").uses == 1 and m.LoyaltyVoucherUse.select().count() == 1


def test_many_placements_for_the_last_use_in_app_threads(portal_app, shop, order_with):
    rewards.create_voucher(shop, "TERAKHIR", m.PERCENT, 10, max_uses=1)

    def attempt(i):
        with portal_app.app_context(), db.connection_context():
            try:
                return order_with(["TERAKHIR"], email=f"buyer{i}@example.test").number
            except CheckoutError as err:
                return str(err)

    results = all_at_once([(lambda i=i: attempt(i)) for i in range(THREADS)])
    assert not [r for r in results if isinstance(r, Exception)], results
    numbers = [r for r in results if r.startswith("TWS-")]
    assert len(numbers) == 1, results
    assert all("used up" in r for r in results if r not in numbers)
    assert Order.select().count() == 1 and Order.get().discount == 45000
    assert m.LoyaltyVoucher.get(code="TERAKHIR").uses == 1


def test_one_balance_redeemed_twice_at_once_is_spent_once(portal_app, shop, customer, order_with):
    with db.atomic():
        rewards.adjust(shop, customer, 500, "welcome", None)

    def attempt():
        with portal_app.app_context(), db.connection_context():
            try:
                return order_with([rewards.POINTS_CODE], customer=customer).discount
            except CheckoutError as err:
                return str(err)

    results = all_at_once([attempt] * THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert [r for r in results if isinstance(r, int)] == [50000], results
    assert rewards.balance(shop, customer) == 0
    assert sum(e.points for e in rewards.history(shop, customer)) == 0
    assert Order.select().count() == 1
