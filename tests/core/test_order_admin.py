"""The owner's order queue: who may use it, tabs and search, the detail's actions, stages, print views."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from orders_testkit import EN, make_product, place, stock_of
from throwaway_plugin import make_plugin

from portal.config import ROOT
from portal.core import order_flow
from portal.core.models import User
from portal.core.orders import Order, OrderEvent

STAFF_URLS = ["/", "/{number}", "/{number}/invoice", "/{number}/packing-slip"]


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


@pytest.fixture
def shoe(shop):
    return make_product(shop, "Pantofel Classic", price=450000, stock=5)


@pytest.fixture
def order(portal_app, shop, shoe, customer):
    with portal_app.test_request_context():
        return place(shop, [(shoe, 2)], customer=customer, name="Budi Santoso", phone="+6281234567890",
                     note="size 42, brown stitching")


def base(shop):
    return f"/s/{shop.slug}/manage/orders"


def act(browser, order, action, note=None, htmx=False):
    data = {"action": action, **({"note": note} if note is not None else {})}
    send = browser.hx_post if htmx else browser.post
    return send(f"{base(order.shop)}/{order.number}/action", data=data, headers=EN)


def status_of(order) -> str:
    return Order.get_by_id(order.id).status


def to_paid(app, order):
    with app.test_request_context():
        order = order_flow.transition(order, "confirm", role="owner")
        order = order_flow.transition(order, "request_payment", role="system")
        return order_flow.transition(order, "verify_payment", role="owner")


# ---------------------------------------------------------------------------
# who may use it
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", STAFF_URLS)
@pytest.mark.parametrize("who, expected", [
    ("owner_client", 200), ("staff_client", 200),
    ("customer_client", 403), ("supplier_client", 403), ("courier_client", 403), ("other_owner_client", 403),
])
def test_only_the_shop_team_opens_the_queue_pages(request, shop, order, path, who, expected):
    browser = request.getfixturevalue(who)
    assert browser.get(base(shop) + path.format(number=order.number)).status_code == expected


@pytest.mark.parametrize("path", STAFF_URLS)
def test_anonymous_visitors_are_sent_to_log_in(client, shop, order, path):
    response = client.get(base(shop) + path.format(number=order.number))
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["client", "customer_client", "supplier_client", "courier_client", "other_owner_client"])
def test_outsiders_cannot_act_on_an_order(request, shop, order, who):
    browser = request.getfixturevalue(who)
    for suffix, data in (("/action", {"action": "confirm"}), ("/stage", {"stage": "cutting"})):
        response = browser.post(f"{base(shop)}/{order.number}{suffix}", data=data)
        assert response.status_code in (302, 303, 403)
    assert status_of(order) == "placed"
    assert OrderEvent.select().where(OrderEvent.order == order).count() == 1


def test_another_shops_orders_are_not_found_here(portal_app, owner_client, other_owner_client, shop, other_shop, order):
    foreign_shoe = make_product(other_shop, "Foreign", stock=3)
    with portal_app.test_request_context():
        foreign = place(other_shop, [(foreign_shoe, 1)])
    assert owner_client.get(f"{base(shop)}/{foreign.number}").status_code == 404
    assert owner_client.post(f"{base(shop)}/{foreign.number}/action", data={"action": "reject", "note": "x"}).status_code == 404
    assert owner_client.get(f"{base(shop)}/{foreign.number}/invoice").status_code == 404
    # The other shop's owner sees their own queue, without our order.
    theirs = other_owner_client.get(base(other_shop) + "/", headers=EN).get_data(as_text=True)
    assert foreign.number in theirs and order.number not in theirs
    assert other_owner_client.get(f"{base(other_shop)}/{order.number}").status_code == 404
    assert status_of(foreign) == "placed"


# ---------------------------------------------------------------------------
# the queue
# ---------------------------------------------------------------------------


def test_tab_counts_stop_at_the_cap_so_the_queue_stays_fast(portal_app, owner_client, shop, shoe, monkeypatch):
    from portal.web import order_admin

    monkeypatch.setattr(order_admin, "COUNT_CAP", 2)
    with portal_app.test_request_context():
        for i in range(3):
            place(shop, [(shoe, 1)], name=f"Placed {i}")
        order_flow.transition(place(shop, [(shoe, 1)], name="Rejected One"), "reject", role="owner")
    html = owner_client.get(base(shop) + "/", headers=EN).get_data(as_text=True)
    # Three placed orders: shown as "2+" wherever the placed status counts; the rejected one exactly.
    assert re.search(r'To check <span class="count">2\+</span>', html)
    assert re.search(r'All open <span class="count">2\+</span>', html)
    assert re.search(r'Rejected, cancelled, expired <span class="count">1</span>', html)
    assert re.search(r'All <span class="count">3\+</span>', html)


def test_tabs_count_orders_per_status_and_list_them(portal_app, owner_client, shop, shoe):
    with portal_app.test_request_context():
        placed = [place(shop, [(shoe, 1)], name=f"Placed {i}") for i in range(2)]
        rejected = order_flow.transition(place(shop, [(shoe, 1)], name="Rejected One"), "reject", role="owner")
    html = owner_client.get(base(shop) + "/", headers=EN).get_data(as_text=True)
    assert re.search(r'All open <span class="count">2</span>', html)
    assert re.search(r'To check <span class="count">2</span>', html)
    assert re.search(r'Rejected, cancelled, expired <span class="count">1</span>', html)
    assert re.search(r'All <span class="count">3</span>', html)
    assert all(o.number in html for o in placed) and rejected.number not in html
    closed = owner_client.get(base(shop) + "/?tab=closed", headers=EN).get_data(as_text=True)
    assert rejected.number in closed and placed[0].number not in closed
    assert "1× Pantofel Classic" in closed
    # An unknown tab falls back to the open orders.
    assert placed[0].number in owner_client.get(base(shop) + "/?tab=nonsense").get_data(as_text=True)


@pytest.mark.parametrize("query", ["{number}", "{tail}", "budi", "BUDI SANT", "0812-3456-7890", "+6281234567890", "3456 7890"])
def test_search_by_number_name_or_phone(portal_app, owner_client, shop, shoe, order, query):
    with portal_app.test_request_context():
        other = place(shop, [(shoe, 1)], name="Siti Aminah", phone="+6285700001111")
    q = query.format(number=order.number, tail=order.number[-4:])
    response = owner_client.hx_get(base(shop) + "/", query_string={"q": q}, headers=EN)
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'id="order-queue"' in html
    assert order.number in html
    if q != order.number[-4:]:
        assert other.number not in html


def test_search_finds_closed_orders_too_and_tolerates_junk(portal_app, owner_client, shop, shoe):
    with portal_app.test_request_context():
        gone = order_flow.transition(place(shop, [(shoe, 1)], name="Agus Salim"), "reject", role="owner")
    assert gone.number in owner_client.get(base(shop) + "/?q=agus").get_data(as_text=True)
    for junk in ("%", "_", "' OR 1=1 --", "x" * 500):
        assert owner_client.get(base(shop) + "/", query_string={"q": junk}).status_code == 200


def test_keyset_pages_walk_every_order_once(portal_app, owner_client, shop):
    cheap = make_product(shop, "Cheap", price=1000, stock=100)
    with portal_app.test_request_context():
        numbers = {place(shop, [(cheap, 1)]).number for _ in range(30)}
    # Two orders share one timestamp: the id breaks the tie.
    Order.update(created_at=dt.datetime(2026, 1, 1, 8, 0)).where(Order.id.in_([3, 4])).execute()
    seen, url = [], base(shop) + "/?tab=all"
    for _ in range(5):
        html = owner_client.get(url, headers=EN).get_data(as_text=True)
        seen += re.findall(r"<strong>(TWS-\d{8}-\d{4})</strong>", html)
        found = re.search(r'href="([^"]+)" rel="next"', html)
        if not found:
            break
        url = found.group(1).replace("&amp;", "&")
    assert sorted(seen) == sorted(numbers) and len(seen) == 30
    assert owner_client.get(base(shop) + "/?after=garbage").status_code == 200


def test_queue_queries_do_not_grow_with_the_orders(portal_app, owner_client, shop, query_counter, disable_plugin):
    # Core's own budget: each plugin's menu badge adds its query (tests/core/test_query_budgets.py
    # holds the pages to a budget with every built-in plugin on).
    for name in portal_app.extensions["portal"].plugins:
        disable_plugin(shop, name)
    cheap = make_product(shop, "Cheap", price=1000, stock=100)
    sandal = make_product(shop, "Sandal", price=1000, stock=100)

    def count():
        owner_client.get(base(shop) + "/")  # warm up (session, CSRF)
        with query_counter() as q:
            assert owner_client.get(base(shop) + "/?tab=all").status_code == 200
        return q.count

    with portal_app.test_request_context():
        for _ in range(2):
            place(shop, [(cheap, 1), (sandal, 1)])
    few = count()
    with portal_app.test_request_context():
        for _ in range(20):
            place(shop, [(cheap, 1), (sandal, 2)])
    assert count() == few
    assert few <= 12


# ---------------------------------------------------------------------------
# the detail and its actions
# ---------------------------------------------------------------------------


def buttons(html: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', html))


def test_detail_shows_exactly_the_allowed_actions(portal_app, owner_client, staff_client, shop, order):
    html = owner_client.get(f"{base(shop)}/{order.number}", headers=EN).get_data(as_text=True)
    assert buttons(html) == {"confirm", "reject", "cancel"}
    assert "Budi Santoso" in html and "size 42, brown stitching" in html and "Rp900.000" in html
    paid = to_paid(portal_app, order)
    html = staff_client.get(f"{base(shop)}/{paid.number}", headers=EN).get_data(as_text=True)
    assert buttons(html) == {"start_production", "mark_ready", "cancel"}


def test_confirm_asks_for_payment_through_the_payment_service(owner_client, shop, order):
    response = act(owner_client, order, "confirm", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'id="order-detail"' in html
    assert "The order is now awaiting payment." in html
    fresh = Order.get_by_id(order.id)
    assert fresh.status == "awaiting_payment"
    assert fresh.amount_due is not None and fresh.payment_deadline is not None
    actions = [e.action for e in OrderEvent.select().where(OrderEvent.order == order).order_by(OrderEvent.id)]
    assert actions == ["place", "confirm", "request_payment"]
    owner = User.get(User.email == "owner@shop.test")
    confirm = OrderEvent.get((OrderEvent.order == order) & (OrderEvent.action == "confirm"))
    assert (confirm.actor_id, confirm.actor_role) == (owner.id, "owner")


def test_reject_needs_a_reason_the_customer_sees(owner_client, customer_client, shop, shoe, order):
    response = act(owner_client, order, "reject", note="  ", htmx=True)
    assert "Give a reason; the customer will see it." in response.get_data(as_text=True)
    assert status_of(order) == "placed" and stock_of(shoe) == 3
    act(owner_client, order, "reject", note="We cannot make size 50.")
    assert status_of(order) == "rejected" and stock_of(shoe) == 5
    page = customer_client.get(f"/s/{shop.slug}/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert "We cannot make size 50." in page


def test_a_stale_button_changes_nothing(owner_client, shop, order):
    act(owner_client, order, "reject", note="no")
    response = act(owner_client, order, "confirm", htmx=True)
    assert re.search(r'class="flash flash-error" role="alert">[^<]*(not possible now|not waiting)', response.get_data(as_text=True))
    response = act(owner_client, order, "start_production", htmx=True)
    assert "This order is rejected; that step is not possible now." in response.get_data(as_text=True)
    assert status_of(order) == "rejected"
    assert OrderEvent.select().where(OrderEvent.order == order).count() == 2
    plain = act(owner_client, order, "mark_ready")
    assert plain.status_code == 303
    assert "not possible now" in owner_client.get(plain.headers["Location"], headers=EN).get_data(as_text=True)


def test_payment_and_unknown_actions_are_refused_here(portal_app, owner_client, shop, order):
    act(owner_client, order, "confirm")
    response = act(owner_client, order, "verify_payment", htmx=True)
    assert "payment panel" in response.get_data(as_text=True)
    assert "Unknown action." in act(owner_client, order, "launch", htmx=True).get_data(as_text=True)
    assert status_of(order) == "awaiting_payment"


def test_production_stages_and_hand_over(portal_app, owner_client, staff_client, customer_client, shop):
    boots = make_product(shop, "Boots Custom", price=1200000, made_to_order=True, lead_time_days=7)
    with portal_app.test_request_context():
        order = place(shop, [(boots, 1)], customer=User.get(User.email == "customer@example.test"))
    to_paid(portal_app, order)
    act(staff_client, order, "start_production")
    assert status_of(order) == "in_production"
    html = staff_client.get(f"{base(shop)}/{order.number}", headers=EN).get_data(as_text=True)
    assert re.search(r'<option selected value="cutting">', html)  # the next stage is proposed
    for stage in ("cutting", "stitching"):
        response = staff_client.hx_post(f"{base(shop)}/{order.number}/stage", data={"stage": stage}, headers=EN)
        assert f"Stage recorded: {stage.title()}." in response.get_data(as_text=True)
    bad = staff_client.hx_post(f"{base(shop)}/{order.number}/stage", data={"stage": "painting"}, headers=EN)
    assert "Choose one of the shop's production stages." in bad.get_data(as_text=True)
    assert Order.get_by_id(order.id).production_stage == "stitching"
    for action in ("mark_ready", "hand_over", "deliver"):
        act(owner_client, order, action)
    assert status_of(order) == "delivered"
    late = staff_client.hx_post(f"{base(shop)}/{order.number}/stage", data={"stage": "packing"}, headers=EN)
    assert "only while it is in production" in late.get_data(as_text=True)
    timeline = customer_client.get(f"/s/{shop.slug}/orders/{order.number}", headers=EN).get_data(as_text=True)
    assert "Production: Cutting" in timeline and "Production: Stitching" in timeline and "Delivered" in timeline


def test_audit_trail_shows_everything_with_who_and_role(portal_app, owner_client, shop, order):
    act(owner_client, order, "confirm")
    with portal_app.test_request_context():
        order_flow.add_event(order, "note", "called", note="phoned about the size", role="staff", public=False)
    html = owner_client.get(f"{base(shop)}/{order.number}", headers=EN).get_data(as_text=True)
    assert "phoned about the size" in html and "internal" in html
    assert "Owner" in html and "(owner)" in html and "(customer)" in html and "(system)" in html
    assert "placed → confirmed" in html


def portal_slot_order_sidebar(shop, order, user):
    return f'<p class="sidebar-probe">{order.number} for {user.email}</p>'


sidebar_plugin = make_plugin("order_sidebar_plugin", portal_slot_order_sidebar)


@pytest.mark.parametrize("portal_plugins", [[sidebar_plugin]])
def test_hook_portal_slot_order_sidebar(owner_client, staff_client, shop, order, disable_plugin):
    assert f"{order.number} for owner@shop.test" in owner_client.get(f"{base(shop)}/{order.number}").get_data(as_text=True)
    assert f"{order.number} for staff@shop.test" in staff_client.get(f"{base(shop)}/{order.number}").get_data(as_text=True)
    # After an htmx action the detail fragment carries the slot too.
    assert "sidebar-probe" in act(owner_client, order, "confirm", htmx=True).get_data(as_text=True)
    disable_plugin(shop, "order_sidebar_plugin")
    assert "sidebar-probe" not in owner_client.get(f"{base(shop)}/{order.number}").get_data(as_text=True)


BLOCKED_CALLS: list = []


def portal_order_blocked_actions(shop, order, actions, user):
    BLOCKED_CALLS.append((shop.slug, order.number, list(actions), user.email))
    # Only offered steps count, and an empty reason holds nothing back.
    return {"confirm": "Wait for the leather sample from <Garut>.", "deliver": "not offered now", "reject": ""}


blocker_plugin = make_plugin("blocker", portal_order_blocked_actions)


def _junk_blocker():
    def portal_order_blocked_actions(order):
        return ["cancel"]  # not a dict: ignored, the page still renders

    return make_plugin("junk_blocker", portal_order_blocked_actions)


@pytest.mark.parametrize("portal_plugins", [[blocker_plugin, _junk_blocker()]])
def test_hook_portal_order_blocked_actions(portal_app, owner_client, staff_client, shop, order, disable_plugin):
    BLOCKED_CALLS.clear()
    html = owner_client.get(f"{base(shop)}/{order.number}", headers=EN).get_data(as_text=True)
    # The step is held back: its reason stands in for its button; the others stay.
    assert buttons(html) == {"reject", "cancel"}
    assert ('<p class="action-blocked action-blocked-confirm" role="note">'
            "Wait for the leather sample from &lt;Garut&gt;.</p>") in html
    assert "not offered now" not in html
    assert BLOCKED_CALLS == [(shop.slug, order.number, ["confirm", "reject", "cancel"], "owner@shop.test")]
    staff_client.get(f"{base(shop)}/{order.number}", headers=EN)
    assert BLOCKED_CALLS[-1][3] == "staff@shop.test"
    # The fragment an htmx action answers with holds it back too.
    fragment = act(owner_client, order, "reject", note="", htmx=True).get_data(as_text=True)
    assert "Wait for the leather sample" in fragment and "confirm" not in buttons(fragment)
    # With no step to offer, nobody is asked.
    act(owner_client, order, "reject", note="We cannot make size 50.")
    BLOCKED_CALLS.clear()
    html = owner_client.get(f"{base(shop)}/{order.number}", headers=EN).get_data(as_text=True)
    assert BLOCKED_CALLS == [] and "Nothing to do from here in this status." in html
    # Switched off, the plugin holds nothing back.
    with portal_app.test_request_context():
        other = place(shop, [(make_product(shop, "Loafer", stock=3), 1)])
    disable_plugin(shop, "blocker")
    html = owner_client.get(f"{base(shop)}/{other.number}", headers=EN).get_data(as_text=True)
    assert buttons(html) == {"confirm", "reject", "cancel"} and "action-blocked" not in html


# ---------------------------------------------------------------------------
# print views and the menu
# ---------------------------------------------------------------------------


def test_invoice_and_packing_slip_print(owner_client, shop, order):
    invoice = owner_client.get(f"{base(shop)}/{order.number}/invoice", headers=EN).get_data(as_text=True)
    assert "Invoice" in invoice and order.number in invoice and "Rp900.000" in invoice and "Budi Santoso" in invoice
    assert "BCA 1234567890" in invoice and "data-print" in invoice
    slip = owner_client.get(f"{base(shop)}/{order.number}/packing-slip", headers=EN).get_data(as_text=True)
    assert "Packing slip" in slip and "Pantofel Classic" in slip and "size 42, brown stitching" in slip
    assert "Rp" not in slip.split('class="print-doc"')[1]  # no prices on the parcel
    css = (Path(ROOT) / "static/css/portal.css").read_text()
    assert "@media print" in css and ".no-print" in css


def test_back_office_menu_links_the_orders(owner_client, shop):
    html = owner_client.get(f"/s/{shop.slug}/manage/", headers=EN).get_data(as_text=True)
    assert f'href="/s/{shop.slug}/manage/orders/"' in html
