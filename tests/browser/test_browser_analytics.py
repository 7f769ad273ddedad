"""In a real browser: the owner reads the analytics (charts load under the CSP), opens a customer and keeps a note.

Checks what only a browser shows: the SVG charts load as images with no CSP
error and no script, the period form and the note form work in place through
htmx (a ``window`` marker survives), and the pages pass axe at 360 px and on a desktop.
"""
from __future__ import annotations

import datetime as dt

import pytest

from plugins.analytics.models import AnalyticsCustomerNote
from portal.core import orders as o
from portal.core.models import Product
from portal.testing import make_user
from tests.browser.session_kit import log_in

pytestmark = pytest.mark.browser


def _order(shop, customer, when, status, product, quantity=1, city="Bandung", n=0):
    order = o.Order.create(shop=shop, number=f"TWS-B{n:03d}", customer=customer, name=customer.name,
                           email=customer.email, phone="+6281234567890", city=city, delivery_method="delivery",
                           subtotal=product.price * quantity, total=product.price * quantity, status=status,
                           created_at=when, updated_at=when)
    o.OrderItem.create(order=order, product=product, name=product.name, unit_price=product.price, quantity=quantity,
                       line_total=product.price * quantity)
    steps = [("place", "placed")]
    if status != o.PLACED:
        steps += [("confirm", "confirmed"), ("request_payment", "awaiting_payment"), ("verify_payment", "paid")]
    if status == o.COMPLETED:
        steps += [("mark_ready", "ready"), ("hand_over", "handed_over"), ("deliver", "delivered"), ("complete", "completed")]
    for i, (action, to) in enumerate(steps):
        o.OrderEvent.create(order=order, kind="status", action=action, to_status=to, actor_role="owner",
                            created_at=when + dt.timedelta(hours=5 * i))
    return order


@pytest.fixture
def busy_shop(shop):
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    shoes = Product.create(shop=shop, name="Pantofel Klasik", slug="pantofel-klasik", price=450_000, stock=50)
    bag = Product.create(shop=shop, name="Tas Selempang", slug="tas-selempang", price=300_000, stock=50)
    people = [make_user(f"pelanggan{i}@example.test", f"Pelanggan {i}") for i in range(6)]
    n = 0
    for day in range(0, 60, 3):
        for i, person in enumerate(people[: 2 + day % 4]):
            n += 1
            status = o.COMPLETED if (day + i) % 5 else o.PLACED
            _order(shop, person, now - dt.timedelta(days=day, hours=i), status, shoes if i % 2 else bag,
                   city=("Bandung", "Cimahi", "Garut")[i % 3], n=n)
    return shop, people


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_owner_reads_the_dashboard_and_keeps_a_note(live_server, busy_shop, open_tab, viewport):
    _shop, people = busy_shop
    tab = open_tab(viewport, "analytics")
    page = tab.page
    log_in(page, live_server.url, "owner@shop.test", "/s/workshop/manage/analytics/")
    charts = page.locator("figure.analytics-chart img")
    assert charts.count() == 7
    for i in range(charts.count()):
        charts.nth(i).scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=charts.nth(i).element_handle())
    page.evaluate("window.scrollTo(0, 0)")
    tab.shot("1-dashboard-30-days")

    # A preset swaps the figures in place (htmx), and the URL says which period it is.
    page.evaluate("window.__marker = 1")
    page.locator(".chips a", has_text="Last 7 days").click()
    page.locator('.chips a[aria-current="true"]', has_text="Last 7 days").wait_for()
    assert page.evaluate("window.__marker") == 1, "the preset reloaded the page"
    assert "preset=7" in page.url
    page.locator("figure.analytics-chart details").first.locator("summary").click()
    assert page.locator("figure.analytics-chart details table").first.is_visible()
    tab.shot("2-dashboard-7-days-table")

    page.locator(".analytics-tabs a", has_text="Customer behaviour").click()
    page.wait_for_url(f"{live_server.url}/s/workshop/manage/analytics/segments/")
    tab.shot("3-segments")

    page.locator(".analytics-tabs a", has_text="Customers").click()
    page.wait_for_url(f"{live_server.url}/s/workshop/manage/analytics/customers/")
    page.locator("#analytics-customers a", has_text="Pelanggan 1").first.click()
    page.wait_for_url(f"{live_server.url}/s/workshop/manage/analytics/customers/{people[1].id}")
    page.evaluate("window.__marker = 1")
    page.locator("textarea[name=note-body]").fill("Ukuran 42, suka cokelat tua.")
    page.locator("#analytics-notes button", has_text="Add note").click()
    page.locator("#analytics-notes .flash", has_text="Note saved.").wait_for()
    assert page.evaluate("window.__marker") == 1, "saving the note reloaded the page"
    assert "Ukuran 42, suka cokelat tua." in page.locator("#analytics-notes").inner_text()
    assert AnalyticsCustomerNote.select().where(AnalyticsCustomerNote.customer == people[1]).count() == 1
    tab.shot("4-customer-with-note")
    assert tab.errors == [], tab.errors
