"""The order timeline lines, the plugin switched off and on, and hostile text rendered inert."""
from __future__ import annotations

import re

import pytest

from plugins.couriers import deliveries, fees
from plugins.couriers import models as m
from portal.core.orders import Order
from tests.core.orders_testkit import add_to_cart, make_product
from tests.plugins.couriers.kit import EN, add_area, add_service, fresh, make_ready


def customer_page(client, order):
    return client.get(f"/s/{order.shop.slug}/orders/{order.number}", headers=EN).get_data(as_text=True)


def timeline(portal_app, shop, order, audience):
    with portal_app.test_request_context(headers=EN):
        answers = dict(portal_app.extensions["portal"].call_isolated("portal_order_timeline", shop, shop=shop,
                                                                     order=order, audience=audience))
        return [(str(e.label), e.note, e.link_url) for e in answers["couriers"]]


def rider_trip(portal_app, shop, order, rider, recipient="Ibu Siti"):
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_rider(shop, [order], rider, None)[0]
        d = deliveries.accept(d, rider)
        d = deliveries.picked_up(d, rider)
        d = deliveries.on_the_way(d, rider)
        return deliveries.delivered(d, rider, recipient)


def test_the_customer_sees_each_rider_event_with_its_time(portal_app, on, customer_client, rider, ready_order):
    rider_trip(portal_app, on, ready_order, rider)
    lines = timeline(portal_app, on, ready_order, "customer")
    assert [label for label, _, _ in lines] == [
        "A rider has been booked for your parcel", "The rider accepted the delivery", "Picked up by the rider",
        "On the way to you", "Received by Ibu Siti"]
    page = customer_page(customer_client, ready_order)
    assert "Picked up by the rider" in page and "Received by Ibu Siti" in page
    assert "Courier" not in page  # the customer is told what happens, not who the rider is
    # Each line carries the time of its event.
    events = list(m.DeliveryEvent.select().order_by(m.DeliveryEvent.id))
    assert [e.action for e in events] == ["booked", "accepted", "picked_up", "on_the_way", "delivered"]
    times = re.findall(r'<li class="timeline-delivery">\s*<time datetime="([^"]+)"', page)
    assert times == [f"{e.created_at.isoformat()}Z" for e in events]


def test_the_team_sees_the_rider_and_the_declines(portal_app, on, rider, rider_b, ready_order):
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_rider(on, [ready_order], rider_b, None)[0]
        deliveries.decline(d, rider_b, "motor mogok")
    rider_trip(portal_app, on, ready_order, rider)
    staff = timeline(portal_app, on, ready_order, "staff")
    assert ("Rider booked: Rider B", "", None) in staff
    assert ("The rider declined the job", "motor mogok · Rider B", None) in staff
    customer = [label for label, _, _ in timeline(portal_app, on, ready_order, "customer")]
    assert "The rider declined the job" not in customer


def test_a_service_shows_its_waybill_and_tracking_link(portal_app, on, customer_client, owner, ready_order):
    jne = add_service(on, template="https://track.example.co.id/t?awb={waybill}")
    with portal_app.test_request_context(headers=EN):
        deliveries.book_service(on, ready_order, jne, "CGK123456", owner, "owner")
    [(label, _, link)] = timeline(portal_app, on, ready_order, "customer")
    assert label == "Handed to JNE REG, waybill CGK123456"
    assert link == "https://track.example.co.id/t?awb=CGK123456"
    page = customer_page(customer_client, ready_order)
    assert 'href="https://track.example.co.id/t?awb=CGK123456"' in page and "Track the parcel" in page


def test_the_shop_marking_a_service_parcel_delivered_closes_the_delivery(portal_app, on, owner_client, owner, ready_order):
    jne = add_service(on)
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_service(on, ready_order, jne, "CGK123456", owner, "owner")
    owner_client.post(f"/s/{on.slug}/manage/orders/{ready_order.number}/action", data={"action": "deliver"}, headers=EN)
    assert (fresh(ready_order).status, fresh(d).status) == ("delivered", "delivered")
    assert [label for label, _, _ in timeline(portal_app, on, ready_order, "customer")][-1] == "Delivered"


