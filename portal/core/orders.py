"""Order tables: orders, their lines, the audit/timeline, payments, bank statements.

The status lives on ``Order.status`` and changes only through
``portal.core.order_flow.transition``, which writes an ``OrderEvent`` in the same
transaction. ``OrderEvent`` rows are both the audit trail (who, role, when, from,
to) and, where ``public`` is true, the customer's timeline.
"""
from __future__ import annotations

import peewee as pw

from portal.core.db import JSONField, Model, utcnow
from portal.core.models import Product, Shop, User, new_token

# Statuses, in the order the paper's flow visits them.
PLACED = "placed"
CONFIRMED = "confirmed"
REJECTED = "rejected"
AWAITING_PAYMENT = "awaiting_payment"
PAYMENT_SUBMITTED = "payment_submitted"
PAID = "paid"
IN_PRODUCTION = "in_production"
READY = "ready"
HANDED_OVER = "handed_over"
DELIVERED = "delivered"
COMPLETED = "completed"
CANCELLED = "cancelled"
EXPIRED = "expired"

# How the customer pays (``Order.payment_method``).
TRANSFER = "transfer"
COD = "cod"

STATUSES = (
    PLACED, CONFIRMED, AWAITING_PAYMENT, PAYMENT_SUBMITTED, PAID, IN_PRODUCTION,
    READY, HANDED_OVER, DELIVERED, COMPLETED, REJECTED, CANCELLED, EXPIRED,
)
# Orders in these states still hold stock or production capacity.
OPEN_STATUSES = (PLACED, CONFIRMED, AWAITING_PAYMENT, PAYMENT_SUBMITTED, PAID, IN_PRODUCTION, READY)
FINAL_STATUSES = (COMPLETED, REJECTED, CANCELLED, EXPIRED)


class Order(Model):
    shop = pw.ForeignKeyField(Shop, backref="orders", on_delete="CASCADE")
    # Unique per shop (two shops may share a prefix); see the (shop, number) index.
    number = pw.CharField(max_length=32)
    customer = pw.ForeignKeyField(User, null=True, backref="orders", on_delete="SET NULL")
    # Contact and delivery details as given at checkout (a guest has no account).
    name = pw.CharField(max_length=120)
    email = pw.CharField(max_length=254)
    phone = pw.CharField(max_length=20)
    address = pw.TextField(default="")
    city = pw.CharField(max_length=80, default="")
    postal_code = pw.CharField(max_length=10, default="")
    # District (kecamatan): delivery plugins price and route by it (migration 0003).
    district = pw.CharField(max_length=80, default="")
    note = pw.TextField(default="")
    locale = pw.CharField(max_length=5, default="id")
    delivery_method = pw.CharField(max_length=40)
    delivery_label = pw.CharField(max_length=120, default="")
    delivery_fee = pw.BigIntegerField(default=0)
    subtotal = pw.BigIntegerField()
    # The sum of ``discounts`` (integer Rupiah); total = subtotal + delivery_fee - discount.
    discount = pw.BigIntegerField(default=0)
    # What the discounts were, as granted at placement: [{"plugin", "code", "label", "amount"}].
    discounts = JSONField(default=list)
    total = pw.BigIntegerField()
    # "transfer" (the paper's bank transfer) or "cod": cash paid to the shop's own rider at the
    # door, chosen with a delivery option that offers it (migration 0003, see order_flow).
    payment_method = pw.CharField(max_length=12, default="transfer")
    # Bank transfer: total + a 3-digit code unique among the shop's open orders,
    # so a credit on the statement identifies the order by its amount alone.
    unique_code = pw.IntegerField(null=True)
    amount_due = pw.BigIntegerField(null=True)
    payment_deadline = pw.DateTimeField(null=True)
    reminder_sent_at = pw.DateTimeField(null=True)
    status = pw.CharField(max_length=20, default=PLACED, index=True)
    production_stage = pw.CharField(max_length=40, null=True)
    ready_by = pw.DateField(null=True)
    # Secret part of the guest link; the order number (even with the e-mail) is not enough.
    access_token = pw.CharField(max_length=64, default=new_token, unique=True)
    # The checkout form's one-time key: a double click or retried POST finds this order.
    idempotency_key = pw.CharField(max_length=64, null=True)
    created_at = pw.DateTimeField(default=utcnow, index=True)
    updated_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("shop", "number"), True),
            (("shop", "status", "created_at"), False),
            (("shop", "created_at"), False),
            (("shop", "idempotency_key"), True),
            (("shop", "unique_code", "status"), False),
            (("customer", "created_at"), False),
        )
        constraints = (pw.Check("total >= 0"), pw.Check("subtotal >= 0"))


