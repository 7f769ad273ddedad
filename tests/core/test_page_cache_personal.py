"""One person's own pages in the page cache (``cache_page``): the customer's order
page and order list, the staff's order queue and order page. Served again without a render
when nothing changed; never to anybody else; access still checked on every request."""
from __future__ import annotations

import re

import pytest

from portal.core import order_flow
from portal.core.models import Membership
from portal.testing import until_hit
from tests.core.orders_testkit import make_product, place


@pytest.fixture
def order(shop, customer):
    product = make_product(shop, "Pantofel Oxford", price=685_000, stock=4)
    return place(shop, [(product, 1)], customer=customer, name="Customer A")


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def _text(response):
    return response.get_data(as_text=True)


def test_the_customers_order_page_is_served_again_without_a_render(portal_app, shop, order, customer_client,
                                                                    query_counter):
    url = f"/s/workshop/orders/{order.number}"
    first = page(customer_client, url)
    assert first.headers["X-Page-Cache"] == "miss"
    again = until_hit(lambda: page(customer_client, url))
    assert order.number in _text(again)
    assert again.headers["Cache-Control"] == "private, no-store"  # never kept by a shared cache
    for _ in range(30):  # on PostgreSQL another worker's write can make one request a miss
        with query_counter(cold=False) as q:
            hit = page(customer_client, url)
        if hit.headers["X-Page-Cache"] == "hit":
            break
    assert hit.headers["X-Page-Cache"] == "hit"
    # A hit reads nothing but the freshness probe: the user, shop and roles come from the
    # per-process row cache, and the order, its items, timeline and panels are not read again.
    assert len(q.statements) == 1 and '"portal_generation"' in q.statements[0], q.statements


def test_a_customer_never_gets_another_customers_copy(portal_app, shop, order, customer_client,
                                                      other_customer_client, client):
    url = f"/s/workshop/orders/{order.number}"
    page(customer_client, url)
    until_hit(lambda: page(customer_client, url))
    # Same URL, other person: their own answer (not found), never the cached page.
    for stranger in (other_customer_client, client):
        refused = page(stranger, url, status=404)
        assert "Pantofel Oxford" not in _text(refused)
        assert "X-Page-Cache" not in refused.headers


def test_a_status_change_shows_at_once(portal_app, shop, order, customer_client):
    url = f"/s/workshop/orders/{order.number}"
    page(customer_client, url)
    until_hit(lambda: page(customer_client, url))
    order_flow.transition(order, "confirm", role="owner")
    fresh = page(customer_client, url)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert "status-badge status-confirmed" in _text(fresh)
    assert "status-badge status-confirmed" in _text(until_hit(lambda: page(customer_client, url)))


def test_after_logging_out_the_page_is_not_served(portal_app, shop, order, customer_client):
    url = f"/s/workshop/orders/{order.number}"
    page(customer_client, url)
    until_hit(lambda: page(customer_client, url))
    customer_client.post("/logout")
    assert customer_client.get(url).status_code == 404


def test_the_owners_queue_is_kept_per_person_and_access_is_checked_every_time(
        portal_app, shop, order, owner_client, staff_client, other_owner_client, customer_client):
    url = "/s/workshop/manage/orders/"
    mine = page(owner_client, url)
    assert order.number in _text(mine)
    until_hit(lambda: page(owner_client, url))
    # The staff member asks the same URL: their own render first, not the owner's copy.
    theirs = page(staff_client, url)
    assert theirs.headers["X-Page-Cache"] == "miss"
    until_hit(lambda: page(staff_client, url))
    # Nobody else gets in, cached copies or not.
    assert other_owner_client.get(url).status_code in (403, 404)
    assert customer_client.get(url).status_code in (403, 404)
    # Taking the staff member's role away shuts the door on the very next request.
    Membership.delete().where((Membership.shop == shop) & (Membership.role == "staff")).execute()
    assert staff_client.get(url).status_code in (403, 404)


def test_a_new_order_appears_in_the_queue_at_once(portal_app, shop, order, owner_client, customer):
    url = "/s/workshop/manage/orders/?tab=new"
    page(owner_client, url)
    until_hit(lambda: page(owner_client, url))
    product = make_product(shop, "Sepatu Boots", price=900_000, stock=2)
    second = place(shop, [(product, 1)], customer=customer)
    fresh = page(owner_client, url)
    assert fresh.headers["X-Page-Cache"] == "miss"
    assert second.number in _text(fresh)


def test_each_person_gets_their_own_working_csrf_token(portal_app, shop, order, owner_client):
    url = f"/s/workshop/manage/orders/{order.number}"
    page(owner_client, url)
    served = until_hit(lambda: page(owner_client, url))
    assert "__portal_csrf_" not in _text(served)
    # The action form on the cached page works: the token in it is this session's.
    token = re.search(r'name="csrf_token" value="([^"]+)"', _text(served)).group(1)
    response = owner_client.post(f"/s/workshop/manage/orders/{order.number}/action",
                                 data={"action": "confirm", "csrf_token": token}, csrf=False)
    assert response.status_code in (200, 302, 303)
    assert order_flow.o.Order.get_by_id(order.id).status == "awaiting_payment"  # confirmed, now to be paid
