"""The demo: Ujang's Bandung districts, two services with fee tables, deliveries in several states."""
from __future__ import annotations

from plugins.couriers import demo, fees
from plugins.couriers import models as m
from portal.core.models import Shop, User
from portal.demo import DEMO_PASSWORD, load_demo
from portal.plugin_api import Destination
from portal.testing import make_client


def test_demo_data(portal_app):
    load_demo()
    shop = Shop.get(Shop.slug == "cibaduyut")
    assert m.RiderArea.select().where(m.RiderArea.shop == shop).count() == len(demo.AREAS)
    services = list(m.CourierService.select().where(m.CourierService.shop == shop))
    assert sorted(s.name for s in services) == ["J&T Express", "JNE REG"]
    assert all(m.ServiceRate.select().where(m.ServiceRate.service == s).count() >= 5 for s in services)
    states = {d.status for d in m.Delivery.select().where(m.Delivery.shop == shop)}
    assert {"booked", "on_the_way", "delivered", "handed_over"} <= states
    before = (m.RiderArea.select().count(), m.Delivery.select().count(), m.DeliveryEvent.select().count(),
              m.ServiceRate.select().count())
    demo.load(shop)  # idempotent
    assert (m.RiderArea.select().count(), m.Delivery.select().count(), m.DeliveryEvent.select().count(),
            m.ServiceRate.select().count()) == before

    with portal_app.test_request_context():
        from portal.core.cart import Cart

        options = fees.delivery_options(shop, Cart(shop=shop), Destination(city="Bandung", district="Bojongloa Kidul"), False)
    assert [o.fee for o in options if o.code == fees.RIDER_CODE] == [10_000]

    ujang = User.get(User.email == "courier@demo.test")
    c = make_client(portal_app)
    c.login(ujang.email, DEMO_PASSWORD)
    page = c.get("/courier/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    from portal.core.orders import Order

    open_jobs = m.Delivery.select().where((m.Delivery.rider == ujang) & m.Delivery.status.in_(m.RIDER_OPEN))
    assert open_jobs.count() == 2
    for d in open_jobs:
        assert Order.get_by_id(d.order_id).number in page
