"""Comments test helpers: English pages, products, orders walked to "delivered", quick comments."""
from __future__ import annotations

import datetime as dt

import pytest

from portal.core.order_flow import transition
from tests.core.orders_testkit import make_product, place


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    # These tests read English text; the Indonesian catalogue is tested elsewhere.
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


# The legal road from a placed order to each status (order_flow.ACTIONS), as the shop's owner.
ROAD = ["confirm", "request_payment", "verify_payment", "mark_ready", "hand_over", "deliver", "complete"]
REACHED = {"confirmed": 1, "awaiting_payment": 2, "paid": 3, "ready": 4, "handed_over": 5, "delivered": 6,
           "completed": 7}


def order_in(shop, customer, products, status="delivered"):
    """An order of ``customer`` in ``shop`` for ``products``, moved through ``transition`` up to ``status``."""
    from flask import current_app

    from portal.core.models import Membership

    owner = Membership.get((Membership.shop == shop) & (Membership.role == "owner")).user
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        order = place(shop, [(p, 1) for p in products], customer=customer)
        for action in ROAD[:REACHED.get(status, 0)]:
            order = transition(order, action, actor=owner, role="owner")
        current_app.process_response(current_app.response_class())
    return order


@pytest.fixture
def product(shop):
    return make_product(shop, "Pantofel Classic", stock=50)


@pytest.fixture
def add_comments(portal_app):
    """``add_comments(product, author, n, **fields)``: n comments a minute apart, the last one newest."""
    from plugins.comments.models import Comment

    def add(product, author, n=1, start=dt.datetime(2026, 5, 1, 8, 0), **fields):
        return [
            Comment.create(shop=product.shop_id, product=product, author=author, author_name=author.name,
                           body=fields.get("body", f"Comment number {i}"), rating=fields.get("rating"),
                           verified=fields.get("verified", fields.get("rating") is not None),
                           status=fields.get("status", "visible"), created_at=start + dt.timedelta(minutes=i))
            for i in range(1, n + 1)
        ]

    return add
