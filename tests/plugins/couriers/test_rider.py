"""The rider's page: every step of a delivery, who may take it, the photo, and the order moving through core."""
from __future__ import annotations

import io

import pytest

from plugins.couriers import deliveries
from plugins.couriers import models as m
from portal.core.orders import OrderEvent
from tests.plugins.couriers.kit import EN, fresh, png


@pytest.fixture
def job(portal_app, on, rider, ready_order):
    with portal_app.test_request_context():
        return deliveries.book_rider(on, [ready_order], rider, None)[0]


def step(client, d, value, htmx=False, **extra):
    data = {f"step-{d.id}-step": value, **extra}
    send = client.hx_post if htmx else client.post
    return send(f"/courier/deliveries/{d.id}/step", data=data, headers=EN)


def deliver(client, d, recipient="Budi", photo=None, cash=None, htmx=False):
    data = {f"done-{d.id}-recipient": recipient}
    if cash is not None:
        data[f"done-{d.id}-cash_collected"] = str(cash)
    if photo is not None:
        data[f"done-{d.id}-photo"] = (io.BytesIO(photo), "door.png")
    send = client.hx_post if htmx else client.post
    return send(f"/courier/deliveries/{d.id}/delivered", data=data, headers=EN, content_type="multipart/form-data")


def order_events(order):
    return [(e.action, e.actor_role) for e in OrderEvent.select().where(OrderEvent.order == order.id).order_by(OrderEvent.id)]


def test_the_whole_trip(portal_app, on, courier_client, job, ready_order, rider):
    page = courier_client.get("/courier/", headers=EN)
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert ready_order.number in body and ready_order.address in body and ready_order.phone in body

    assert step(courier_client, job, "accept").status_code == 303
    assert fresh(job).status == "accepted"
    assert step(courier_client, job, "picked_up").status_code == 303
    assert (fresh(job).status, fresh(ready_order).status) == ("picked_up", "handed_over")
    card = step(courier_client, job, "on_the_way", htmx=True)
    assert card.status_code == 200
    assert card.get_data(as_text=True).lstrip().startswith(f'<article id="job-{job.id}"')
    assert fresh(job).status == "on_the_way"
    assert deliver(courier_client, job, "Ibu Siti", photo=png()).status_code == 303
    done = fresh(job)
    assert (done.status, done.recipient_name, fresh(ready_order).status) == ("delivered", "Ibu Siti", "delivered")
    assert done.photo_file and done.photo_content_type == "image/png"
    # Core's state machine moved the order, as the courier, and recorded it.
    assert order_events(ready_order)[-2:] == [("hand_over", "courier"), ("deliver", "courier")]


def test_declining_puts_the_order_back_in_the_owners_queue(portal_app, on, courier_client, owner_client, job, ready_order):
    assert step(courier_client, job, "decline", **{f"step-{job.id}-reason": "ban bocor"}).status_code == 303
    assert fresh(job).status == "declined"
    queue = owner_client.get(f"/s/{on.slug}/couriers/manage/", headers=EN).get_data(as_text=True)
    assert f"<strong>{ready_order.number}</strong>" in queue
    # A declined job cannot be picked up any more.
    step(courier_client, job, "accept")
    assert fresh(job).status == "declined"


def test_a_failed_delivery_returns_the_order_to_the_shop(portal_app, on, courier_client, owner_client, job, ready_order):
    step(courier_client, job, "accept")
    step(courier_client, job, "picked_up")
    empty = courier_client.post(f"/courier/deliveries/{job.id}/failed", data={f"fail-{job.id}-reason": ""}, headers=EN,
                                follow_redirects=True)
    assert fresh(job).status == "picked_up"
    assert "Please correct the marked fields." in empty.get_data(as_text=True)
    response = courier_client.post(f"/courier/deliveries/{job.id}/failed",
                                   data={f"fail-{job.id}-reason": "Nobody home"}, headers=EN)
    assert response.status_code == 303
    assert (fresh(job).status, fresh(job).failure_reason) == ("failed", "Nobody home")
    assert fresh(ready_order).status == "ready"
    assert order_events(ready_order)[-1] == ("return_to_shop", "courier")
    queue = owner_client.get(f"/s/{on.slug}/couriers/manage/", headers=EN).get_data(as_text=True)
    assert f"<strong>{ready_order.number}</strong>" in queue


