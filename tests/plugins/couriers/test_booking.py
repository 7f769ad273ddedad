"""Booking from the team's queue and the order page: riders (one or several orders in a run) and services."""
from __future__ import annotations

import pytest

from plugins.couriers import models as m
from portal.core.models import OutboxMail
from portal.core.orders import Order, OrderEvent
from tests.plugins.couriers.kit import EN, add_service, fresh, make_ready


def queue_url(shop):
    return f"/s/{shop.slug}/couriers/manage/"


def test_the_queue_lists_ready_orders_to_address_only(portal_app, on, owner_client, customer):
    ready = make_ready(portal_app, on, customer=customer)
    pickup = make_ready(portal_app, on, customer=customer, delivery="pickup")
    page = owner_client.get(queue_url(on), headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert ready.number in body
    assert pickup.number not in body
    assert "Ready to ship" in body


def test_book_several_orders_for_one_rider_in_one_run(portal_app, on, owner_client, rider, customer):
    a = make_ready(portal_app, on, customer=customer)
    b = make_ready(portal_app, on, customer=customer, address="Jl. Cibaduyut Raya 12", city="Bandung")
    mails = OutboxMail.select().count()
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/book",
                                 data={"run-orders": [str(a.id), str(b.id)], "run-rider": str(rider.id)}, headers=EN)
    assert response.status_code == 303
    rows = list(m.Delivery.select().order_by(m.Delivery.id))
    assert [(d.order_id, d.rider_id, d.status, d.kind) for d in rows] == [
        (a.id, rider.id, "booked", "rider"), (b.id, rider.id, "booked", "rider")]
    assert rows[0].run_id == rows[1].run_id is not None
    # One e-mail to the rider for the whole run, with pick-up and both drop-offs.
    new = list(OutboxMail.select().where(OutboxMail.id > 0).order_by(OutboxMail.id))[mails:]
    to_rider = [x for x in new if x.to == rider.email]
    assert len(to_rider) == 1
    text = to_rider[0].body_text
    assert a.number in text and b.number in text and "Jl. Cibaduyut Raya 12" in text and a.phone in text
    pick_up = text.split("---", 1)[0]  # (in the rider's language: Indonesian here)
    assert on.name in pick_up and on.city in pick_up  # where to fetch the parcels, before the drop-offs
    # Booked orders are no longer waiting; the order's status is still core's "ready".
    assert fresh(a).status == "ready"
    page = owner_client.get(queue_url(on), headers=EN).get_data(as_text=True)
    assert "No order is waiting for a courier." in page


def test_booking_an_order_twice_is_refused(portal_app, on, owner_client, staff_client, rider, ready_order):
    url = f"/s/{on.slug}/couriers/manage/book"
    data = {"run-orders": str(ready_order.id), "run-rider": str(rider.id)}
    assert owner_client.post(url, data=data, headers=EN).status_code == 303
    again = staff_client.post(url, data=data, headers=EN)
    assert again.status_code == 422  # the order is no longer a choice: nothing booked twice
    assert m.Delivery.select().count() == 1


def test_an_off_duty_rider_is_not_offered(portal_app, on, owner_client, rider, ready_order):
    from plugins.couriers import deliveries

    deliveries.set_available(rider, False)
    page = owner_client.get(queue_url(on), headers=EN).get_data(as_text=True)
    assert "No rider is available" in page
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/book",
                                 data={"run-orders": str(ready_order.id), "run-rider": str(rider.id)}, headers=EN)
    assert response.status_code == 422
    assert not m.Delivery.select().exists()


def test_a_member_who_is_not_a_rider_cannot_be_booked(portal_app, on, owner_client, ready_order):
    from tests.plugins.couriers.kit import user

    staff = user("staff@shop.test")
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/book",
                                 data={"run-orders": str(ready_order.id), "run-rider": str(staff.id)}, headers=EN)
    assert response.status_code == 422
    assert not m.Delivery.select().exists()


def test_book_a_service_with_a_waybill_hands_the_order_over(portal_app, on, staff_client, ready_order):
    jne = add_service(on, rates=[("Bandung", 9_000, 1)])
    response = staff_client.post(f"/s/{on.slug}/couriers/manage/orders/{ready_order.number}/ship",
                                 data={f"svc-{ready_order.id}-service": str(jne.id),
                                       f"svc-{ready_order.id}-waybill": "cgk123456789"}, headers=EN)
    assert response.status_code == 303
    d = m.Delivery.get()
    assert (d.kind, d.status, d.waybill, d.service_name) == ("service", "handed_over", "CGK123456789", "JNE REG")
    order = fresh(ready_order)
    assert order.status == "handed_over"
    event = OrderEvent.select().where((OrderEvent.order == order) & (OrderEvent.action == "hand_over")).get()
    assert event.actor_role == "staff"


@pytest.mark.parametrize("waybill", ["", "ab", "<script>", "A B C D", "x" * 41])
def test_a_bad_waybill_is_refused_next_to_the_field(portal_app, on, owner_client, ready_order, waybill):
    jne = add_service(on, rates=[("Bandung", 9_000, 1)])
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/orders/{ready_order.number}/ship",
                                 data={f"svc-{ready_order.id}-service": str(jne.id),
                                       f"svc-{ready_order.id}-waybill": waybill}, headers=EN)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert f'id="svc-{ready_order.id}-waybill-error"' in body
    assert fresh(ready_order).status == "ready"
    assert not m.Delivery.select().exists()


