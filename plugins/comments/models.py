"""The comments' tables and the queries and writes the views and hooks share.

A comment belongs to one product of one shop. A comment with a ``rating`` is a
review; only a customer with a delivered or completed order of that product in
that shop may rate, once per product (they edit that review afterwards).
Moderation never loses data: hiding and holding change ``status``; "delete"
marks the row deleted and takes it off every page.
"""
from __future__ import annotations

import datetime as dt

import peewee as pw

from portal.core.db import Model, atomic_write, utcnow
from portal.core.models import Product, Shop, User
from portal.core.orders import COMPLETED, DELIVERED, Order, OrderItem
from portal.core.prepared import Param, Prepared, Shapes

VISIBLE = "visible"
PENDING = "pending"  # waiting for the shop's approval
HIDDEN = "hidden"  # hidden by the shop
DELETED = "deleted"  # removed by the shop; kept for the record, never shown
STATUSES = (VISIBLE, PENDING, HIDDEN, DELETED)
BUYER_STATUSES = (DELIVERED, COMPLETED)


class Comment(Model):
    """One comment (or, with a rating, one review) on a product."""

    # backref "+" keeps the plugin from adding attributes to core's models.
    shop = pw.ForeignKeyField(Shop, backref="+", on_delete="CASCADE")
    product = pw.ForeignKeyField(Product, backref="+", on_delete="CASCADE")
    author = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    # The name as it was when posted: the comment reads the same if the account goes.
    author_name = pw.CharField(max_length=120)
    body = pw.TextField()
    rating = pw.SmallIntegerField(null=True)
    # Bought and received this product from this shop when posting.
    verified = pw.BooleanField(default=False)
    # Written by the shop's owner or staff (shown with the shop's badge).
    by_team = pw.BooleanField(default=False)
    status = pw.CharField(max_length=10, default=VISIBLE)
    reply = pw.TextField(default="")
    reply_by = pw.ForeignKeyField(User, backref="+", null=True, on_delete="SET NULL")
    replied_at = pw.DateTimeField(null=True)
    reports = pw.IntegerField(default=0)
    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "comments_comment"
        indexes = (
            (("product", "status", "created_at"), False),
            (("shop", "status", "created_at"), False),
            (("author", "product"), False),
        )
        constraints = (
            pw.Check("rating IS NULL OR (rating >= 1 AND rating <= 5)"),
            pw.Check("status IN ('visible', 'pending', 'hidden', 'deleted')"),
        )

    @property
    def is_public(self) -> bool:
        return self.status == VISIBLE


