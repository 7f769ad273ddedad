"""The supplier portal's tables: suppliers, materials and their stock movements, bills of
materials, and purchase orders with their lines, linked customer orders and history.

Quantities are ``Decimal`` with three places (leather is bought by the square foot),
never floats; money is integer Rupiah. A material's ``on_hand`` is only ever changed
together with a ``StockMovement`` row in the same transaction, and with
``UPDATE ... SET on_hand = on_hand + q``, so it always equals the sum of its movements.
"""
from __future__ import annotations

from decimal import Decimal

import peewee as pw

from portal.core.db import Model, utcnow
from portal.core.models import Product, Shop, User
from portal.core.orders import Order

QTY = {"max_digits": 14, "decimal_places": 3, "auto_round": True}
ZERO = Decimal("0.000")

# Movement kinds.
RECEIVED = "received"
CONSUMED = "consumed"
RESTORED = "restored"
ADJUSTED = "adjusted"
MOVEMENT_KINDS = (RECEIVED, CONSUMED, RESTORED, ADJUSTED)

# Purchase-order statuses.
DRAFT = "draft"
SENT = "sent"
CONFIRMED = "confirmed"
REJECTED = "rejected"
SHIPPED = "shipped"
RECEIVED_PO = "received"
CLOSED = "closed"
CANCELLED = "cancelled"
PO_STATUSES = (DRAFT, SENT, CONFIRMED, REJECTED, SHIPPED, RECEIVED_PO, CLOSED, CANCELLED)
# Still expected to arrive: counted as "on order" by the requirements page.
OPEN_PO = (SENT, CONFIRMED, SHIPPED)

MATERIALS = "materials"
OUTSOURCED = "outsourced"


class Supplier(Model):
    """A supplier the shop buys from; optionally linked to a user with the ``supplier`` role in the shop."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=120)
    contact_person = pw.CharField(max_length=120, default="")
    email = pw.CharField(max_length=254, default="")
    phone = pw.CharField(max_length=20, default="")
    address = pw.TextField(default="")
    # The language purchase orders are e-mailed in when the linked user has none.
    lang = pw.CharField(max_length=5, default="id")
    user = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "suppliers_supplier"
        indexes = ((("shop", "name"), True), (("user",), False))


class Material(Model):
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=120)
    unit = pw.CharField(max_length=12)
    on_hand = pw.DecimalField(default=ZERO, **QTY)
    reorder_level = pw.DecimalField(default=ZERO, **QTY)
    preferred_supplier = pw.ForeignKeyField(Supplier, backref="+", null=True, on_delete="SET NULL")
    # Integer Rupiah per unit, the last price paid or agreed.
    cost = pw.BigIntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "suppliers_material"
        indexes = ((("shop", "name"), True),)
        constraints = (pw.Check("cost >= 0"), pw.Check("reorder_level >= 0"))

    @property
    def is_low(self) -> bool:
        return self.on_hand <= self.reorder_level and self.reorder_level > 0


class BomLine(Model):
    """How much of one material one unit of a product takes."""

    product = pw.ForeignKeyField(Product, backref="+", on_delete="CASCADE")
    material = pw.ForeignKeyField(Material, backref="+", on_delete="CASCADE")
    quantity = pw.DecimalField(**QTY)

    class Meta:
        table_name = "suppliers_bom_line"
        indexes = ((("product", "material"), True),)
        constraints = (pw.Check("quantity > 0"),)


class PurchaseOrder(Model):
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    supplier = pw.ForeignKeyField(Supplier, backref="+", on_delete="CASCADE")
    number = pw.CharField(max_length=32)
    kind = pw.CharField(max_length=12, default=MATERIALS)
    status = pw.CharField(max_length=12, default=DRAFT)
    promised_date = pw.DateField(null=True)
    reason = pw.TextField(default="")
    created_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "suppliers_purchase_order"
        indexes = ((("shop", "number"), True), (("shop", "status"), False), (("supplier", "status"), False))


class PurchaseOrderLine(Model):
    po = pw.ForeignKeyField(PurchaseOrder, backref="+", on_delete="CASCADE")
    # None for outsourced work: the description says what is to be made.
    material = pw.ForeignKeyField(Material, backref="+", null=True, on_delete="SET NULL")
    description = pw.CharField(max_length=200)
    unit = pw.CharField(max_length=12, default="")
    quantity = pw.DecimalField(**QTY)
    received = pw.DecimalField(default=ZERO, **QTY)
    unit_cost = pw.BigIntegerField(default=0)

    class Meta:
        table_name = "suppliers_po_line"
        constraints = (pw.Check("quantity > 0"), pw.Check("received >= 0"), pw.Check("unit_cost >= 0"))

    @property
    def outstanding(self) -> Decimal:
        return max(self.quantity - self.received, ZERO)


class PurchaseOrderLink(Model):
    """A customer order a purchase order serves (its materials, or work handed to a third party)."""

    po = pw.ForeignKeyField(PurchaseOrder, backref="+", on_delete="CASCADE")
    order = pw.ForeignKeyField(Order, backref="+", on_delete="CASCADE")

    class Meta:
        table_name = "suppliers_po_order"
        indexes = ((("po", "order"), True), (("order",), False))


class PurchaseOrderEvent(Model):
    """Each step of a purchase order (who, in which role, when) and the note thread."""

    po = pw.ForeignKeyField(PurchaseOrder, backref="+", on_delete="CASCADE")
    # a transition name (send, confirm...), "note", "date" (promised date changed) or "receipt"
    action = pw.CharField(max_length=16)
    from_status = pw.CharField(max_length=12, null=True)
    to_status = pw.CharField(max_length=12, null=True)
    actor = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    role = pw.CharField(max_length=12)
    note = pw.TextField(default="")
    # The delivery date promised by a "confirm" or "reschedule" step.
    promised_date = pw.DateField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "suppliers_po_event"
        indexes = ((("po", "created_at"), False),)


class StockMovement(Model):
    material = pw.ForeignKeyField(Material, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=10)
    # Signed: positive adds to stock, negative takes from it.
    quantity = pw.DecimalField(**QTY)
    reason = pw.TextField(default="")
    order = pw.ForeignKeyField(Order, backref="+", null=True, on_delete="SET NULL")
    po = pw.ForeignKeyField(PurchaseOrder, backref="+", null=True, on_delete="SET NULL")
    actor = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "suppliers_movement"
        indexes = ((("material", "created_at"), False), (("order", "kind"), False))


MODELS = [Supplier, Material, BomLine, PurchaseOrder, PurchaseOrderLine, PurchaseOrderLink, PurchaseOrderEvent,
          StockMovement]


def _initial(database, migrator):
    database.create_tables(MODELS, safe=True)


# Applied once each by `portal db upgrade`; never rename or remove a shipped step.
MIGRATIONS = [
    ("0001_initial", _initial),
]
