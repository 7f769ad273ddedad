"""Checkout with the plugin's options (priced for the typed destination, recomputed at placement),
and cash on delivery from checkout to the owner counting the cash in."""
from __future__ import annotations

import re

import pytest

from plugins.couriers import deliveries, fees
from plugins.couriers import models as m
from portal.core import order_flow
from portal.core.order_flow import TransitionError, transition
from portal.core.orders import Order
from tests.core.orders_testkit import add_to_cart, checkout_key, make_product, post_checkout
from tests.plugins.couriers.kit import EN, add_area, add_service, fresh, make_ready


@pytest.fixture
def priced(on):
    add_area(on, "Coblong", 15_000)
    add_service(on, "JNE REG", rates=[("Surabaya", 18_000, 1)])
    return on


@pytest.fixture
def cart(priced, customer_client):
    product = make_product(priced, "Pantofel Hitam", price=450_000, weight_grams=1200)
    add_to_cart(customer_client, priced, product)
    return product


def set_cod(client, shop, on=True):
    data = {"settings-couriers-cash_on_delivery": "y"} if on else {}
    response = client.post(f"/s/{shop.slug}/manage/modules/couriers/settings", data=data, headers=EN)
    assert response.status_code in (200, 303)


def options_fragment(client, shop, **typed):
    return client.hx_get(f"/s/{shop.slug}/checkout/", query_string=typed, headers=EN).get_data(as_text=True)


def test_the_address_fields_refetch_the_options(priced, customer_client, cart):
    page = customer_client.get(f"/s/{priced.slug}/checkout/", headers=EN).get_data(as_text=True)
    city = re.search(r'<input[^>]*id="city"[^>]*>', page).group(0)
    assert 'hx-get="/s/workshop/checkout/"' in city
    assert 'hx-trigger="change, keyup changed delay:500ms"' in city
    assert 'hx-select="#delivery-options"' in city and 'hx-indicator="#delivery-spinner"' in city
    assert 'id="district"' in page and 'id="delivery-spinner"' in page
    assert page.count('id="delivery-options"') == 1


@pytest.mark.parametrize(("typed", "shown", "hidden"), [
    ({"city": "Bandung", "district": "Coblong"}, ["Own rider (Coblong)", "Rp15.000"], ["JNE REG"]),
    ({"city": "Surabaya"}, ["JNE REG", "Rp36.000", "2 kg to Surabaya"], ["Own rider"]),
    ({"city": "Makassar"}, ["Pick up at the workshop"], ["Own rider", "JNE REG"]),
])
def test_options_follow_the_destination(priced, customer_client, cart, typed, shown, hidden):
    body = options_fragment(customer_client, priced, **typed)
    for text in shown:
        assert text in body
    for text in hidden:
        assert text not in body


def test_placement_charges_the_fee_for_the_destination(priced, customer_client, cart):
    response = post_checkout(customer_client, priced, delivery=fees.RIDER_CODE, district="Coblong", city="Bandung")
    assert response.status_code == 303
    order = Order.get()
    assert (order.delivery_method, order.delivery_fee, order.total) == (fees.RIDER_CODE, 15_000, 465_000)
    assert (order.district, order.payment_method) == ("Coblong", "transfer")


def test_the_fee_is_recomputed_at_placement_not_taken_from_the_page(priced, customer_client, cart):
    key = checkout_key(customer_client, priced)
    m.RiderArea.update(fee=20_000).execute()  # the owner changes the fee while the customer types
    post_checkout(customer_client, priced, key=key, delivery=fees.RIDER_CODE, district="Coblong", city="Bandung",
                  delivery_fee="1", total="1")
    assert Order.get().delivery_fee == 20_000


def test_an_option_not_offered_for_the_destination_is_refused(priced, customer_client, cart):
    response = post_checkout(customer_client, priced, delivery=fees.RIDER_CODE, district="Sukajadi", city="Surabaya")
    assert response.status_code == 422
    assert not Order.select().exists()
    response = post_checkout(customer_client, priced, delivery=fees.RIDER_COD_CODE, district="Coblong", city="Bandung")
    assert response.status_code == 422  # cash on delivery is off
    assert not Order.select().exists()


