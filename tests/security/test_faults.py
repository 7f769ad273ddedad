"""Faults during a checkout: a crash after the stock was taken, and the database going away (issue 11, item 8).

Whatever fails, the customer sees an error page or message in their language
and the database holds no half-written order. The mail server being down is
covered by ``tests/core/test_notifications.py::TestSmtpDown`` (the order goes
on, the mail stays queued and a later retry sends it).
"""
from __future__ import annotations

import re

import peewee
import pytest
from security_kit import diff, fingerprint, outbox_count

from portal.core import changes
from portal.core.db import db
from portal.core.models import Product
from portal.core.orders import Order, OrderEvent, OrderItem

EN = {"Accept-Language": "en"}


@pytest.fixture
def portal_config():
    # A crash must reach the 500 page as in production, not the test runner.
    return {"RATELIMIT_ENABLED": False, "PROPAGATE_EXCEPTIONS": False}


@pytest.fixture
def product(shop):
    return Product.create(shop=shop, name="Pantofel", slug="pantofel", price=450_000, stock=5, is_active=True,
                          weight_grams=900)


def _checkout_form(client, product) -> dict:
    """A filled-in checkout form with the page's own hidden fields (one-time key, subtotal shown)."""
    assert client.post(f"/s/workshop/cart/add/{product.id}", data={"quantity": "2"}).status_code in (200, 303)
    page = client.get("/s/workshop/checkout/", headers=EN).get_data(as_text=True)
    hidden = dict(re.findall(r'<input[^>]*name="(idempotency_key|seen_subtotal)"[^>]*value="([^"]*)"', page))
    assert "idempotency_key" in hidden, "no one-time key on the checkout page"
    return {"name": "Siti Rahma", "phone": "081234567890", "email": "siti@example.test", "delivery": "pickup",
            **hidden}


def _boom(*args, **kwargs):
    raise RuntimeError("injected fault")


def _nothing_written(before: dict, product_id: int, stock: int, mails: int):
    assert Product.get_by_id(product_id).stock == stock
    assert Order.select().count() == 0 and OrderItem.select().count() == 0 and OrderEvent.select().count() == 0
    assert outbox_count() == mails
    assert not diff(before, fingerprint())


@pytest.mark.parametrize("target", ["items", "event"])
def test_a_crash_after_the_stock_update_rolls_the_whole_placement_back(portal_app, customer_client, product,
                                                                       monkeypatch, target):
    form = _checkout_form(customer_client, product)
    before, mails = fingerprint(), outbox_count()
    # Both run inside the placement's transaction after ``stock = stock - n``.
    if target == "items":
        monkeypatch.setattr(OrderItem, "insert_many", _boom)
    else:
        monkeypatch.setattr(OrderEvent, "create", _boom)
    response = customer_client.post("/s/workshop/checkout/", data=form, headers=EN)
    monkeypatch.undo()

    assert response.status_code == 500
    assert "Order" not in response.headers.get("Location", "")
    _nothing_written(before, product.id, 5, mails)
    # The cart survives, so the customer can simply try again.
    retry = customer_client.post("/s/workshop/checkout/", data=form, headers=EN)
    assert retry.status_code == 303 and Order.select().count() == 1
    assert Product.get_by_id(product.id).stock == 3


def test_a_lost_lock_race_on_every_attempt_tells_the_customer_and_writes_nothing(portal_app, customer_client,
                                                                                product, monkeypatch):
    form = _checkout_form(customer_client, product)
    before, mails = fingerprint(), outbox_count()

    def locked(*args, **kwargs):
        raise peewee.OperationalError("database is locked")

    monkeypatch.setattr(OrderItem, "insert_many", locked)
    response = customer_client.post("/s/workshop/checkout/", data=form, headers=EN)
    monkeypatch.undo()

    assert response.status_code in (200, 422)
    assert "The shop is very busy right now; nothing was ordered." in response.get_data(as_text=True)
    _nothing_written(before, product.id, 5, mails)


class _Outage:
    """The database's ``execute_sql`` failing as a dropped connection does, from the ``after``-th statement on."""

    def __init__(self, monkeypatch, after: int = 0):
        self.real = db.obj.execute_sql
        self.calls = 0
        self.after = after
        monkeypatch.setattr(db.obj, "execute_sql", self)

    def __call__(self, sql, *args, **kwargs):
        self.calls += 1
        if self.calls > self.after:
            raise peewee.OperationalError("server closed the connection unexpectedly")
        return self.real(sql, *args, **kwargs)


@pytest.mark.parametrize("htmx", [False, True])
@pytest.mark.parametrize(("lang", "title"), [("en", "Temporarily unavailable"), ("id", "Sementara tidak tersedia")])
def test_the_database_going_away_mid_session_shows_a_503_in_the_users_language(
        portal_app, customer_client, product, monkeypatch, lang, title, htmx):
    # The customer picked their language earlier in the session; the 503 page cannot ask the database for it.
    assert customer_client.post("/lang", data={"lang": lang}).status_code == 303
    form = _checkout_form(customer_client, product)
    before, mails = fingerprint(), outbox_count()

    token = customer_client.csrf_token()
    _Outage(monkeypatch)
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    # csrf=False: the client would fetch a fresh token from the (unreachable) home page; ours is in the header.
    response = customer_client.post("/s/workshop/checkout/", data=form, headers=headers, csrf=False)
    page = customer_client.get("/s/workshop/", headers=headers)
    monkeypatch.undo()

    for answer in (response, page):
        assert answer.status_code == 503
        assert title in answer.get_data(as_text=True)
    _nothing_written(before, product.id, 5, mails)


@pytest.mark.parametrize("after", [1, 3, 6, 10, 15])
def test_the_database_going_away_during_the_placement_writes_nothing(portal_app, customer_client, product,
                                                                     monkeypatch, after):
    form = _checkout_form(customer_client, product)
    before, mails = fingerprint(), outbox_count()

    token = customer_client.csrf_token()
    # Cold per-process caches (as right after any write): the outage's positions count
    # the shop, user and plugin lookups too, so they land inside the placement.
    changes.bump()
    outage = _Outage(monkeypatch, after=after)
    response = customer_client.post("/s/workshop/checkout/", data=form, headers={"X-CSRFToken": token, **EN},
                                    csrf=False)
    monkeypatch.undo()

    assert outage.calls > after, "the outage never happened"
    body = response.get_data(as_text=True)
    # Either the 503 page, or the placement's own retry gave up and said so on the form.
    assert (response.status_code == 503 and "Temporarily unavailable" in body) or (
        response.status_code in (200, 422) and "nothing was ordered" in body), response.status_code
    _nothing_written(before, product.id, 5, mails)
