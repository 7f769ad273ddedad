"""The courier plugin's part of the security suite (see tests/security/plugin_parts.py).

Shop pages under ``/s/<shop>/couriers/manage/`` are the team's (some the owner's);
the rider's pages under ``/courier/`` are for riders (``courier_x``) and reach only
their own jobs: another rider's job in the same shop and a job of shop Y are not
found. The photo at the door is for the team and the rider who took it.
"""
from __future__ import annotations

from security_kit import _form, png_bytes
from security_matrix import MISSING_ID, OWNER_X, TEAM_X, Entry, sx

PLUGIN = "couriers"
F = "plugins.couriers.forms"
RIDER_X = frozenset({"courier_x"})


def _ready(app, shop, product, customer, key):
    """A placed order of ``shop`` pushed to ``ready`` (delivery to an address)."""
    from portal.core import order_flow, payments
    from portal.core.cart import Cart, CartLine
    from portal.core.checkout import Contact, place_order

    with app.test_request_context(headers={"Accept-Language": "en"}):
        cart = Cart(shop=shop, lines=[CartLine(product=product, quantity=1)])
        contact = Contact(name="Siti", email="siti@example.test", phone="+6281234567890", address="Jl. Merdeka 1",
                          city="Bandung", postal_code="40115", district="Coblong")
        order = place_order(shop, cart, contact, "delivery", customer=customer, idempotency_key=key).order
        order = payments.confirm_order(order, None, "owner")
        order = order_flow.transition(order, "verify_payment", role="owner")
        order = order_flow.transition(order, "mark_ready", role="owner")
        app.process_response(app.response_class())
    return order


def build(app, w):
    from plugins.couriers import fees
    from plugins.couriers import models as m
    from portal.core import proofs
    from portal.core.shops import add_member
    from portal.testing import make_user

    customer = w.users["customer_a"]
    for key, d in (("X", w.x), ("Y", w.y)):
        tag = key.lower()
        if key == "X":
            rider = w.users["courier_x"]
        else:
            rider = make_user(f"rider-{tag}@other.test", f"Rider {key}")
            add_member(d.shop, rider, "courier")
        other_rider = make_user(f"rider2-{tag}@example.test", f"Second rider {key}")
        add_member(d.shop, other_rider, "courier")
        area = m.RiderArea.create(shop=d.shop, place="Coblong", place_key="coblong", fee=15_000)
        service = m.CourierService.create(shop=d.shop, name=f"JNE {key}", tracking_template="https://t.example/?awb={waybill}")
        fees.replace_rates(service, [fees.RateRow("Bandung", "bandung", 9_000, 1, "1-2")])
        ready = _ready(app, d.shop, d.product, customer, f"cour-{tag}-ready-00001")
        mine = _ready(app, d.shop, d.product, customer, f"cour-{tag}-mine-000001")
        theirs = _ready(app, d.shop, d.product, customer, f"cour-{tag}-other-00001")
        job = m.Delivery.create(shop=d.shop, order=mine, kind="rider", rider=rider, status="booked")
        m.DeliveryEvent.create(delivery=job, action="booked", note=rider.name)
        other_job = m.Delivery.create(shop=d.shop, order=theirs, kind="rider", rider=other_rider, status="booked")
        photo = proofs.store(proofs.check_bytes(png_bytes()))
        done = m.Delivery.create(shop=d.shop, order=d.order_b, kind="rider", rider=rider, status="delivered",
                                 recipient_name="Budi", photo_file=photo, photo_content_type="image/png",
                                 cod_amount=450_000, cash_collected=450_000)
        d.extra["couriers"] = {"rider": rider, "area": area, "service": service, "ready": ready, "job": job,
                               "other_job": other_job, "done": done}


def c(w, key="X"):
    return w.data(key).extra["couriers"]


def mg(path):
    return lambda w: f"{sx(w)}/couriers/manage{path(w) if callable(path) else path}"


def team(path, wrong=(), owner_only=False, consumes=False):
    return Entry("role", OWNER_X if owner_only else TEAM_X, mg(path), tuple(mg(p) for p in wrong),
                 consumes=consumes, plugin=PLUGIN)


def rider(path_fn, wrong=()):
    return Entry("role", RIDER_X, path_fn, wrong, plugin=PLUGIN)


def _job_url(suffix):
    return (lambda w: f"/courier/deliveries/{c(w)['job'].id}/{suffix}",
            (lambda w: f"/courier/deliveries/{c(w)['other_job'].id}/{suffix}",
             lambda w: f"/courier/deliveries/{c(w, 'Y')['job'].id}/{suffix}",
             lambda w: f"/courier/deliveries/{MISSING_ID}/{suffix}"))


