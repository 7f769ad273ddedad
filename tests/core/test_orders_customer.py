"""The customer's order page, its self-updating status, "My orders", the guest link, withdrawing."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from orders_testkit import EN, add_to_cart, make_product, place, post_checkout, stock_of
from throwaway_plugin import make_plugin

from portal.core import order_flow, production
from portal.core.orders import Order, OrderEvent
from portal.testing import make_client, make_user


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def shoe(shop):
    return make_product(shop, "Pantofel Classic", price=450000, stock=5)


@pytest.fixture
def guest_order(client, shop, shoe):
    """An order placed through the form by the anonymous ``client`` (who holds the session grant)."""
    add_to_cart(client, shop, shoe, 1)
    assert post_checkout(client, shop).status_code == 303
    return Order.select().order_by(Order.id.desc()).get()


@pytest.fixture
def customer_order(portal_app, shop, shoe, customer):
    with portal_app.test_request_context():
        return place(shop, [(shoe, 1)], customer=customer)


def url(order, suffix=""):
    return f"/s/{order.shop.slug}/orders/{order.number}{suffix}"


# ---------------------------------------------------------------------------
# who may see an order
# ---------------------------------------------------------------------------


def test_guest_who_ordered_sees_the_page_in_the_same_session(client, guest_order):
    page = client.get(url(guest_order), headers=EN)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert guest_order.number in html and "Order placed" in html and "Pantofel Classic" in html
    assert page.headers["Cache-Control"] == "private, no-store"


def test_guest_link_needs_the_secret_token(portal_app, guest_order):
    stranger = make_client(portal_app)
    not_found = stranger.get(url(guest_order), headers=EN)
    assert not_found.status_code == 404
    wrong = stranger.get(url(guest_order, "?t=not-the-token"), headers=EN)
    assert wrong.status_code == 404
    # Order number plus e-mail is not enough either.
    assert stranger.get(url(guest_order, f"?email={guest_order.email}"), headers=EN).status_code == 404
    missing = stranger.get(f"/s/{guest_order.shop.slug}/orders/TWS-20000101-9999", headers=EN)
    assert missing.status_code == 404
    # The same page content (the layout around it carries per-request tokens and the address).
    def same(response):
        html = response.get_data(as_text=True)
        return html[html.index("<main"):html.index("</main>")]

    assert same(not_found) == same(wrong) == same(missing)

    linked = stranger.get(url(guest_order, f"?t={guest_order.access_token}"), headers=EN)
    assert linked.status_code == 200 and guest_order.number in linked.get_data(as_text=True)
    # The link granted this session: the plain URL (used by the polling) works now.
    assert stranger.get(url(guest_order), headers=EN).status_code == 200
    assert stranger.hx_get(url(guest_order, "/status"), headers=EN).status_code == 200


def test_the_token_of_one_order_opens_no_other(portal_app, shop, shoe, guest_order):
    with portal_app.test_request_context():
        other = place(shop, [(shoe, 1)])
    stranger = make_client(portal_app)
    assert stranger.get(url(other, f"?t={guest_order.access_token}")).status_code == 404
    # Nor does a token for this shop's order open it through another shop's URL.
    assert stranger.get(f"/s/othershop/orders/{guest_order.number}?t={guest_order.access_token}").status_code == 404


def test_registered_customers_reach_their_own_orders_only(customer_client, other_customer_client, customer_order):
    assert customer_client.get(url(customer_order), headers=EN).status_code == 200
    assert other_customer_client.get(url(customer_order), headers=EN).status_code == 404
    assert other_customer_client.get(url(customer_order, "/status")).status_code == 404


@pytest.mark.parametrize("who", ["owner_client", "staff_client", "courier_client", "supplier_client",
                                 "other_owner_client", "admin_client"])
def test_shop_people_use_the_back_office_not_the_customer_page(request, customer_order, who):
    browser = request.getfixturevalue(who)
    assert browser.get(url(customer_order)).status_code == 404
    assert browser.post(url(customer_order, "/actions/withdraw")).status_code == 404


def test_my_orders_lists_only_mine_across_shops(portal_app, customer_client, customer, other_customer, shop, other_shop, shoe):
    other_shoe = make_product(other_shop, "Sandal", stock=5)
    with portal_app.test_request_context():
        mine_here = place(shop, [(shoe, 1)], customer=customer)
        mine_there = place(other_shop, [(other_shoe, 1)], customer=customer)
        theirs = place(shop, [(shoe, 1)], customer=other_customer)
        guest = place(shop, [(shoe, 1)], email=customer.email)
    html = customer_client.get("/orders", headers=EN).get_data(as_text=True)
    assert mine_here.number in html and mine_there.number in html and "Other Shop" in html
    assert f"/s/othershop/orders/{mine_there.number}" in html
    assert theirs.number not in html and guest.number not in html
    assert html.count("<tr>") == 1 + 2
    # A guest order with my e-mail is not mine until I open its link.
    assert guest.id not in [o.id for o in Order.select().where(Order.customer == customer.id)]
    per_shop = customer_client.get(f"/s/{shop.slug}/orders", headers=EN).get_data(as_text=True)
    assert mine_here.number in per_shop and mine_there.number not in per_shop


def test_my_orders_pages_without_counting(portal_app, customer_client, customer, shop):
    shoe = make_product(shop, "Cheap", price=1000, stock=100)
    with portal_app.test_request_context():
        for _ in range(21):
            place(shop, [(shoe, 1)], customer=customer)
    first = customer_client.get("/orders", headers=EN).get_data(as_text=True)
    assert first.count("<tr>") == 21 and 'rel="next"' in first
    second = customer_client.get("/orders?page=2", headers=EN).get_data(as_text=True)
    assert second.count("<tr>") == 2 and 'rel="next"' not in second
    assert customer_client.get("/orders?page=abc").status_code == 200


def test_my_orders_needs_an_account(client, shop):
    response = client.get("/orders")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert client.get(f"/s/{shop.slug}/orders").status_code in (302, 303)


# ---------------------------------------------------------------------------
# the page: timeline, next step, polling, WhatsApp, slot
# ---------------------------------------------------------------------------


def test_timeline_shows_public_steps_with_dates_and_hides_internal_notes(portal_app, customer_client, customer_order):
    with portal_app.test_request_context():
        order = order_flow.transition(customer_order, "confirm", role="owner")
        order = order_flow.transition(order, "request_payment", role="system")
        order = order_flow.transition(order, "verify_payment", role="owner")
        order = order_flow.transition(order, "start_production", role="staff")
        production.set_stage(order, "cutting", role="staff")
        order_flow.add_event(order, "note", "internal", note="customer seems nervous", role="owner", public=False)
    html = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    for text in ("Order placed", "Order confirmed", "Payment verified", "Production started", "Production: Cutting",
                 "in production", "now: Cutting", "Your order is being made."):
        assert text in html, text
    assert "customer seems nervous" not in html
    assert html.count("<time datetime=") == 6


def test_status_fragment_polls_while_open_and_stops_when_final(portal_app, customer_client, customer_order):
    fragment = customer_client.hx_get(url(customer_order, "/status?seen=placed"), headers=EN)
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert 'hx-trigger="every 10s"' in html
    assert f'hx-get="/s/workshop/orders/{customer_order.number}/status?seen=placed"' in html
    assert "HX-Request" in fragment.headers.get("Vary", "")

    with portal_app.test_request_context():
        order_flow.transition(customer_order, "reject", role="owner", note="We cannot make size 50.")
    # The page was drawn for "placed": the new status reloads it whole.
    changed = customer_client.hx_get(url(customer_order, "/status?seen=placed"))
    assert changed.headers["HX-Redirect"] == url(customer_order)
    final = customer_client.hx_get(url(customer_order, "/status?seen=rejected"), headers=EN).get_data(as_text=True)
    assert "hx-trigger" not in final
    assert "We cannot make size 50." in final and "could not take this order" in final


def test_whatsapp_link_carries_the_order_number(customer_client, customer_order, shop):
    shop.whatsapp = "0812-1111-2222"
    shop.save()
    html = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    text = quote(f"Hello Test Workshop, about my order {customer_order.number}: ")
    assert f'href="https://wa.me/6281211112222?text={text}"' in html.replace("&amp;", "&")


def portal_slot_order_customer(shop, order, user):
    return f'<p class="slot-probe">slot for {order.number} in {shop.slug}, user {getattr(user, "email", None)}</p>'


slot_plugin = make_plugin("order_slot_plugin", portal_slot_order_customer)


@pytest.mark.parametrize("portal_plugins", [[slot_plugin]])
def test_hook_portal_slot_order_customer(client, customer_client, customer_order, guest_order, disable_plugin, shop):
    html = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    assert f"slot for {customer_order.number} in workshop, user customer@example.test" in html
    guest_html = client.get(url(guest_order), headers=EN).get_data(as_text=True)
    assert f"slot for {guest_order.number} in workshop, user None" in guest_html
    disable_plugin(shop, "order_slot_plugin")
    assert "slot-probe" not in customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)


def test_next_step_and_ready_by_for_made_to_order(portal_app, customer_client, customer, shop):
    boots = make_product(shop, "Boots", made_to_order=True, lead_time_days=10)
    with portal_app.test_request_context():
        order = place(shop, [(boots, 1)], customer=customer)
    html = customer_client.get(url(order), headers=EN).get_data(as_text=True)
    assert "Expected ready by" in html
    assert "checks your order" in html


# ---------------------------------------------------------------------------
# withdrawing and confirming receipt
# ---------------------------------------------------------------------------


def test_customer_withdraws_an_order_and_the_stock_comes_back(customer_client, customer_order, shoe):
    assert stock_of(shoe) == 4
    page = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    assert f'action="/s/workshop/orders/{customer_order.number}/actions/withdraw"' in page
    response = customer_client.post(url(customer_order, "/actions/withdraw"), headers=EN)
    assert response.status_code == 303
    order = Order.get_by_id(customer_order.id)
    assert order.status == "cancelled" and stock_of(shoe) == 5
    last = OrderEvent.select().where(OrderEvent.order == order).order_by(OrderEvent.id.desc()).get()
    assert (last.action, last.actor_role, last.actor_id) == ("withdraw", "customer", order.customer_id)
    again = customer_client.post(url(customer_order, "/actions/withdraw"), headers=EN)
    assert "not possible now" in customer_client.get(again.headers["Location"], headers=EN).get_data(as_text=True)
    assert stock_of(shoe) == 5


def test_guest_with_the_grant_may_withdraw_but_a_stranger_may_not(portal_app, client, guest_order, shoe):
    stranger = make_client(portal_app)
    assert stranger.post(url(guest_order, "/actions/withdraw")).status_code == 404
    assert Order.get_by_id(guest_order.id).status == "placed"
    other = make_client(portal_app, make_user("someone@example.test"))
    assert other.post(url(guest_order, "/actions/withdraw")).status_code == 404
    assert client.post(url(guest_order, "/actions/withdraw")).status_code == 303
    assert Order.get_by_id(guest_order.id).status == "cancelled" and stock_of(shoe) == 5


def test_customer_cannot_withdraw_once_paid_nor_take_shop_actions(portal_app, customer_client, customer_order):
    with portal_app.test_request_context():
        order = order_flow.transition(customer_order, "confirm", role="owner")
        order = order_flow.transition(order, "request_payment", role="system")
        order_flow.transition(order, "verify_payment", role="owner")
    page = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    assert "/actions/withdraw" not in page
    customer_client.post(url(customer_order, "/actions/withdraw"))
    assert Order.get_by_id(customer_order.id).status == "paid"
    # Shop actions are not reachable from the customer's side at all.
    assert customer_client.post(url(customer_order, "/actions/start_production")).status_code == 404
    assert customer_client.post(url(customer_order, "/actions/verify_payment")).status_code == 404
    assert Order.get_by_id(customer_order.id).status == "paid"


def test_customer_confirms_receipt_of_a_delivered_order(portal_app, customer_client, customer_order):
    with portal_app.test_request_context():
        order = customer_order
        for action, role in (("confirm", "owner"), ("request_payment", "system"), ("verify_payment", "owner"),
                             ("mark_ready", "staff"), ("hand_over", "staff"), ("deliver", "courier")):
            order = order_flow.transition(order, action, role=role)
    page = customer_client.get(url(customer_order), headers=EN).get_data(as_text=True)
    assert "I have received my order" in page
    customer_client.post(url(customer_order, "/actions/complete"))
    assert Order.get_by_id(customer_order.id).status == "completed"


def test_withdraw_needs_the_csrf_token(customer_client, customer_order):
    assert customer_client.post(url(customer_order, "/actions/withdraw"), csrf=False).status_code == 400
    assert Order.get_by_id(customer_order.id).status == "placed"
