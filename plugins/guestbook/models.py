"""The guestbook's table and the few queries and writes its views and hooks share."""
from __future__ import annotations

import peewee as pw

from portal.core.db import Model, db, utcnow
from portal.core.models import Shop, User


class GuestbookEntry(Model):
    """One message left in a shop's guestbook, with the shop's optional public reply.

    ``is_hidden`` keeps an entry from the public; ``is_pending`` marks one held
    for approval (hidden too) until owner or staff show or delete it.
    """

    # backref "+" keeps the plugin from adding attributes to core's Shop and User.
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    name = pw.CharField(max_length=80)
    message = pw.TextField()
    rating = pw.SmallIntegerField(null=True)
    is_hidden = pw.BooleanField(default=False)
    created_at = pw.DateTimeField(default=utcnow)
    # Added by 0002_replies_and_queue.
    is_pending = pw.BooleanField(default=False)
    reply = pw.TextField(default="")
    replied_at = pw.DateTimeField(null=True)
    replied_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL", column_name="replied_by_id")

    class Meta:
        indexes = ((("shop", "is_hidden", "created_at"), False),)
        constraints = (pw.Check("rating IS NULL OR (rating >= 1 AND rating <= 5)"),)


def _initial(database, migrator):
    # The table as 1.0 shipped it; later steps add to it. Creating it from the
    # model as it is today would make 0002 add columns that already exist.
    class _Entry(Model):
        shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
        user = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
        name = pw.CharField(max_length=80)
        message = pw.TextField()
        rating = pw.SmallIntegerField(null=True)
        is_hidden = pw.BooleanField(default=False)
        created_at = pw.DateTimeField(default=utcnow)

        class Meta:
            table_name = "guestbook_entry"
            indexes = ((("shop", "is_hidden", "created_at"), False),)
            constraints = (pw.Check("rating IS NULL OR (rating >= 1 AND rating <= 5)"),)

    database.create_tables([_Entry], safe=True)


def _replies_and_queue(database, migrator):
    from playhouse.migrate import migrate

    columns = {c.name for c in database.get_columns("guestbook_entry")}
    wanted = [
        ("is_pending", pw.BooleanField(default=False)),
        ("reply", pw.TextField(default="")),
        ("replied_at", pw.DateTimeField(null=True)),
        ("replied_by_id", pw.ForeignKeyField(User, null=True, on_delete="SET NULL", field=User.id)),
    ]
    operations = [migrator.add_column("guestbook_entry", name, field) for name, field in wanted if name not in columns]
    if operations:
        migrate(*operations)


MIGRATIONS = [
    ("0001_initial", _initial),
    ("0002_replies_and_queue", _replies_and_queue),
]


def entries(shop, include_hidden: bool = False):
    """The shop's entries, newest first; the public never sees hidden ones."""
    query = GuestbookEntry.select().where(GuestbookEntry.shop == shop)
    if not include_hidden:
        query = query.where(GuestbookEntry.is_hidden == False)  # noqa: E712 - peewee expression
    return query.order_by(GuestbookEntry.created_at.desc(), GuestbookEntry.id.desc())


def pending(shop):
    """Entries held for approval, oldest first (the order they arrived in)."""
    return (GuestbookEntry.select()
            .where((GuestbookEntry.shop == shop) & (GuestbookEntry.is_pending == True))  # noqa: E712
            .order_by(GuestbookEntry.created_at, GuestbookEntry.id))


def page_of(shop, page: int, per_page: int, include_hidden: bool = False, query=None):
    """``(entries, has_next)`` for one page, fetched with one extra row to know if more follow."""
    query = query if query is not None else entries(shop, include_hidden)
    rows = list(query.limit(per_page + 1).offset((page - 1) * per_page))
    return rows[:per_page], len(rows) > per_page


def counts(shop) -> dict[str, int]:
    """Visible, hidden, pending (held for approval, a part of hidden) and total entries."""
    E = GuestbookEntry
    row = (E.select(pw.fn.COUNT(E.id).alias("total"),
                    pw.fn.SUM(pw.Case(None, [(E.is_hidden == True, 1)], 0)).alias("hidden"),  # noqa: E712
                    pw.fn.SUM(pw.Case(None, [(E.is_pending == True, 1)], 0)).alias("pending"))  # noqa: E712
           .where(E.shop == shop).dicts().get())
    total, hidden, held = int(row["total"] or 0), int(row["hidden"] or 0), int(row["pending"] or 0)
    return {"visible": total - hidden, "hidden": hidden, "pending": held, "total": total}


def rating_summary(shop) -> dict:
    """Average rating (one decimal) and number of ratings among the public entries."""
    E = GuestbookEntry
    row = (E.select(pw.fn.AVG(E.rating).alias("avg"), pw.fn.COUNT(E.rating).alias("n"))
           .where((E.shop == shop) & (E.is_hidden == False) & E.rating.is_null(False))  # noqa: E712
           .dicts().get())
    n = int(row["n"] or 0)
    return {"count": n, "average": round(float(row["avg"]), 1) if n else None}


def add_entry(shop, name: str, message: str, rating: int | None = None, user=None, hidden: bool = False,
              pending: bool | None = None) -> GuestbookEntry:
    """Store a new entry; ``hidden`` entries are held for approval unless ``pending=False``."""
    held = hidden if pending is None else pending
    with db.atomic():
        return GuestbookEntry.create(
            shop=shop, user=user, name=name.strip(), message=message.strip(), rating=rating,
            is_hidden=hidden or held, is_pending=held,
        )


def entry_of(shop, entry_id: int) -> GuestbookEntry | None:
    """An entry of this shop only: another shop's id is simply not found."""
    return GuestbookEntry.get_or_none((GuestbookEntry.id == entry_id) & (GuestbookEntry.shop == shop))


def set_hidden(entry: GuestbookEntry, hidden: bool) -> GuestbookEntry:
    """Hide or show; either decision takes the entry out of the approval queue."""
    with db.atomic():
        GuestbookEntry.update(is_hidden=hidden, is_pending=False).where(GuestbookEntry.id == entry.id).execute()
    entry.is_hidden, entry.is_pending = hidden, False
    return entry


def set_reply(entry: GuestbookEntry, text: str, by) -> GuestbookEntry:
    """Write, change or (with empty text) remove the shop's public reply."""
    text = (text or "").strip()
    values = {"reply": text, "replied_at": utcnow() if text else None, "replied_by": by if text else None}
    with db.atomic():
        GuestbookEntry.update(**values).where(GuestbookEntry.id == entry.id).execute()
    entry.reply, entry.replied_at, entry.replied_by = values["reply"], values["replied_at"], values["replied_by"]
    return entry


def delete_entry(entry: GuestbookEntry) -> None:
    """Really delete: the row is gone, not hidden."""
    with db.atomic():
        GuestbookEntry.delete().where(GuestbookEntry.id == entry.id).execute()


def entries_of_customer(shop, customer, limit: int = 20) -> list[GuestbookEntry]:
    return list(GuestbookEntry.select()
                .where((GuestbookEntry.shop == shop) & (GuestbookEntry.user == customer))
                .order_by(GuestbookEntry.created_at.desc(), GuestbookEntry.id.desc())
                .limit(limit))
