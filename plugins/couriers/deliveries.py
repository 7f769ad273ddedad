"""Booking riders and services, the rider's steps, cash on delivery: every write of the plugin
that touches an order.

The order's status moves only through ``portal.core.order_flow.transition``: a rider's
"picked up" is core's ``hand_over``, "delivered" is ``deliver`` and "failed" is
``return_to_shop`` (the order is ``ready`` again, back in the owner's queue), all with
``role="courier"``; booking a service with its waybill is ``hand_over`` by the shop
team. The delivery row and its event are written in the same transaction as the
order's change (``transition`` joins the outer one), so they never disagree; mail
goes out after commit.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from peewee import JOIN

from plugins.couriers import fees
from plugins.couriers import models as m
from portal.core import order_flow, proofs
from portal.core import orders as o
from portal.core.db import atomic_write, utcnow
from portal.core.mail import MailError, queue_mail
from portal.core.models import Membership, User
from portal.core.notifications import customer_order_url, external_url
from portal.core.prepared import Param, Prepared

NAME = "couriers"


class DeliveryError(Exception):
    """A refused booking or step; ``str(err)`` is for the user. Nothing changed."""


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def riders(shop) -> list[User]:
    """The shop's own riders (members with the ``courier`` role), by name."""
    return list(User.select().join(Membership, on=(Membership.user == User.id))
                .where((Membership.shop == shop) & (Membership.role == "courier") & (User.is_active_flag == True))  # noqa: E712
                .order_by(User.name))


def is_rider_of(shop, user) -> bool:
    return Membership.select().where((Membership.shop == shop) & (Membership.user == user)
                                     & (Membership.role == "courier")).exists()


def available(user) -> bool:
    row = m.RiderStatus.get_or_none(m.RiderStatus.user == user)
    return True if row is None else row.available


def available_riders(shop) -> list[User]:
    off = {r.user_id for r in m.RiderStatus.select(m.RiderStatus.user).where(m.RiderStatus.available == False)}  # noqa: E712
    return [u for u in riders(shop) if u.id not in off]


def active_delivery(order) -> m.Delivery | None:
    return (m.Delivery.select().where((m.Delivery.order == order.id) & m.Delivery.status.in_(m.ACTIVE))
            .order_by(m.Delivery.id.desc()).first())


def open_rider_job(order) -> m.Delivery | None:
    """The rider's job for ``order`` that is booked or accepted but not picked up yet (with its rider), if any."""
    return (m.Delivery.select(m.Delivery, User).join(User, JOIN.LEFT_OUTER, on=(m.Delivery.rider == User.id))
            .where((m.Delivery.order == order.id) & (m.Delivery.kind == m.RIDER)
                   & m.Delivery.status.in_((m.BOOKED, m.ACCEPTED)))
            .order_by(m.Delivery.id.desc()).first())


def hand_over_held(order):
    """Why the shop may not hand ``order`` over itself now, or ``None``.

    While a rider's job is open and not picked up, the hand-over is the rider's step
    ("picked up"): core's own button would move the order past it and break the job.
    """
    job = open_rider_job(order)
    if job is None:
        return None
    return _l("Booked to rider %(name)s — the rider marks the hand-over on picking the parcel up. To hand it "
              "over yourself, first take the job back under Deliveries.", name=job.rider.name if job.rider else "—")


# Every order page's timeline asks it: SQL built once.
_DELIVERIES_OF = Prepared(lambda: m.Delivery.select().where(m.Delivery.order == Param("order")).order_by(m.Delivery.id))


def deliveries_of(order) -> list[m.Delivery]:
    return _DELIVERIES_OF.all(order=order.id)


def events_of(deliveries) -> dict[int, list[m.DeliveryEvent]]:
    ids = [d.id for d in deliveries]
    out: dict[int, list[m.DeliveryEvent]] = {i: [] for i in ids}
    if ids:
        for e in (m.DeliveryEvent.select().where(m.DeliveryEvent.delivery.in_(ids))
                  .order_by(m.DeliveryEvent.created_at, m.DeliveryEvent.id)):
            out[e.delivery_id].append(e)
    return out


def ready_to_ship(shop):
    """Ready orders that go to an address and have no active delivery: the owner's booking queue."""
    busy = m.Delivery.select(m.Delivery.order).where((m.Delivery.shop == shop) & m.Delivery.status.in_(m.ACTIVE))
    return (o.Order.select().where((o.Order.shop == shop) & (o.Order.status == o.READY)
                                   & o.goes_to_an_address() & o.Order.id.not_in(busy))
            .order_by(o.Order.updated_at, o.Order.id))


