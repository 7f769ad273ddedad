"""The analytics plugin's one table: the notes the shop team keeps about a customer.

Every figure the plugin shows is computed from core's order tables (see
``plugins/analytics/queries.py``); nothing is copied or cached here.
"""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, db, utcnow
from portal.core.models import Shop, User


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


def _initial(database, migrator):
    database.create_tables([AnalyticsCustomerNote], safe=True)


# Covering indexes on two of core's tables, so the analytics read them without
# touching the rows: the per-order milestones (funnel, lead times) read only these
# columns of order_event, and the customer figures (RFM, cohorts, customer list)
# only these of "order". Plain CREATE INDEX, the same on SQLite and PostgreSQL;
# switching the plugin off leaves them (they cost a little on each write).
# A candidate for core's own schema: see the plugin's README.
INDEX_SQL = (
    'CREATE INDEX IF NOT EXISTS "analytics_order_event_flow" '
    'ON "order_event" ("order_id", "kind", "to_status", "created_at")',
    'CREATE INDEX IF NOT EXISTS "analytics_order_customer" '
    'ON "order" ("shop_id", "status", "customer_id", "created_at", "total")',
)


def _covering_indexes(database, migrator):
    for statement in INDEX_SQL:
        database.execute_sql(statement)


MIGRATIONS = [
    ("0001_initial", _initial),
    ("0002_covering_indexes", _covering_indexes),
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