@pytest.mark.parametrize(("status", "value"), [
    ("booked", "picked_up"), ("booked", "on_the_way"), ("accepted", "accept"), ("accepted", "on_the_way"),
    ("picked_up", "accept"), ("picked_up", "decline"), ("picked_up", "picked_up"),
])
def test_steps_out_of_order_change_nothing(portal_app, on, courier_client, job, ready_order, status, value):
    m.Delivery.update(status=status).where(m.Delivery.id == job.id).execute()
    before = order_events(ready_order)
    response = step(courier_client, job, value, htmx=True)
    assert response.status_code == 200
    assert "changed meanwhile" in response.get_data(as_text=True)
    assert fresh(job).status == status
    assert order_events(ready_order) == before


def test_delivered_needs_a_recipient_and_refuses_a_bad_photo(portal_app, on, courier_client, job, ready_order):
    step(courier_client, job, "accept")
    step(courier_client, job, "picked_up")
    no_name = deliver(courier_client, job, "", htmx=True)
    assert f'id="done-{job.id}-recipient-error"' in no_name.get_data(as_text=True)
    fake = deliver(courier_client, job, "Budi", photo=b"<html><script>alert(1)</script></html>", htmx=True)
    assert "web page code" in fake.get_data(as_text=True)
    pdf = deliver(courier_client, job, "Budi", photo=b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\nstartxref\n0\n%%EOF\n", htmx=True)
    assert "Upload a photo" in pdf.get_data(as_text=True)
    assert fresh(job).status == "picked_up"
    assert fresh(ready_order).status == "handed_over"


def test_the_photo_is_re_encoded_and_private(portal_app, on, courier_client, owner_client, staff_client, rider_b_client,
                                             customer_client, supplier_client, other_owner_client, client, job):
    step(courier_client, job, "accept")
    step(courier_client, job, "picked_up")
    original = png(color=(10, 200, 30))
    deliver(courier_client, job, "Budi", photo=original)
    url = f"/s/{on.slug}/couriers/deliveries/{job.id}/photo"
    got = owner_client.get(url)
    assert got.status_code == 200 and got.mimetype == "image/png"
    assert got.headers["Cache-Control"] == "private, no-store"
    assert got.data.startswith(b"\x89PNG") and got.data != original  # re-encoded, not the bytes sent
    assert staff_client.get(url).status_code == 200
    assert courier_client.get(url).status_code == 200
    for other in (rider_b_client, customer_client, supplier_client, other_owner_client, client):
        assert other.get(url).status_code == 404


def test_another_rider_cannot_see_or_touch_the_job(portal_app, on, courier_client, rider_b_client, job, ready_order):
    page = rider_b_client.get("/courier/", headers=EN).get_data(as_text=True)
    assert ready_order.number not in page and ready_order.address not in page
    assert step(rider_b_client, job, "accept").status_code == 404
    assert rider_b_client.post(f"/courier/deliveries/{job.id}/failed",
                               data={f"fail-{job.id}-reason": "x"}, headers=EN).status_code == 404
    assert deliver(rider_b_client, job).status_code == 404
    assert fresh(job).status == "booked"


@pytest.mark.parametrize("who", ["customer_client", "supplier_client", "other_owner_client", "staff_client",
                                 "owner_client"])
def test_nobody_but_riders_uses_the_rider_page(request, on, job, who):
    c = request.getfixturevalue(who)
    assert c.get("/courier/", headers=EN).status_code == 403
    assert step(c, job, "accept").status_code == 403
    assert fresh(job).status == "booked"


def test_anonymous_visitors_are_sent_to_log_in(client, job):
    response = client.get("/courier/", headers=EN)
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    response = step(client, job, "accept")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]
    assert fresh(job).status == "booked"


def test_a_rider_of_another_shop_sees_only_their_shops_jobs(portal_app, on, other_shop, job, ready_order):
    from portal.core.shops import add_member
    from portal.testing import make_client, make_user

    other_rider = make_user("ojek@other.test", "Ojek Y")
    add_member(other_shop, other_rider, "courier")
    c = make_client(portal_app, other_rider)
    assert ready_order.number not in c.get("/courier/", headers=EN).get_data(as_text=True)
    assert step(c, job, "accept").status_code == 404


def test_going_off_duty(portal_app, on, courier_client, rider):
    assert courier_client.post("/courier/availability", data={"available": "off"}, headers=EN).status_code == 303
    assert not deliveries.available(rider)
    page = courier_client.get("/courier/", headers=EN).get_data(as_text=True)
    assert "Go on duty" in page
    courier_client.post("/courier/availability", data={"available": "on"}, headers=EN)
    assert deliveries.available(rider)


def test_the_header_links_riders_to_their_page(on, courier_client, customer_client):
    assert 'href="/courier/"' in courier_client.get("/", headers=EN).get_data(as_text=True)
    assert 'href="/courier/"' not in customer_client.get("/", headers=EN).get_data(as_text=True)