def test_another_shops_service_cannot_be_used(portal_app, on, other_shop, owner_client, ready_order):
    theirs = add_service(other_shop, "Theirs", rates=[("Bandung", 1, 1)])
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/orders/{ready_order.number}/ship",
                                 data={f"svc-{ready_order.id}-service": str(theirs.id),
                                       f"svc-{ready_order.id}-waybill": "AB123456"}, headers=EN)
    assert response.status_code == 422
    assert fresh(ready_order).status == "ready"


def test_an_order_not_ready_cannot_be_booked(portal_app, on, owner_client, customer, rider):
    from tests.core.orders_testkit import make_product, place

    placed = place(on, [(make_product(on, "Fresh"), 1)], customer=customer, delivery="delivery")
    jne = add_service(on, rates=[("Bandung", 9_000, 1)])
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/orders/{placed.number}/ship",
                                 data={f"svc-{placed.id}-service": str(jne.id), f"svc-{placed.id}-waybill": "AB123456"},
                                 headers=EN)
    assert response.status_code == 409
    assert fresh(placed).status == "placed"
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/book",
                                 data={"run-orders": str(placed.id), "run-rider": str(rider.id)}, headers=EN)
    assert response.status_code == 422
    assert not m.Delivery.select().exists()


def test_the_order_page_panel_books_a_rider(portal_app, on, owner_client, rider, ready_order):
    page = owner_client.get(f"/s/{on.slug}/manage/orders/{ready_order.number}", headers=EN).get_data(as_text=True)
    assert page.count('id="couriers-panel"') == 1
    assert "Book a rider" in page
    response = owner_client.hx_post(f"/s/{on.slug}/couriers/manage/book",
                                    data={"back": "order", "run-orders": str(ready_order.id), "run-rider": str(rider.id)},
                                    headers=EN)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith(f"/manage/orders/{ready_order.number}")
    page = owner_client.get(f"/s/{on.slug}/manage/orders/{ready_order.number}", headers=EN).get_data(as_text=True)
    assert "Rider: Courier" in page
    assert "Book a rider" not in page
    assert "Rider booked: Courier" in page  # the staff timeline names the rider


def test_the_panel_shows_a_service_error_in_place(portal_app, on, owner_client, ready_order):
    jne = add_service(on, rates=[("Bandung", 9_000, 1)])
    response = owner_client.hx_post(
        f"/s/{on.slug}/couriers/manage/orders/{ready_order.number}/ship",
        data={"back": "order", f"svc-{ready_order.id}-service": str(jne.id), f"svc-{ready_order.id}-waybill": "x"},
        headers=EN)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="couriers-panel"')
    assert "4 to 40 letters" in body


def test_taking_a_job_back_returns_the_order_to_the_queue(portal_app, on, owner_client, rider, ready_order):
    from plugins.couriers import deliveries

    with portal_app.test_request_context():
        d = deliveries.book_rider(on, [ready_order], rider, None)[0]
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/deliveries/{d.id}/cancel", headers=EN)
    assert response.status_code == 303
    assert fresh(d).status == "cancelled"
    assert ready_order.number in owner_client.get(queue_url(on), headers=EN).get_data(as_text=True)
    # Not twice, and not once it is on the road.
    assert owner_client.post(f"/s/{on.slug}/couriers/manage/deliveries/{d.id}/cancel", headers=EN).status_code == 409


def test_the_owners_menu_and_dashboard_show_deliveries(portal_app, on, owner_client, ready_order):
    page = owner_client.get(f"/s/{on.slug}/manage/", headers=EN).get_data(as_text=True)
    assert page.count("orders ready to ship") + page.count("order ready to ship") == 1
    assert f'href="/s/{on.slug}/couriers/manage/"' in page


def test_order_without_the_plugin_is_found_nowhere_else(portal_app, on, other_shop, owner_client, other_owner_client,
                                                         ready_order):
    # Shop Y's owner reaches neither shop X's queue nor its orders through their own address.
    assert other_owner_client.get(queue_url(on), headers=EN).status_code == 403
    theirs = other_owner_client.post(f"/s/{other_shop.slug}/couriers/manage/orders/{ready_order.number}/ship",
                                     data={}, headers=EN)
    assert theirs.status_code == 404
    assert Order.get_by_id(ready_order.id).status == "ready"


def test_the_customer_profile_lists_their_deliveries(portal_app, on, owner, rider, customer, other_customer,
                                                     ready_order):
    from plugins.couriers import deliveries

    with portal_app.test_request_context(headers=EN):
        deliveries.book_rider(on, [ready_order], rider, None)
        registry = portal_app.extensions["portal"]
        mine = dict(registry.call_isolated("portal_slot_customer_profile", on, shop=on, customer=customer, user=owner))
        theirs = dict(registry.call_isolated("portal_slot_customer_profile", on, shop=on, customer=other_customer,
                                             user=owner))
    assert mine["couriers"].count("<section") == 1 and ready_order.number in mine["couriers"]
    assert "couriers" not in theirs
