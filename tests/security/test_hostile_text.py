"""Issue 11, item 4: hostile text in every core field that is shown again is inert, in pages, fragments and mail.

Each corpus entry (``portal.testing.HOSTILE_TEXTS``) goes into a customer's name,
a shop's profile, a category, a product and an order's contact details — straight
into the database, as if imported — and every page and fragment that shows them
is checked with ``assert_inert``. Mail built from them has clean headers and goes
to exactly the intended recipient. Each plugin checks its own fields the same way.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from security_kit import EMAILS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "core"))
from orders_testkit import EN, add_to_cart, place  # noqa: E402

from portal.core import order_flow
from portal.core.mail import build_message
from portal.core.models import Category, OutboxMail, Product
from portal.testing import HOSTILE_TEXTS, assert_inert


@pytest.fixture
def portal_config():
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def hostile(portal_app, shop, customer):
    shop.tagline, shop.story = HOSTILE_TEXTS[0][:200], "\n".join(HOSTILE_TEXTS)
    shop.address, shop.opening_hours = HOSTILE_TEXTS[1], HOSTILE_TEXTS[4]
    shop.save()
    customer.name = HOSTILE_TEXTS[2][:120]
    customer.save()
    orders, products = [], []
    for i, text in enumerate(HOSTILE_TEXTS):
        category = Category.create(shop=shop, name=text[:80], slug=f"hostile-{i}", description=text)
        product = Product.create(shop=shop, category=category, name=text[:120], slug=f"hostile-product-{i}",
                                 description=text, price=100_000 + i, stock=50, is_active=True)
        products.append(product)
        with portal_app.test_request_context(headers=EN):
            order = place(shop, [(product, 1)], customer=customer, name=text[:120], address=text, city=text[:80],
                          note=text, key=f"hostile-key-{i:020d}")
            order = order_flow.transition(order, "confirm", role="owner", note=text)
            portal_app.process_response(portal_app.response_class())
        orders.append(order)
    return {"orders": orders, "products": products}


def _pages(shop, hostile):
    base = f"/s/{shop.slug}"
    order = hostile["orders"][0]
    anon = [f"{base}/", f"{base}/products", f"{base}/profile", f"{base}/products?q=%3Cscript%3E"]
    anon += [f"{base}/p/{p.slug}" for p in hostile["products"]]
    anon += [f"{base}/c/hostile-{i}" for i in range(len(HOSTILE_TEXTS))]
    customer = [f"{base}/orders", "/orders", "/account"]
    customer += [f"{base}/orders/{o.number}" for o in hostile["orders"]]
    owner = [f"{base}/manage/", f"{base}/manage/orders/", f"{base}/manage/catalogue/",
             f"{base}/manage/catalogue/categories", f"{base}/manage/catalogue/profile", f"{base}/manage/team/",
             f"{base}/manage/orders/{order.number}/invoice", f"{base}/manage/orders/{order.number}/packing-slip",
             f"{base}/manage/outbox"]
    owner += [f"{base}/manage/orders/{o.number}" for o in hostile["orders"]]
    owner += [f"{base}/manage/catalogue/products/{p.id}" for p in hostile["products"]]
    return {"anonymous": anon, "customer": customer, "owner": owner}


def test_core_pages_and_fragments_render_hostile_text_inert(client, customer_client, owner_client, shop, hostile):
    clients = {"anonymous": client, "customer": customer_client, "owner": owner_client}
    checked = 0
    for who, urls in _pages(shop, hostile).items():
        for url in urls:
            for htmx in (False, True):
                response = clients[who].hx_get(url, headers=EN) if htmx else clients[who].get(url, headers=EN)
                assert response.status_code == 200, (who, url, htmx, response.status_code)
                assert_inert(response.get_data(as_text=True), f"{who} {url} {'htmx' if htmx else 'page'}")
                checked += 1
    assert checked >= 2 * (len(HOSTILE_TEXTS) * 4 + 12)


def test_cart_and_checkout_show_hostile_product_names_inert(portal_app, client, shop, hostile):
    for product in hostile["products"][:4]:
        assert add_to_cart(client, shop, product).status_code in (200, 303)
    for url in (f"/s/{shop.slug}/cart/", f"/s/{shop.slug}/checkout/"):
        assert_inert(client.get(url, headers=EN).get_data(as_text=True), url)
        assert_inert(client.hx_get(url, headers=EN).get_data(as_text=True), url + " htmx")


def test_mail_from_hostile_orders_has_clean_headers_and_one_recipient(portal_app, shop, customer, hostile):
    mails = list(OutboxMail.select().order_by(OutboxMail.id))
    assert mails, "placing and confirming orders queued no mail"
    # The customer's account address, the address typed at checkout, and the shop's people.
    allowed = {customer.email, "siti@example.test", EMAILS["owner_x"], EMAILS["staff_x"]}
    with portal_app.test_request_context():
        for mail in mails:
            message = build_message(mail)
            assert mail.to in allowed, mail.to
            assert message.get_all("To") == [mail.to] and message.get("Bcc") is None and message.get("Cc") is None
            for header in ("Subject", "To", "From"):
                assert "\r" not in message[header] and "\n" not in message[header]
            if mail.body_html:
                assert_inert(mail.body_html, f"mail {mail.subject}")


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_uploaded_file_names_shown_again_are_inert(portal_app, owner_client, shop, text):
    """A bank statement's file name is the one upload name the portal shows back (statement list and page)."""
    from payments_testkit import multipart

    from portal.core.orders import BankStatement

    csv = (b"Tanggal Transaksi,Keterangan,Cabang,Jumlah,Saldo\r\n"
           b'27/11/2026,TRSF CR BUDI,0000,"100,000.00 CR","10,000,000.00"\r\n')
    body, content_type = multipart({"statement": (csv, f"{text}.csv")}, {"preset": "bca"})
    response = owner_client.post(f"/s/{shop.slug}/manage/statements", data=body, content_type=content_type,
                                 headers=EN)
    if response.status_code != 303:
        # A name the multipart encoding cannot carry (quotes, CR/LF) arrives as no file at all:
        # the form is shown again with its message, and nothing is stored.
        assert response.status_code in (200, 422) and BankStatement.select().count() == 0
        assert_inert(response.get_data(as_text=True), f"statement form after {text!r}")
        return
    statement = BankStatement.get()
    pages = [owner_client.get(f"/s/{shop.slug}/manage/statements", headers=EN),
             owner_client.get(f"/s/{shop.slug}/manage/statements/{statement.id}", headers=EN)]
    for page in pages:
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True), f"statement file name {text!r}")