def shop_delivery(shop, delivery_id: int) -> m.Delivery | None:
    return m.Delivery.get_or_none((m.Delivery.id == delivery_id) & (m.Delivery.shop == shop))


def rider_delivery(user, delivery_id: int) -> m.Delivery | None:
    """A delivery of this rider only: anybody else's is simply not found."""
    return m.Delivery.get_or_none((m.Delivery.id == delivery_id) & (m.Delivery.kind == m.RIDER)
                                  & (m.Delivery.rider == user))


def _event(delivery, action, actor=None, note=""):
    return m.DeliveryEvent.create(delivery=delivery, action=action, actor=actor, note=note)


def _set(delivery: m.Delivery, expected: tuple[str, ...], **values) -> None:
    """Move a delivery on only from the status its caller saw (a double click changes nothing twice)."""
    values.setdefault("updated_at", utcnow())
    done = m.Delivery.update(**values).where((m.Delivery.id == delivery.id) & m.Delivery.status.in_(expected)).execute()
    if done != 1:
        raise DeliveryError(_l("This delivery has changed meanwhile; please reload."))


def _is_cod(order) -> bool:
    return getattr(order, "payment_method", o.TRANSFER) == o.COD


# ---------------------------------------------------------------------------
# booking (owner and staff)
# ---------------------------------------------------------------------------


def _check_bookable(shop, order):
    if order.shop_id != shop.id:
        raise DeliveryError(_l("Order not found."))
    if order.status != o.READY:
        raise DeliveryError(_l("Order %(number)s is not ready to ship.", number=order.number))
    if order.delivery_method == "pickup":
        raise DeliveryError(_l("Order %(number)s is picked up at the workshop.", number=order.number))


def book_rider(shop, orders: list, rider: User, actor) -> list[m.Delivery]:
    """Give one or more ready orders to one of the shop's riders, as one run; e-mail the rider.

    :raises DeliveryError: a rider who is not the shop's or is off duty, or an order that
        cannot be booked (nothing is booked then).
    """
    if not orders:
        raise DeliveryError(_l("Choose at least one order."))
    if not is_rider_of(shop, rider) or not rider.is_active:
        raise DeliveryError(_l("Choose one of your riders."))
    if not available(rider):
        raise DeliveryError(_l("%(name)s is not taking jobs now.", name=rider.name))
    with atomic_write():
        run = m.DeliveryRun.create(shop=shop, rider=rider, booked_by=actor)
        booked = []
        for order in sorted(orders, key=lambda x: x.id):
            current = o.Order.get_by_id(order.id)
            _check_bookable(shop, current)
            if active_delivery(current) is not None:
                raise DeliveryError(_l("Order %(number)s is already booked.", number=current.number))
            delivery = m.Delivery.create(
                shop=shop, order=current, kind=m.RIDER, rider=rider, run=run, status=m.BOOKED,
                cod_amount=current.total if _is_cod(current) else 0, booked_by=actor,
            )
            _event(delivery, m.BOOKED, actor, rider.name)
            booked.append(delivery)
    notify_rider(shop, rider, booked)
    return booked


def notify_rider(shop, rider: User, deliveries: list[m.Delivery]):
    """One e-mail for the run: where to pick up, where each parcel goes, the cash to collect."""
    orders = {d.order_id: o.Order.get_by_id(d.order_id) for d in deliveries}
    try:
        queue_mail(
            rider.email, _l("%(shop)s: %(n)s delivery job(s) for you", shop=shop.name, n=len(deliveries)),
            "couriers/booked", lang=rider.locale or "id", shop=shop, rider=rider,
            jobs=[(d, orders[d.order_id]) for d in deliveries],
            total_cod=sum(d.cod_amount for d in deliveries), portal_url=external_url("couriers.mine"),
        )
    except MailError:
        pass  # a rider without a usable address still sees the jobs on their page


def book_service(shop, order, service: m.CourierService, waybill: str, actor, role: str) -> m.Delivery:
    """Hand a ready order to a courier service under its waybill number (core's ``hand_over``)."""
    waybill = (waybill or "").strip().upper()
    if not fees.WAYBILL_RE.match(waybill):
        raise DeliveryError(_l("A waybill number has 4 to 40 letters, digits or dashes."))
    if service.shop_id != shop.id or not service.is_active:
        raise DeliveryError(_l("Choose one of your courier services."))
    if _is_cod(order):
        raise DeliveryError(_l("Cash-on-delivery orders go with your own rider, who collects the money."))
    with atomic_write():
        current = o.Order.get_by_id(order.id)
        _check_bookable(shop, current)
        if active_delivery(current) is not None:
            raise DeliveryError(_l("Order %(number)s is already booked.", number=current.number))
        delivery = m.Delivery.create(shop=shop, order=current, kind=m.SERVICE, service=service,
                                     service_name=service.name, waybill=waybill, status=m.HANDED_OVER, booked_by=actor)
        _event(delivery, m.HANDED_OVER, actor, waybill)
        order_flow.transition(current, "hand_over", actor=actor, role=role,
                              note=f"{service.name} {waybill}")
    return delivery


