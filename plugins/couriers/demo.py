"""Demo data for the courier plugin: rider Ujang's Bandung districts, two courier services with
fee tables, and a few deliveries in different states (``portal demo``; idempotent)."""
from __future__ import annotations

import datetime as dt

from plugins.couriers import fees
from plugins.couriers import models as m
from portal.core import orders as o
from portal.core.db import db
from portal.core.models import Membership, User

# The shoe workshop: the shop whose demo courier is Ujang (its slug is "cibaduyut").
RIDER_EMAIL = "courier@demo.test"
OWNER_EMAIL = "owner@demo.test"

# Kecamatan of Kota Bandung around Cibaduyut, and the fee for the shop's own rider.
AREAS = [
    ("Bojongloa Kidul", 10_000), ("Babakan Ciparay", 12_000), ("Bojongloa Kaler", 12_000), ("Regol", 15_000),
    ("Astanaanyar", 15_000), ("Lengkong", 18_000), ("Buahbatu", 18_000), ("Andir", 18_000), ("Cicendo", 20_000),
    ("Sukajadi", 20_000), ("Coblong", 22_000), ("Kota Bandung", 25_000),
]
SERVICES = [
    ("JNE REG", "https://www.jne.co.id/tracking-package?awb={waybill}", [
        ("Kota Bandung", 9_000, "1-2"), ("Kabupaten Bandung", 11_000, "1-2"), ("Cimahi", 10_000, "1-2"),
        ("Jakarta Selatan", 12_000, "2-3"), ("Jakarta Pusat", 12_000, "2-3"), ("Bekasi", 13_000, "2-3"),
        ("Bogor", 13_000, "2-3"), ("Semarang", 16_000, "2-3"), ("Yogyakarta", 16_000, "2-3"),
        ("Surabaya", 18_000, "3-4"), ("Denpasar", 25_000, "3-5"), ("Medan", 32_000, "4-6"),
    ]),
    ("J&T Express", "https://jet.co.id/track?awb={waybill}", [
        ("Kota Bandung", 8_000, "1-2"), ("Kabupaten Bandung", 10_000, "1-2"), ("Jakarta Selatan", 11_000, "2-3"),
        ("Jakarta Pusat", 11_000, "2-3"), ("Bekasi", 12_000, "2-3"), ("Surabaya", 17_000, "2-4"),
        ("Makassar", 35_000, "4-6"),
    ]),
]


def _ujang_rides_for(shop) -> bool:
    rider = User.get_or_none(User.email == RIDER_EMAIL)
    return rider is not None and Membership.select().where(
        (Membership.shop == shop) & (Membership.user == rider) & (Membership.role == "courier")).exists()


def load(shop) -> dict | None:
    if not _ujang_rides_for(shop):
        return None
    with db.atomic():
        for place, fee in AREAS:
            key = fees.place_key(place)
            if not m.RiderArea.select().where((m.RiderArea.shop == shop) & (m.RiderArea.place_key == key)).exists():
                m.RiderArea.create(shop=shop, place=place, place_key=key, fee=fee)
        services = {}
        for name, template, rows in SERVICES:
            service = m.CourierService.get_or_none((m.CourierService.shop == shop) & (m.CourierService.name == name))
            if service is None:
                service = m.CourierService.create(shop=shop, name=name, tracking_template=template)
                fees.replace_rates(service, [fees.RateRow(c, fees.place_key(c), p, 1, etd) for c, p, etd in rows])
            services[name] = service
        _deliveries(shop, services)
    return {
        "rider areas": m.RiderArea.select().where(m.RiderArea.shop == shop).count(),
        "courier services": len(services),
        "deliveries": m.Delivery.select().where(m.Delivery.shop == shop).count(),
    }


def _deliveries(shop, services):
    """Deliveries matching orders already handed over or delivered, and one job waiting for Ujang."""
    if m.Delivery.select().where(m.Delivery.shop == shop).exists():
        return
    rider = User.get(User.email == RIDER_EMAIL)
    owner = User.get_or_none(User.email == OWNER_EMAIL)
    shipped = lambda status, n: list(o.Order.select().where(  # noqa: E731
        (o.Order.shop == shop) & (o.Order.status == status) & (o.Order.delivery_method != "pickup"))
        .order_by(o.Order.updated_at.desc()).limit(n))

    def add(order, kind, status, steps, **fields):
        when = order.updated_at or order.created_at
        d = m.Delivery.create(shop=shop, order=order, kind=kind, status=status, booked_by=owner,
                              created_at=when - dt.timedelta(hours=len(steps)), updated_at=when, **fields)
        for i, (action, actor, note) in enumerate(steps):
            m.DeliveryEvent.create(delivery=d, action=action, actor=actor, note=note,
                                   created_at=when - dt.timedelta(hours=len(steps) - i - 1))
        return d

    delivered = shipped(o.DELIVERED, 2)
    for order in delivered[:1]:
        add(order, m.RIDER, m.DELIVERED, [(m.BOOKED, owner, rider.name), (m.ACCEPTED, rider, ""),
                                          (m.PICKED_UP, rider, ""), (m.ON_THE_WAY, rider, ""),
                                          (m.DELIVERED, rider, order.name)],
            rider=rider, recipient_name=order.name)
    for order in delivered[1:]:
        jne = services["JNE REG"]
        add(order, m.SERVICE, m.DELIVERED, [(m.HANDED_OVER, owner, "CGK2611270001"), (m.DELIVERED, owner, "")],
            service=jne, service_name=jne.name, waybill="CGK2611270001")
    handed = shipped(o.HANDED_OVER, 2)
    for order in handed[:1]:
        add(order, m.RIDER, m.ON_THE_WAY, [(m.BOOKED, owner, rider.name), (m.ACCEPTED, rider, ""),
                                           (m.PICKED_UP, rider, ""), (m.ON_THE_WAY, rider, "")], rider=rider)
    for order in handed[1:]:
        jnt = services["J&T Express"]
        add(order, m.SERVICE, m.HANDED_OVER, [(m.HANDED_OVER, owner, "JP4512339870")],
            service=jnt, service_name=jnt.name, waybill="JP4512339870")
    for order in shipped(o.READY, 1):
        add(order, m.RIDER, m.BOOKED, [(m.BOOKED, owner, rider.name)], rider=rider)
