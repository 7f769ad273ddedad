"""Loyalty test helpers: English pages, products, orders taken through core's checkout."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def product(shop):
    from tests.core.orders_testkit import make_product

    return make_product(shop, "Pantofel Classic", price=450000, stock=50)


@pytest.fixture
def order_with(portal_app, shop, product):
    """``order_with(codes, customer=None, quantity=1)`` places an order through core's service."""
    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order

    def place(codes=(), customer=None, quantity=1, email=None, shop_=None, product_=None):
        s = shop_ or shop
        cart = Cart(shop=s, lines=[CartLine(product=product_ or product, quantity=quantity)])
        contact = Contact(name="Siti", email=email or (customer.email if customer else "siti@example.test"), phone="+6281234567890")
        with portal_app.test_request_context():
            return place_order(s, cart, contact, "pickup", customer=customer, codes=tuple(codes)).order

    return place
