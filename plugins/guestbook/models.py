"""The guestbook's table and the few queries and writes its views and hooks share."""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, db, utcnow
from portal.core.models import Shop, User


class GuestbookEntry(Model):
    """One message left in a shop's guestbook; hiding keeps it, nothing is deleted."""

    # backref "+" keeps the plugin from adding attributes to core's Shop and User.
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    name = pw.CharField(max_length=80)
    message = pw.TextField()
    rating = pw.SmallIntegerField(null=True)
    is_hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("shop", "is_hidden", "created_at"), False),)
        constraints = (pw.Check("rating IS NULL OR (rating >= 1 AND rating <= 5)"),)


def _initial(database, migrator):
    database.create_tables([GuestbookEntry], safe=True)


MIGRATIONS = [
    ("0001_initial", _initial),
]


def entries(shop, include_hidden: bool = False):
    """The shop's entries, newest first; the public never sees hidden ones."""
    query = GuestbookEntry.select().where(GuestbookEntry.shop == shop)
    if not include_hidden:
        query = query.where(GuestbookEntry.is_hidden == False)
    return query.order_by(GuestbookEntry.created_at.desc(), GuestbookEntry.id.desc())


def page_of(shop, page: int, per_page: int, include_hidden: bool = False):
    """``(entries, has_next)`` for one page, fetched with one extra row to know if more follow."""
    rows = list(entries(shop, include_hidden).limit(per_page + 1).offset((page - 1) * per_page))
    return rows[:per_page], len(rows) > per_page


def counts(shop) -> dict[str, int]:
    visible = entries(shop).count()
    total = GuestbookEntry.select().where(GuestbookEntry.shop == shop).count()
    return {"visible": visible, "hidden": total - visible, "total": total}


def add_entry(shop, name: str, message: str, rating: int | None = None, user=None, hidden: bool = False) -> GuestbookEntry:
    with db.atomic():
        return GuestbookEntry.create(
            shop=shop, user=user, name=name.strip(), message=message.strip(), rating=rating, is_hidden=hidden,
        )


def entry_of(shop, entry_id: int) -> GuestbookEntry | None:
    """An entry of this shop only: another shop's id is simply not found."""
    return GuestbookEntry.get_or_none((GuestbookEntry.id == entry_id) & (GuestbookEntry.shop == shop))


def set_hidden(entry: GuestbookEntry, hidden: bool) -> GuestbookEntry:
    GuestbookEntry.update(is_hidden=hidden).where(GuestbookEntry.id == entry.id).execute()
    entry.is_hidden = hidden
    return entry
