"""Checkout: validation, delivery options, atomic and idempotent placement, numbers, capacity."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from orders_testkit import (
    EN,
    add_to_cart,
    checkout_data,
    checkout_key,
    make_product,
    place,
    post_checkout,
    stock_of,
)
from throwaway_plugin import make_plugin

from portal import DeliveryOption
from portal.core import capacity
from portal.core.cart import Cart, CartLine
from portal.core.checkout import CheckoutError, Contact, OutOfStock, place_order
from portal.core.models import User
from portal.core.orders import (
    Order,
    OrderCounter,
    OrderEvent,
    OrderItem,
    ProductionReservation,
    ProductionSlot,
)
from portal.core.shops import create_shop

NUMBER_RE = re.compile(r"^TWS-\d{8}-\d{4}$")


@pytest.fixture(autouse=True)
def _english(monkeypatch):
    monkeypatch.setattr("portal.i18n.DEFAULT_LOCALE", "en")


def only_order() -> Order:
    orders = list(Order.select())
    assert len(orders) == 1, orders
    return orders[0]


# ---------------------------------------------------------------------------
# the happy path and what is ignored
# ---------------------------------------------------------------------------


def test_guest_checkout_places_one_order_with_server_prices(client, shop):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=5)
    add_to_cart(client, shop, shoe, 2)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Rp900.000" in page and "Pick up at the workshop" in page and "Delivery to your address" in page

    response = post_checkout(client, shop, phone="0812-3456-7890", email="Budi@Example.TEST")
    assert response.status_code == 303
    order = only_order()
    assert response.headers["Location"].endswith(f"/s/{shop.slug}/orders/{order.number}")
    assert NUMBER_RE.match(order.number)
    assert order.shop_id == shop.id and order.customer_id is None and order.status == "placed"
    assert order.phone == "+6281234567890"
    assert order.email == "budi@example.test"
    assert order.note == "size 42, brown stitching"
    assert (order.subtotal, order.delivery_fee, order.total) == (900000, 25000, 925000)
    [item] = OrderItem.select().where(OrderItem.order == order)
    assert (item.name, item.unit_price, item.quantity, item.line_total) == ("Pantofel Classic", 450000, 2, 900000)
    assert stock_of(shoe) == 3
    [event] = OrderEvent.select().where(OrderEvent.order == order)
    assert (event.action, event.from_status, event.to_status, event.actor_role) == ("place", None, "placed", "customer")
    # The cart is empty and the guest's session may open the order.
    assert 'class="cart-count">0<' in client.get(f"/s/{shop.slug}/cart/").get_data(as_text=True)
    detail = client.get(response.headers["Location"], headers=EN)
    assert detail.status_code == 200 and order.number in detail.get_data(as_text=True)


def test_posted_prices_totals_status_and_shop_are_ignored(client, shop, other_shop):
    shoe = make_product(shop, price=450000, stock=5)
    add_to_cart(client, shop, shoe, 1)
    key = checkout_key(client, shop)
    extra = {"status": "paid", "shop_id": str(other_shop.id), "shop": str(other_shop.id), "customer_id": "1"}
    client.post(f"/s/{shop.slug}/checkout/", data={**checkout_data(key), **extra}, headers=EN)
    post_checkout(client, shop, key=key, status="paid", price="1",
                  unit_price="1", total="1", subtotal="1", delivery_fee="0", fee="0", customer="1",
                  number="FAKE-1", access_token="x", unique_code="1")
    order = only_order()
    assert order.status == "placed" and order.shop_id == shop.id and order.customer_id is None
    assert (order.subtotal, order.delivery_fee, order.total) == (450000, 25000, 475000)
    assert order.number != "FAKE-1" and order.access_token != "x" and order.unique_code is None


def test_pickup_needs_no_address_and_costs_nothing(client, shop):
    shoe = make_product(shop, price=450000, stock=5)
    add_to_cart(client, shop, shoe, 1)
    response = post_checkout(client, shop, delivery="pickup", address="", city="", postal_code="")
    assert response.status_code == 303
    order = only_order()
    assert (order.delivery_method, order.delivery_fee, order.total, order.address) == ("pickup", 0, 450000, "")


def test_logged_in_customer_gets_prefilled_form_and_owns_the_order(customer_client, customer, shop):
    User.update(phone="+6281299990000").where(User.id == customer.id).execute()
    shoe = make_product(shop, stock=5)
    add_to_cart(customer_client, shop, shoe, 1)
    page = customer_client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert 'value="Customer A"' in page and 'value="customer@example.test"' in page and "+6281299990000" in page
    assert "Create an account" not in page
    post_checkout(customer_client, shop, name="Customer A", email="customer@example.test")
    order = only_order()
    assert order.customer_id == customer.id
    # Their next checkout remembers the address of the last order.
    add_to_cart(customer_client, shop, shoe, 1)
    again = customer_client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Jl. Braga No. 10" in again and 'value="40111"' in again


# ---------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("field, value, message", [
    ("name", "", "This field is required."),
    ("phone", "", "This field is required."),
    ("phone", "12345", "Enter an Indonesian phone number"),
    ("phone", "+1 202 555 0143", "Enter an Indonesian phone number"),
    ("email", "not-an-address", "Enter a valid e-mail address."),
    ("postal_code", "4011", "A postal code has 5 digits."),
    ("postal_code", "40a11", "A postal code has 5 digits."),
    ("address", "", "Enter the delivery address."),
    ("city", "", "Enter the city."),
    ("name", "Budi\r\nBcc: x@example.test", "Line breaks and control characters are not allowed here."),
    ("delivery", "teleport", "Not a valid choice"),
    ("delivery", None, "Choose a delivery method."),
])
def test_bad_fields_show_errors_next_to_the_field_and_keep_the_input(client, shop, field, value, message):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    response = post_checkout(client, shop, **{field: value, "note": "size 43 please"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    if field != "delivery":
        assert re.search(rf'id="{field}-error" class="field-error">[^<]*{re.escape(message)}', html)
    assert "size 43 please" in html  # what was typed stays
    assert Order.select().count() == 0 and stock_of(shoe) == 5


def test_guest_can_create_an_account_while_ordering(client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    short = post_checkout(client, shop, create_account="y", password="short")
    assert short.status_code == 422 and "at least 8 characters" in short.get_data(as_text=True)
    assert User.select().where(User.email == "budi@example.test").count() == 0

    response = post_checkout(client, shop, create_account="y", password="leather-shoes-42")
    assert response.status_code == 303
    user = User.get(User.email == "budi@example.test")
    assert user.name == "Budi Santoso" and user.phone == "+6281234567890"
    assert only_order().customer_id == user.id
    # Logged in as the new account: "My orders" lists it.
    assert only_order().number in client.get("/orders", headers=EN).get_data(as_text=True)


def test_account_creation_with_a_known_email_is_refused(client, shop, customer):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    response = post_checkout(client, shop, email=customer.email, create_account="y", password="leather-shoes-42")
    assert response.status_code == 422
    assert "An account with this e-mail already exists" in response.get_data(as_text=True)
    assert Order.select().count() == 0
    # Without the account box a guest may still order with that address (the order stays a guest order).
    assert post_checkout(client, shop, email=customer.email).status_code == 303
    assert only_order().customer_id is None


def test_empty_cart_cannot_check_out(client, shop):
    assert "Your cart is empty." in client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    key = "k" * 32
    response = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key), headers=EN)
    assert response.status_code == 422
    assert "Your cart is empty." in response.get_data(as_text=True)
    assert Order.select().count() == 0


def test_a_tampered_idempotency_key_gets_a_fresh_one(client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    response = post_checkout(client, shop, key="bad key!")
    assert response.status_code == 422
    assert "This form had expired" in response.get_data(as_text=True)
    assert Order.select().count() == 0


# ---------------------------------------------------------------------------
# idempotency
# ---------------------------------------------------------------------------


def test_the_same_form_submitted_twice_gives_one_order(client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    key = checkout_key(client, shop)
    first = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key), headers=EN)
    second = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key), headers=EN)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert Order.select().count() == 1 and stock_of(shoe) == 4


def test_service_replays_the_key_and_never_hands_an_order_to_another_customer(portal_app, shop, customer, other_customer):
    shoe = make_product(shop, stock=5)
    with portal_app.test_request_context():
        first = place(shop, [(shoe, 1)], customer=customer, key="key-" + "a" * 20)
        again = place(shop, [(shoe, 1)], customer=customer, key="key-" + "a" * 20)
        assert first.id == again.id
        with pytest.raises(CheckoutError, match="already used"):
            place(shop, [(shoe, 1)], customer=other_customer, key="key-" + "a" * 20)
    assert Order.select().count() == 1 and stock_of(shoe) == 4


# ---------------------------------------------------------------------------
# atomic placement
# ---------------------------------------------------------------------------


def test_out_of_stock_rolls_back_the_whole_order(portal_app, shop):
    boots = make_product(shop, "Boots", made_to_order=True)
    shoe = make_product(shop, "Pantofel Classic", stock=1)
    sandal = make_product(shop, "Sandal", stock=5)
    with portal_app.test_request_context(), pytest.raises(OutOfStock) as refused:
        place(shop, [(boots, 1), (sandal, 2), (shoe, 2)])
    assert "Pantofel Classic has just sold out" in str(refused.value)
    assert Order.select().count() == 0 and OrderItem.select().count() == 0 and OrderEvent.select().count() == 0
    assert stock_of(sandal) == 5 and stock_of(shoe) == 1
    assert ProductionReservation.select().count() == 0
    assert sum(s.used for s in ProductionSlot.select()) == 0
    assert list(OrderCounter.select().where(OrderCounter.last > 0)) == []


def test_a_product_switched_off_before_placement_is_refused(portal_app, shop):
    shoe = make_product(shop, "Pantofel Classic", stock=3)
    with portal_app.test_request_context():
        cart = Cart(shop=shop, lines=[CartLine(product=shoe, quantity=1)])
        shoe.is_active = False
        shoe.save()
        with pytest.raises(CheckoutError, match="no longer available"):
            place_order(shop, cart, Contact("A", "a@example.test", "+6281234567890"), "pickup")
    assert Order.select().count() == 0 and stock_of(shoe) == 3


def test_out_of_stock_through_the_form_shows_the_message(client, shop):
    shoe = make_product(shop, "Pantofel Classic", stock=2)
    add_to_cart(client, shop, shoe, 2)
    key = checkout_key(client, shop)
    shoe.stock = 1
    shoe.save()
    response = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key), headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    # The cart is corrected when it is read, so the customer sees why before anything is written.
    assert "Only 1 left of Pantofel Classic" in html
    assert "Your cart has changed" in html
    assert Order.select().count() == 0 and stock_of(shoe) == 1


def test_a_price_change_since_the_page_was_shown_asks_to_look_again(client, shop):
    shoe = make_product(shop, "Pantofel Classic", price=450000, stock=2)
    add_to_cart(client, shop, shoe, 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    key = re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"', page).group(1)
    seen = re.search(r'name="seen_subtotal" type="hidden" value="([^"]+)"', page).group(1)
    assert seen == "450000"
    shoe.price = 500000
    shoe.save()
    response = client.post(f"/s/{shop.slug}/checkout/", data={**checkout_data(key), "seen_subtotal": seen}, headers=EN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Your cart has changed" in html and "Rp500.000" in html
    assert 'name="seen_subtotal" type="hidden" value="500000"' in html
    assert Order.select().count() == 0
    # Looking again and submitting the new page places it at the new price.
    again = client.post(f"/s/{shop.slug}/checkout/", data={**checkout_data(key), "seen_subtotal": "500000"}, headers=EN)
    assert again.status_code == 303 and only_order().total == 525000


def test_order_numbers_count_per_shop_and_day(portal_app, shop):
    twin = create_shop("twin", "Twin", order_prefix="TWS")
    shoe = make_product(shop, stock=10)
    twin_shoe = make_product(twin, "Twin shoe", stock=10)
    with portal_app.test_request_context():
        a = place(shop, [(shoe, 1)])
        b = place(shop, [(shoe, 1)])
        c = place(twin, [(twin_shoe, 1)])
    assert a.number.endswith("-0001") and b.number.endswith("-0002")
    assert c.number == a.number  # same prefix, other shop: numbers are unique per shop
    assert a.number.split("-")[1] == capacity.today().strftime("%Y%m%d")


# ---------------------------------------------------------------------------
# made to order: capacity
# ---------------------------------------------------------------------------


def test_capacity_spills_to_the_next_days_and_is_released(portal_app, shop):
    shop.settings = {**shop.settings, "daily_capacity": 2}
    shop.save()
    boots = make_product(shop, "Boots", made_to_order=True, lead_time_days=3)
    start = capacity.today() + dt.timedelta(days=3)
    with portal_app.test_request_context():
        assert capacity.ready_by(shop, 3, 3) == start + dt.timedelta(days=1)
        first = place(shop, [(boots, 3)])
        second = place(shop, [(boots, 2)])
    assert first.ready_by == start + dt.timedelta(days=1)
    assert second.ready_by == start + dt.timedelta(days=2)
    used = {s.day: s.used for s in ProductionSlot.select()}
    assert used == {start: 2, start + dt.timedelta(days=1): 2, start + dt.timedelta(days=2): 1}
    assert stock_of(boots) is None

    from portal.core import order_flow

    with portal_app.test_request_context():
        order_flow.transition(first, "withdraw", role="customer")
        assert capacity.ready_by(shop, 3, 3) == start + dt.timedelta(days=1)
    used = {s.day: s.used for s in ProductionSlot.select()}
    assert used == {start: 0, start + dt.timedelta(days=1): 1, start + dt.timedelta(days=2): 1}
    assert ProductionReservation.select().where(ProductionReservation.order == first.id).count() == 0


def test_checkout_says_when_made_to_order_items_can_be_ready(client, shop):
    shop.settings = {**shop.settings, "daily_capacity": 1}
    shop.save()
    boots = make_product(shop, "Boots", made_to_order=True, lead_time_days=2)
    add_to_cart(client, shop, boots, 3)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    ready = capacity.today() + dt.timedelta(days=4)
    assert "can be ready by" in page
    assert ready.strftime("%B") in page and str(ready.day) in page


def test_no_capacity_limit_means_ready_after_the_lead_time(portal_app, shop):
    shop.settings = {**shop.settings, "daily_capacity": 0}
    shop.save()
    boots = make_product(shop, "Boots", made_to_order=True, lead_time_days=5)
    with portal_app.test_request_context():
        order = place(shop, [(boots, 40)])
    assert order.ready_by == capacity.today() + dt.timedelta(days=5)
    assert ProductionSlot.select().count() == 0


# ---------------------------------------------------------------------------
# delivery options from plugins
# ---------------------------------------------------------------------------

SEEN_CARTS = []


def portal_checkout_delivery_options(shop, cart):
    SEEN_CARTS.append((shop.slug, cart.subtotal, cart.total_weight))
    return [
        DeliveryOption("ojek", "Own rider (Bandung)", 15000, "Same day", needs_address=True),
        DeliveryOption("pickup", "A plugin may not replace core's pick-up", 1),
        DeliveryOption("broken", "Negative fee", -5000),
        "not an option",
    ]


rider_plugin = make_plugin("rider_plugin", portal_checkout_delivery_options)


@pytest.mark.parametrize("portal_plugins", [[rider_plugin]])
def test_hook_portal_checkout_delivery_options(client, shop, disable_plugin):
    SEEN_CARTS.clear()
    shoe = make_product(shop, price=450000, stock=5, weight_grams=900)
    add_to_cart(client, shop, shoe, 2)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Own rider (Bandung)" in page and "Rp15.000" in page and "Same day" in page
    assert "Negative fee" not in page and "may not replace" not in page
    assert ("workshop", 900000, 1800) in SEEN_CARTS

    response = post_checkout(client, shop, delivery="ojek", delivery_fee="0")
    assert response.status_code == 303
    order = only_order()
    assert (order.delivery_method, order.delivery_label, order.delivery_fee, order.total) == (
        "ojek", "Own rider (Bandung)", 15000, 915000)

    # Switched off for the shop: the option is gone and cannot be posted.
    disable_plugin(shop, "rider_plugin")
    add_to_cart(client, shop, shoe, 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Own rider" not in page
    refused = post_checkout(client, shop, delivery="ojek")
    assert refused.status_code == 422 and "Not a valid choice" in refused.get_data(as_text=True)
    assert Order.select().count() == 1


@pytest.mark.parametrize("who", ["client", "customer_client", "owner_client", "staff_client", "other_owner_client"])
def test_everyone_may_open_checkout(request, shop, who):
    browser = request.getfixturevalue(who)
    assert browser.get(f"/s/{shop.slug}/checkout/").status_code == 200
    assert browser.get("/s/no-such-shop/checkout/").status_code == 404


def test_checkout_needs_the_csrf_token(client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(client, shop, shoe, 1)
    key = checkout_key(client, shop)
    response = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key), csrf=False)
    assert response.status_code == 400
    assert Order.select().count() == 0


def test_staff_ordering_for_themselves_is_a_normal_customer_order(owner_client, shop):
    shoe = make_product(shop, stock=5)
    add_to_cart(owner_client, shop, shoe, 1)
    assert post_checkout(owner_client, shop).status_code == 303
    owner = User.get(User.email == "owner@shop.test")
    assert only_order().customer_id == owner.id



# ---------------------------------------------------------------------------
# discounts from plugins (vouchers, points): asked, re-checked and claimed at placement
# ---------------------------------------------------------------------------

from portal import Discount, DiscountOffer, DiscountRefusal  # noqa: E402

DISCOUNT_CALLS = []
CLAIMS = []
REFUSE_CLAIM = []


def _voucher_hook(shop, cart, customer, codes):
    DISCOUNT_CALLS.append((shop.slug, cart.subtotal, customer.email if customer else None, codes))
    out = [DiscountOffer("thanks-bonus", "Use my Rp5.000 bonus")]
    for code in codes:
        if code.upper() == "TEN":
            out.append(Discount(code.upper(), "Voucher TEN", cart.subtotal // 10))
        elif code.upper() == "OLD":
            out.append(DiscountRefusal(code, "This voucher has expired."))
        elif code.upper() == "HUGE":
            out.append(Discount("HUGE", "Huge voucher", 10_000_000))
        elif code == "thanks-bonus":
            out.append(Discount(code, "Bonus", 5000))
        elif code.upper() == "BROKEN":
            out.extend([Discount("BROKEN", "Negative", -5), Discount("BROKEN2", "Float", 1.5), "nonsense"])
    return out


def portal_checkout_discounts(shop, cart, customer, codes):
    return _voucher_hook(shop, cart, customer, codes)


def portal_checkout_discounts_used(shop, order, discounts, customer):
    # Inside the placement transaction: the order row exists but is not committed yet.
    CLAIMS.append((order.number, order.discount, [(d.code, d.amount) for d in discounts],
                   customer.email if customer else None))
    return REFUSE_CLAIM[0] if REFUSE_CLAIM else None


voucher_plugin = make_plugin("voucher_plugin", portal_checkout_discounts, portal_checkout_discounts_used)


@pytest.fixture
def only_voucher_plugin(portal_app, shop, disable_plugin):
    DISCOUNT_CALLS.clear()
    CLAIMS.clear()
    REFUSE_CLAIM.clear()
    # The built-in loyalty plugin (if installed) also grants discounts; these tests are about core.
    if "loyalty" in portal_app.extensions["portal"].plugins:
        disable_plugin(shop, "loyalty")


@pytest.mark.parametrize("portal_plugins", [[voucher_plugin]])
def test_hook_portal_checkout_discounts(client, shop, only_voucher_plugin, disable_plugin):
    shoe = make_product(shop, price=450000, stock=5)
    add_to_cart(client, shop, shoe, 2)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert 'name="voucher_code"' in page and "Use my Rp5.000 bonus" in page
    assert (shop.slug, 900000, None, ()) in DISCOUNT_CALLS

    # Apply: shows the discount and the new totals, places nothing.
    key = checkout_key(client, shop)
    applied = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code=" ten ",
                                                                        apply_discount="1"), headers=EN)
    text = applied.get_data(as_text=True)
    assert Order.select().count() == 0
    assert "Voucher TEN" in text and "-Rp90.000" in text and "Total Rp835.000" in text  # 900000+25000-90000
    assert (shop.slug, 900000, None, ("ten",)) in DISCOUNT_CALLS

    refused = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code="old",
                                                                        apply_discount="1"), headers=EN)
    assert "This voucher has expired." in refused.get_data(as_text=True)
    unknown = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code="NOPE",
                                                                        apply_discount="1"), headers=EN)
    assert "NOPE is not a valid voucher code here." in unknown.get_data(as_text=True)
    broken = client.post(f"/s/{shop.slug}/checkout/", data=checkout_data(key, voucher_code="broken",
                                                                        apply_discount="1"), headers=EN)
    assert Order.select().count() == 0 and "Negative" not in broken.get_data(as_text=True)

    # Placing: asked again inside the transaction, amounts from the hook, never from the form.
    placed = client.post(f"/s/{shop.slug}/checkout/", data={
        **checkout_data(key, voucher_code="TEN", discount="900000"), "offers": "thanks-bonus"}, headers=EN)
    assert placed.status_code == 303
    order = only_order()
    assert (order.subtotal, order.delivery_fee, order.discount, order.total) == (900000, 25000, 95000, 830000)
    assert order.discounts == [
        {"plugin": "voucher_plugin", "code": "TEN", "label": "Voucher TEN", "amount": 90000},
        {"plugin": "voucher_plugin", "code": "thanks-bonus", "label": "Bonus", "amount": 5000},
    ]
    detail = client.get(placed.headers["Location"], headers=EN).get_data(as_text=True)
    assert "-Rp95.000" in detail and "Rp830.000" in detail

    # Switched off: no voucher field, and a posted code is not even looked at.
    disable_plugin(shop, "voucher_plugin")
    add_to_cart(client, shop, shoe, 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert 'name="voucher_code"' not in page
    DISCOUNT_CALLS.clear()
    assert post_checkout(client, shop, voucher_code="TEN").status_code == 303
    assert DISCOUNT_CALLS == []
    newest = Order.select().order_by(Order.id.desc()).first()
    assert (newest.discount, newest.total, newest.discounts) == (0, 475000, [])


@pytest.mark.parametrize("portal_plugins", [[voucher_plugin]])
def test_discounts_never_take_the_total_below_zero(portal_app, shop, only_voucher_plugin):
    shoe = make_product(shop, price=100000, stock=5)
    with portal_app.test_request_context():
        cart = Cart(shop=shop, lines=[CartLine(product=shoe, quantity=1)])
        contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890")
        order = place_order(shop, cart, contact, "pickup", codes=("HUGE",)).order
    assert (order.subtotal, order.discount, order.total) == (100000, 100000, 0)


@pytest.mark.parametrize("portal_plugins", [[voucher_plugin]])
def test_a_code_refused_at_placement_places_nothing(portal_app, shop, only_voucher_plugin):
    shoe = make_product(shop, price=100000, stock=5)
    with portal_app.test_request_context():
        cart = Cart(shop=shop, lines=[CartLine(product=shoe, quantity=1)])
        contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890")
        with pytest.raises(CheckoutError) as err:
            place_order(shop, cart, contact, "pickup", codes=("OLD",))
    assert err.value.field == "voucher_code" and str(err.value) == "This voucher has expired."
    assert Order.select().count() == 0 and stock_of(shoe) == 5 and CLAIMS == []


@pytest.mark.parametrize("portal_plugins", [[voucher_plugin]])
def test_hook_portal_checkout_discounts_used(portal_app, shop, customer, only_voucher_plugin):
    shoe = make_product(shop, price=200000, stock=5)
    with portal_app.test_request_context():
        cart = Cart(shop=shop, lines=[CartLine(product=shoe, quantity=1)])
        contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890")
        order = place_order(shop, cart, contact, "pickup", customer=customer, codes=("ten",)).order
        assert CLAIMS == [(order.number, 20000, [("TEN", 20000)], customer.email)]
        # A refused claim (the last use went to someone else) rolls everything back.
        REFUSE_CLAIM.append("Sorry, that voucher has just run out.")
        with pytest.raises(CheckoutError) as err:
            place_order(shop, cart, contact, "pickup", customer=customer, codes=("ten",))
    assert str(err.value) == "Sorry, that voucher has just run out."
    assert Order.select().count() == 1 and stock_of(shoe) == 4
    assert OrderEvent.select().count() == 1 and OrderItem.select().count() == 1


def test_discounts_migration_adds_the_column_to_an_older_database(portal_app, shop):
    """0004_discounts gives an order table made before discounts existed its ``discounts`` column, once."""
    from playhouse.migrate import migrate

    from portal.core import migrations
    from portal.core.db import db
    from portal.core.models import Migration

    shoe = make_product(shop, price=100000, stock=5)
    with portal_app.test_request_context():
        before = place(shop, [(shoe, 1)])
    migrate(migrations.make_migrator().drop_column("order", "discounts"))
    Migration.delete().where((Migration.app == "core") & (Migration.name == "0004_discounts")).execute()
    assert "discounts" not in {c.name for c in db.get_columns("order")}

    assert migrations.upgrade_app("core", migrations.core_migrations()) == ["0004_discounts"]
    assert migrations.upgrade_app("core", migrations.core_migrations()) == []
    assert "discounts" in {c.name for c in db.get_columns("order")}
    old = Order.get_by_id(before.id)
    assert (old.discount, old.discounts, old.total) == (0, [], 100000)


# ---------------------------------------------------------------------------
# the destination reaches the delivery plugins; cash on delivery (issue 7)
# ---------------------------------------------------------------------------

SEEN_DESTINATIONS: list = []


def _zone_options(shop, cart, destination):
    SEEN_DESTINATIONS.append((destination.city, destination.district, destination.postcode))
    if destination.district.lower() == "coblong":
        return [DeliveryOption("zone", "Zone rider", 12000),
                DeliveryOption("zone-cod", "Zone rider, cash", 12000, cash_on_delivery=True)]
    return []


_zone_options.__name__ = "portal_checkout_delivery_options"
zone_plugin = make_plugin("zone_plugin", _zone_options)


@pytest.mark.parametrize("portal_plugins", [[zone_plugin]])
def test_checkout_asks_the_plugins_for_the_typed_destination(client, shop):
    SEEN_DESTINATIONS.clear()
    add_to_cart(client, shop, make_product(shop, price=100000, stock=5), 1)
    page = client.get(f"/s/{shop.slug}/checkout/", headers=EN).get_data(as_text=True)
    assert "Zone rider" not in page
    city = re.search(r'<input[^>]*id="city"[^>]*>', page).group(0)
    assert 'hx-trigger="change, keyup changed delay:500ms"' in city and 'hx-select="#delivery-options"' in city
    fragment = client.get(f"/s/{shop.slug}/checkout/", query_string={"city": "Bandung", "district": " Coblong ",
                                                                     "postal_code": "40132"},
                          headers={**EN, "HX-Request": "true"}).get_data(as_text=True)
    assert "Zone rider" in fragment and 'id="delivery-options"' in fragment
    assert ("Bandung", "Coblong", "40132") in SEEN_DESTINATIONS

    # At placement the options are asked again for the posted destination, and the fee is theirs.
    SEEN_DESTINATIONS.clear()
    response = post_checkout(client, shop, delivery="zone", district="Coblong", city="Bandung", postal_code="40132",
                             delivery_fee="1")
    assert response.status_code == 303
    order = Order.get()
    assert (order.delivery_fee, order.total, order.district, order.payment_method) == (12000, 112000, "Coblong",
                                                                                        "transfer")
    assert ("Bandung", "Coblong", "40132") in SEEN_DESTINATIONS


@pytest.mark.parametrize("portal_plugins", [[zone_plugin]])
def test_an_option_not_offered_for_the_posted_destination_is_refused(client, shop):
    add_to_cart(client, shop, make_product(shop, stock=5), 1)
    response = post_checkout(client, shop, delivery="zone", district="Sukajadi", city="Bandung")
    assert response.status_code == 422
    assert Order.select().count() == 0


@pytest.mark.parametrize("portal_plugins", [[zone_plugin]])
def test_a_cash_on_delivery_option_makes_a_cod_order_that_skips_the_transfer(portal_app, shop):
    from portal.core import order_flow, payments

    shoe = make_product(shop, price=100000, stock=5)
    with portal_app.test_request_context():
        order = place(shop, [(shoe, 1)], delivery="zone-cod", district="Coblong")
        assert order.payment_method == "cod"
        order = payments.confirm_order(order, None, "owner")
        assert (order.status, order.unique_code, order.amount_due) == ("confirmed", None, None)
        with pytest.raises(order_flow.TransitionError):
            payments.request_payment(order)
        order = order_flow.transition(order, "start_production", role="owner")
        assert order.status == "in_production"
        transfer = place(shop, [(shoe, 1)], delivery="zone", district="Coblong")
        transfer = payments.confirm_order(transfer, None, "owner")
        assert (transfer.payment_method, transfer.status) == ("transfer", "awaiting_payment")
