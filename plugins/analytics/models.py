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


MIGRATIONS = [
    ("0001_initial", _initial),
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
