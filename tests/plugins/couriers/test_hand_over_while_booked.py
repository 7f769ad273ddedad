"""While a rider's job is open and not picked up, core's "hand over" is the rider's step, not the shop's.

The owner's order page does not offer core's button then and says why; the step is
refused if asked for anyway (a page opened earlier); the rider's own steps still move
the order; taking the job back, or the rider declining it, gives the button back.
"""
from __future__ import annotations

import re

import pytest

from plugins.couriers import deliveries
from portal.core.models import User
from portal.core.orders import OrderEvent
from tests.plugins.couriers.kit import EN, add_service, fresh

ID = {"Accept-Language": "id"}
REASON = ("Booked to rider Ujang — the rider marks the hand-over on picking the parcel up. To hand it over "
          "yourself, first take the job back under Deliveries.")


@pytest.fixture
def ujang(rider):
    User.update(name="Ujang").where(User.id == rider.id).execute()
    return User.get_by_id(rider.id)


@pytest.fixture
def job(portal_app, on, ujang, ready_order):
    with portal_app.test_request_context(headers=EN):
        return deliveries.book_rider(on, [ready_order], ujang, None)[0]


def order_url(order):
    return f"/s/{order.shop.slug}/manage/orders/{order.number}"


def page(client, order, headers=EN) -> str:
    response = client.get(order_url(order), headers=headers)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def buttons(html: str) -> set[str]:
    return set(re.findall(r'<input type="hidden" name="action" value="([a-z_]+)">', html))


def hand_over(client, order, htmx=True):
    send = client.hx_post if htmx else client.post
    return send(f"{order_url(order)}/action", data={"action": "hand_over"}, headers=EN)


def events(order):
    return [(e.action, e.actor_role) for e in OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id)]


def step(client, d, value):
    return client.post(f"/courier/deliveries/{d.id}/step", data={f"step-{d.id}-step": value}, headers=EN)


def test_core_hand_over_is_refused_while_the_rider_has_the_job(portal_app, on, owner_client, staff_client,
                                                                 courier_client, job, ready_order):
    before = events(ready_order)
    response = hand_over(owner_client, ready_order)
    assert response.status_code == 200
    assert f'<p class="flash flash-error" role="alert">{REASON}</p>' in response.get_data(as_text=True)
    assert (fresh(ready_order).status, fresh(job).status) == ("ready", "booked")
    assert events(ready_order) == before
    # Without htmx (a page opened before the booking): the same, after the redirect.
    plain = hand_over(staff_client, ready_order, htmx=False)
    assert plain.status_code == 303
    assert REASON in staff_client.get(plain.headers["Location"], headers=EN).get_data(as_text=True)
    # Accepted by the rider: still the rider's step.
    assert step(courier_client, job, "accept").status_code == 303
    assert REASON in hand_over(owner_client, ready_order).get_data(as_text=True)
    assert fresh(ready_order).status == "ready" and events(ready_order) == before

    # The rider's own steps move the order through core as before.
    assert step(courier_client, job, "picked_up").status_code == 303
    assert (fresh(job).status, fresh(ready_order).status) == ("picked_up", "handed_over")
    response = courier_client.post(f"/courier/deliveries/{job.id}/delivered",
                                   data={f"done-{job.id}-recipient": "Ibu Siti"}, headers=EN,
                                   content_type="multipart/form-data")
    assert response.status_code == 303
    assert (fresh(job).status, fresh(ready_order).status) == ("delivered", "delivered")
    assert events(ready_order)[-2:] == [("hand_over", "courier"), ("deliver", "courier")]


def test_the_order_page_says_why_instead_of_offering_the_button(portal_app, on, owner_client, courier_client, ujang,
                                                                  job, ready_order):
    html = page(owner_client, ready_order)
    assert "hand_over" not in buttons(html)
    assert f'<p class="action-blocked action-blocked-hand_over" role="note">{REASON}</p>' in html
    indonesian = page(owner_client, ready_order, headers=ID)
    assert "Sudah dipesankan ke kurir Ujang" in indonesian and "hand_over" not in buttons(indonesian)
    step(courier_client, job, "accept")
    assert "hand_over" not in buttons(page(owner_client, ready_order))

    # The owner takes the job back: the order is the shop's to hand over again.
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/deliveries/{job.id}/cancel", data={}, headers=EN)
    assert response.status_code == 303 and fresh(job).status == "cancelled"
    html = page(owner_client, ready_order)
    assert "hand_over" in buttons(html) and "action-blocked" not in html

    # Booked again and declined by the rider: the same.
    with portal_app.test_request_context(headers=EN):
        again = deliveries.book_rider(on, [ready_order], ujang, None)[0]
    assert "hand_over" not in buttons(page(owner_client, ready_order))
    step(courier_client, again, "decline")
    assert fresh(again).status == "declined"
    assert "hand_over" in buttons(page(owner_client, ready_order))
    assert hand_over(owner_client, ready_order).status_code == 200
    assert fresh(ready_order).status == "handed_over"


def test_a_courier_service_and_the_plugin_switched_off_are_not_held_back(portal_app, on, owner_client, owner, ujang,
                                                                         ready_order, disable_plugin):
    from tests.plugins.couriers.kit import make_ready

    # Handing the parcel to a service is core's hand-over by the shop, and goes through.
    jne = add_service(on)
    with portal_app.test_request_context(headers=EN):
        d = deliveries.book_service(on, ready_order, jne, "CGK123456", owner, "owner")
    assert (fresh(d).status, fresh(ready_order).status) == ("handed_over", "handed_over")
    # With the plugin off, the shop delivers by hand: core's button is back, bookings or not.
    other = make_ready(portal_app, on)
    with portal_app.test_request_context(headers=EN):
        deliveries.book_rider(on, [other], ujang, None)
    disable_plugin(on, "couriers")
    assert "hand_over" in buttons(page(owner_client, other))
    hand_over(owner_client, other)
    assert fresh(other).status == "handed_over"
