"""The courier plugin's pages: the shop team's "ready to ship" queue, areas and services, cash
reconciliation; and the rider's own page, across every shop they ride for.

Shop pages sit under ``/s/<shop_slug>/couriers/...`` (core's guard answers 404 when
the shop has the plugin off). The rider's pages under ``/courier/`` belong to no
shop: they list and accept only deliveries assigned to the logged-in rider, in
shops that have the plugin on; any other delivery is simply not found.
"""
from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from peewee import fn
from wtforms import SelectChoice

from plugins.couriers import deliveries as svc
from plugins.couriers import fees
from plugins.couriers import models as m
from plugins.couriers.forms import (
    ActionOnlyForm,
    AreaForm,
    AvailabilityForm,
    BookRiderForm,
    BookServiceForm,
    DeliveredForm,
    FailedForm,
    RatesImportForm,
    ReconcileForm,
    ServiceForm,
    StepForm,
)
from portal.core import proofs
from portal.core.db import atomic_write
from portal.core.models import Membership, Shop
from portal.core.order_flow import TransitionError
from portal.core.orders import Order
from portal.core.permissions import is_owner, is_staff, owner_required, role_in, staff_required
from portal.htmx import hx_redirect, render_page, wants_fragment

NAME = "couriers"
bp = Blueprint(NAME, __name__, template_folder="templates", url_prefix="/s/<shop_slug>/couriers")
RECENT = 20


STATUS_LABELS = {
    m.BOOKED: _l("booked, waiting for the rider"),
    m.ACCEPTED: _l("accepted by the rider"),
    m.DECLINED: _l("declined by the rider"),
    m.PICKED_UP: _l("picked up"),
    m.ON_THE_WAY: _l("on the way"),
    m.DELIVERED: _l("delivered"),
    m.FAILED: _l("failed"),
    m.HANDED_OVER: _l("with the courier service"),
    m.CANCELLED: _l("taken back"),
}


@bp.app_template_global("couriers_status")
def couriers_status(status: str):
    return STATUS_LABELS.get(status, status)


def _me():
    return current_user._get_current_object()


def _registry():
    return current_app.extensions["portal"]


# ---------------------------------------------------------------------------
# the shop team: ready to ship
# ---------------------------------------------------------------------------


def _service_choices(shop):
    return [SelectChoice(s.id, s.name) for s in m.CourierService.select().where(
        (m.CourierService.shop == shop) & (m.CourierService.is_active == True)).order_by(m.CourierService.name)]  # noqa: E712


def book_rider_form(shop, orders, formdata=None, prefix="run"):
    form = BookRiderForm(formdata=formdata, prefix=prefix)
    form.orders.choices = [SelectChoice(o.id, o.number) for o in orders]
    form.rider.choices = [SelectChoice(u.id, u.name) for u in svc.available_riders(shop)]
    return form


def book_service_form(shop, order, formdata=None):
    form = BookServiceForm(formdata=formdata, prefix=f"svc-{order.id}")
    form.service.choices = _service_choices(shop)
    return form


def _queue_context(shop, message=None, error=None, run_form=None, service_forms=None):
    ready = list(svc.ready_to_ship(shop))
    active = list(m.Delivery.select().where((m.Delivery.shop == shop) & m.Delivery.status.in_(m.ACTIVE))
                  .order_by(m.Delivery.id.desc()))
    recent = list(m.Delivery.select().where((m.Delivery.shop == shop) & m.Delivery.status.not_in(m.ACTIVE))
                  .order_by(m.Delivery.updated_at.desc(), m.Delivery.id.desc()).limit(RECENT))
    orders = {o.id: o for o in Order.select().where(Order.id.in_([d.order_id for d in active + recent]))} if (active or recent) else {}
    service_forms = service_forms or {}
    return {
        "shop": shop, "ready": ready, "active": active, "recent": recent, "orders": orders,
        "run_form": run_form or book_rider_form(shop, ready),
        "service_forms": {o.id: service_forms.get(o.id) or book_service_form(shop, o) for o in ready},
        "riders": svc.riders(shop), "available_ids": {u.id for u in svc.available_riders(shop)},
        "has_services": bool(_service_choices(shop)), "cancel_form": ActionOnlyForm(),
        "message": message, "error": error,
    }


