"""In a real browser: a guest orders, the owner confirms, the guest pays, the workshop makes and hands over.

The customer (on a phone-sized screen) and the owner (on a desktop) each have
their own browser. The customer's order page follows along by itself: a
production stage recorded by the owner appears on the open page without a
reload (a ``window`` marker set before survives it).
"""
from __future__ import annotations

import re

import pytest
from PIL import Image

from portal.core.models import Product
from portal.core.orders import Order
from portal.testing import TEST_PASSWORD

pytestmark = pytest.mark.browser


@pytest.fixture
def boots(shop):
    return Product.create(shop=shop, name="Boots Custom", slug="boots-custom", price=1200000, stock=None,
                          made_to_order=True, lead_time_days=7, description="Hand-stitched, made to measure.")


@pytest.fixture
def receipt(tmp_path):
    path = tmp_path / "transfer.png"
    Image.new("RGB", (240, 320), (230, 240, 250)).save(path)
    return path


def test_order_from_cart_to_hand_over(live_server, shop, boots, receipt, open_tab):
    base = f"{live_server.url}/s/{shop.slug}"
    buyer = open_tab("mobile", "order-customer")
    owner = open_tab("desktop", "order-owner")
    page = buyer.page

    # The customer puts two pairs in the cart from the product page, without a reload.
    page.goto(f"{base}/p/{boots.slug}")
    page.evaluate("window.__marker = 1")
    page.locator("#buy-box input[name=quantity]").fill("2")
    page.locator("#buy-box button[type=submit]").click()
    page.locator(".buy-added").wait_for()
    assert "You have 2 in your cart." in page.locator(".buy-added").inner_text()
    assert page.locator("#cart-count").inner_text() == "2"
    assert page.evaluate("window.__marker") == 1
    buyer.shot("1-added")

    # Cart: change the quantity in place, then check out.
    page.locator("#cart-count").click()
    page.wait_for_url(f"{base}/cart/")
    page.locator("input[name=quantity]").fill("1")
    page.locator(".cart-qty button[type=submit]").click()
    page.locator("#cart .flash-success").wait_for()
    assert "Rp1.200.000" in page.locator(".cart-subtotal").inner_text()
    assert page.locator("#cart-count").inner_text() == "1"
    buyer.shot("2-cart")
    page.locator("#cart a", has_text="Check out").click()
    page.wait_for_url(f"{base}/checkout/")
    assert "can be ready by" in page.locator(".ready-estimate").inner_text()

    # A missing phone number is shown next to the field; what was typed stays.
    page.locator("input[name=name]").fill("Budi Santoso")
    page.locator("input[name=email]").fill("budi@example.test")
    page.locator("input[name=delivery][value=pickup]").check()
    page.locator("textarea[name=note]").fill("size 42, brown stitching")
    page.get_by_role("button", name="Place order").click()
    page.locator("#phone-error").wait_for()
    assert page.locator("textarea[name=note]").input_value() == "size 42, brown stitching"
    page.locator("input[name=phone]").fill("0812 3456 7890")
    buyer.shot("3-checkout")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r"/orders/TWS-\d{8}-\d{4}$"))
    order = Order.get()
    assert order.phone == "+6281234567890" and order.total == 1200000
    assert "placed" in page.locator(".status-badge").inner_text()
    buyer.shot("4-placed")

    # The owner logs in, finds the order in the queue and confirms it.
    op = owner.page
    op.goto(f"{live_server.url}/login")
    op.locator("input[name=email]").fill("owner@shop.test")
    op.locator("input[name=password]").fill(TEST_PASSWORD)
    op.locator("main form button[type=submit]").click()
    op.wait_for_url(re.compile(r"/$"))
    op.goto(f"{base}/manage/")
    op.locator(".backoffice-menu a", has_text="Orders").click()
    op.wait_for_url(f"{base}/manage/orders/")
    op.locator("input[name=q]").fill("budi")
    op.locator(".search-form button[type=submit]").click()
    op.locator(".queue-item a", has_text=order.number).wait_for()
    owner.shot("5-queue")
    op.locator(".queue-item a", has_text=order.number).click()
    op.wait_for_url(f"{base}/manage/orders/{order.number}")
    op.locator(".action-confirm button[type=submit]").click()
    op.locator("#order-detail .flash-success").wait_for()
    assert "awaiting payment" in op.locator(".order-head .status-badge").inner_text()
    owner.shot("6-confirmed")

    # The customer's open page notices the new status and shows what to pay.
    page.locator("#payment-panel").wait_for(timeout=25_000)
    fresh = Order.get_by_id(order.id)
    assert fresh.status == "awaiting_payment"
    assert page.locator(".amount-due").inner_text().replace("\n", "").startswith("Rp1.20")
    page.locator("input[name=proof]").set_input_files(str(receipt))
    page.locator(".proof-form button[type=submit]").click()
    page.locator("#payment-panel h2", has_text="checking").wait_for()
    buyer.shot("7-proof-sent")
    assert Order.get_by_id(order.id).status == "payment_submitted"

    # The owner approves the payment and starts production.
    op.reload()
    op.locator("#payment-panel button", has_text="approve").click()
    op.locator(".flashes", has_text="Payment approved").wait_for()
    assert "paid" in op.locator(".order-head .status-badge").inner_text()
    op.locator(".action-start_production button[type=submit]").click()
    op.locator(".stage-form").wait_for()
    op.locator(".stage-form button[type=submit]").click()  # "cutting", proposed first
    op.locator("#order-detail .flash-success", has_text="Cutting").wait_for()

    # The customer's page follows along by itself: no reload for a stage.
    page.reload()
    page.locator(".timeline", has_text="Production: Cutting").wait_for()
    page.evaluate("window.__marker = 2")
    op.locator(".stage-form select").select_option("stitching")
    op.locator(".stage-form button[type=submit]").click()
    op.locator("#order-detail .flash-success", has_text="Stitching").wait_for()
    page.locator(".timeline", has_text="Production: Stitching").wait_for(timeout=25_000)
    assert page.evaluate("window.__marker") == 2, "the order page reloaded instead of updating in place"
    buyer.shot("8-in-production")

    # Ready, then handed over at the workshop.
    op.locator(".action-mark_ready button[type=submit]").click()
    op.locator(".action-hand_over button[type=submit]").wait_for()
    op.locator(".action-hand_over button[type=submit]").click()
    op.locator(".order-head .status-badge", has_text="handed over").wait_for()
    owner.shot("9-handed-over")
    assert Order.get_by_id(order.id).status == "handed_over"

    page.reload()
    timeline = page.locator(".timeline").inner_text()
    for step in ("Order placed", "Order confirmed", "Payment verified", "Production started",
                 "Production: Cutting", "Production: Stitching", "Ready", "Handed over"):
        assert step in timeline, step
    buyer.shot("10-timeline")
    assert buyer.errors == [] and owner.errors == []