class OrderItem(Model):
    order = pw.ForeignKeyField(Order, backref="items", on_delete="CASCADE")
    product = pw.ForeignKeyField(Product, null=True, backref="order_items", on_delete="SET NULL")
    # Snapshot: the line stays true even if the product is renamed or repriced.
    name = pw.CharField(max_length=120)
    unit_price = pw.BigIntegerField()
    quantity = pw.IntegerField()
    made_to_order = pw.BooleanField(default=False)
    line_total = pw.BigIntegerField()

    class Meta:
        constraints = (pw.Check("quantity > 0"), pw.Check("unit_price >= 0"))


def goes_to_an_address():
    """Condition on ``Order``: delivered to an address, not picked up at the shop.

    Spelled with the literal (not a query parameter) so the planner sees that the
    partial index ``order_to_deliver`` (core migration 0007) applies.
    """
    return Order.delivery_method != pw.SQL("'pickup'")


class OrderEvent(Model):
    """Audit row and timeline entry; written in the same transaction as the change."""

    order = pw.ForeignKeyField(Order, backref="events", on_delete="CASCADE")
    # status | stage | payment | note | plugin
    kind = pw.CharField(max_length=16, default="status")
    action = pw.CharField(max_length=40)
    from_status = pw.CharField(max_length=20, null=True)
    to_status = pw.CharField(max_length=20, null=True)
    actor = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_role = pw.CharField(max_length=16)  # customer, owner, staff, courier, supplier, system
    note = pw.TextField(default="")
    # Shown on the customer's timeline (internal notes are not).
    public = pw.BooleanField(default=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("order", "created_at"), False),)


class ProductionSlot(Model):
    """Made-to-order capacity used per shop and day (units of production)."""

    shop = pw.ForeignKeyField(Shop, on_delete="CASCADE")
    day = pw.DateField()
    used = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("shop", "day"), True),)
        constraints = (pw.Check("used >= 0"),)


class ProductionReservation(Model):
    """Which days' capacity an order holds, so cancelling gives back exactly that."""

    order = pw.ForeignKeyField(Order, backref="reservations", on_delete="CASCADE")
    shop = pw.ForeignKeyField(Shop, on_delete="CASCADE")
    day = pw.DateField()
    units = pw.IntegerField()

    class Meta:
        indexes = ((("order", "day"), True),)
        constraints = (pw.Check("units > 0"),)


class OrderCounter(Model):
    """Per shop and day sequence behind numbers like ``CBD-20261127-0007``."""

    shop = pw.ForeignKeyField(Shop, on_delete="CASCADE")
    day = pw.CharField(max_length=8)
    last = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("shop", "day"), True),)


class BankStatement(Model):
    shop = pw.ForeignKeyField(Shop, backref="statements", on_delete="CASCADE")
    filename = pw.CharField(max_length=200)
    # sha256 of the file: importing the same file twice changes nothing.
    file_hash = pw.CharField(max_length=64)
    preset = pw.CharField(max_length=40)
    uploaded_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "file_hash"), True),)


class StatementLine(Model):
    statement = pw.ForeignKeyField(BankStatement, backref="lines", on_delete="CASCADE")
    shop = pw.ForeignKeyField(Shop, on_delete="CASCADE")
    # sha256 of (date, description, amount, occurrence): the same credit in an
    # overlapping export is recognised and not imported twice.
    line_hash = pw.CharField(max_length=64)
    booked_on = pw.DateField()
    description = pw.TextField(default="")
    amount = pw.BigIntegerField()
    # proposed | approved | ambiguous | unmatched | ignored
    status = pw.CharField(max_length=12, default="unmatched")
    matched_order = pw.ForeignKeyField(Order, null=True, on_delete="SET NULL", backref="statement_lines")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "line_hash"), True), (("shop", "status"), False))


class Payment(Model):
    """A customer's payment claim (transfer proof) or a verified credit."""

    order = pw.ForeignKeyField(Order, backref="payments", on_delete="CASCADE")
    amount = pw.BigIntegerField()
    method = pw.CharField(max_length=20, default="bank_transfer")
    # submitted -> approved | rejected
    status = pw.CharField(max_length=12, default="submitted", index=True)
    payer_name = pw.CharField(max_length=120, default="")
    payer_bank = pw.CharField(max_length=60, default="")
    # Proof stored outside the web root under a generated name.
    proof_file = pw.CharField(max_length=80, null=True)
    proof_content_type = pw.CharField(max_length=40, null=True)
    submitted_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_by = pw.ForeignKeyField(User, null=True, on_delete="SET NULL", backref="reviewed_payments")
    reviewed_at = pw.DateTimeField(null=True)
    reason = pw.TextField(default="")
    statement_line = pw.ForeignKeyField(StatementLine, null=True, on_delete="SET NULL", backref="payments")
    created_at = pw.DateTimeField(default=utcnow)


ORDER_MODELS = [Order, OrderItem, OrderEvent, ProductionSlot, ProductionReservation, OrderCounter, BankStatement, StatementLine, Payment]
