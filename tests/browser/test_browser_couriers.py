"""In a real browser: on the demo data, the owner books the demo rider (Ujang), who works the job on a
360 px phone, and the customer follows it on the order's timeline; checkout re-prices delivery as the
address is typed; the owner's pages fit a phone."""
from __future__ import annotations

import re

import pytest

from plugins.couriers import models as m
from portal.core.orders import Order
from tests.browser.session_kit import log_in
from tests.core.orders_testkit import make_product
from tests.plugins.couriers.kit import add_area, make_ready

pytestmark = pytest.mark.browser


def set_marker(page):
    page.evaluate("window.__marker = 1")


def marker_survived(page) -> bool:
    return page.evaluate("window.__marker") == 1


@pytest.fixture
def delivery_world(portal_app, shop, customer, enable_plugin):
    from portal.core.models import User

    enable_plugin(shop, "couriers")
    User.update(name="Ujang Saepudin").where(User.email == "courier@shop.test").execute()
    order = make_ready(portal_app, shop, customer=customer, name="Dewi Lestari", address="Jl. Cibaduyut Raya No. 21",
                       city="Bandung", phone="+6281290001005")
    return shop, order


@pytest.fixture
def demo_world(portal_app, customer, enable_plugin):
    """``portal demo``'s shoe workshop, its owner and its rider Ujang (with the tests' password), and a
    new order of the tests' customer made ready to ship."""
    from plugins.couriers import demo
    from portal.core.accounts import hash_password
    from portal.core.models import Shop, User
    from portal.demo import load_demo
    from portal.testing import TEST_PASSWORD

    load_demo()
    shop = Shop.get(Shop.slug == "cibaduyut")
    enable_plugin(shop, "couriers")
    User.update(password_hash=hash_password(TEST_PASSWORD), locale="en").where(
        User.email.in_([demo.OWNER_EMAIL, demo.RIDER_EMAIL])).execute()
    order = make_ready(portal_app, shop, customer=customer, name="Dewi Lestari", address="Jl. Cibaduyut Raya No. 21",
                       city="Bandung", phone="+6281290001005")
    return shop, order


def test_owner_books_the_demo_rider_who_delivers_on_a_phone(live_server, demo_world, open_tab):
    from plugins.couriers import demo

    shop, order = demo_world

    # The owner books Ujang, the demo rider, for the ready order from the "ready to ship" queue.
    owner = open_tab("desktop", "couriers-owner")
    page = owner.page
    log_in(page, live_server.url, demo.OWNER_EMAIL, f"/s/{shop.slug}/couriers/manage/")
    owner.shot("1-queue")
    set_marker(page)
    page.locator(".couriers-run label", has_text=order.number).locator("input[type=checkbox]").check()
    page.locator("#run-rider").select_option(label="Ujang Saepudin")
    page.locator(".couriers-run button[type=submit]").click()
    page.locator("#couriers-queue .flash", has_text="Ujang Saepudin has 1 new job").wait_for()
    assert marker_survived(page), "booking reloaded the page"
    owner.shot("2-booked")
    booked = m.Delivery.get(m.Delivery.order == order.id)
    assert (booked.status, booked.rider.email) == ("booked", demo.RIDER_EMAIL)

    # Ujang, on a 360 px phone, finds the job through the header link and works it in place.
    rider = open_tab("mobile", "couriers-rider")
    phone = rider.page
    log_in(phone, live_server.url, demo.RIDER_EMAIL, "/")
    phone.locator("a", has_text="My deliveries").first.click()
    phone.wait_for_url(f"{live_server.url}/courier/")
    job = phone.locator(".couriers-job", has_text=order.number)
    assert "Jl. Cibaduyut Raya No. 21" in job.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360, "the rider's page scrolls sideways"
    rider.shot("1-job")
    set_marker(phone)
    job.locator("button", has_text="Accept").click()
    phone.locator(".couriers-job .flash", has_text="Accepted").wait_for()
    job.locator("button", has_text="Picked up").click()
    phone.locator(".couriers-job .flash", has_text="Picked up").wait_for()
    assert Order.get_by_id(order.id).status == "handed_over"
    rider.shot("2-picked-up")
    job.locator("input[name$=-recipient]").fill("Dewi Lestari")
    job.locator("button", has_text="Mark delivered").click()
    phone.locator(".couriers-job .flash", has_text="Delivered").wait_for()
    assert marker_survived(phone), "the rider's steps reloaded the page"
    assert Order.get_by_id(order.id).status == "delivered"
    rider.shot("3-delivered")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The customer's timeline shows both steps, with their times.
    customer = open_tab("mobile", "couriers-customer")
    mine = customer.page
    log_in(mine, live_server.url, "customer@example.test", f"/s/{shop.slug}/orders/{order.number}")
    timeline = mine.locator("main").inner_text()
    assert "Picked up by the rider" in timeline
    assert "Received by Dewi Lestari" in timeline
    assert re.search(r"Delivered\s+.*Received by Dewi Lestari", timeline, re.S)
    customer.shot("1-timeline")
    assert owner.errors == [] and rider.errors == [] and customer.errors == [], owner.errors + rider.errors + customer.errors