MATRIX = {
    "couriers.queue": team("/"),
    "couriers.book_rider": team("/book"),
    "couriers.book_service": team(lambda w: f"/orders/{c(w)['ready'].number}/ship",
                                  wrong=(lambda w: f"/orders/{c(w, 'Y')['ready'].number}/ship",)),
    "couriers.cancel_booking": team(lambda w: f"/deliveries/{c(w)['other_job'].id}/cancel",
                                    wrong=(lambda w: f"/deliveries/{c(w, 'Y')['other_job'].id}/cancel",),
                                    consumes=True),
    "couriers.setup": team("/setup"),
    "couriers.add_area": team("/areas", owner_only=True),
    "couriers.delete_area": team(lambda w: f"/areas/{c(w)['area'].id}/delete",
                                 wrong=(lambda w: f"/areas/{c(w, 'Y')['area'].id}/delete",), owner_only=True,
                                 consumes=True),
    "couriers.add_service": team("/services", owner_only=True),
    "couriers.service": team(lambda w: f"/services/{c(w)['service'].id}",
                             wrong=(lambda w: f"/services/{c(w, 'Y')['service'].id}",)),
    "couriers.edit_service": team(lambda w: f"/services/{c(w)['service'].id}",
                                  wrong=(lambda w: f"/services/{c(w, 'Y')['service'].id}",), owner_only=True),
    "couriers.import_rates": team(lambda w: f"/services/{c(w)['service'].id}/rates",
                                  wrong=(lambda w: f"/services/{c(w, 'Y')['service'].id}/rates",), owner_only=True),
    "couriers.sample_csv": team("/rates-sample.csv"),
    "couriers.cash": team("/cash"),
    "couriers.reconcile": team(lambda w: f"/cash/{c(w)['rider'].id}",
                               wrong=(lambda w: f"/cash/{c(w, 'Y')['rider'].id}",), owner_only=True),
    # The photo at the door: the team and the rider who took it; nobody else learns it exists.
    "couriers.photo": Entry("hidden", TEAM_X | RIDER_X,
                            lambda w: f"{sx(w)}/couriers/deliveries/{c(w)['done'].id}/photo",
                            wrong=(lambda w: f"{sx(w)}/couriers/deliveries/{c(w, 'Y')['done'].id}/photo",
                                   lambda w: f"{sx(w)}/couriers/deliveries/{c(w)['job'].id}/photo"),
                            plugin=PLUGIN),
    "couriers.mine": rider(lambda w: "/courier/"),
    "couriers.availability": rider(lambda w: "/courier/availability"),
    "couriers.step": rider(*_job_url("step")),
    "couriers.delivered": rider(*_job_url("delivered")),
    "couriers.failed": rider(*_job_url("failed")),
}


# The fuzzer builds each form in a GET request context of the (POST-only) URL, where Flask
# matched no route: the shop and ids are read from the path itself.


def _path():
    from flask import request

    return request.path.strip("/").split("/")


def _shop():
    from portal.core.models import Shop

    return Shop.get(Shop.slug == _path()[1])


def _service_form():
    from plugins.couriers.views import book_service_form
    from portal.core.orders import Order

    shop = _shop()
    order = Order.get((Order.shop == shop) & (Order.number == _path()[-2]))
    return book_service_form(shop, order)


def _rider_form():
    from plugins.couriers import deliveries
    from plugins.couriers.views import book_rider_form

    shop = _shop()
    return book_rider_form(shop, list(deliveries.ready_to_ship(shop)))


def _job_form(name, prefix):
    def build():
        import plugins.couriers.forms as forms

        return getattr(forms, name)(formdata=None, prefix=f"{prefix}-{_path()[-2]}")
    return build


def _cash_form():
    from plugins.couriers.forms import ReconcileForm

    return ReconcileForm(formdata=None, prefix=f"cash-{_path()[-1]}")


FORMS = {
    "couriers.book_rider": ("staff_x", _rider_form),
    "couriers.book_service": ("staff_x", _service_form),
    "couriers.add_area": ("owner_x", _form(F, "AreaForm", prefix="area")),
    "couriers.add_service": ("owner_x", _form(F, "ServiceForm", prefix="service")),
    "couriers.edit_service": ("owner_x", _form(F, "ServiceForm", prefix="service")),
    "couriers.import_rates": ("owner_x", _form(F, "RatesImportForm", prefix="rates")),
    "couriers.reconcile": ("owner_x", _cash_form),
    "couriers.availability": ("courier_x", _form(F, "AvailabilityForm")),
    "couriers.step": ("courier_x", _job_form("StepForm", "step")),
    "couriers.delivered": ("courier_x", _job_form("DeliveredForm", "done")),
    "couriers.failed": ("courier_x", _job_form("FailedForm", "fail")),
}

CSRF_ONLY = {"couriers.cancel_booking", "couriers.delete_area"}