def test_place_order_service_rechecks_the_destination(priced, ctx):
    from portal.core.checkout import CheckoutError
    from tests.core.orders_testkit import place

    product = make_product(priced, "Loafer")
    with pytest.raises(CheckoutError):
        place(priced, [(product, 1)], delivery=fees.RIDER_CODE, city="Jakarta", district="Menteng")
    order = place(priced, [(product, 1)], delivery=fees.RIDER_CODE, city="Bandung", district="coblong")
    assert order.delivery_fee == 15_000


# ---------------------------------------------------------------------------
# cash on delivery
# ---------------------------------------------------------------------------


def test_cash_on_delivery_from_checkout_to_the_cash_count(portal_app, priced, customer_client, owner_client,
                                                         courier_client, rider, cart):
    set_cod(owner_client, priced)
    assert "cash on delivery" in options_fragment(customer_client, priced, city="Bandung", district="Coblong")
    response = post_checkout(customer_client, priced, delivery=fees.RIDER_COD_CODE, district="Coblong", city="Bandung")
    assert response.status_code == 303
    order = Order.get()
    assert (order.payment_method, order.total) == ("cod", 465_000)

    # The owner confirms: no transfer is asked for, no unique amount, no deadline.
    confirm = owner_client.post(f"/s/{priced.slug}/manage/orders/{order.number}/action", data={"action": "confirm"},
                                headers=EN)
    assert confirm.status_code == 303
    order = fresh(order)
    assert (order.status, order.unique_code, order.payment_deadline) == ("confirmed", None, None)
    buttons = [a.name for a in order_flow.allowed_actions(order, "owner")]
    assert "start_production" in buttons and "request_payment" not in buttons
    for action in ("start_production", "mark_ready"):
        assert owner_client.post(f"/s/{priced.slug}/manage/orders/{order.number}/action", data={"action": action},
                                 headers=EN).status_code == 303
    assert fresh(order).status == "ready"

    owner_client.post(f"/s/{priced.slug}/couriers/manage/book",
                      data={"run-orders": str(order.id), "run-rider": str(rider.id)}, headers=EN)
    d = m.Delivery.get()
    assert d.cod_amount == 465_000
    page = courier_client.get("/courier/", headers=EN).get_data(as_text=True)
    assert "Rp465.000" in page
    for value in ("accept", "picked_up"):
        courier_client.post(f"/courier/deliveries/{d.id}/step", data={f"step-{d.id}-step": value}, headers=EN)
    # Without the cash collected, a COD delivery is not done.
    courier_client.post(f"/courier/deliveries/{d.id}/delivered", data={f"done-{d.id}-recipient": "Budi"}, headers=EN)
    assert fresh(d).status == "picked_up"
    courier_client.post(f"/courier/deliveries/{d.id}/delivered",
                        data={f"done-{d.id}-recipient": "Budi", f"done-{d.id}-cash_collected": "465000"}, headers=EN)
    assert (fresh(d).status, fresh(d).cash_collected, fresh(order).status) == ("delivered", 465_000, "delivered")

    cash = owner_client.get(f"/s/{priced.slug}/couriers/manage/cash", headers=EN).get_data(as_text=True)
    assert "Courier" in cash and "Rp465.000" in cash
    assert owner_client.post(f"/s/{priced.slug}/couriers/manage/cash/{rider.id}",
                             data={f"cash-{rider.id}-deliveries": str(d.id)}, headers=EN).status_code == 303
    assert fresh(d).cash_reconciled_at is not None
    assert "No cash waiting" in owner_client.get(f"/s/{priced.slug}/couriers/manage/cash", headers=EN).get_data(as_text=True)


def test_only_the_owner_counts_cash_in(portal_app, on, staff_client, rider, ready_order):
    with_cash = m.Delivery.create(shop=on, order=ready_order, kind="rider", rider=rider, status="delivered",
                                  cod_amount=100, cash_collected=100)
    assert staff_client.get(f"/s/{on.slug}/couriers/manage/cash", headers=EN).status_code == 200
    assert staff_client.post(f"/s/{on.slug}/couriers/manage/cash/{rider.id}",
                             data={f"cash-{rider.id}-deliveries": str(with_cash.id)}, headers=EN).status_code == 403
    assert fresh(with_cash).cash_reconciled_at is None