def _queue(status=200, **kwargs):
    response = render_page("couriers/queue.html", "couriers/_queue.html", **_queue_context(g.shop, **kwargs))
    response.status_code = status
    return response


@bp.get("/manage/")
@staff_required
def queue():
    return _queue()


def _back_to_order(order) -> bool:
    return request.form.get("back") == "order" and order is not None


def _order_panel_or_redirect(order, message=None, error=None, **forms):
    """After a booking from the order page: the panel again (htmx) or the order page."""
    if error and wants_fragment():
        return render_template("couriers/_booking.html", **booking_context(g.shop, order, error=error, **forms))
    if error:
        flash(error, "error")
    elif message:
        flash(message, "success")
    return hx_redirect(url_for("order_admin.detail", number=order.number))


@bp.post("/manage/book")
@staff_required
def book_rider():
    shop = g.shop
    ready = list(svc.ready_to_ship(shop))
    form = book_rider_form(shop, ready, formdata=request.form)
    single = None
    if request.form.get("back") == "order":
        single = Order.get_or_none((Order.shop == shop) & (Order.id == request.form.get("run-orders", type=int)))
    if not form.validate_on_submit():
        if single is not None:
            error = (_("This order cannot be booked now; please reload.") if form.orders.errors
                     else _("Choose an available rider."))
            return _order_panel_or_redirect(single, error=error, run_form=form)
        return _queue(422 if not wants_fragment() else 200, run_form=form,
                      error=_("Please correct the marked fields."))
    chosen = [o for o in ready if o.id in set(form.orders.data)]
    rider = next((u for u in svc.riders(shop) if u.id == form.rider.data), None)
    try:
        booked = svc.book_rider(shop, chosen, rider, _me()) if rider else []
    except svc.DeliveryError as err:
        if single is not None:
            return _order_panel_or_redirect(single, error=str(err))
        return _queue(409 if not wants_fragment() else 200, error=str(err))
    message = _("%(name)s has %(n)s new job(s) and was e-mailed the details.", name=rider.name, n=len(booked))
    if single is not None:
        return _order_panel_or_redirect(single, message=message)
    if wants_fragment():
        return _queue(message=message)
    flash(message, "success")
    return redirect(url_for("couriers.queue"), code=303)


@bp.post("/manage/orders/<number>/ship")
@staff_required
def book_service(number: str):
    shop = g.shop
    order = Order.get_or_none((Order.shop == shop) & (Order.number == number[:32]))
    if order is None:
        abort(404)
    form = book_service_form(shop, order, formdata=request.form)
    back = _back_to_order(order)
    if not form.validate_on_submit():
        if back:
            return _order_panel_or_redirect(order, error=_("Please correct the marked fields."), service_form=form)
        return _queue(422 if not wants_fragment() else 200, service_forms={order.id: form},
                      error=_("Please correct the marked fields."))
    service = m.CourierService.get_or_none((m.CourierService.id == form.service.data) & (m.CourierService.shop == shop))
    try:
        if service is None:
            raise svc.DeliveryError(_("Choose one of your courier services."))
        svc.book_service(shop, order, service, form.waybill.data, _me(), role_in(shop))
    except (svc.DeliveryError, TransitionError) as err:
        if back:
            return _order_panel_or_redirect(order, error=str(err), service_form=form)
        return _queue(409 if not wants_fragment() else 200, service_forms={order.id: form}, error=str(err))
    message = _("Order %(number)s handed to %(service)s.", number=order.number, service=service.name)
    if back:
        return _order_panel_or_redirect(order, message=message)
    if wants_fragment():
        return _queue(message=message)
    flash(message, "success")
    return redirect(url_for("couriers.queue"), code=303)


@bp.post("/manage/deliveries/<int:delivery_id>/cancel")
@staff_required
def cancel_booking(delivery_id: int):
    delivery = svc.shop_delivery(g.shop, delivery_id)
    if delivery is None:
        abort(404)
    form = ActionOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        svc.cancel_booking(g.shop, delivery, _me())
    except svc.DeliveryError as err:
        return _queue(409 if not wants_fragment() else 200, error=str(err))
    message = _("The job was taken back; the order is ready to book again.")
    if wants_fragment():
        return _queue(message=message)
    flash(message, "success")
    return redirect(url_for("couriers.queue"), code=303)


