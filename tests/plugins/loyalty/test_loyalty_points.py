"""Points: earned once per delivered order, redeemed exactly at checkout, never negative, given back when it applies."""
from __future__ import annotations

import pytest

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core import order_flow
from portal.core.checkout import CheckoutError
from portal.core.models import User
from portal.core.orders import Order
from portal.core.shops import set_module_enabled
from tests.core.orders_testkit import EN, add_to_cart, checkout_data, checkout_key

TO_DELIVERED = ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver"]


def owner_of(shop):
    return User.get(User.email == "owner@shop.test")


def deliver(order, shop):
    for action in TO_DELIVERED:
        order = order_flow.transition(order, action, actor=owner_of(shop), role="owner")
    return order


def set_settings(shop, **values):
    from portal.core.models import ShopModule

    row, _ = ShopModule.get_or_create(shop=shop, plugin="loyalty", defaults={"enabled": True})
    row.settings = {**(row.settings or {}), **values}
    row.save()


def test_delivered_order_earns_once(portal_app, shop, customer, order_with):
    order = order_with(customer=customer, quantity=2)  # Rp900.000 of goods
    with portal_app.test_request_context():
        order = deliver(order, shop)
        # Delivered again would be illegal; earning twice by calling again gives nothing.
        assert rewards.earn(order) == 0
        order_flow.transition(order, "complete", actor=customer, role="customer")
    assert rewards.balance(shop, customer) == 90  # 1 point per Rp10.000
    [entry] = rewards.history(shop, customer)
    assert (entry.kind, entry.points, entry.order_number) == ("earned", 90, order.number)


def test_points_count_what_was_paid_for_goods_rounded_down(portal_app, shop, customer, order_with):
    set_settings(shop, rupiah_per_point=7000)
    rewards.create_voucher(shop, "HEMAT", m.FIXED, 5001)
    order = order_with(["HEMAT"], customer=customer)  # 450000 - 5001 = 444999 -> 63 points (63.57)
    with portal_app.test_request_context():
        deliver(order, shop)
    assert rewards.balance(shop, customer) == 63


def test_guest_orders_and_switched_off_points_earn_nothing(portal_app, shop, customer, order_with):
    guest = order_with()
    set_settings(shop, points_enabled=False)
    member = order_with(customer=customer)
    with portal_app.test_request_context():
        deliver(guest, shop)
        deliver(member, shop)
    assert m.LoyaltyPointEntry.select().count() == 0


def test_disabled_plugin_earns_nothing_and_keeps_the_balance(portal_app, shop, customer, order_with):
    with portal_app.test_request_context():
        rewards.adjust(shop, customer, 120, "welcome", None)
        set_module_enabled(shop, "loyalty", False)
        deliver(order_with(customer=customer), shop)
    assert rewards.balance(shop, customer) == 120 and m.LoyaltyPointEntry.select().count() == 1


def test_redeem_exactly_at_checkout(client, shop, customer, product, portal_app):
    from portal.testing import make_client

    rewards.adjust(shop, customer, 350, "welcome", None)
    browser = make_client(portal_app, customer)
    add_to_cart(browser, shop, product, 1)
    page = browser.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Use 350 of my 350 points (-Rp35.000)" in page and 'value="loyalty-points"' in page
    placed = browser.post(f"/s/{shop.slug}/checkout/", data={
        **checkout_data(checkout_key(browser, shop), delivery="pickup"), "offers": "loyalty-points"}, headers=EN)
    assert placed.status_code == 303
    order = Order.get()
    assert (order.subtotal, order.discount, order.total) == (450000, 35000, 415000)
    assert rewards.balance(shop, customer) == 0
    redeemed = m.LoyaltyPointEntry.get(kind="redeemed")
    assert (redeemed.points, redeemed.order_number) == (-350, order.number)
    # A guest sees no points offer at all.
    add_to_cart(client, shop, product, 1)
    assert "loyalty-points" not in client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)


