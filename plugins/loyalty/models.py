"""The loyalty plugin's tables: vouchers and their uses, the points ledger, campaigns and unsubscribes."""
from __future__ import annotations

import peewee as pw

from portal.core.db import JSONField, Model, utcnow
from portal.core.models import Shop, User
from portal.core.orders import Order

PERCENT = "percent"
FIXED = "fixed"


class LoyaltyVoucher(Model):
    """A voucher code of one shop; ``uses`` only grows by a conditional UPDATE at placement."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    # Stored upper-case: codes are case-insensitive and unique per shop.
    code = pw.CharField(max_length=40)
    kind = pw.CharField(max_length=8, default=PERCENT)  # percent | fixed
    # Percent 1..100, or whole Rupiah.
    value = pw.BigIntegerField()
    min_order = pw.BigIntegerField(default=0)
    # Asia/Jakarta calendar days, inclusive; empty means open-ended.
    starts_on = pw.DateField(null=True)
    ends_on = pw.DateField(null=True)
    max_uses = pw.IntegerField(null=True)
    per_customer = pw.IntegerField(null=True)
    uses = pw.IntegerField(default=0)
    is_active = pw.BooleanField(default=True)
    # A campaign's personal code is only for this customer.
    only_for = pw.ForeignKeyField(User, backref="+", null=True, on_delete="CASCADE")
    note = pw.CharField(max_length=200, default="")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "loyalty_voucher"
        indexes = ((("shop", "code"), True),)
        constraints = (pw.Check("uses >= 0"), pw.Check("value > 0"), pw.Check("min_order >= 0"))


class LoyaltyVoucherUse(Model):
    """One order that used a voucher; ``released_at`` is set when the order ended without delivery."""

    voucher = pw.ForeignKeyField(LoyaltyVoucher, backref="+", on_delete="CASCADE")
    order = pw.ForeignKeyField(Order, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    email = pw.CharField(max_length=254)
    amount = pw.BigIntegerField()
    released_at = pw.DateTimeField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "loyalty_voucher_use"
        indexes = ((("voucher", "order"), True), (("voucher", "email"), False))


class LoyaltyAccount(Model):
    """A customer's points balance at one shop; changes only as ``balance = balance ± n`` with the ledger row."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    balance = pw.IntegerField(default=0)

    class Meta:
        table_name = "loyalty_account"
        indexes = ((("shop", "customer"), True),)
        constraints = (pw.Check("balance >= 0"),)


EARNED = "earned"
REDEEMED = "redeemed"
REFUNDED = "refunded"  # redeemed points given back when the order ended undelivered
ADJUSTED = "adjusted"


class LoyaltyPointEntry(Model):
    """The points history; one row per (order, kind) so an order never earns or redeems twice."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    kind = pw.CharField(max_length=10)
    points = pw.IntegerField()  # signed
    order = pw.ForeignKeyField(Order, backref="+", null=True, on_delete="SET NULL")
    order_number = pw.CharField(max_length=32, default="")
    note = pw.CharField(max_length=200, default="")
    by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "loyalty_point_entry"
        indexes = ((("order", "kind"), True), (("shop", "customer", "created_at"), False))


DRAFT = "draft"
SCHEDULED = "scheduled"
SENDING = "sending"
SENT = "sent"


class LoyaltyCampaign(Model):
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    name = pw.CharField(max_length=120)
    subject = pw.CharField(max_length=150)
    body = pw.TextField()
    # segment:<key> | customers
    audience = pw.CharField(max_length=80, default="customers")
    customer_ids = JSONField(default=list)
    voucher_mode = pw.CharField(max_length=10, default="none")  # none | shared | personal
    shared_voucher = pw.ForeignKeyField(LoyaltyVoucher, backref="+", null=True, on_delete="SET NULL")
    # Personal codes: one single-use voucher per recipient.
    personal_kind = pw.CharField(max_length=8, default=PERCENT)
    personal_value = pw.BigIntegerField(default=10)
    personal_days = pw.IntegerField(default=30)
    status = pw.CharField(max_length=10, default=DRAFT)
    send_at = pw.DateTimeField(null=True)  # naive UTC
    created_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    created_at = pw.DateTimeField(default=utcnow)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "loyalty_campaign"
        indexes = ((("status", "send_at"), False), (("shop", "created_at"), False))


PENDING = "pending"
CLAIMED = "claimed"  # being sent now; never picked again, so a crash cannot send twice
R_SENT = "sent"
FAILED = "failed"
UNSUBSCRIBED = "unsubscribed"


class LoyaltyRecipient(Model):
    campaign = pw.ForeignKeyField(LoyaltyCampaign, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    email = pw.CharField(max_length=254)
    status = pw.CharField(max_length=12, default=PENDING)
    voucher = pw.ForeignKeyField(LoyaltyVoucher, backref="+", null=True, on_delete="SET NULL")
    mail_id = pw.IntegerField(null=True)
    error = pw.CharField(max_length=300, default="")
    sent_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "loyalty_recipient"
        indexes = ((("campaign", "email"), True), (("campaign", "status"), False))


class LoyaltyUnsubscribe(Model):
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    email = pw.CharField(max_length=254)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "loyalty_unsubscribe"
        indexes = ((("shop", "email"), True),)


MODELS = [LoyaltyVoucher, LoyaltyVoucherUse, LoyaltyAccount, LoyaltyPointEntry, LoyaltyCampaign, LoyaltyRecipient,
          LoyaltyUnsubscribe]


def _initial(database, migrator):
    database.create_tables(MODELS, safe=True)


MIGRATIONS = [
    ("0001_initial", _initial),
]
