"""Core's data hooks: plugin lines in an order's timeline, badges on product cards."""
from __future__ import annotations

import datetime as dt

import pytest
from orders_testkit import EN, make_product, place
from throwaway_plugin import make_plugin

from portal import TimelineEntry
from portal.core import order_flow


def portal_order_timeline(shop, order, audience):
    later = order.created_at + dt.timedelta(minutes=5)
    return [
        TimelineEntry(later, f"Rider picked up {order.number} for {audience}", note="<b>bold</b> note",
                      link_url="https://track.example.test/AB123", link_label="Track AB123", kind="delivery"),
        TimelineEntry(later, "Bad link", link_url="javascript:alert(1)"),
        "not an entry",
    ]


timeline_plugin = make_plugin("timeline_probe", portal_order_timeline)


@pytest.fixture
def placed(portal_app, shop, customer):
    shoe = make_product(shop, "Loafer", price=500_000, stock=3)
    with portal_app.test_request_context():
        order = place(shop, [(shoe, 1)], customer=customer)
        order = order_flow.transition(order, "confirm", role="owner")
    return order


@pytest.mark.parametrize("portal_plugins", [[timeline_plugin]])
def test_hook_portal_order_timeline(customer_client, owner_client, placed, shop, disable_plugin):
    page = customer_client.get(f"/s/{shop.slug}/orders/{placed.number}", headers=EN).get_data(as_text=True)
    line = f"Rider picked up {placed.number} for customer"
    assert line in page
    # Merged by time: the plugin's line (5 minutes after placing) follows "placed" and "confirmed".
    assert page.index("Order confirmed") < page.index(line)
    assert "&lt;b&gt;bold&lt;/b&gt; note" in page and "<b>bold</b>" not in page
    assert 'href="https://track.example.test/AB123"' in page and "Track AB123" in page
    # A plugin's unsafe link is shown as text without a link; a malformed entry is dropped.
    assert "Bad link" in page and "javascript:" not in page
    staff = owner_client.get(f"/s/{shop.slug}/manage/orders/{placed.number}", headers=EN).get_data(as_text=True)
    assert f"Rider picked up {placed.number} for staff" in staff
    # The polled status fragment carries it too.
    fragment = customer_client.hx_get(f"/s/{shop.slug}/orders/{placed.number}/status?seen={placed.status}",
                                      headers=EN).get_data(as_text=True)
    assert line in fragment
    disable_plugin(shop, "timeline_probe")
    assert "Rider picked up" not in customer_client.get(f"/s/{shop.slug}/orders/{placed.number}", headers=EN).get_data(as_text=True)


calls = []


def portal_product_card_badges(shop, products, user):
    calls.append([p.id for p in products])
    return {products[0].id: f'<span class="badge-probe">first of {len(products)} for {getattr(user, "email", None)}</span>'}


badge_plugin = make_plugin("badge_probe", portal_product_card_badges)


@pytest.mark.parametrize("portal_plugins", [[badge_plugin]])
def test_hook_portal_product_card_badges(client, customer_client, shop, disable_plugin):
    for n in range(3):
        make_product(shop, f"Sandal {n}", price=100_000 + n, stock=2)
    calls.clear()
    home = client.get(f"/s/{shop.slug}/", headers=EN).get_data(as_text=True)
    assert home.count('class="badge-probe"') == 1 and "first of 3 for None" in home
    assert len(calls) == 1  # one call for the whole grid, not one per card
    catalogue = customer_client.get(f"/s/{shop.slug}/products", headers=EN).get_data(as_text=True)
    assert "first of 3 for customer@example.test" in catalogue
    disable_plugin(shop, "badge_probe")
    assert "badge-probe" not in client.get(f"/s/{shop.slug}/", headers=EN).get_data(as_text=True)


demo_calls = []


def portal_register_demo_data(shop):
    demo_calls.append(shop.slug)
    return {"probe rows": 2}


demo_plugin = make_plugin("demo_probe", portal_register_demo_data)


@pytest.mark.parametrize("portal_plugins", [[demo_plugin]])
def test_hook_portal_register_demo_data(portal_app, shop, other_shop):
    from portal.demo import _plugin_demo_data

    demo_calls.clear()
    summary = _plugin_demo_data([shop, other_shop])
    assert demo_calls == [shop.slug, other_shop.slug]
    assert summary["probe rows"] == 4


def portal_account_nav_items(user):
    from portal import NavItem

    if user.email == "supplier@shop.test":
        return [NavItem("My purchase orders", "/probe/supplier", badge=2)]
    return []


account_plugin = make_plugin("account_probe", portal_account_nav_items)


@pytest.mark.parametrize("portal_plugins", [[account_plugin]])
def test_hook_portal_account_nav_items(portal_app, client, shop, supplier_client, customer_client):
    from portal.core.shops import set_platform_plugin_allowed

    set_platform_plugin_allowed("account_probe", True)
    page = supplier_client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/probe/supplier"' in page and "My purchase orders <mark>2</mark>" in page
    # On a shop's pages too: the menu is the account's, not the shop's.
    assert 'href="/probe/supplier"' in supplier_client.get(f"/s/{shop.slug}/", headers=EN).get_data(as_text=True)
    assert "/probe/supplier" not in customer_client.get("/", headers=EN).get_data(as_text=True)
    assert "/probe/supplier" not in client.get("/", headers=EN).get_data(as_text=True)
    set_platform_plugin_allowed("account_probe", False)
    assert "/probe/supplier" not in supplier_client.get("/", headers=EN).get_data(as_text=True)
