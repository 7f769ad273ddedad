"""In a real browser: the owner orders materials from the requirements page, the supplier
confirms on the web, the owner receives the goods and the stock rises."""
from __future__ import annotations

import datetime as dt
import re
import secrets
from decimal import Decimal

import pytest

from plugins.suppliers.models import BomLine, Material, PurchaseOrder, Supplier
from portal.core.cart import Cart, CartLine
from portal.core.checkout import Contact, place_order
from portal.core.models import Product, User
from portal.core.order_flow import transition
from tests.browser.session_kit import log_in, log_out

pytestmark = pytest.mark.browser


@pytest.fixture
def workshop(shop):
    supplier = Supplier.create(shop=shop, name="CV Kulit Garut", contact_person="Dadang", email="garut@example.test",
                               user=User.get(User.email == "supplier@shop.test"))
    leather = Material.create(shop=shop, name="Kulit sapi box", unit="ft2", on_hand=Decimal("0"),
                              reorder_level=Decimal("5"), cost=40_000, preferred_supplier=supplier)
    product = Product.create(shop=shop, name="Pantofel Oxford", slug="pantofel-oxford", price=685_000, stock=20)
    BomLine.create(product=product, material=leather, quantity=Decimal("3.5"))
    cart = Cart(shop=shop, lines=[CartLine(product=product, quantity=2)])
    contact = Contact(name="Budi Santoso", email="budi@example.test", phone="+6281234567890", address="Jl. Braga 10",
                      city="Bandung", postal_code="40111")
    order = place_order(shop, cart, contact, "pickup", idempotency_key=secrets.token_hex(12)).order
    for action in ("confirm", "request_payment", "verify_payment"):
        order = transition(order, action, role="owner")
    return leather


@pytest.mark.parametrize("viewport", ["mobile", "desktop"])
def test_owner_orders_supplier_confirms_owner_receives(live_server, workshop, open_tab, viewport):
    tab = open_tab(viewport, "suppliers")
    page = tab.page
    base = live_server.url
    shop = f"{base}/s/workshop"

    # The owner opens the requirements page through the back-office menu.
    log_in(page, base, "owner@shop.test")
    page.goto(f"{shop}/manage/")
    page.locator(".backoffice-menu a", has_text="Materials").click()
    page.wait_for_url(f"{shop}/suppliers/manage/")
    assert "Kulit sapi box" in page.locator("main").inner_text()
    page.locator(".suppliers-nav a", has_text="Requirements").click()
    page.wait_for_url(f"{shop}/suppliers/manage/requirements")
    row = page.locator("tr[data-material]")
    assert "7" in row.locator(".shortfall").inner_text()
    tab.shot("1-requirements")
    page.evaluate("window.__marker = 1")
    page.locator("#create-drafts").click()
    page.locator(".suppliers-panel .flash", has_text="1 draft purchase order created.").wait_for()
    assert page.evaluate("window.__marker") == 1, "creating drafts reloaded the page"
    tab.shot("2-drafts-created")
    page.locator("a", has_text="PO-0001").first.click()
    page.wait_for_url(re.compile(r"/purchase-orders/\d+$"))
    page.locator("#po-send").click()
    page.locator(".po-detail .flash", has_text="Sent to CV Kulit Garut.").wait_for()
    tab.shot("3-sent")
    log_out(page)

    # The supplier logs in, finds the order in the header menu and confirms it with a date.
    log_in(page, base, "supplier@shop.test")
    page.locator("header a", has_text="Purchase orders").click()
    page.wait_for_url(f"{base}/supplier/")
    tab.shot("4-supplier-portal")
    page.locator("a", has_text="PO-0001").click()
    page.wait_for_url(re.compile(r"/supplier/orders/\d+$"))
    assert "Budi" not in page.content() and "Braga" not in page.content()
    promised = dt.date.today() + dt.timedelta(days=3)
    page.locator("input[name=cf-promised_date]").fill(promised.isoformat())
    page.locator("#po-confirm").click()
    page.locator(".po-detail .flash", has_text="Confirmed. Thank you!").wait_for()
    tab.shot("5-confirmed")
    po = PurchaseOrder.get()
    assert po.status == "confirmed" and po.promised_date == promised
    log_out(page)

    # The owner receives the leather: the stock rises.
    log_in(page, base, "owner@shop.test")
    page.goto(f"{shop}/suppliers/manage/purchase-orders/{po.id}")
    page.locator("input[name^=rcv-line-]").fill("7")
    page.locator("#po-receive").click()
    page.locator(".po-detail .flash", has_text="Receipt recorded").wait_for()
    tab.shot("6-received")
    assert PurchaseOrder.get_by_id(po.id).status == "received"
    assert Material.get_by_id(workshop.id).on_hand == Decimal("7")
    page.goto(f"{shop}/suppliers/manage/materials/{workshop.id}")
    assert "7 ft²" in page.locator(".suppliers-figure").inner_text()
    tab.shot("7-stock")
    assert tab.errors == [], tab.errors