class CommentReport(Model):
    """A logged-in reader flagged a comment for the shop to look at (once per reader)."""

    comment = pw.ForeignKeyField(Comment, backref="+", on_delete="CASCADE")
    user = pw.ForeignKeyField(User, backref="+", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "comments_report"
        indexes = ((("comment", "user"), True),)


def _initial(database, migrator):
    database.create_tables([Comment, CommentReport], safe=True)


# Applied once each by `portal db upgrade`; never rename or remove a shipped step.
MIGRATIONS = [
    ("0001_initial", _initial),
]


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------


def visible_to(query, user=None, team: bool = False):
    """Restrict ``query`` to what this reader may see.

    The public sees visible comments; an author also sees their own comment while
    it waits for approval; the shop's team sees everything but deleted ones.
    """
    if team:
        return query.where(Comment.status != DELETED)
    condition = Comment.status == VISIBLE
    if user is not None:
        condition |= (Comment.author == user.id) & (Comment.status == PENDING)
    return query.where(condition)


def newest_first(query):
    return query.order_by(Comment.created_at.desc(), Comment.id.desc())


def encode_cursor(comment: Comment) -> str:
    """Where the next page starts: after this comment (newest first), as ``<microseconds>.<id>``."""
    stamp = int((comment.created_at - dt.datetime(1970, 1, 1)).total_seconds() * 1_000_000)
    return f"{stamp}.{comment.id}"


def decode_cursor(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """The ``(created_at, id)`` a cursor names, or ``None`` when it is missing or malformed."""
    if not cursor:
        return None
    stamp, _, ident = cursor.partition(".")
    if not (stamp.isdigit() and ident.isdigit()) or len(stamp) > 18 or len(ident) > 12:
        return None
    try:
        return dt.datetime(1970, 1, 1) + dt.timedelta(microseconds=int(stamp)), int(ident)
    except OverflowError:
        return None


def page_after(query, cursor: tuple[dt.datetime, int] | None, per_page: int) -> tuple[list[Comment], str | None]:
    """One keyset page of ``query`` (newest first): the rows and the cursor of the next page, if any."""
    if cursor is not None:
        at, ident = cursor
        query = query.where((Comment.created_at < at) | ((Comment.created_at == at) & (Comment.id < ident)))
    rows = list(newest_first(query).limit(per_page + 1))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


def product_comments(product, user=None, team: bool = False):
    return visible_to(Comment.select().where(Comment.product == product), user, team)


def _first_page_query(reader: bool, team: bool, per_page: int):
    query = Comment.select().where(Comment.product == Param("product"))
    if team:
        query = query.where(Comment.status != DELETED)
    else:
        condition = Comment.status == VISIBLE
        if reader:
            condition |= (Comment.author == Param("user")) & (Comment.status == PENDING)
        query = query.where(condition)
    return newest_first(query).limit(per_page + 1)


# The first page under every product is asked on every product page: its SQL is built
# once per reader kind (portal.core.prepared). Later pages go through ``page_after``.
_FIRST_PAGES = Shapes(_first_page_query)


def first_page(product, user=None, team: bool = False, per_page: int = 10) -> tuple[list[Comment], str | None]:
    """``page_after(product_comments(product, user, team), None, per_page)``, with its SQL built once."""
    shape = (user is not None and not team, team, per_page)
    values = {"product": product, "user": user.id} if shape[0] else {"product": product}
    rows = _FIRST_PAGES[shape].all(**values)
    more = len(rows) > per_page
    rows = rows[:per_page]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


def shop_comments(shop, status: str | None = None):
    """The shop's comments for the back office (never deleted ones), optionally of one status."""
    query = Comment.select(Comment, Product).join(Product).where(Comment.shop == shop)
    if status == "reported":
        return query.where((Comment.status != DELETED) & (Comment.reports > 0))
    if status in (VISIBLE, PENDING, HIDDEN):
        return query.where(Comment.status == status)
    return query.where(Comment.status != DELETED)


def comment_of(shop, comment_id: int, include_deleted: bool = False) -> Comment | None:
    """A comment of this shop only: another shop's id is simply not found."""
    query = Comment.select().where((Comment.id == comment_id) & (Comment.shop == shop))
    if not include_deleted:
        query = query.where(Comment.status != DELETED)
    return query.first()


_ONE_RATING = Prepared(lambda: Comment.select(pw.fn.AVG(Comment.rating), pw.fn.COUNT(Comment.rating))
                       .where((Comment.product == Param("product")) & (Comment.status == VISIBLE)
                              & Comment.rating.is_null(False)).tuples())


def product_rating(product) -> tuple[float, int] | None:
    """``rating_summary([product.id]).get(product.id)`` for one product page, with its SQL built once."""
    row = _ONE_RATING.first(product=product)
    if not row or not row[1]:
        return None
    return float(row[0]), int(row[1])


def rating_summary(product_ids) -> dict[int, tuple[float, int]]:
    """``{product_id: (average, count)}`` of the visible reviews, in ONE query for any number of products."""
    ids = list(product_ids)
    if not ids:
        return {}
    rows = _RATINGS[len(ids)].execute(ids=ids)
    return {product_id: (float(avg), int(n)) for product_id, avg, n in rows if n}


# Every product list's badges ask this (its SQL built once per list length).
_RATINGS = Shapes(lambda count: Comment.select(Comment.product, pw.fn.AVG(Comment.rating).alias("avg"),
                                               pw.fn.COUNT(Comment.rating).alias("n"))
                  .where(Comment.product.in_(Param.many("ids", count)) & (Comment.status == VISIBLE)
                         & Comment.rating.is_null(False))
                  .group_by(Comment.product).tuples())


def counts(shop) -> dict[str, int]:
    """How many comments of each status the shop has, and how many are reported (one query)."""
    rows = (Comment.select(Comment.status, pw.fn.COUNT(Comment.id), pw.fn.SUM(pw.Case(None, [(Comment.reports > 0, 1)], 0)))
            .where(Comment.shop == shop).group_by(Comment.status).tuples())
    found = {status: 0 for status in STATUSES}
    reported = 0
    for status, n, flagged in rows:
        found[status] = n
        if status != DELETED:
            reported += int(flagged or 0)
    found["reported"] = reported
    return found


def pending_count(shop) -> int:
    return Comment.select().where((Comment.shop == shop) & (Comment.status == PENDING)).count()


def is_verified_buyer(shop, product, user) -> bool:
    """Whether ``user`` has an order of ``shop`` with ``product`` that was delivered (or completed)."""
    if user is None or getattr(product, "shop_id", None) != shop.id:
        return False
    return (OrderItem.select(OrderItem.id).join(Order)
            .where((Order.shop == shop) & (Order.customer == user.id) & (Order.status.in_(BUYER_STATUSES))
                   & (OrderItem.product == product))
            .exists())


def own_review(product, user) -> Comment | None:
    """The user's rated review of this product (not deleted), if they wrote one."""
    if user is None:
        return None
    return (Comment.select()
            .where((Comment.product == product) & (Comment.author == user.id) & Comment.rating.is_null(False)
                   & (Comment.status != DELETED))
            .first())


def customer_comments(shop, customer, limit: int = 20) -> list[Comment]:
    query = (Comment.select(Comment, Product).join(Product)
             .where((Comment.shop == shop) & (Comment.author == customer.id) & (Comment.status != DELETED)))
    return list(newest_first(query).limit(limit))


# ---------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------


class AlreadyReviewed(Exception):
    """The customer already rated this product: they edit that review instead."""


def add_comment(shop, product, author, body: str, rating: int | None = None, *, verified: bool = False,
                by_team: bool = False, held: bool = False, created_at=None) -> Comment:
    with atomic_write():
        # Checked inside the write transaction: a double click cannot add a second review.
        if rating is not None and own_review(product, author) is not None:
            raise AlreadyReviewed()
        return Comment.create(
            shop=shop, product=product, author=author, author_name=author.name[:120], body=body, rating=rating,
            verified=verified, by_team=by_team, status=PENDING if held else VISIBLE,
            created_at=created_at or utcnow(),
        )


def edit_comment(comment: Comment, body: str, rating: int | None) -> Comment:
    with atomic_write():
        Comment.update(body=body, rating=rating, updated_at=utcnow()).where(Comment.id == comment.id).execute()
    comment.body, comment.rating = body, rating
    return comment


def set_status(comment: Comment, status: str) -> Comment:
    with atomic_write():
        Comment.update(status=status).where(Comment.id == comment.id).execute()
        if status == VISIBLE:
            # Shown again after a look: the old reports are dealt with.
            CommentReport.delete().where(CommentReport.comment == comment.id).execute()
            Comment.update(reports=0).where(Comment.id == comment.id).execute()
            comment.reports = 0
    comment.status = status
    return comment


def set_reply(comment: Comment, text: str, by) -> Comment:
    now = utcnow() if text else None
    with atomic_write():
        Comment.update(reply=text, reply_by=by if text else None, replied_at=now).where(Comment.id == comment.id).execute()
    comment.reply, comment.replied_at = text, now
    comment.reply_by = by if text else None
    return comment


def report(comment: Comment, user) -> bool:
    """Flag ``comment`` for the shop; ``False`` when this reader had already reported it."""
    with atomic_write():
        _, created = CommentReport.get_or_create(comment=comment.id, user=user.id)
        if created:
            Comment.update(reports=Comment.reports + 1).where(Comment.id == comment.id).execute()
    return created