@bp.get("/deliveries/<int:delivery_id>/photo")
def photo(delivery_id: int):
    """The photo at the door: to the shop's team and to the rider who took it; nobody else learns it exists."""
    delivery = svc.shop_delivery(g.shop, delivery_id)
    if delivery is None or not delivery.photo_file:
        abort(404)
    me = _me() if current_user.is_authenticated else None
    if me is None or not (is_staff(g.shop) or (delivery.rider_id == me.id and svc.is_rider_of(g.shop, me))):
        abort(404)
    try:
        path = proofs.path_for(delivery.photo_file)
    except FileNotFoundError:
        abort(404)
    if not path.is_file():
        abort(404)
    response = send_file(io.BytesIO(path.read_bytes()), mimetype=delivery.photo_content_type or "image/jpeg",
                         download_name=f"delivery-{delivery.id}{path.suffix}", conditional=False, etag=False, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def booking_context(shop, order, error=None, run_form=None, service_form=None):
    deliveries = svc.deliveries_of(order)
    active = next((d for d in reversed(deliveries) if d.is_active), None)
    bookable = active is None and order.status == "ready" and order.delivery_method != "pickup"
    if run_form is None:
        run_form = book_rider_form(shop, [order])
        run_form.orders.data = [order.id]
    return {
        "shop": shop, "order": order, "deliveries": deliveries, "active": active, "bookable": bookable,
        "events": svc.events_of(deliveries), "run_form": run_form,
        "service_form": service_form or book_service_form(shop, order), "has_services": bool(_service_choices(shop)),
        "cod": order.payment_method == "cod", "error": error, "cancel_form": ActionOnlyForm(),
    }


# ---------------------------------------------------------------------------
# the shop team: areas, services, fee tables
# ---------------------------------------------------------------------------


def _setup_context(shop, area_form=None, service_form=None, message=None, error=None):
    return {
        "shop": shop, "can_edit": is_owner(shop),
        "areas": list(m.RiderArea.select().where(m.RiderArea.shop == shop).order_by(m.RiderArea.place)),
        "services": list(m.CourierService.select().where(m.CourierService.shop == shop).order_by(m.CourierService.name)),
        "rate_counts": {s.service_id: s.n for s in m.ServiceRate.select(
            m.ServiceRate.service, fn.COUNT(m.ServiceRate.id).alias("n")).join(m.CourierService).where(
            m.CourierService.shop == shop).group_by(m.ServiceRate.service)},
        "riders": svc.riders(shop),
        "area_form": area_form or AreaForm(prefix="area"), "service_form": service_form or ServiceForm(prefix="service"),
        "delete_form": ActionOnlyForm(), "message": message, "error": error,
    }


def _setup(status=200, **kwargs):
    response = render_page("couriers/setup.html", "couriers/_setup.html", **_setup_context(g.shop, **kwargs))
    response.status_code = status
    return response


@bp.get("/manage/setup")
@staff_required
def setup():
    return _setup()


def _done(message, endpoint="couriers.setup", **values):
    if wants_fragment():
        return None
    flash(message, "success")
    return redirect(url_for(endpoint, **values), code=303)


@bp.post("/manage/areas")
@owner_required
def add_area():
    form = AreaForm(prefix="area")
    if not form.validate_on_submit():
        return _setup(200 if wants_fragment() else 422, area_form=form)
    key = fees.place_key(form.place.data)
    with atomic_write():
        if m.RiderArea.select().where((m.RiderArea.shop == g.shop) & (m.RiderArea.place_key == key)).exists():
            form.place.errors = [*form.place.errors, _("This place is already listed.")]
            return _setup(200 if wants_fragment() else 422, area_form=form)
        m.RiderArea.create(shop=g.shop, place=form.place.data, place_key=key, fee=form.fee.data)
    message = _("Riders now deliver to %(place)s.", place=form.place.data)
    return _done(message) or _setup(message=message)


@bp.post("/manage/areas/<int:area_id>/delete")
@owner_required
def delete_area(area_id: int):
    area = m.RiderArea.get_or_none((m.RiderArea.id == area_id) & (m.RiderArea.shop == g.shop))
    if area is None:
        abort(404)
    if not ActionOnlyForm().validate_on_submit():
        abort(400)
    area.delete_instance()
    message = _("%(place)s removed from the riders' areas.", place=area.place)
    return _done(message) or _setup(message=message)


@bp.post("/manage/services")
@owner_required
def add_service():
    form = ServiceForm(prefix="service")
    if not form.validate_on_submit():
        return _setup(200 if wants_fragment() else 422, service_form=form)
    with atomic_write():
        if m.CourierService.select().where((m.CourierService.shop == g.shop) & (m.CourierService.name == form.name.data)).exists():
            form.name.errors = [*form.name.errors, _("You already have a service with this name.")]
            return _setup(200 if wants_fragment() else 422, service_form=form)
        service = m.CourierService.create(shop=g.shop, name=form.name.data, tracking_template=form.tracking_template.data or "",
                                          is_active=form.is_active.data)
    flash(_("%(name)s added. Now import its fee table.", name=service.name), "success")
    return hx_redirect(url_for("couriers.service", service_id=service.id))


def _service_or_404(service_id: int) -> m.CourierService:
    service = m.CourierService.get_or_none((m.CourierService.id == service_id) & (m.CourierService.shop == g.shop))
    if service is None:
        abort(404)
    return service


def _service_page(service, status=200, form=None, import_form=None, message=None, errors=None):
    rates = list(m.ServiceRate.select().where(m.ServiceRate.service == service).order_by(m.ServiceRate.city))
    response = render_page(
        "couriers/service.html", "couriers/_service.html", shop=g.shop, service=service, rates=rates,
        can_edit=is_owner(g.shop), form=form or ServiceForm(prefix="service", obj=service),
        import_form=import_form or RatesImportForm(prefix="rates"), message=message, errors=errors or [],
    )
    response.status_code = status
    return response


@bp.get("/manage/services/<int:service_id>")
@staff_required
def service(service_id: int):
    return _service_page(_service_or_404(service_id))


@bp.post("/manage/services/<int:service_id>")
@owner_required
def edit_service(service_id: int):
    service = _service_or_404(service_id)
    form = ServiceForm(prefix="service")
    if not form.validate_on_submit():
        return _service_page(service, 200 if wants_fragment() else 422, form=form)
    clash = m.CourierService.select().where((m.CourierService.shop == g.shop) & (m.CourierService.name == form.name.data)
                                            & (m.CourierService.id != service.id)).exists()
    if clash:
        form.name.errors = [*form.name.errors, _("You already have a service with this name.")]
        return _service_page(service, 200 if wants_fragment() else 422, form=form)
    m.CourierService.update(name=form.name.data, tracking_template=form.tracking_template.data or "",
                            is_active=form.is_active.data).where(m.CourierService.id == service.id).execute()
    message = _("Saved.")
    return (_done(message, "couriers.service", service_id=service.id)
            or _service_page(m.CourierService.get_by_id(service.id), message=message))


@bp.post("/manage/services/<int:service_id>/rates")
@owner_required
def import_rates(service_id: int):
    service = _service_or_404(service_id)
    form = RatesImportForm(prefix="rates")
    if not form.validate_on_submit():
        return _service_page(service, 200 if wants_fragment() else 422, import_form=form,
                             errors=[_("Please try again.")])
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        return _service_page(service, 200 if wants_fragment() else 422, import_form=form,
                             errors=[_("Choose a CSV file to import.")])
    try:
        rows = fees.parse_rates(upload.stream.read(fees.MAX_IMPORT_BYTES + 1))
    except fees.RatesImportError as err:
        return _service_page(service, 200 if wants_fragment() else 422, import_form=form, errors=err.errors)
    count = fees.replace_rates(service, rows)
    message = _("Imported %(n)s rows; they replace the previous table.", n=count)
    return _done(message, "couriers.service", service_id=service.id) or _service_page(service, message=message)


@bp.get("/manage/rates-sample.csv")
@staff_required
def sample_csv():
    response = send_file(io.BytesIO(fees.SAMPLE_CSV.encode()), mimetype="text/csv", as_attachment=True,
                         download_name="tarif-kurir-contoh.csv", conditional=False, etag=False, max_age=0)
    return response


# ---------------------------------------------------------------------------
# the shop team: cash on delivery
# ---------------------------------------------------------------------------


def _cash(status=200, message=None, error=None):
    groups = svc.cash_to_reconcile(g.shop)
    orders = {o.id: o for o in Order.select().where(Order.id.in_(
        [d.order_id for group in groups for d in group["deliveries"]]))} if groups else {}
    response = render_page("couriers/cash.html", "couriers/_cash.html", shop=g.shop, groups=groups,
                           orders=orders, can_edit=is_owner(g.shop), message=message, error=error)
    response.status_code = status
    return response


@bp.get("/manage/cash")
@staff_required
def cash():
    return _cash()


@bp.post("/manage/cash/<int:rider_id>")
@owner_required
def reconcile(rider_id: int):
    if not m.Delivery.select().where((m.Delivery.shop == g.shop) & (m.Delivery.rider == rider_id)).exists():
        abort(404)  # not a rider who ever delivered for this shop
    form = ReconcileForm(prefix=f"cash-{rider_id}")
    if not form.validate_on_submit():
        return _cash(200 if wants_fragment() else 422, error=_("Please reload the page and try again."))
    try:
        n = svc.reconcile(g.shop, rider_id, form.ids, _me())
    except svc.DeliveryError as err:
        return _cash(200 if wants_fragment() else 409, error=str(err))
    message = _("Cash of %(n)s delivery(ies) counted in.", n=n)
    return _done(message, "couriers.cash") or _cash(message=message)


# ---------------------------------------------------------------------------
# the rider's page (not tied to one shop)
# ---------------------------------------------------------------------------


def _rider_shops(user) -> list[Shop]:
    """The shops this user rides for that have the plugin on."""
    shops = (Shop.select().join(Membership, on=(Membership.shop == Shop.id))
             .where((Membership.user == user) & (Membership.role == "courier") & (Shop.is_active == True)))  # noqa: E712
    return [s for s in shops if _registry().is_enabled(s, NAME)]


def _require_rider():
    """Logged in (else to the log-in page) and a rider of at least one shop with the plugin on (else 403)."""
    if not current_user.is_authenticated:
        return hx_redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    if not _rider_shops(_me()):
        # A rider whose shops all have the plugin off finds no page; anybody else may not look.
        riding = Membership.select().where((Membership.user == _me()) & (Membership.role == "courier")).exists()
        abort(404 if riding else 403)
    return None


def _my_delivery(delivery_id: int) -> m.Delivery:
    delivery = svc.rider_delivery(_me(), delivery_id)
    # A rider the shop has since taken off its team no longer reaches its jobs (the owner takes them back).
    if (delivery is None or not _registry().is_enabled(delivery.shop, NAME)
            or not svc.is_rider_of(delivery.shop, _me())):
        abort(404)
    return delivery


def job_context(delivery, message=None, error=None, step_form=None, delivered_form=None, failed_form=None):
    order = Order.get_by_id(delivery.order_id)
    return {
        "d": delivery, "order": order, "shop": delivery.shop, "message": message, "error": error,
        "step_form": step_form or StepForm(prefix=f"step-{delivery.id}"),
        "delivered_form": delivered_form or DeliveredForm(prefix=f"done-{delivery.id}"),
        "failed_form": failed_form or FailedForm(prefix=f"fail-{delivery.id}"),
    }


def _mine(status=200, message=None):
    me = _me()
    shops = _rider_shops(me)
    rows = list(m.Delivery.select().where((m.Delivery.rider == me) & (m.Delivery.kind == m.RIDER)
                                          & m.Delivery.shop.in_([s.id for s in shops]))
                .order_by(m.Delivery.id.desc()).limit(100))
    open_jobs = [d for d in rows if d.status in m.RIDER_OPEN]
    done = [d for d in rows if d.status not in m.RIDER_OPEN][:RECENT]
    open_jobs.sort(key=lambda d: d.id)
    response = render_page(
        "couriers/mine.html", "couriers/_mine.html", jobs=[job_context(d) for d in open_jobs],
        done=done, orders={o.id: o for o in Order.select().where(Order.id.in_([d.order_id for d in done]))} if done else {},
        available=svc.available(me), availability_form=AvailabilityForm(), message=message,
        cash_held=sum(d.cash_collected or 0 for d in rows if d.cash_collected is not None and d.cash_reconciled_at is None),
    )
    response.status_code = status
    return response


def mine():
    refusal = _require_rider()
    if refusal is not None:
        return refusal
    return _mine()


def availability():
    refusal = _require_rider()
    if refusal is not None:
        return refusal
    form = AvailabilityForm()
    if not form.validate_on_submit():
        return _mine(200 if wants_fragment() else 422, message=_("Please try again."))
    svc.set_available(_me(), form.available.data == "on")
    message = _("You take new jobs.") if form.available.data == "on" else _("You take no new jobs for now.")
    if wants_fragment():
        return _mine(message=message)
    flash(message, "success")
    return redirect(url_for("couriers.mine"), code=303)


def _job_response(delivery, status=200, **kwargs):
    """The job's card again (htmx), or back to the rider's page."""
    if wants_fragment():
        response = render_page("couriers/mine.html", "couriers/_job.html",
                               **job_context(m.Delivery.get_by_id(delivery.id), **kwargs))
        response.status_code = 200
        return response
    if kwargs.get("error"):
        flash(kwargs["error"], "error")
    elif kwargs.get("message"):
        flash(kwargs["message"], "success")
    return redirect(url_for("couriers.mine"), code=303)


STEP_MESSAGES = {
    "accept": lambda: _("Accepted. Pick the parcel up at the workshop."),
    "decline": lambda: _("Declined; the shop will book someone else."),
    "picked_up": lambda: _("Picked up. Have a safe trip!"),
    "on_the_way": lambda: _("On the way: the customer can see it."),
}


def step(delivery_id: int):
    refusal = _require_rider()
    if refusal is not None:
        return refusal
    delivery = _my_delivery(delivery_id)
    form = StepForm(prefix=f"step-{delivery.id}")
    if not form.validate_on_submit():
        return _job_response(delivery, error=_("Please try again."), step_form=form)
    try:
        if form.step.data == "decline":
            svc.decline(delivery, _me(), form.reason.data or "")
        else:
            svc.STEPS[form.step.data](delivery, _me())
    except (svc.DeliveryError, TransitionError) as err:
        return _job_response(delivery, error=str(err))
    return _job_response(delivery, message=STEP_MESSAGES[form.step.data]())


def delivered(delivery_id: int):
    refusal = _require_rider()
    if refusal is not None:
        return refusal
    delivery = _my_delivery(delivery_id)
    form = DeliveredForm(prefix=f"done-{delivery.id}")
    if not form.validate_on_submit():
        return _job_response(delivery, error=_("Please correct the marked fields."), delivered_form=form)
    if delivery.is_cod and form.cash_collected.data is None:
        form.cash_collected.errors = [_("Enter the cash you collected.")]
        return _job_response(delivery, error=_("Please correct the marked fields."), delivered_form=form)
    try:
        svc.delivered(delivery, _me(), form.recipient.data, photo=form.photo.data,
                      cash_collected=form.cash_collected.data)
    except proofs.ProofError as err:
        form.photo.errors = [str(err)]
        return _job_response(delivery, error=str(err), delivered_form=form)
    except (svc.DeliveryError, TransitionError) as err:
        return _job_response(delivery, error=str(err), delivered_form=form)
    return _job_response(delivery, message=_("Delivered. Thank you!"))


def failed(delivery_id: int):
    refusal = _require_rider()
    if refusal is not None:
        return refusal
    delivery = _my_delivery(delivery_id)
    form = FailedForm(prefix=f"fail-{delivery.id}")
    if not form.validate_on_submit():
        return _job_response(delivery, error=_("Please correct the marked fields."), failed_form=form)
    try:
        svc.failed(delivery, _me(), form.reason.data)
    except (svc.DeliveryError, TransitionError) as err:
        return _job_response(delivery, error=str(err), failed_form=form)
    return _job_response(delivery, message=_("Recorded. Bring the parcel back to the workshop."))


# The rider's pages belong to no shop, so they are app rules named under this blueprint
# ("couriers.mine"): core's guard still answers 404 when the platform disallows the plugin.
RIDER_RULES = [
    ("/courier/", "mine", mine, ["GET"]),
    ("/courier/availability", "availability", availability, ["POST"]),
    ("/courier/deliveries/<int:delivery_id>/step", "step", step, ["POST"]),
    ("/courier/deliveries/<int:delivery_id>/delivered", "delivered", delivered, ["POST"]),
    ("/courier/deliveries/<int:delivery_id>/failed", "failed", failed, ["POST"]),
]


@bp.record_once
def _add_rider_rules(state):
    for rule, endpoint, view, methods in RIDER_RULES:
        state.app.add_url_rule(rule, f"{NAME}.{endpoint}", view, methods=methods)
