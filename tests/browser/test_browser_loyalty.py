"""In a real browser: a customer applies a voucher and redeems points at checkout; the owner's loyalty pages.

Apply works through htmx without a page reload (a ``window`` marker survives it),
the totals show the discount, and the placed order carries it.
"""
from __future__ import annotations

import re

import pytest

from plugins.loyalty import models as m
from plugins.loyalty import rewards
from portal.core.orders import Order
from tests.browser.session_kit import log_in
from tests.core.orders_testkit import make_product

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_customer_applies_a_voucher_and_points(live_server, shop, customer, open_tab, viewport):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    rewards.create_voucher(shop, "LEBARAN10", m.PERCENT, 10, note="Lebaran")
    rewards.adjust(shop, customer, 300, "Welcome", None)
    tab = open_tab(viewport, "loyalty-checkout")
    page = tab.page
    base = f"/s/{shop.slug}"
    log_in(page, live_server.url, customer.email, f"{base}/p/{shoe.slug}")
    # Wait for the add-to-cart answer itself: leaving the page before it arrives would cancel it.
    with page.expect_response(lambda r: f"/cart/add/{shoe.id}" in r.url and r.request.method == "POST"):
        page.locator(f"form[action$='/cart/add/{shoe.id}'] button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server.url}{base}/checkout/")
    page.evaluate("window.__marker = 1")
    page.locator("input[name=voucher_code]").fill("lebaran10")
    page.locator("button[name=apply_discount]").click()
    page.locator(".discount-line", has_text="Voucher LEBARAN10").wait_for()
    assert "-Rp45.000" in page.locator(".checkout-summary").inner_text()
    page.locator("input[name=offers][value=loyalty-points]").check()
    page.locator("button[name=apply_discount]").click()
    page.locator(".discount-line", has_text="300 points redeemed").wait_for()
    assert page.evaluate("window.__marker") == 1, "Apply reloaded the page"
    assert page.locator("input[name=offers][value=loyalty-points]").is_checked()
    tab.shot("1-applied")
    page.locator("input[name=phone]").fill("0812 3456 7890")
    page.locator("input[name=delivery][value=pickup]").check()
    page.locator("button", has_text="Place order").click()
    page.wait_for_url(re.compile(r"/orders/"))
    order = Order.get()
    assert (order.discount, order.total) == (45000 + 30000, 450000 - 75000)
    assert "-Rp75.000" in page.content()
    assert rewards.balance(shop, customer) == 0
    tab.shot("2-placed")
    assert not tab.errors, tab.errors


@pytest.mark.parametrize("viewport", ["mobile"])
def test_owner_pages(portal_app, live_server, shop, customer, open_tab, viewport):
    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order

    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    with portal_app.test_request_context():
        place_order(shop, Cart(shop=shop, lines=[CartLine(product=shoe, quantity=1)]),
                    Contact(name="Customer A", email=customer.email, phone="+6281234567890"), "pickup",
                    customer=customer)
    rewards.create_voucher(shop, "LEBARAN10", m.PERCENT, 10, max_uses=100, per_customer=1)
    rewards.create_voucher(shop, "ONGKIR25", m.FIXED, 25000, min_order=500000, is_active=False)
    rewards.adjust(shop, customer, 120, "Welcome", None)
    c = m.LoyaltyCampaign.create(shop=shop, name="Terima kasih", subject="{name}, ada voucher",
                                 body="Halo {name},\nterima kasih sudah membeli {last_product}.\nKode: {voucher_code}",
                                 customer_ids=[customer.id], voucher_mode="personal")
    tab = open_tab(viewport, "loyalty-owner")
    page = tab.page
    base = f"/s/{shop.slug}/loyalty/manage"
    log_in(page, live_server.url, "owner@shop.test", f"{base}/")
    tab.shot("1-vouchers")
    page.evaluate("window.__marker = 1")
    page.locator("#voucher-1 button", has_text="Switch off").click()
    page.locator("#voucher-1 .status-text").wait_for()
    assert page.evaluate("window.__marker") == 1
    page.goto(f"{live_server.url}{base}/points/{customer.id}")
    tab.shot("2-points")
    page.goto(f"{live_server.url}{base}/campaigns/{c.id}")
    assert "Halo Customer A" in page.locator(".loyalty-preview").inner_text()
    page.locator("button", has_text="Send me a test").click()
    page.locator(".flash", has_text="A test copy was sent").wait_for()
    tab.shot("3-campaign")
    assert not tab.errors, tab.errors