def test_a_customer_never_sees_the_riders_other_jobs(portal_app, on, customer, other_customer, customer_client, rider):
    mine = make_ready(portal_app, on, customer=customer)
    theirs = make_ready(portal_app, on, customer=other_customer, address="Jl. Rahasia 99")
    with portal_app.test_request_context(headers=EN):
        deliveries.book_rider(on, [mine, theirs], rider, None)
    page = customer_page(customer_client, mine)
    assert theirs.number not in page and "Jl. Rahasia 99" not in page
    assert customer_client.get(f"/s/{on.slug}/orders/{theirs.number}", headers=EN).status_code == 404
    assert customer_client.get("/courier/", headers=EN).status_code == 403


# ---------------------------------------------------------------------------
# switched off, then on again
# ---------------------------------------------------------------------------


def test_switched_off_everything_is_gone_and_comes_back(portal_app, on, disable_plugin, enable_plugin, owner_client,
                                                        courier_client, customer_client, rider, ready_order):
    add_area(on, "Coblong", 15_000)
    rider_trip(portal_app, on, ready_order, rider)
    d = m.Delivery.get()
    product = make_product(on, "Loafer", weight_grams=800)
    add_to_cart(customer_client, on, product)
    before = m.Delivery.select().count(), m.DeliveryEvent.select().count(), m.RiderArea.select().count()

    disable_plugin(on, "couriers")
    urls = [f"/s/{on.slug}/couriers/manage/", f"/s/{on.slug}/couriers/manage/setup", f"/s/{on.slug}/couriers/manage/cash",
            f"/s/{on.slug}/couriers/deliveries/{d.id}/photo", "/courier/"]
    for url in urls:
        assert owner_client.get(url, headers=EN).status_code in (404, 403), url
    assert courier_client.get("/courier/", headers=EN).status_code == 404
    assert courier_client.post(f"/courier/deliveries/{d.id}/step", data={}, headers=EN).status_code == 404
    detail = owner_client.get(f"/s/{on.slug}/manage/orders/{ready_order.number}", headers=EN).get_data(as_text=True)
    assert 'id="couriers-panel"' not in detail and "Picked up by the rider" not in detail
    assert "Picked up by the rider" not in customer_page(customer_client, ready_order)
    options = customer_client.hx_get(f"/s/{on.slug}/checkout/", query_string={"city": "Bandung", "district": "Coblong"},
                                     headers=EN).get_data(as_text=True)
    assert "Own rider" not in options
    assert (m.Delivery.select().count(), m.DeliveryEvent.select().count(), m.RiderArea.select().count()) == before

    enable_plugin(on, "couriers")
    detail = owner_client.get(f"/s/{on.slug}/manage/orders/{ready_order.number}", headers=EN).get_data(as_text=True)
    assert detail.count('id="couriers-panel"') == 1
    assert "Picked up by the rider" in customer_page(customer_client, ready_order)
    assert courier_client.get("/courier/", headers=EN).status_code == 200
    options = customer_client.hx_get(f"/s/{on.slug}/checkout/", query_string={"city": "Bandung", "district": "Coblong"},
                                     headers=EN).get_data(as_text=True)
    assert options.count("Own rider (Coblong)") == 1


def test_a_rider_sees_only_shops_with_the_plugin_on(portal_app, on, other_shop, disable_plugin, rider, customer):
    from portal.core.shops import add_member
    from portal.testing import make_client

    add_member(other_shop, rider, "courier")
    x = make_ready(portal_app, on, customer=customer)
    y = make_ready(portal_app, other_shop, customer=customer)
    with portal_app.test_request_context(headers=EN):
        deliveries.book_rider(on, [x], rider, None)
        dy = deliveries.book_rider(other_shop, [y], rider, None)[0]
    disable_plugin(other_shop, "couriers")
    c = make_client(portal_app, rider)
    page = c.get("/courier/", headers=EN).get_data(as_text=True)
    assert x.number in page and y.number not in page
    assert c.post(f"/courier/deliveries/{dy.id}/step", data={f"step-{dy.id}-step": "accept"}, headers=EN).status_code == 404
    assert fresh(dy).status == "booked"