def cancel_booking(shop, delivery: m.Delivery, actor) -> m.Delivery:
    """Take a job back from a rider before pick-up (no answer, wrong rider): the order is back in the queue."""
    if delivery.shop_id != shop.id or delivery.kind != m.RIDER or delivery.status not in (m.BOOKED, m.ACCEPTED):
        raise DeliveryError(_l("Only a job the rider has not picked up yet can be taken back."))
    with atomic_write():
        _set(delivery, (m.BOOKED, m.ACCEPTED), status=m.CANCELLED)
        _event(delivery, m.CANCELLED, actor)
    return m.Delivery.get_by_id(delivery.id)


# ---------------------------------------------------------------------------
# the rider's steps
# ---------------------------------------------------------------------------


def _check_rider(delivery: m.Delivery, rider) -> o.Order:
    if delivery.kind != m.RIDER or delivery.rider_id != getattr(rider, "id", None):
        raise DeliveryError(_l("This is not your delivery."))
    return o.Order.get_by_id(delivery.order_id)


def accept(delivery, rider) -> m.Delivery:
    _check_rider(delivery, rider)
    with atomic_write():
        _set(delivery, (m.BOOKED,), status=m.ACCEPTED)
        _event(delivery, m.ACCEPTED, rider)
    return m.Delivery.get_by_id(delivery.id)


def decline(delivery, rider, reason: str = "") -> m.Delivery:
    """The rider cannot take it: the order goes back to the owner's "ready to ship" queue."""
    _check_rider(delivery, rider)
    with atomic_write():
        _set(delivery, (m.BOOKED, m.ACCEPTED), status=m.DECLINED)
        _event(delivery, m.DECLINED, rider, reason.strip()[:500])
    return m.Delivery.get_by_id(delivery.id)


def picked_up(delivery, rider) -> m.Delivery:
    """The rider has the parcel: core's ``hand_over`` (ready -> handed over)."""
    order = _check_rider(delivery, rider)
    with atomic_write():
        _set(delivery, (m.ACCEPTED,), status=m.PICKED_UP)
        order_flow.transition(order, "hand_over", actor=rider, role="courier")
        # After core's line, so the timeline reads "handed over", then who has it.
        _event(delivery, m.PICKED_UP, rider)
    return m.Delivery.get_by_id(delivery.id)


def on_the_way(delivery, rider) -> m.Delivery:
    _check_rider(delivery, rider)
    with atomic_write():
        _set(delivery, (m.PICKED_UP,), status=m.ON_THE_WAY)
        _event(delivery, m.ON_THE_WAY, rider)
    return m.Delivery.get_by_id(delivery.id)


def delivered(delivery, rider, recipient: str, photo=None, cash_collected: int | None = None) -> m.Delivery:
    """Handed to the customer: core's ``deliver``; for cash on delivery, the cash the rider took.

    :param photo: an optional upload (``FileStorage``), checked and re-encoded like a
        transfer proof and stored privately.
    :raises DeliveryError: a COD delivery without the amount collected.
    :raises proofs.ProofError: the photo is refused (nothing changed).
    """
    order = _check_rider(delivery, rider)
    recipient = " ".join((recipient or "").split())[:120]
    if not recipient:
        raise DeliveryError(_l("Write who received the parcel."))
    if delivery.is_cod and cash_collected is None:
        raise DeliveryError(_l("Enter the cash you collected."))
    checked = None
    if photo is not None and getattr(photo, "filename", ""):
        checked = proofs.check_upload(photo)
        if checked.extension == "pdf":
            raise proofs.ProofError(_l("Upload a photo (JPEG or PNG)."))
    name = proofs.store(checked) if checked else None
    try:
        with atomic_write():
            _set(delivery, (m.PICKED_UP, m.ON_THE_WAY), status=m.DELIVERED, recipient_name=recipient,
                 photo_file=name, photo_content_type=checked.content_type if checked else None,
                 cash_collected=cash_collected if delivery.is_cod else None)
            order_flow.transition(order, "deliver", actor=rider, role="courier")
            _event(delivery, m.DELIVERED, rider, recipient)
    except Exception:
        proofs.delete(name)
        raise
    return m.Delivery.get_by_id(delivery.id)