def test_redeeming_is_capped_at_the_goods_after_vouchers(shop, customer, order_with, product):
    rewards.adjust(shop, customer, 10_000, "big balance", None)  # worth Rp1.000.000
    rewards.create_voucher(shop, "SEPULUH", m.PERCENT, 10)
    order = order_with(["SEPULUH", rewards.POINTS_CODE], customer=customer)
    # 450000 - 45000 voucher = 405000 left: 4050 points, no more.
    assert (order.discount, order.total) == (450000, 0)
    assert rewards.balance(shop, customer) == 10_000 - 4050


def test_balance_never_goes_negative(shop, customer, order_with):
    with pytest.raises(CheckoutError, match="no points"):
        order_with([rewards.POINTS_CODE], customer=customer)
    assert rewards.adjust(shop, customer, 50, "gift", None) is True
    assert rewards.adjust(shop, customer, -51, "too much", None) is False
    assert rewards.balance(shop, customer) == 50
    assert [e.points for e in rewards.history(shop, customer)] == [50]


def test_cancelled_order_gives_redeemed_points_back_once(portal_app, shop, customer, order_with):
    rewards.adjust(shop, customer, 200, "gift", None)
    order = order_with([rewards.POINTS_CODE], customer=customer)
    assert rewards.balance(shop, customer) == 0
    with portal_app.test_request_context():
        order_flow.transition(order, "withdraw", actor=customer, role="customer")
        rewards.release(order)  # a second call changes nothing
    assert rewards.balance(shop, customer) == 200
    assert sorted((e.kind, e.points) for e in rewards.history(shop, customer)) == [
        ("adjusted", 200), ("redeemed", -200), ("refunded", 200)]


def test_my_points_page_shows_only_my_history(portal_app, shop, customer, other_customer, customer_client,
                                              other_customer_client, client, order_with):
    order = order_with(customer=customer)
    with portal_app.test_request_context():
        deliver(order, shop)
    rewards.adjust(shop, other_customer, 7, "B's gift", None)
    mine = customer_client.get(f"/s/{shop.slug}/loyalty/points", headers=EN).get_data(as_text=True)
    assert "45 points" in mine and order.number in mine and "B&#39;s gift" not in mine and "B's gift" not in mine
    theirs = other_customer_client.get(f"/s/{shop.slug}/loyalty/points", headers=EN).get_data(as_text=True)
    assert "7 points" in theirs and order.number not in theirs
    anonymous = client.get(f"/s/{shop.slug}/loyalty/points")
    assert anonymous.status_code in (302, 303) and "login" in anonymous.headers["Location"]


def test_staff_see_and_adjust_history(staff_client, shop, customer, order_with):
    order_with(customer=customer)
    url = f"/s/{shop.slug}/loyalty/manage/points/{customer.id}"
    assert staff_client.get(url, headers=EN).status_code == 200
    done = staff_client.hx_post(url, data={"points": "25", "note": "Sorry for the delay"}, headers=EN)
    assert done.status_code == 200 and "Points adjusted." in done.get_data(as_text=True)
    refused = staff_client.hx_post(url, data={"points": "-26", "note": "Too much"}, headers=EN)
    assert refused.status_code == 422 and "cannot go below zero" in refused.get_data(as_text=True)
    entry = m.LoyaltyPointEntry.get()
    assert (entry.kind, entry.points, entry.note, entry.by.email) == ("adjusted", 25, "Sorry for the delay",
                                                                      "staff@shop.test")
    listing = staff_client.get(f"/s/{shop.slug}/loyalty/manage/points", headers=EN).get_data(as_text=True)
    assert customer.name in listing
    # A user who never ordered here is not this shop's customer.
    stranger = User.create(email="stranger@example.test", name="Stranger", password_hash="x")
    assert staff_client.get(f"/s/{shop.slug}/loyalty/manage/points/{stranger.id}").status_code == 404


def test_customer_profile_slot(portal_app, shop, customer, order_with):
    order_with(customer=customer)
    rewards.adjust(shop, customer, 30, "Thanks for the review", None)
    owner = owner_of(shop)
    with portal_app.test_request_context():
        results = portal_app.extensions["portal"].call_isolated(
            "portal_slot_customer_profile", shop, shop=shop, customer=customer, user=owner)
    html = dict(results)["loyalty"]
    assert "Loyalty points" in html and "30 points" in html and "Thanks for the review" in html