# ---------------------------------------------------------------------------
# hostile text
# ---------------------------------------------------------------------------

HOSTILE = [
    '<script>alert("x")</script>',
    '<img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    '<a hx-get="/admin" hx-trigger="load">x</a>',
    "Ab\u200bc\u202egnp.exe",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_inert_everywhere(portal_app, on, owner_client, courier_client, customer_client, rider, customer,
                                          text):
    order = make_ready(portal_app, on, customer=customer, name=text[:120], address=text, city=text[:80])
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_rider(on, [order], rider, None)[0]
        d = deliveries.accept(d, rider)
        d = deliveries.picked_up(d, rider)
        deliveries.failed(d, rider, text + " " + "x" * 400)
    pages = [
        owner_client.get(f"/s/{on.slug}/couriers/manage/", headers=EN),
        owner_client.hx_get(f"/s/{on.slug}/couriers/manage/", headers=EN),
        owner_client.get(f"/s/{on.slug}/manage/orders/{order.number}", headers=EN),
        courier_client.get("/courier/", headers=EN),
        courier_client.hx_get("/courier/", headers=EN),
        customer_client.get(f"/s/{on.slug}/orders/{order.number}", headers=EN),
    ]
    for page in pages:
        body = page.get_data(as_text=True)
        assert page.status_code == 200
        assert "<script>alert" not in body and "<img src=x" not in body and 'hx-get="/admin"' not in body
        assert 'href="javascript:' not in body


def test_ten_thousand_characters_are_refused_by_the_forms(portal_app, on, owner_client, courier_client, rider,
                                                          ready_order):
    long = "x" * 10_000
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/areas", data={"area-place": long, "area-fee": "1"},
                                 headers=EN)
    assert response.status_code == 422 and not m.RiderArea.select().exists()
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/services",
                                 data={"service-name": "JNE", "service-tracking_template": "https://x.example/" + long},
                                 headers=EN)
    assert response.status_code == 422 and not m.CourierService.select().exists()
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_rider(on, [ready_order], rider, None)[0]
        deliveries.accept(d, rider)
        deliveries.picked_up(d, rider)
    courier_client.post(f"/courier/deliveries/{d.id}/failed", data={f"fail-{d.id}-reason": long}, headers=EN)
    courier_client.post(f"/courier/deliveries/{d.id}/delivered", data={f"done-{d.id}-recipient": long}, headers=EN)
    assert fresh(d).status == "picked_up"


@pytest.mark.parametrize("template", ["javascript:alert(1)//{waybill}", "http://x.example/{waybill}",
                                      "https://x.example/track", "data:text/html,{waybill}"])
def test_a_tracking_link_must_be_https_with_the_placeholder(on, owner_client, template):
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/services",
                                 data={"service-name": "JNE", "service-tracking_template": template}, headers=EN)
    assert response.status_code == 422
    assert 'id="service-tracking_template-error"' in response.get_data(as_text=True)
    assert not m.CourierService.select().exists()


def test_checkout_destination_text_is_inert(on, customer_client):
    add_area(on, "Coblong", 15_000)
    product = make_product(on, "Loafer")
    add_to_cart(customer_client, on, product)
    body = customer_client.hx_get(f"/s/{on.slug}/checkout/", query_string={
        "city": '<script>alert(1)</script>', "district": '"><img src=x onerror=alert(1)>', "postal_code": "x" * 10_000},
        headers=EN).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert Order.select().count() == 0
    assert fees.RIDER_CODE not in body
