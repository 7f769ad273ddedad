"""The analytics plugin's tables: the team's notes about customers, and the daily summary.

Every figure is computed from core's order tables (see ``plugins/analytics/queries.py``).
Long periods read whole past days from a per-shop daily summary instead
(``AnalyticsDay`` and its per-product, per-city and lead-time rows), which
``plugins/analytics/summary.py`` rebuilds for a day whenever an order of that day
changes; today is always computed live.
"""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, db, utcnow
from portal.core.models import Product, Shop, User


class AnalyticsCustomerNote(Model):
    """A note the owner or staff keep about one customer of one shop (never shown to the customer)."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    customer = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    body = pw.TextField()
    created_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    updated_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("shop", "customer", "created_at"), False),)


class AnalyticsDay(Model):
    """One whole past Jakarta day of one shop: orders placed, revenue and the funnel (see ``summary.py``).

    A row exists for every day that was built, with zeros for a day without orders,
    so "no row" means "not built yet".
    """

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    day = pw.DateField()
    orders = pw.IntegerField(default=0)
    # Orders that count as revenue, and their totals (the rule of ``queries.REVENUE_STATUSES``).
    paid_orders = pw.IntegerField(default=0)
    revenue = pw.BigIntegerField(default=0)
    # Orders of the day that ever reached confirmed, paid, delivered (from their status history).
    reached_confirmed = pw.IntegerField(default=0)
    reached_paid = pw.IntegerField(default=0)
    reached_delivered = pw.IntegerField(default=0)
    # How many of the day's orders have each lead time measured (their ``AnalyticsLeadTime`` rows).
    measured_to_payment = pw.IntegerField(default=0)
    measured_to_handover = pw.IntegerField(default=0)
    measured_to_delivery = pw.IntegerField(default=0)
    built_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "day"), True),)


class AnalyticsDayProduct(Model):
    """Quantity and revenue of one product on one day, over the day's revenue orders."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    day = pw.DateField()
    # Like ``OrderItem.product``: a deleted product's lines lose it and are grouped together.
    product = pw.ForeignKeyField(Product, null=True, backref="+", on_delete="SET NULL")
    name = pw.CharField(max_length=120)  # MAX(OrderItem.name), for lines of deleted products
    quantity = pw.BigIntegerField()
    revenue = pw.BigIntegerField()

    class Meta:
        indexes = ((("shop", "day"), False),)


class AnalyticsDayCity(Model):
    """Orders placed and revenue per delivery city (trimmed; empty for pick-up) on one day."""

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    day = pw.DateField()
    city = pw.CharField(max_length=80)
    orders = pw.IntegerField()
    revenue = pw.BigIntegerField()

    class Meta:
        indexes = ((("shop", "day"), False),)


class AnalyticsLeadTime(Model):
    """One measured lead time of one order of one day, in hours.

    Medians cannot be added up day by day, so the summary keeps each order's
    duration (as the live query computes it) and the median is read in order of
    ``hours`` through the (shop, span, hours) index.
    """

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    day = pw.DateField()
    span = pw.CharField(max_length=16)  # a key of queries.LEAD_TIME_SPANS
    hours = pw.DoubleField()

    class Meta:
        indexes = ((("shop", "span", "hours", "day"), False), (("shop", "day"), False))


class AnalyticsDirtyDay(Model):
    """A day of a shop whose summary must be rebuilt (an order of that day changed); consumed by the rebuild.

    One row per day: each change bumps ``version``, and a rebuild removes the row only
    if the version is still the one it read before aggregating.
    """

    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    day = pw.DateField()
    version = pw.IntegerField(default=1)

    class Meta:
        indexes = ((("shop", "day"), True),)


SUMMARY_MODELS = [AnalyticsDay, AnalyticsDayProduct, AnalyticsDayCity, AnalyticsLeadTime, AnalyticsDirtyDay]


def _initial(database, migrator):
    database.create_tables([AnalyticsCustomerNote], safe=True)


def _covering_indexes(database, migrator):
    # This migration once created two covering indexes on core's "order" and
    # "order_event" tables. Core's indexes belong to core: its migration
    # 0006_order_covering_indexes makes them now (and drops the copies this step made
    # on older databases). Kept, empty, so databases where it ran and those where it
    # did not agree on the history; it must never touch core's indexes.
    return None


def _daily_summary(database, migrator):
    database.create_tables(SUMMARY_MODELS, safe=True)
    # Existing shops get their past days filled now, so the first long-range
    # dashboard after the upgrade does not pay for it.
    from plugins.analytics import summary

    summary.backfill()


MIGRATIONS = [
    ("0001_initial", _initial),
    ("0002_covering_indexes", _covering_indexes),
    ("0003_daily_summary", _daily_summary),
]


def notes_of(shop, customer):
    """The customer's notes in this shop, newest first, with their authors."""
    Author = User.alias()
    Editor = User.alias()
    return (
        AnalyticsCustomerNote.select(AnalyticsCustomerNote, Author, Editor)
        .join(Author, pw.JOIN.LEFT_OUTER, on=(AnalyticsCustomerNote.author == Author.id), attr="author")
        .switch(AnalyticsCustomerNote)
        .join(Editor, pw.JOIN.LEFT_OUTER, on=(AnalyticsCustomerNote.updated_by == Editor.id), attr="updated_by")
        .where((AnalyticsCustomerNote.shop == shop) & (AnalyticsCustomerNote.customer == customer))
        .order_by(AnalyticsCustomerNote.created_at.desc(), AnalyticsCustomerNote.id.desc())
    )


def note_of(shop, customer, note_id: int) -> AnalyticsCustomerNote | None:
    """A note of this shop and this customer only: any other id is simply not found."""
    return AnalyticsCustomerNote.get_or_none(
        (AnalyticsCustomerNote.id == note_id) & (AnalyticsCustomerNote.shop == shop)
        & (AnalyticsCustomerNote.customer == customer)
    )


def add_note(shop, customer, author, body: str) -> AnalyticsCustomerNote:
    with db.atomic():
        return AnalyticsCustomerNote.create(shop=shop, customer=customer, author=author, body=body)


def edit_note(note: AnalyticsCustomerNote, editor, body: str) -> AnalyticsCustomerNote:
    now = utcnow()
    with db.atomic():
        AnalyticsCustomerNote.update(body=body, updated_by=editor, updated_at=now).where(
            AnalyticsCustomerNote.id == note.id
        ).execute()
    note.body, note.updated_by, note.updated_at = body, editor, now
    return note


def delete_note(note: AnalyticsCustomerNote):
    with db.atomic():
        AnalyticsCustomerNote.delete().where(AnalyticsCustomerNote.id == note.id).execute()