def test_reconciling_a_changed_list_is_refused(portal_app, on, owner_client, rider, ready_order, ctx):
    a = m.Delivery.create(shop=on, order=ready_order, kind="rider", rider=rider, status="delivered",
                          cod_amount=100, cash_collected=100)
    with pytest.raises(deliveries.DeliveryError):
        deliveries.reconcile(on, rider.id, [a.id, 999], None)
    assert fresh(a).cash_reconciled_at is None
    assert deliveries.reconcile(on, rider.id, [a.id], None) == 1
    with pytest.raises(deliveries.DeliveryError):
        deliveries.reconcile(on, rider.id, [a.id], None)


def test_a_cod_order_skips_only_the_transfer_steps(portal_app, priced, ctx):
    from tests.core.orders_testkit import place

    product = make_product(priced, "Sandal", stock=9)
    cod = place(priced, [(product, 1)], delivery=fees.RIDER_CODE, city="Bandung", district="Coblong")
    Order.update(payment_method="cod").where(Order.id == cod.id).execute()
    cod = transition(fresh(cod), "confirm", role="owner")
    for action in ("request_payment", "submit_payment", "verify_payment", "expire"):
        with pytest.raises(TransitionError):
            transition(fresh(cod), action, role="system" if action in ("request_payment", "expire") else "owner")
    with pytest.raises(TransitionError):
        transition(fresh(cod), "start_production", role="customer")
    assert transition(fresh(cod), "start_production", role="staff").status == "in_production"

    transfer = place(priced, [(product, 1)], delivery="pickup")
    transfer = transition(transfer, "confirm", role="owner")
    for action in ("start_production", "mark_ready"):
        with pytest.raises(TransitionError):
            transition(fresh(transfer), action, role="owner")
    assert fresh(transfer).status == "confirmed"


def test_cod_with_a_service_is_refused(portal_app, on, owner_client, customer):
    order = make_ready(portal_app, on, customer=customer)
    Order.update(payment_method="cod").where(Order.id == order.id).execute()
    jne = add_service(on, rates=[("Bandung", 9_000, 1)])
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/orders/{order.number}/ship",
                                 data={f"svc-{order.id}-service": str(jne.id), f"svc-{order.id}-waybill": "AB123456"},
                                 headers=EN)
    assert response.status_code == 409
    assert fresh(order).status == "ready"


def test_migration_0003_adds_the_columns_to_an_older_database(portal_app):
    from portal.core import migrations
    from portal.core.db import db

    migrator = migrations.make_migrator()
    from playhouse.migrate import migrate

    migrate(migrator.drop_column("order", "payment_method"), migrator.drop_column("order", "district"))
    assert "payment_method" not in {c.name for c in db.get_columns("order")}
    migrations._core_cash_on_delivery(db.obj, migrator)
    assert {"payment_method", "district"} <= {c.name for c in db.get_columns("order")}
    migrations._core_cash_on_delivery(db.obj, migrator)  # twice: nothing to add, no error


def test_a_confirmed_cod_order_tells_the_customer_to_have_cash_ready(portal_app, priced, ctx):
    from portal.core import payments
    from portal.core.models import OutboxMail
    from tests.core.orders_testkit import place

    product = make_product(priced, "Boots", price=300_000)
    order = place(priced, [(product, 1)], delivery=fees.RIDER_CODE, city="Bandung", district="Coblong",
                  email="budi@example.test")
    Order.update(payment_method="cod").where(Order.id == order.id).execute()
    payments.confirm_order(fresh(order), None, "owner")
    mail = OutboxMail.select().where(OutboxMail.to == "budi@example.test").order_by(OutboxMail.id.desc()).first()
    # In the order's language (Indonesian here), as core's order mails are.
    assert "bayar tunai" in mail.subject
    assert "Rp315.000" in mail.body_text and "tidak perlu transfer" in mail.body_text
    assert order.number in mail.body_text
