"""Shared helpers for the order tests: products, carts, checkout form data, placed orders."""
from __future__ import annotations

import re

from portal.core.cart import Cart, CartLine
from portal.core.checkout import Contact, place_order
from portal.core.models import Product

EN = {"Accept-Language": "en"}
KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([^"]+)"')


def make_product(shop, name="Pantofel Classic", price=450000, stock=5, made_to_order=False,
                 lead_time_days=0, active=True, slug=None, weight_grams=900) -> Product:
    slug = slug or re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return Product.create(
        shop=shop, name=name, slug=slug, price=price, stock=None if made_to_order else stock,
        made_to_order=made_to_order, lead_time_days=lead_time_days, is_active=active, weight_grams=weight_grams,
    )


def add_to_cart(client, shop, product, quantity=1, htmx=False, **kwargs):
    url = f"/s/{shop.slug}/cart/add/{product.id}"
    data = {"quantity": str(quantity), **kwargs}
    if htmx:
        return client.hx_post(url, data=data, headers=EN)
    return client.post(url, data=data, headers=EN)


def checkout_key(client, shop) -> str:
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN)
    match = KEY_RE.search(page.get_data(as_text=True))
    assert match, "no idempotency key on the checkout page"
    return match.group(1)


def checkout_data(key: str, **overrides) -> dict:
    data = {
        "name": "Budi Santoso",
        "phone": "0812-3456-7890",
        "email": "budi@example.test",
        "delivery": "delivery",
        "address": "Jl. Braga No. 10",
        "city": "Bandung",
        "postal_code": "40111",
        "note": "size 42, brown stitching",
        "idempotency_key": key,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_checkout(client, shop, **overrides):
    key = overrides.pop("key", None) or checkout_key(client, shop)
    return client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, **overrides), headers=EN)


def place(shop, lines, customer=None, delivery="pickup", key=None, **contact):
    """Place an order directly through the service: ``lines`` is ``[(product, quantity), ...]``."""
    cart = Cart(shop=shop, lines=[CartLine(product=p, quantity=q) for p, q in lines])
    details = {"name": "Siti", "email": "siti@example.test", "phone": "+6281234567890",
               "address": "Jl. Merdeka 1", "city": "Bandung", "postal_code": "40115", **contact}
    return place_order(shop, cart, Contact(**details), delivery, customer=customer, idempotency_key=key).order


def stock_of(product) -> int | None:
    return Product.get_by_id(product.id).stock
