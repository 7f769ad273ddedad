"""Helpers of the courier plugin's tests (imported by the tests and their conftest)."""
from __future__ import annotations

import io

from PIL import Image

from tests.core.orders_testkit import make_product, place

EN = {"Accept-Language": "en"}


def run_as_request(app, fn, *args, **kwargs):
    """Run a service as a request would (mail queued after it, labels in English)."""
    with app.test_request_context(headers=EN):
        result = fn(*args, **kwargs)
        app.process_response(app.response_class())
    return result


def make_ready(app, shop, customer=None, delivery="delivery", product=None, **contact):
    """A placed order pushed through confirmation and payment to ``ready``."""
    from portal.core import order_flow, payments
    from portal.core.orders import Order

    def go():
        p = product or make_product(shop, f"Pantofel {Order.select().count() + 1}", slug=None, stock=50)
        order = place(shop, [(p, 1)], customer=customer, delivery=delivery, **contact)
        order = payments.confirm_order(order, None, "owner")
        if order.status == "awaiting_payment":
            order = order_flow.transition(order, "verify_payment", role="owner")
        return order_flow.transition(order, "mark_ready", role="owner")

    return run_as_request(app, go)


def add_service(shop, name="JNE REG", template="https://track.example.co.id/t?awb={waybill}", rates=()):
    from plugins.couriers import fees
    from plugins.couriers import models as m

    service = m.CourierService.create(shop=shop, name=name, tracking_template=template)
    fees.replace_rates(service, [fees.RateRow(c, fees.place_key(c), p, k, "") for c, p, k in rates])
    return service


def add_area(shop, place, fee):
    from plugins.couriers import fees
    from plugins.couriers import models as m

    return m.RiderArea.create(shop=shop, place=place, place_key=fees.place_key(place), fee=fee)


def png(size=(60, 40), color=(120, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def fresh(row):
    return type(row).get_by_id(row.id)


def user(email):
    from portal.core.models import User

    return User.get(User.email == email)
