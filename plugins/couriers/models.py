"""The courier plugin's tables: where riders go and at what fee, courier services and their fee
tables, riders' availability, and deliveries with their events.

A delivery is one attempt to bring one order to its customer, by one of the
shop's own riders (a user with the ``courier`` role) or by a courier service
(a record the owner keeps; no login, a waybill number instead). An order may
have several over time (a rider declined, an attempt failed); at most one is
active. The order's own status is core's and moves only through
``portal.core.order_flow.transition``: a delivery records who carries the
parcel and what they reported, never a second status of the order.
"""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, utcnow
from portal.core.models import Shop, User
from portal.core.orders import Order

# Delivery kinds
RIDER = "rider"
SERVICE = "service"

# Delivery statuses. A rider's job: booked -> accepted -> picked_up -> on_the_way -> delivered,
# or declined (before pick-up) / failed (after). A service's: handed_over (with its waybill),
# then delivered when the shop marks the order delivered.
BOOKED = "booked"
ACCEPTED = "accepted"
DECLINED = "declined"
PICKED_UP = "picked_up"
ON_THE_WAY = "on_the_way"
DELIVERED = "delivered"
FAILED = "failed"
HANDED_OVER = "handed_over"
CANCELLED = "cancelled"

ACTIVE = (BOOKED, ACCEPTED, PICKED_UP, ON_THE_WAY, HANDED_OVER)
# Jobs that still need the rider's attention, shown first on their page.
RIDER_OPEN = (BOOKED, ACCEPTED, PICKED_UP, ON_THE_WAY)


class RiderArea(Model):
    """A district or city the shop's own riders serve, at a fixed fee."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    place = pw.CharField(max_length=80)
    # ``fees.place_key(place)``: what a customer's district or city is compared with.
    place_key = pw.CharField(max_length=80)
    fee = pw.BigIntegerField()
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_rider_area"
        indexes = ((("shop", "place_key"), True),)
        constraints = (pw.Check("fee >= 0"),)


class CourierService(Model):
    """A courier company the shop hands parcels to (JNE, J&T, SiCepat...): no login, a waybill per parcel."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=60)
    # ``https://.../track?awb={waybill}``; checked to be https with exactly that placeholder.
    tracking_template = pw.CharField(max_length=300, default="")
    is_active = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_service"
        indexes = ((("shop", "name"), True),)

    def tracking_url(self, waybill: str) -> str | None:
        from plugins.couriers.fees import tracking_url

        return tracking_url(self.tracking_template, waybill)


class ServiceRate(Model):
    """One row of a service's fee table: a destination city and the price per kilogram."""

    service = pw.ForeignKeyField(CourierService, backref="+", on_delete="CASCADE")
    city = pw.CharField(max_length=80)
    city_key = pw.CharField(max_length=80)
    per_kg = pw.BigIntegerField()
    # Carriers charge at least this many kilograms.
    min_kg = pw.IntegerField(default=1)
    # Estimated days in transit, as the carrier says it ("2-3").
    etd = pw.CharField(max_length=20, default="")

    class Meta:
        table_name = "couriers_service_rate"
        indexes = ((("service", "city_key"), True),)
        constraints = (pw.Check("per_kg >= 0"), pw.Check("min_kg >= 1"))


class RiderStatus(Model):
    """Whether a rider takes new jobs now (they switch it on their page); absent means available."""

    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE", unique=True)
    available = pw.BooleanField(default=True)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_rider_status"


class DeliveryRun(Model):
    """Several orders booked for one rider at once (one e-mail, one trip)."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    rider = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    booked_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_run"


class Delivery(Model):
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    order = pw.ForeignKeyField(Order, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=10)  # rider | service
    rider = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    run = pw.ForeignKeyField(DeliveryRun, backref="+", null=True, on_delete="SET NULL")
    service = pw.ForeignKeyField(CourierService, backref="+", null=True, on_delete="SET NULL")
    # Kept with the delivery: the service may be renamed later.
    service_name = pw.CharField(max_length=60, default="")
    waybill = pw.CharField(max_length=40, default="")
    status = pw.CharField(max_length=12, default=BOOKED, index=True)
    # Cash on delivery: what the rider must collect, what they say they collected, and
    # when the owner counted it in (per rider, on the cash page).
    cod_amount = pw.BigIntegerField(default=0)
    cash_collected = pw.BigIntegerField(null=True)
    cash_reconciled_at = pw.DateTimeField(null=True)
    reconciled_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    recipient_name = pw.CharField(max_length=120, default="")
    failure_reason = pw.TextField(default="")
    # A photo at the door, re-encoded and stored privately (``portal.core.proofs``).
    photo_file = pw.CharField(max_length=80, null=True)
    photo_content_type = pw.CharField(max_length=40, null=True)
    booked_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_delivery"
        indexes = (
            (("shop", "status"), False),
            (("rider", "status"), False),
            (("order", "created_at"), False),
        )
        constraints = (pw.Check("cod_amount >= 0"),)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE

    @property
    def is_cod(self) -> bool:
        return self.cod_amount > 0


class DeliveryEvent(Model):
    """What happened to a delivery, when and by whom: the timeline lines come from these."""

    delivery = pw.ForeignKeyField(Delivery, backref="+", on_delete="CASCADE")
    # booked | accepted | declined | picked_up | on_the_way | delivered | failed | handed_over |
    # cancelled | cash_reconciled
    action = pw.CharField(max_length=20)
    note = pw.TextField(default="")
    actor = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "couriers_delivery_event"
        indexes = ((("delivery", "created_at"), False),)


MODELS = [RiderArea, CourierService, ServiceRate, RiderStatus, DeliveryRun, Delivery, DeliveryEvent]


def _initial(database, migrator):
    database.create_tables(MODELS, safe=True)


MIGRATIONS = [
    ("0001_initial", _initial),
]