def test_the_page_is_phone_sized(on, courier_client, job):
    body = courier_client.get("/courier/", headers=EN).get_data(as_text=True)
    assert 'name="viewport"' in body and "width=device-width" in body
    assert "<table" not in body.split("<main", 1)[1]  # cards, not wide tables


def fail(client, d, reason="Nobody home"):
    return client.post(f"/courier/deliveries/{d.id}/failed", data={f"fail-{d.id}-reason": reason}, headers=EN)


@pytest.mark.parametrize("status", ["booked", "accepted", "declined", "cancelled", "delivered", "failed"])
@pytest.mark.parametrize("report", ["delivered", "failed"])
def test_delivered_or_failed_only_once_on_the_road(portal_app, on, courier_client, job, ready_order, status, report):
    m.Delivery.update(status=status).where(m.Delivery.id == job.id).execute()
    before = order_events(ready_order), fresh(ready_order).status
    response = deliver(courier_client, job) if report == "delivered" else fail(courier_client, job)
    assert response.status_code == 303
    assert fresh(job).status == status
    assert (order_events(ready_order), fresh(ready_order).status) == before


def test_a_rider_taken_off_the_team_no_longer_sees_the_job_or_its_photo(portal_app, on, courier_client, job, ready_order, rider):
    from portal.core.models import Membership
    from portal.core.shops import add_member
    from portal.testing import make_shop

    step(courier_client, job, "accept")
    step(courier_client, job, "picked_up")
    assert deliver(courier_client, job, "Budi", photo=png()).status_code == 303
    assert courier_client.get(f"/s/{on.slug}/couriers/deliveries/{job.id}/photo").status_code == 200
    # Still a rider of another shop, so the rider's page itself stays open to them.
    add_member(make_shop("ojek-lain", name="Toko Lain"), rider, "courier")
    Membership.delete().where((Membership.shop == on) & (Membership.user == rider)).execute()
    assert courier_client.get("/courier/", headers=EN).status_code == 200
    assert ready_order.number not in courier_client.get("/courier/", headers=EN).get_data(as_text=True)
    assert courier_client.get(f"/s/{on.slug}/couriers/deliveries/{job.id}/photo").status_code == 404


def test_a_removed_rider_cannot_report_on_an_open_job(portal_app, on, courier_client, job, ready_order, rider):
    from portal.core.models import Membership
    from portal.core.shops import add_member
    from portal.testing import make_shop

    step(courier_client, job, "accept")
    step(courier_client, job, "picked_up")
    add_member(make_shop("ojek-lain", name="Toko Lain"), rider, "courier")
    Membership.delete().where((Membership.shop == on) & (Membership.user == rider)).execute()
    assert step(courier_client, job, "on_the_way").status_code == 404
    assert deliver(courier_client, job).status_code == 404
    assert fail(courier_client, job).status_code == 404
    assert (fresh(job).status, fresh(ready_order).status) == ("picked_up", "handed_over")


@pytest.mark.parametrize("first_attempt", ["declined", "failed"])
def test_a_declined_or_failed_job_is_booked_again_and_delivered(portal_app, on, owner_client, courier_client,
                                                               rider_b_client, rider_b, job, ready_order, first_attempt):
    step(courier_client, job, "accept")
    if first_attempt == "declined":
        step(courier_client, job, "decline", **{f"step-{job.id}-reason": "ban bocor"})
    else:
        step(courier_client, job, "picked_up")
        fail(courier_client, job, "Rumah kosong")
    assert (fresh(job).status, fresh(ready_order).status) == (first_attempt, "ready")

    # The owner books the order again, for another rider, from the queue.
    response = owner_client.post(f"/s/{on.slug}/couriers/manage/book",
                                 data={"run-orders": str(ready_order.id), "run-rider": str(rider_b.id)}, headers=EN)
    assert response.status_code == 303
    again = m.Delivery.select().where(m.Delivery.id != job.id).get()
    assert (again.order_id, again.rider_id, again.status) == (ready_order.id, rider_b.id, "booked")
    for value in ("accept", "picked_up", "on_the_way"):
        assert step(rider_b_client, again, value).status_code == 303
    assert deliver(rider_b_client, again, "Pak RT").status_code == 303
    assert (fresh(again).status, fresh(ready_order).status) == ("delivered", "delivered")
    assert fresh(job).status == first_attempt  # the first attempt stays as it ended
    # The first rider's page no longer offers the old job.
    assert f'id="job-{job.id}"' not in courier_client.get("/courier/", headers=EN).get_data(as_text=True)