def failed(delivery, rider, reason: str) -> m.Delivery:
    """Not delivered (nobody home, wrong address): core's ``return_to_shop``; the order is ready again."""
    order = _check_rider(delivery, rider)
    reason = (reason or "").strip()[:500]
    if not reason:
        raise DeliveryError(_l("Say why the delivery failed."))
    with atomic_write():
        _set(delivery, (m.PICKED_UP, m.ON_THE_WAY), status=m.FAILED, failure_reason=reason)
        order_flow.transition(order, "return_to_shop", actor=rider, role="courier", note=reason)
        _event(delivery, m.FAILED, rider, reason)
    return m.Delivery.get_by_id(delivery.id)


STEPS = {"accept": accept, "decline": decline, "picked_up": picked_up, "on_the_way": on_the_way}


def set_available(user, value: bool):
    with atomic_write():
        row, created = m.RiderStatus.get_or_create(user=user, defaults={"available": value})
        if not created:
            m.RiderStatus.update(available=value, updated_at=utcnow()).where(m.RiderStatus.id == row.id).execute()


# ---------------------------------------------------------------------------
# keeping in step with changes the shop makes on core's order page
# ---------------------------------------------------------------------------


def tell_cod_customer(order):
    """A confirmed cash-on-delivery order: no transfer is asked for, so say what happens instead."""
    try:
        queue_mail(order.email, _l("Order %(number)s confirmed: pay in cash on delivery", number=order.number),
                   "couriers/cod_confirmed", lang=order.locale or "id", shop=order.shop, order=order,
                   order_url=customer_order_url(order), whatsapp_url=None)
    except MailError:
        pass


def refuse_step(order, action: str):
    """Core's step ``action`` refused while it would break a rider's job (``portal_order_before_transition``)."""
    if action == "hand_over":
        return hand_over_held(order)
    return None


def follow_order(order, action: str, role: str, actor):
    """The shop moved an order itself (core's buttons): close the delivery that no longer applies.

    A service's parcel is delivered when the shop marks the order delivered; a
    rider's job the shop finished or returned by hand ends there too. Riders' own
    steps (role ``courier``) already updated their delivery.
    """
    if role == "courier" or action not in ("deliver", "return_to_shop"):
        return
    delivery = active_delivery(order)
    if delivery is None:
        return
    status = m.DELIVERED if action == "deliver" else m.FAILED
    with atomic_write():
        updated = m.Delivery.update(status=status, updated_at=utcnow()).where(
            (m.Delivery.id == delivery.id) & m.Delivery.status.in_(m.ACTIVE)).execute()
        if updated:
            _event(delivery, status, actor, str(_l("recorded by the shop")))


# ---------------------------------------------------------------------------
# cash on delivery: what each rider holds, and the owner counting it in
# ---------------------------------------------------------------------------


def cash_to_reconcile(shop) -> list[dict]:
    """Per rider: the COD deliveries whose cash they collected and the shop has not counted in yet."""
    rows = (m.Delivery.select().where((m.Delivery.shop == shop) & (m.Delivery.kind == m.RIDER)
                                      & m.Delivery.cash_collected.is_null(False)
                                      & m.Delivery.cash_reconciled_at.is_null(True))
            .order_by(m.Delivery.rider, m.Delivery.id))
    by_rider: dict[int, dict] = {}
    for d in rows:
        entry = by_rider.setdefault(d.rider_id, {"rider": d.rider, "deliveries": [], "collected": 0, "expected": 0})
        entry["deliveries"].append(d)
        entry["collected"] += d.cash_collected
        entry["expected"] += d.cod_amount
    return sorted(by_rider.values(), key=lambda e: e["rider"].name if e["rider"] else "")


def reconcile(shop, rider_id: int, delivery_ids: list[int], actor) -> int:
    """Count in the cash of exactly the deliveries the owner saw listed (not one collected since)."""
    if not delivery_ids:
        raise DeliveryError(_l("Nothing to count in."))
    now = utcnow()
    with atomic_write():
        selector = ((m.Delivery.shop == shop) & (m.Delivery.rider == rider_id) & m.Delivery.id.in_(delivery_ids)
                    & m.Delivery.cash_collected.is_null(False) & m.Delivery.cash_reconciled_at.is_null(True))
        rows = list(m.Delivery.select().where(selector))
        if len(rows) != len(set(delivery_ids)):
            raise DeliveryError(_l("This list has changed meanwhile; please reload."))
        m.Delivery.update(cash_reconciled_at=now, reconciled_by=actor).where(selector).execute()
        for d in rows:
            _event(d, "cash_reconciled", actor, str(d.cash_collected))
    return len(rows)


def plugin_on(registry, shop) -> bool:
    return registry.is_enabled(shop, NAME)