def test_checkout_reprices_delivery_as_the_district_is_typed(live_server, shop, open_tab, enable_plugin):
    enable_plugin(shop, "couriers")
    add_area(shop, "Bojongloa Kidul", 10_000)
    product = make_product(shop, "Pantofel Cibaduyut", price=450_000)
    tab = open_tab("mobile", "couriers-checkout")
    page = tab.page
    base = f"{live_server.url}/s/{shop.slug}"
    page.goto(f"{base}/p/{product.slug}")
    with page.expect_response(lambda r: "/cart/add/" in r.url):
        page.locator("form.buy-form button[type=submit]").first.click()
    page.goto(f"{base}/checkout/")
    assert "Own rider" not in page.locator("#delivery-options").inner_text()
    set_marker(page)
    page.locator("#district").press_sequentially("Bojongloa Kidul")  # real keystrokes: keyup re-fetches
    page.locator("#delivery-options", has_text="Own rider (Bojongloa Kidul)").wait_for()
    assert marker_survived(page), "re-pricing reloaded the page"
    assert "Rp10.000" in page.locator("#delivery-options").inner_text()
    tab.shot("1-rider-offered")
    assert tab.errors == [], tab.errors


def test_owner_pages_fit_a_phone(live_server, delivery_world, open_tab):
    from tests.plugins.couriers.kit import add_service

    shop, order = delivery_world
    add_area(shop, "Bojongloa Kidul", 10_000)
    jne = add_service(shop, "JNE REG", rates=[("Kota Bandung", 9_000, 1), ("Surabaya", 18_000, 1)])
    tab = open_tab("mobile", "couriers-owner-phone")
    page = tab.page
    base = f"/s/{shop.slug}"
    log_in(page, live_server.url, "owner@shop.test", f"{base}/couriers/manage/")
    for step, path in (("1-queue", "/couriers/manage/"), ("2-setup", "/couriers/manage/setup"),
                       ("3-service", f"/couriers/manage/services/{jne.id}"), ("4-cash", "/couriers/manage/cash"),
                       ("5-order", f"/manage/orders/{order.number}")):
        page.goto(f"{live_server.url}{base}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, f"{path} scrolls sideways"
        tab.shot(step)
    # The order page's panel hands the order to the service in place of a phone call.
    page.locator("#couriers-panel input[name$=-waybill]").fill("CGK2611280001")
    page.locator("#couriers-panel button", has_text="Hand over with this waybill").click()
    page.wait_for_url(f"{live_server.url}{base}/manage/orders/{order.number}")
    page.locator("#couriers-panel", has_text="CGK2611280001").wait_for()
    assert Order.get_by_id(order.id).status == "handed_over"
    tab.shot("6-handed-over")
    assert tab.errors == [], tab.errors
